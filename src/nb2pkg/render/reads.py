"""`needed_names` of the calls nb2pkg writes itself (`run()`'s body, a step's keyword
arguments), read from Python's own tree: LibCST's parse and nb2pkg's walk of a
pipeline's `run()` took longer than black on it, for code that only calls, assigns names
and passes names and constants. Code of any other kind is left to `needed_names`
(None here); tests/test_speed_render.py checks both give the same names."""

from __future__ import annotations

import ast
import re

from nb2pkg.analysis import NOTEBOOK_BUILTINS

# What such code holds; anything else (a lambda, a comprehension, an f-string, a
# subscript, a walrus, a star) has scoping or reading rules only the walk knows.
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
    ast.USub,
    ast.UAdd,
    ast.Load,
    ast.Store,
)
_HISTORY = re.compile(r"_i?\d+\Z")  # `_3`, `_i3`: IPython's history, builtins to the walk
_DYNAMIC = frozenset({"exec", "eval", "globals", "locals", "vars"})  # the walk warns on these
_IPYTHON_CALL = re.compile(r"(?<![\w.])display\(")


def plain_needed_names(code: str) -> set[str] | None:
    """`needed_names(code)` for `code` that is one `def` of calls and name assignments
    without parameters (its names are read when it runs, less those it binds), or
    module-level calls that bind nothing; None for any other code."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return None
    function = tree.body[0] if len(tree.body) == 1 and isinstance(tree.body[0], ast.FunctionDef) else None
    if function is not None and (function.decorator_list or function.returns or _has_parameters(function.args)):
        return None
    loaded: set[str] = set()
    stored: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, _PLAIN) or (isinstance(node, ast.FunctionDef) and node is not function):
            return None  # a nested `def`, or one among other statements: its own scope
        if isinstance(node, ast.Name):
            (stored if isinstance(node.ctx, ast.Store) else loaded).add(node.id)
        elif (
            isinstance(node, (ast.Attribute, ast.Tuple, ast.List))
            and isinstance(node.ctx, ast.Store)
            and not _names(node)
        ):
            return None  # `a.b = ...`, `[a, b] = ...`: only names and tuples of them are bound
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


def _has_parameters(args: ast.arguments) -> bool:
    return bool(args.posonlyargs or args.args or args.vararg or args.kwonlyargs or args.kwarg)


def _names(target: ast.AST) -> bool:
    return isinstance(target, ast.Tuple) and all(isinstance(e, ast.Name) for e in target.elts)
