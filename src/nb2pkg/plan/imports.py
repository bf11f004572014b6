"""What the notebook's imports bind: the module each imported name stands for, and the
one-name import statements the modules repeat."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import cast

import libcst as cst

from nb2pkg.analysis import derives, parse, walk_nodes
from nb2pkg.dataflow import Dataflow
from nb2pkg.plan.kept import kept_imports
from nb2pkg.plan.model import Segment


def import_modules(flow: Dataflow) -> dict[str, str]:
    """Name bound by an import -> the module it stands for (`plt` -> `matplotlib.pyplot`)."""
    names: dict[str, str] = {}
    for facts in flow.facts:
        if facts is None or not facts.analysed or not facts.imports:
            continue
        assert facts.python is not None
        module = parse(facts.python)
        for node in _imports_in(module):
            names.update(import_bindings(node))
    return names


def _imports_in(module: cst.Module) -> list[cst.Import | cst.ImportFrom]:
    """The module's import statements in source order, with one walk over node fields
    (`walk_nodes`), not into expressions, which hold none. The walk meets sibling
    subtrees last first and the fields holding statements are in source order; imports
    are not nested in each other, so the reversed walk is source order."""
    found: list[cst.Import | cst.ImportFrom] = []

    def enter(node: cst.CSTNode) -> bool:
        kind = type(node)
        if kind is cst.Import or kind is cst.ImportFrom:
            found.append(cast(cst.Import | cst.ImportFrom, node))
            return False
        return not _is_expression(kind)

    walk_nodes(module, enter)
    found.reverse()
    return found


@cache  # one entry per LibCST node class: a bounded set
def _is_expression(kind: type[cst.CSTNode]) -> bool:
    return derives(kind, cst.BaseExpression)


def import_bindings(node: cst.Import | cst.ImportFrom) -> dict[str, str]:
    """`import a.b as c` -> {"c": "a.b"}; `from a import b` -> {"b": "a.b"}."""
    from nb2pkg.analysis import dotted_name, import_binding

    bound: dict[str, str] = {}
    if isinstance(node, cst.Import):
        for alias in node.names:
            full = dotted_name(alias.name)
            bound[import_binding(alias)] = full if alias.asname else full.split(".")[0]
        return bound
    if isinstance(node.names, cst.ImportStar):
        return bound
    base = "." * len(node.relative) + (dotted_name(node.module) if node.module else "")
    for alias in node.names:
        bound[import_binding(alias)] = f"{base}.{dotted_name(alias.name)}"
    return bound


def import_table(segments: tuple[Segment, ...]) -> dict[str, cst.Import | cst.ImportFrom]:
    table: dict[str, cst.Import | cst.ImportFrom] = {}
    for segment in segments:
        nodes: Sequence[cst.BaseSmallStatement]
        if segment.role == "kept":
            nodes = kept_imports(segment)  # the modules must import these themselves
        elif segment.role == "import":
            nodes = [
                statement.body[0] for statement in segment.statements if isinstance(statement, cst.SimpleStatementLine)
            ]
        else:
            continue
        for node in nodes:
            assert isinstance(node, (cst.Import, cst.ImportFrom))
            for name in import_bindings(node):
                table[name] = _single_import(node, name)
    return table


def _single_import(node: cst.Import | cst.ImportFrom, name: str) -> cst.Import | cst.ImportFrom:
    """The part of an import statement that binds `name`, as a statement of its own."""
    from nb2pkg.analysis import import_binding

    assert not isinstance(node.names, cst.ImportStar)
    alias = next(a for a in node.names if import_binding(a) == name)
    single = node.with_changes(names=[alias.with_changes(comma=cst.MaybeSentinel.DEFAULT)])
    if isinstance(single, cst.ImportFrom):  # `from m import (\n a,\n)`: one line, no parentheses
        single = single.with_changes(lpar=None, rpar=None)
    return single


def rebound_imports(segments: tuple[Segment, ...], position: int, imported: set[str]) -> set[str]:
    """Imported names whose latest binding before `position` is not the import
    (`os = "posix"` after `import os`): steps read them as values, not modules."""
    latest: dict[str, str] = {}
    for segment in segments[:position]:
        # a kept cell's own import lines are imports: the modules repeat them
        imports = (
            {n for node in kept_imports(segment) for n in import_bindings(node)} if segment.role == "kept" else set()
        )
        for name in segment.facts.defines & imported:
            latest[name] = "import" if name in imports else segment.role
    return {name for name, role in latest.items() if role in ("code", "kept", "display")}
