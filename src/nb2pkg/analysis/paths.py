"""Which names a run of top-level statements binds on every path, and which only on some.

A loop may run zero times, an `if` without `else` may be skipped, a `try` may stop at
its first statement, `except E as e` deletes `e` when the handler ends: after such
code a name it binds may still hold the value it had before. Those are the *partial*
bindings: the value before flows through them, so whoever provides it must keep
providing it. A name is *killed* when every path through the code rebinds or deletes
it. The analysis is conservative: when in doubt a binding is partial, which costs at
most a parameter.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from functools import lru_cache

import libcst as cst

from nb2pkg.analysis.parsed import CACHED_PER_NOTEBOOK, printed
from nb2pkg.analysis.scopes import LocalBindings, target_names, visit_fields
from nb2pkg.limits import python_tree

# A block that never completes normally (it raises, breaks, returns): on its path
# nothing after it runs, so it constrains nothing. Stands for "every name".
_NEVER: None = None
Kills = frozenset[str] | None


def partial_bindings(statements: Sequence[cst.BaseStatement]) -> frozenset[str]:
    """Names the statements bind or delete on some paths but not on all of them: the
    value before may survive, or a name bound here may be deleted on some paths."""
    return path_facts(statements)[0]


def first_reads(statements: Sequence[cst.BaseStatement]) -> frozenset[str]:
    """Names the statements may read before they bind them on every path: reads after a
    loop or branch that may not have bound the name count (`x` in `if c: x = 1` then
    `print(x)`); a loop's own target read in its body does not. Empty for straight-line
    code, where the walker's uses say the same."""
    return path_facts(statements)[1]


def path_facts(statements: Sequence[cst.BaseStatement]) -> tuple[frozenset[str], frozenset[str]]:
    """(partial bindings, first reads), each statement's kills worked out once."""
    if not any(isinstance(s, cst.BaseCompoundStatement) for s in statements):
        return frozenset(), frozenset()  # straight-line code binds on its only path
    kills: list[frozenset[str]] = []
    for statement in statements:
        killed = _statement(statement)
        if killed is _NEVER:
            break  # nothing after it runs
        kills.append(killed)
    completes = len(kills) == len(statements)
    survive = _touched(statements) - set().union(*kills) if completes else set()
    partial = frozenset(survive | conditional_deletes(statements))
    return partial, _first_reads(statements[: len(kills) + 1], kills)


def _first_reads(statements: Sequence[cst.BaseStatement], kills: list[frozenset[str]]) -> frozenset[str]:
    found: set[str] = set()
    bound: set[str] = set()
    for position, statement in enumerate(statements):
        code = printed(statement)  # printed for the segment's source already
        if isinstance(statement, cst.For):
            inner = set(target_names(statement.target))
            reads = (loaded_names(code) - inner) | loaded_names(printed(statement.iter))
        else:
            reads = loaded_names(code)
        found |= reads - bound
        if position < len(kills):
            bound |= kills[position]
    return frozenset(found)


def conditional_deletes(statements: Sequence[cst.BaseStatement], look_first: bool = True) -> set[str]:
    """Names some path deletes: `if c: del x`, and a handler's `as` name, which Python
    deletes when the handler ends. Whatever bound them before, they may be unbound after.
    `look_first=False` walks every compound statement (the path the word test shortens)."""
    deletes = _Deletes()
    for statement in statements:
        # only `del` and `except` delete: code without either word (printed once) is not walked
        if isinstance(statement, cst.BaseCompoundStatement) and (not look_first or _DELETES.search(printed(statement))):
            visit_fields(statement, deletes)
    return deletes.found


_DELETES = re.compile(r"\b(del|except)\b")


# Visitor classes are made once, at module level (tests/test_visitor_classes.py says why).
class _Deletes(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.found: set[str] = set()

    def visit_Del(self, node: cst.Del) -> None:
        self.found.update(target_names(node.target))

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if node.name is not None:
            self.found.update(target_names(node.name.name))

    def visit_ExceptStarHandler(self, node: cst.ExceptStarHandler) -> None:
        if node.name is not None:
            self.found.update(target_names(node.name.name))

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False


@lru_cache(maxsize=CACHED_PER_NOTEBOOK)  # a notebook's statements
def loaded_names(python: str) -> frozenset[str]:
    """Every name `python` reads anywhere (`x += 1` reads `x`), nested code included,
    except a handler's own `as` name inside that handler (it is the exception there)."""
    try:
        tree = python_tree(python)
    except SyntaxError:
        return frozenset()
    reads = _Reads()
    reads.visit(tree)
    return frozenset(reads.found)


class _Reads(ast.NodeVisitor):
    """Reads of the notebook's names: not of the names a nested scope binds for itself
    (a lambda's or function's parameters and locals, a comprehension's targets)."""

    def __init__(self) -> None:
        self.found: set[str] = set()
        self.shadowed: list[str] = []

    def visit_Name(self, node: ast.Name) -> None:
        if not isinstance(node.ctx, ast.Store) and node.id not in self.shadowed:
            self.found.add(node.id)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        if isinstance(node.target, ast.Name) and node.target.id not in self.shadowed:
            self.found.add(node.target.id)
        self.generic_visit(node)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.type is not None:
            self.visit(node.type)
        self._scoped({node.name or ""}, node.body)

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._defaults(node.args)
        self._scoped(_parameters(node.args), [node.body])

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for expression in [*node.decorator_list, node.returns]:
            if expression is not None:
                self.visit(expression)
        self._defaults(node.args)
        self._scoped(_parameters(node.args) | _locals(node.body), node.body)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ListComp(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp) -> None:
        self._comprehension(node.generators, [node.elt])

    visit_SetComp = visit_GeneratorExp = visit_ListComp

    def visit_DictComp(self, node: ast.DictComp) -> None:
        self._comprehension(node.generators, [node.key, node.value])

    def _comprehension(self, generators: list[ast.comprehension], results: list[ast.expr]) -> None:
        self.visit(generators[0].iter)  # evaluated where the comprehension is
        targets = {n.id for g in generators for n in ast.walk(g.target) if isinstance(n, ast.Name)}
        rest: list[ast.AST] = [*generators[0].ifs]
        for generator in generators[1:]:
            rest += [generator.iter, *generator.ifs]
        self._scoped(targets, [*rest, *results])

    def _defaults(self, arguments: ast.arguments) -> None:
        for default in [*arguments.defaults, *arguments.kw_defaults]:
            if default is not None:
                self.visit(default)

    def _scoped(self, names: set[str], body: Sequence[ast.AST]) -> None:
        self.shadowed.extend(names)
        for node in body:
            self.visit(node)
        del self.shadowed[len(self.shadowed) - len(names) :]


def _parameters(arguments: ast.arguments) -> set[str]:
    every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs, arguments.vararg, arguments.kwarg]
    return {a.arg for a in every if a is not None}


def _locals(body: list[ast.stmt]) -> set[str]:
    """Names a function body binds for itself (not those it declares `global` or `nonlocal`)."""
    stored: set[str] = set()
    declared: set[str] = set()
    for node in ast.walk(ast.Module(body=body, type_ignores=[])):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            stored.add(node.id)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            declared.update(node.names)
    return stored - declared


def _touched(nodes: Sequence[cst.CSTNode]) -> set[str]:
    collector = LocalBindings()  # also collects `del` targets and handler names
    for node in nodes:
        collector.collect(node)
    return collector.bound


def _block(statements: Sequence[cst.BaseStatement]) -> Kills:
    """Names every path through the block rebinds or deletes, in order."""
    kills: set[str] = set()
    for statement in statements:
        killed = _statement(statement)
        if killed is _NEVER:
            return _NEVER
        kills |= killed
    return frozenset(kills)


def _suite(suite: cst.BaseSuite) -> Kills:
    """What every path through an indented body kills. A one-line body (`if c: x = 1`) is
    taken to kill nothing, which is conservative (its names stay partial bindings)."""
    if isinstance(suite, cst.IndentedBlock):
        return _block(suite.body)
    return frozenset()


def _either(*paths: Kills) -> Kills:
    """What every one of several alternative paths kills."""
    taken = [p for p in paths if p is not _NEVER]
    if not taken:
        return _NEVER
    return frozenset.intersection(*taken)


def _statement(statement: cst.BaseStatement) -> Kills:
    if isinstance(statement, cst.SimpleStatementLine):
        return _simple(statement)
    if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
        return frozenset({statement.name.value})
    if isinstance(statement, cst.If):
        return _if(statement)
    if isinstance(statement, (cst.For, cst.While)):
        return _loop(statement)
    if isinstance(statement, (cst.Try, cst.TryStar)):
        return _try(statement)
    if isinstance(statement, cst.With):
        return _with(statement)
    if isinstance(statement, cst.Match):
        return _definite_walrus(statement.subject)
    return frozenset()


def _simple(line: cst.SimpleStatementLine) -> Kills:
    kills: set[str] = set()
    for small in line.body:
        if isinstance(small, (cst.Raise, cst.Return, cst.Break, cst.Continue)):
            return _NEVER
        if isinstance(small, cst.Expr) and _exits(small.value):
            return _NEVER
        kills |= _touched([small]) - _conditional_walrus(small)
    return frozenset(kills)


def _exits(value: cst.BaseExpression) -> bool:
    """`sys.exit()`, `exit()`, `quit()`: the rest of the block does not run."""
    func = value.func if isinstance(value, cst.Call) else None
    if isinstance(func, cst.Name):
        return func.value in ("exit", "quit")
    return (
        isinstance(func, cst.Attribute)
        and func.attr.value == "exit"
        and isinstance(func.value, cst.Name)
        and func.value.value in ("sys", "os")
    )


def _if(node: cst.If) -> Kills:
    test = _definite_walrus(node.test)
    orelse = node.orelse
    other: Kills = frozenset()
    if isinstance(orelse, cst.If):
        other = _if(orelse)
    elif isinstance(orelse, cst.Else):
        other = _suite(orelse.body)
    branches = _either(_suite(node.body), other)
    return test if branches is _NEVER else test | branches


def _loop(node: cst.For | cst.While) -> Kills:
    """The body may run zero times; `else` runs unless a `break` left the loop."""
    head = _definite_walrus(node.iter if isinstance(node, cst.For) else node.test)
    if node.orelse is None or _breaks(node.body):
        return head
    orelse = _suite(node.orelse.body)
    return _NEVER if orelse is _NEVER else head | orelse


def _breaks(body: cst.BaseSuite) -> bool:
    """Whether a `break` in the body leaves this loop (not a nested one)."""
    breaks = _Breaks()
    visit_fields(body, breaks)
    return breaks.found


class _Breaks(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.found = False

    def visit_Break(self, node: cst.Break) -> None:
        self.found = True

    def visit_For(self, node: cst.For) -> bool:
        return False

    def visit_While(self, node: cst.While) -> bool:
        return False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False


def _try(node: cst.Try | cst.TryStar) -> Kills:
    """The body may stop anywhere and a handler run instead; `finally` always runs."""
    body = _suite(node.body)
    if body is not _NEVER and node.orelse is not None:
        orelse = _suite(node.orelse.body)
        body = _NEVER if orelse is _NEVER else body | orelse
    handlers = [_suite(h.body) for h in node.handlers]
    paths = _either(body, *handlers) if handlers else body
    final = _suite(node.finalbody.body) if node.finalbody is not None else frozenset()
    if final is _NEVER or paths is _NEVER:
        return _NEVER if final is _NEVER else final
    return paths | final


def _with(node: cst.With) -> Kills:
    """`with` binds its targets, and its body unless the manager may swallow an error."""
    heads: set[str] = set()
    for item in node.items:
        heads |= _definite_walrus(item.item)
        if item.asname is not None:
            heads |= set(target_names(item.asname.name))
    if any(_may_suppress(item.item) for item in node.items):
        return frozenset(heads)
    body = _suite(node.body)
    return _NEVER if body is _NEVER else frozenset(heads) | body


def _may_suppress(manager: cst.BaseExpression) -> bool:
    func = manager.func if isinstance(manager, cst.Call) else None
    name = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else ""
    return name == "raises" or "suppress" in name.lower()  # contextlib.suppress, pytest.raises


def _definite_walrus(expression: cst.CSTNode) -> frozenset[str]:
    """Walrus targets in an expression that are bound whenever it is evaluated."""
    if ":=" not in printed(expression):
        return frozenset()  # an expression binds only with `:=`
    return frozenset(_touched([expression]) - _conditional_walrus(expression))


def _conditional_walrus(node: cst.CSTNode) -> set[str]:
    """Walrus targets that only some evaluations bind: after `and`/`or`, in a branch of
    `a if c else b`, inside a comprehension (which may loop zero times)."""
    conditional = _Conditional()
    visit_fields(node, conditional)
    return conditional.found


class _Conditional(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.found: set[str] = set()

    def visit_BooleanOperation(self, op: cst.BooleanOperation) -> None:
        self.found.update(_touched([op.right]))

    def visit_IfExp(self, op: cst.IfExp) -> None:
        self.found.update(_touched([op.body, op.orelse]))

    def visit_ListComp(self, op: cst.ListComp) -> None:
        self.found.update(_touched([op]))

    def visit_SetComp(self, op: cst.SetComp) -> None:
        self.found.update(_touched([op]))

    def visit_DictComp(self, op: cst.DictComp) -> None:
        self.found.update(_touched([op]))

    def visit_GeneratorExp(self, op: cst.GeneratorExp) -> None:
        self.found.update(_touched([op]))
