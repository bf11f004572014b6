"""`needed_names` of the calls nb2pkg writes itself (`run()`'s body, a step's keyword
arguments), read from Python's own tree: LibCST's parse and nb2pkg's walk of a
pipeline's `run()` took longer than black on it, for code that only calls, assigns names
and passes names and constants. Code of any other kind is left to `needed_names`
(None here); tests/test_speed_render.py checks both give the same names."""

from __future__ import annotations

import ast
import re

from nb2pkg.analysis import NOTEBOOK_BUILTINS
from nb2pkg.ipython import to_python
from nb2pkg.limits import python_tree

# What such code holds; anything else (a lambda, a comprehension, an f-string, a walrus,
# an `await`) has scoping or reading rules only the walk knows.
_PLAIN = (
    ast.Module,
    ast.FunctionDef,
    ast.arguments,
    ast.Assign,
    ast.Expr,
    ast.Call,
    ast.Attribute,
    ast.Name,
    ast.Constant,
    ast.keyword,
    ast.Tuple,
    ast.List,
    ast.UnaryOp,
    ast.Subscript,
    ast.Slice,
    ast.BinOp,
    ast.BoolOp,
    ast.Compare,
    ast.IfExp,
    ast.Dict,
    ast.Set,
    ast.Starred,
    ast.operator,
    ast.unaryop,
    ast.boolop,
    ast.cmpop,
    ast.Load,
    ast.Store,
)
_HISTORY = re.compile(r"_i?\d+\Z")  # `_3`, `_i3`: IPython's history, builtins to the walk
_DYNAMIC = frozenset({"exec", "eval", "globals", "locals", "vars"})  # the walk warns on these
_IPYTHON_CALL = re.compile(r"(?<![\w.])display\(")


def plain_needed_names(code: str) -> set[str] | None:
    """`needed_names(code)` for `code` that is one `def` of expressions and name
    assignments without parameters (its names are read when it runs, less those it
    binds), or module-level expressions that bind nothing; None for any other code."""
    if "get_ipython" in code:
        return None  # IPython's rewrite of a magic: the walk reads the code it runs
    translated = to_python(code)
    if translated.python != code or translated.cell_magic is not None:
        return None  # lines IPython rewrites first (`%time`, a bare magic name): the walk reads the rewrite
    try:
        tree = python_tree(code)  # the cell's, when the code is a cell's
    except SyntaxError:
        return None
    function = tree.body[0] if len(tree.body) == 1 and isinstance(tree.body[0], ast.FunctionDef) else None
    if function is not None and (function.decorator_list or function.returns or _has_parameters(function.args)):
        return None
    names = _names_of(tree, function)
    if names is None:
        return None
    loaded, stored = names
    if function is None and stored:
        return None  # module-level code that binds: what it reads depends on the order
    if (loaded | stored) & _DYNAMIC:
        return None
    reads = loaded - stored - {"__class__"}
    reads = {n for n in reads if n not in NOTEBOOK_BUILTINS and not _HISTORY.match(n)}
    if function is not None:
        reads.discard(function.name)  # what the code defines it does not need
    if _IPYTHON_CALL.search(code):
        reads.add("display")
    return reads


def _names_of(tree: ast.Module, function: ast.FunctionDef | None) -> tuple[set[str], set[str]] | None:
    """The names `tree` reads and binds, or None when it holds code of another kind."""
    loaded: set[str] = set()
    stored: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, _PLAIN) or (isinstance(node, ast.FunctionDef) and node is not function):
            return None  # a nested `def`, or one among other statements: its own scope
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Name):
            return None  # a bare name may be a magic the walk runs (`run`, `pwd`: automagic)
        if isinstance(node, ast.Name):
            (stored if isinstance(node.ctx, ast.Store) else loaded).add(node.id)
        elif isinstance(getattr(node, "ctx", None), ast.Store) and not _names(node):
            return None  # `a.b = ...`, `a[0] = ...`, `[a, b] = ...`: only names and tuples of them
    return loaded, stored


def _has_parameters(args: ast.arguments) -> bool:
    return bool(args.posonlyargs or args.args or args.vararg or args.kwonlyargs or args.kwarg)


def _names(target: ast.AST) -> bool:
    return isinstance(target, ast.Tuple) and all(isinstance(e, ast.Name) for e in target.elts)
