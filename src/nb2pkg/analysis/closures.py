"""Functions and generators that code makes now and runs later (late binding).

`g = lambda v: v + rate` and `gen = (v * rate for v in values)` read `rate` when they
run, not when they are made: in a notebook they see the value the notebook's global has
at that moment. Moved into a step function they would close over the step's local
`rate` and keep the value it had when the step ran. Such code is found here; the plan
keeps it in the notebook when a later cell binds a name it reads.

Only values that outlive the statement count: a lambda or generator bound to a name,
put in a container, or handed to a call that keeps it (`map`, `filter`, `partial`,
`defaultdict`, ...). `sorted(xs, key=lambda v: v + rate)` runs at once and is safe.
"""

from __future__ import annotations

from typing import cast

import libcst as cst

from nb2pkg.analysis.scopes import parameter_names, target_names, walk_nodes

# Calls that keep a function or an iterator to run later, rather than running it now.
_KEEPING_CALLS = frozenset(
    {
        "map",
        "filter",
        "zip",
        "iter",
        "partial",
        "defaultdict",
        "property",
        "reversed",
        "enumerate",
        "FunctionTransformer",
        "cached_property",
        "lru_cache",
        "cache",
    }
)
_LATE = (cst.Lambda, cst.GeneratorExp)


def late_reads(statements: tuple[cst.BaseStatement, ...]) -> frozenset[str]:
    """Free names read, when they run, by the lambdas and generators these statements
    keep for later (their first iterable is evaluated at once and does not count)."""
    found: set[str] = set()
    for statement in statements:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            value = small.value if isinstance(small, (cst.Assign, cst.AnnAssign)) else None
            if value is not None:
                for node in _kept_values(value):
                    found |= free_names(node)
    return frozenset(found)


def _kept_values(value: cst.BaseExpression) -> list[cst.Lambda | cst.GeneratorExp]:
    """The lambdas and generators of an assigned value that outlive the statement."""
    if isinstance(value, _LATE):
        return [value]
    if isinstance(value, (cst.List, cst.Tuple, cst.Set)):
        return [n for e in value.elements for n in _kept_values(e.value)]
    if isinstance(value, cst.Dict):
        return [n for e in value.elements if isinstance(e, cst.DictElement) for n in _kept_values(e.value)]
    if isinstance(value, cst.Call):
        func = value.func
        name = func.value if isinstance(func, cst.Name) else func.attr.value if isinstance(func, cst.Attribute) else ""
        if name in _KEEPING_CALLS:
            return [n for arg in value.args for n in _kept_values(arg.value)]
    return []


def free_names(node: cst.Lambda | cst.GeneratorExp) -> set[str]:
    """Names the body reads that it does not bind itself (parameters, `for` targets)."""
    reads = _Reads()
    if isinstance(node, cst.Lambda):
        _, params = parameter_names(node.params)
        walk_nodes(node.body, reads.on_visit)
        return reads.loaded - params - reads.bound
    clause: cst.CompFor | None = node.for_in
    bound: set[str] = set()
    first = True
    while clause is not None:
        bound.update(target_names(clause.target))
        if not first:
            walk_nodes(clause.iter, reads.on_visit)
        first = False
        for condition in clause.ifs:
            walk_nodes(condition, reads.on_visit)
        clause = clause.inner_for_in
    walk_nodes(node.elt, reads.on_visit)
    return reads.loaded - bound - reads.bound


class _Reads(cst.CSTVisitor):
    """Loads of names, and the names nested lambdas and comprehensions bind (a rough
    scope model: enough to tell a closure's free names from its own). Walked by
    `walk_nodes`: sets, which the order of the walk does not change."""

    def __init__(self) -> None:
        super().__init__()
        self.loaded: set[str] = set()
        self.bound: set[str] = set()

    def on_visit(self, node: cst.CSTNode) -> bool:
        kind = type(node)  # classes nothing subclasses: `isinstance` costs more, asked of every node
        if kind is cst.Name:
            self.loaded.add(cast(cst.Name, node).value)
        elif kind is cst.Attribute or kind is cst.Arg:  # `obj.attr`, `f(key=v)`: no names read
            walk_nodes(cast(cst.Attribute | cst.Arg, node).value, self.on_visit)
            return False
        elif kind is cst.Lambda:
            self.bound |= parameter_names(cast(cst.Lambda, node).params)[1]
        elif kind is cst.CompFor:
            self.bound.update(target_names(cast(cst.CompFor, node).target))
        return True
