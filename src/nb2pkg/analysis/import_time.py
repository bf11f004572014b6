"""Work a definition does when it is defined: decorators, default values, annotations,
base classes and class bodies run right away. In a notebook that happens in the cell;
in a module it would happen at import, before the summary's first step (a print, a
random draw, a file read, in another order). Definitions that do such work stay in the
notebook; those whose definition only names things (`@staticmethod`, `x: int = 0`,
`@lru_cache(maxsize=None)`) move.
"""

from __future__ import annotations

from typing import cast

import libcst as cst

from nb2pkg.analysis.mutation import root_name
from nb2pkg.analysis.scopes import walk_nodes

# Calls that are safe to make at import: decorators and field factories that only
# record something about the definition.
_INERT_CALLS = frozenset(
    {
        "lru_cache",
        "cache",
        "wraps",
        "dataclass",
        "field",
        "total_ordering",
        "singledispatch",
        "njit",
        "jit",
        "vectorize",
        "TypeVar",
        "NamedTuple",
        "overload",
        "final",
        "unique",
    }
)


def definition_work(statement: cst.BaseStatement, imported: frozenset[str], lazy: bool = False) -> str:
    """What `statement` (a def or class) runs when defined, in words; "" for nothing."""
    if isinstance(statement, cst.FunctionDef):
        return _function_work(statement, imported, lazy)
    if isinstance(statement, cst.ClassDef):
        return _class_work(statement, imported, lazy)
    return ""


def _function_work(node: cst.FunctionDef, imported: frozenset[str], lazy: bool) -> str:
    for decorator in node.decorators:
        if _calls(decorator.decorator, imported) or not _is_known(decorator.decorator, imported):
            return f"its decorator `@{cst.Module([]).code_for_node(decorator.decorator)}` runs when it is defined"
    params = node.params
    for param in (*params.posonly_params, *params.params, *params.kwonly_params):
        if param.default is not None and _calls(param.default, imported):
            return f"the default value of `{param.name.value}` is computed when it is defined"
    if not lazy:
        annotations = [
            p.annotation
            for p in (*params.posonly_params, *params.params, *params.kwonly_params, params.star_arg, params.star_kwarg)
            if isinstance(p, cst.Param) and p.annotation is not None
        ]
        if node.returns is not None:
            annotations.append(node.returns)
        if any(_calls(a.annotation, imported) for a in annotations):
            return "an annotation calls code when it is defined"
    return ""


def _class_work(node: cst.ClassDef, imported: frozenset[str], lazy: bool) -> str:
    for decorator in node.decorators:
        if _calls(decorator.decorator, imported) or not _is_known(decorator.decorator, imported):
            return f"its decorator `@{cst.Module([]).code_for_node(decorator.decorator)}` runs when it is defined"
    if any(_calls(arg.value, imported) for arg in (*node.bases, *node.keywords)):
        return "its bases are computed when it is defined"
    body = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
    local = imported | {s.name.value for s in body if isinstance(s, (cst.FunctionDef, cst.ClassDef))}
    for statement in body:
        if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            inner = definition_work(statement, local, lazy)  # `@value.setter` names the class's own
            if inner:
                return inner
        elif not _inert_line(statement, imported):
            return "its class body runs code when it is defined"
    return ""


def _inert_line(statement: cst.BaseStatement, imported: frozenset[str]) -> bool:
    """A docstring, `pass`, or an assignment of values that call nothing."""
    if not isinstance(statement, cst.SimpleStatementLine):
        return False
    for small in statement.body:
        if isinstance(small, cst.Pass):
            continue
        if isinstance(small, cst.Expr) and isinstance(
            small.value, (cst.SimpleString, cst.ConcatenatedString, cst.Ellipsis)
        ):
            continue
        if isinstance(small, (cst.Assign, cst.AnnAssign)) and (
            small.value is None or not _calls(small.value, imported)
        ):
            continue
        return False
    return True


def _is_known(node: cst.BaseExpression, imported: frozenset[str]) -> bool:
    """A decorator that is a builtin (`staticmethod`) or comes from an import."""
    root = root_name(node.func if isinstance(node, cst.Call) else node)
    return root is not None and (root in imported or root in ("staticmethod", "classmethod", "property"))


def _calls(node: cst.CSTNode, imported: frozenset[str]) -> bool:
    """Whether evaluating `node` calls anything but the inert calls of imported names."""
    calls = _Calls(imported)
    walk_nodes(node, calls.on_visit)
    return calls.found


class _Calls(cst.CSTVisitor):
    """Finds a call that is not inert. Walked by `walk_nodes`: a yes or no, which the
    order of the walk does not change."""

    def __init__(self, imported: frozenset[str]) -> None:
        super().__init__()
        self.imported = imported
        self.found = False

    def on_visit(self, node: cst.CSTNode) -> bool:
        kind = type(node)  # classes nothing subclasses: `isinstance` costs more, asked of every node
        if kind is cst.Call:
            self.found = self.found or not self._inert(cast(cst.Call, node))
        return not self.found and kind is not cst.Lambda  # a lambda's body runs when called, not now

    def _inert(self, call: cst.Call) -> bool:
        func = call.func
        name = func.value if isinstance(func, cst.Name) else func.attr.value if isinstance(func, cst.Attribute) else ""
        return name in _INERT_CALLS and root_name(func) in self.imported
