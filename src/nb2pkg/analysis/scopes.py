"""Scopes of the walk, and which names a function body binds locally.

Python decides at compile time that a name is local to a function when the body binds
it anywhere (unless declared `global` or `nonlocal`), so a function's locals are
collected before its body is walked. Class bodies and comprehensions bind as they run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields
from functools import cache, lru_cache
from typing import Any, Literal, TypeVar

import libcst as cst

from nb2pkg.analysis.facts import Deferred

NodeT = TypeVar("NodeT", bound=cst.CSTNode)

ScopeKind = Literal["function", "class", "comprehension", "inline"]


@dataclass
class Scope:
    """A scope inside the cell's module scope.

    `inline` scopes run immediately (a lambda the cell calls, `%timeit`'s namespace);
    `function` scopes run later, when the function is called.
    """

    kind: ScopeKind
    name: str = ""
    locals: set[str] = field(default_factory=set)
    globals: frozenset[str] = frozenset()
    params: frozenset[str] = frozenset()
    parts: list[Deferred] = field(default_factory=list)  # a class's methods


@dataclass
class Collector:
    """Accumulates what a top-level function body does, for its `Deferred`."""

    scope: Scope
    params: tuple[str, ...]
    reads: set[str] = field(default_factory=set)
    mutates: set[str] = field(default_factory=set)
    writes: set[str] = field(default_factory=set)
    mutated_params: set[str] = field(default_factory=set)
    returns_callable: bool = False
    returns_value: bool = False

    def freeze(self) -> Deferred:
        return Deferred(
            frozenset(self.reads),
            frozenset(self.mutates),
            frozenset(self.writes),
            self.params,
            frozenset(self.mutated_params),
            returns_callable=self.returns_callable,
            returns_value=self.returns_value,
        )


def parameter_names(params: cst.Parameters) -> tuple[tuple[str, ...], frozenset[str]]:
    """(positional parameter names in order, every parameter name)."""
    positional = [p.name.value for p in (*params.posonly_params, *params.params)]
    names = set(positional)
    names.update(p.name.value for p in params.kwonly_params)
    for star in (params.star_arg, params.star_kwarg):
        if isinstance(star, cst.Param):
            names.add(star.name.value)
    return tuple(positional), frozenset(names)


def target_names(node: cst.CSTNode) -> list[str]:
    """Names an assignment target binds (`a, (b, *c)` -> a, b, c); not attributes."""
    if isinstance(node, cst.Name):
        return [node.value]
    if isinstance(node, (cst.Tuple, cst.List)):
        return [name for element in node.elements for name in target_names(element.value)]
    if isinstance(node, cst.StarredElement):
        return target_names(node.value)
    return []


class LocalBindings(cst.CSTVisitor):
    """Collects the names a function body binds, without entering nested scopes.
    Comprehension targets are the comprehension's own; nothing here collects them."""

    def __init__(self) -> None:
        self.bound: set[str] = set()
        self.declared_global: set[str] = set()
        self.declared_nonlocal: set[str] = set()

    def collect(self, node: cst.CSTNode) -> None:
        """`node.visit(self)`, as `visit_fields` does it: the same `visit_` methods on the
        same nodes, in another order, which the sets it fills do not see."""
        visit_fields(node, self)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self.bound.add(node.name.value)
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        self.bound.add(node.name.value)
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def visit_Global(self, node: cst.Global) -> None:
        self.declared_global.update(item.name.value for item in node.names)

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        self.declared_nonlocal.update(item.name.value for item in node.names)

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self.bound.update(target_names(node.target))

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self.bound.update(target_names(node.target))

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self.bound.update(target_names(node.target))

    def visit_For(self, node: cst.For) -> None:
        self.bound.update(target_names(node.target))

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self.bound.update(target_names(node.target))

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self.bound.update(target_names(node.asname.name))

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if node.name is not None:
            self.bound.update(target_names(node.name.name))

    def visit_ExceptStarHandler(self, node: cst.ExceptStarHandler) -> None:
        if node.name is not None:
            self.bound.update(target_names(node.name.name))

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            self.bound.add(import_binding(alias))

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if not isinstance(node.names, cst.ImportStar):
            for alias in node.names:
                self.bound.add(import_binding(alias))

    def visit_Del(self, node: cst.Del) -> None:
        self.bound.update(target_names(node.target))

    def visit_MatchAs(self, node: cst.MatchAs) -> None:
        if node.name is not None:
            self.bound.add(node.name.value)

    def visit_MatchStar(self, node: cst.MatchStar) -> None:
        if node.name is not None:
            self.bound.add(node.name.value)

    def visit_MatchMapping(self, node: cst.MatchMapping) -> None:
        if node.rest is not None:
            self.bound.add(node.rest.value)


def walk_nodes(node: cst.CSTNode, enter: Callable[[cst.CSTNode], bool | None]) -> None:
    """`enter` called on `node` and the nodes under it, not under a node it returns False
    for: what a LibCST visitor's `on_visit` sees, without the visit's rebuilding of every
    node (most of its time, for a visitor that only reads). Not in LibCST's order."""
    pending = [node]
    while pending:
        node = pending.pop()
        if enter(node) is not False:
            pending.extend(children(node))


def children(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """The nodes `node` holds that may hold names (not punctuation, whitespace or comments)."""
    for name in _fields(type(node)):
        value = getattr(node, name)
        if isinstance(value, (tuple, list)):
            for item in value:
                if _is_node(item.__class__):
                    yield item
        elif _is_node(value.__class__):
            yield value


@cache  # `isinstance(value, cst.CSTNode)`, an abstract class's check, asked once per class
def _is_node(kind: type) -> bool:
    return derives(kind, cst.CSTNode)


def derives(kind: type, bases: type | tuple[type, ...]) -> bool:
    """`issubclass(kind, bases)`, read off `kind`'s method resolution order: the same
    answer for LibCST's classes (abstract, but with no registered or hooked subclasses),
    without the abstract classes' check, which the first time it answers no walks every
    subclass of the base (about 5 ms a process over the classes a conversion meets)."""
    mro = kind.__mro__
    return any(base in mro for base in bases) if isinstance(bases, tuple) else bases in mro


def visited_nodes(node: cst.CSTNode, kind: type[NodeT]) -> list[NodeT]:
    """The nodes of `kind` LibCST's visit of `node` meets (`node` itself, comments and
    whitespace included), in its order: outermost first, then as the code reads."""
    collect = _Collect(kind)
    node.visit(collect)
    return collect.found


class _Collect(cst.CSTVisitor):
    """`visited_nodes`' visitor: one class for every call (tests/test_visitor_classes.py
    says why)."""

    def __init__(self, kind: type) -> None:
        super().__init__()
        self.kind = kind
        self.found: list[Any] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, self.kind):
            self.found.append(node)
        return True


def visit_fields(node: cst.CSTNode, visitor: cst.CSTVisitor) -> None:
    """`node.visit(visitor)` for a visitor whose `visit_*` callbacks only collect (none
    leaves, none minds the order), by `walk_nodes`."""

    kind = type(visitor)

    def enter(current: cst.CSTNode) -> bool | None:
        visit = _visit_method(kind, type(current))
        return None if visit is None else visit(visitor, current)

    walk_nodes(node, enter)


@lru_cache(maxsize=4096)  # per visitor class and node class: a bounded set
def _visit_method(visitor: type, kind: type) -> Callable[[cst.CSTVisitor, cst.CSTNode], bool | None] | None:
    return getattr(visitor, f"visit_{kind.__name__}", None)


# Fields of LibCST nodes that hold only punctuation, whitespace, comments or text: no
# name is bound, read or called under them.
_PUNCTUATION_FIELDS = frozenset(
    {"lpar", "rpar", "comma", "semicolon", "equal", "colon", "dot", "operator", "star", "newline"}
    | {"lbracket", "rbracket", "lbrace", "rbrace", "leading_lines", "trailing_whitespace", "header", "footer"}
)


@cache  # one entry per LibCST node class: a bounded set
def _fields(cls: type) -> tuple[str, ...]:
    return tuple(
        f.name for f in fields(cls) if f.name not in _PUNCTUATION_FIELDS and not f.name.startswith("whitespace")
    )


def function_scope(
    params: cst.Parameters,
    body: cst.CSTNode,
    name: str = "<lambda>",
    kind: ScopeKind = "function",
) -> Scope:
    """The scope of a function (or lambda) body, with its locals known in advance."""
    collector = LocalBindings()
    collector.collect(body)
    _, names = parameter_names(params)
    nonlocal_or_global = collector.declared_global | collector.declared_nonlocal
    return Scope(
        kind,
        name=name,
        locals=(collector.bound | names) - nonlocal_or_global,
        globals=frozenset(collector.declared_global),
        params=names,
    )


def import_binding(alias: cst.ImportAlias) -> str:
    """The name an import binds: `c` for `import a.b as c`, `a` for `import a.b`."""
    if alias.asname is not None:
        return target_names(alias.asname.name)[0]
    return dotted_name(alias.name).split(".")[0]


def dotted_name(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{dotted_name(node.value)}.{node.attr.value}"
    return ""
