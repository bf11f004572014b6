"""`nb2pkg inspect` output: JSON data, a Mermaid graph, and a table for people."""

from __future__ import annotations

from typing import Any

from nb2pkg.dataflow import Dataflow
from nb2pkg.notebook import heading_of


def to_json(flow: Dataflow) -> dict[str, Any]:
    """The documented `inspect --json` shape; name lists sorted, `index` 0-based."""
    cells = []
    for cell, facts, warnings in zip(flow.notebook.cells, flow.facts, flow.cell_warnings, strict=True):
        cells.append(
            {
                "index": cell.index,
                "id": cell.id,
                "type": cell.kind,
                "defines": sorted(facts.defines) if facts else [],
                "uses": sorted(facts.uses) if facts else [],
                "mutates": sorted(facts.mutates) if facts else [],
                "imports": sorted(facts.imports) if facts else [],
                "magics": sorted({m.label for m in facts.magics}) if facts else [],
                "warnings": [w.text(cell=False) for w in warnings],
            }
        )
    return {
        "notebook": str(flow.notebook.path),
        "language": flow.notebook.language,
        "cells": cells,
        "warnings": [{"cell": w.cell, "message": w.text(cell=False)} for w in flow.warnings],
    }


def to_mermaid(flow: Dataflow) -> str:
    """A flowchart of code cells, grouped under their headings, edges labelled by name."""
    lines = ["flowchart TD"]
    heading: tuple[int, str] | None = None
    members: list[str] = []

    def close_section() -> None:
        if heading is not None and members:
            lines.append(f'    subgraph s{heading[0]}["{_escape(heading[1])}"]')
            lines.extend("    " + member for member in members)
            lines.append("    end")
        else:
            lines.extend(members)
        members.clear()

    for cell, facts in zip(flow.notebook.cells, flow.facts, strict=True):
        title = _heading(cell.source) if cell.kind == "markdown" else None
        if title is not None:
            close_section()
            heading = (cell.number, title)
        if facts is not None:
            members.append(f'    c{cell.number}["{_escape(_node_label(cell.number, facts))}"]')
    close_section()
    for edge in flow.flows:
        label = _escape(_shorten(", ".join(edge.names), 40))
        lines.append(f'    c{edge.source + 1} -->|"{label}"| c{edge.target + 1}')
    return "\n".join(lines) + "\n"


def table_rows(flow: Dataflow) -> list[tuple[str, ...]]:
    """One row per cell: number, kind (a heading for markdown), defines, uses, mutates,
    and how many warnings (their text follows the table). Plain, printable text: print
    it as text, never as markup (a heading may hold `[/]` or terminal escapes)."""
    rows: list[tuple[str, ...]] = []
    for cell, facts, warnings in zip(flow.notebook.cells, flow.facts, flow.cell_warnings, strict=True):
        kind = printable(_heading(cell.source) or cell.kind) if cell.kind == "markdown" else cell.kind
        rows.append(
            (
                str(cell.number),
                kind,
                ", ".join(sorted(facts.defines)) if facts else "",
                ", ".join(sorted(facts.uses)) if facts else "",
                ", ".join(sorted(facts.mutates)) if facts else "",
                str(len(warnings)) if warnings else "",
            )
        )
    return rows


def warning_lines(flow: Dataflow) -> list[tuple[str, str]]:
    """(where, message) of every warning, printable, in the order `flow.warnings` has them."""
    return [("notebook" if w.cell is None else f"cell {w.cell}", printable(w.text(cell=False))) for w in flow.warnings]


def printable(text: str) -> str:
    """`text` with control, format and other unprintable characters (escape sequences,
    bidi overrides, NUL) written as Python escapes, so printing it changes no terminal."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else ascii(char)[1:-1] for char in text)


def _node_label(number: int, facts: Any) -> str:
    if facts.parse_error is not None:
        return f"cell {number}: does not parse"
    if facts.python is None:
        return f"cell {number}: %%{facts.magics[0].name}" if facts.magics else f"cell {number}"
    defined = ", ".join(sorted(facts.defines))
    return f"cell {number}" + (f": {_shorten(defined, 40)}" if defined else "")


def _heading(markdown: str) -> str | None:
    heading = heading_of(markdown)
    return _shorten(heading, 50) if heading else None


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _escape(text: str) -> str:
    # Mermaid reads HTML entities inside quoted labels.
    return (
        printable(text)
        .replace("&", "#amp;")
        .replace('"', "#quot;")
        .replace("<", "#lt;")
        .replace(">", "#gt;")
        .replace("|", "#124;")
    )
