"""Dataflow between cells: which cell provides each name a cell uses, and the warnings
that only the whole notebook shows (hidden state, execution out of order)."""

from __future__ import annotations

from dataclasses import dataclass

from nb2pkg.analysis import Analysed, CellFacts, analyse_notebook_in_context
from nb2pkg.diagnostics import Diagnostic
from nb2pkg.notebook import Notebook


@dataclass(frozen=True)
class Flow:
    """Names that `source` (the last cell to bind or change them) passes to `target`."""

    source: int  # 0-based cell index
    target: int
    names: tuple[str, ...]


@dataclass(frozen=True)
class Dataflow:
    """Everything `nb2pkg inspect` reports about a notebook."""

    notebook: Notebook
    facts: tuple[CellFacts | None, ...]  # None for markdown and raw cells
    cell_warnings: tuple[tuple[Diagnostic, ...], ...]  # per cell, in cell order
    flows: tuple[Flow, ...]
    # how each code cell was analysed (None for the others), for stages that analyse its code again
    analysed: tuple[Analysed | None, ...] = ()

    @property
    def warnings(self) -> tuple[Diagnostic, ...]:
        return self.notebook.warnings + tuple(warning for warnings in self.cell_warnings for warning in warnings)


def build_dataflow(notebook: Notebook) -> Dataflow:
    """Analyse every cell and connect the cells by the names they share."""
    facts, analysed = analyse_notebook_in_context(notebook)
    extra = _hidden_state(facts)
    for index, message in _execution_order(notebook):
        extra[index].append(Diagnostic(index + 1, None, message))
    cell_warnings = tuple(
        tuple(w.in_cell(index + 1) for w in (cell.warnings if cell else ())) + tuple(extra[index])
        for index, cell in enumerate(facts)
    )
    return Dataflow(notebook, facts, cell_warnings, _flows(facts), analysed)


def _flows(facts: tuple[CellFacts | None, ...]) -> tuple[Flow, ...]:
    writer: dict[str, int] = {}
    flows: list[Flow] = []
    for index, cell in enumerate(facts):
        if cell is None:
            continue
        by_source: dict[int, list[str]] = {}
        for name in sorted(cell.uses):
            if name in writer:
                by_source.setdefault(writer[name], []).append(name)
        flows.extend(Flow(source, index, tuple(names)) for source, names in sorted(by_source.items()))
        for name in cell.defines | cell.mutates:
            writer[name] = index
        for name in cell.deletes:
            writer.pop(name, None)
    return tuple(flows)


def _hidden_state(facts: tuple[CellFacts | None, ...]) -> list[list[Diagnostic]]:
    """Names a cell uses that no earlier cell defines."""
    first_definition: dict[str, int] = {}
    for index, cell in enumerate(facts):
        for name in cell.defines if cell else ():
            first_definition.setdefault(name, index)
    warnings: list[list[Diagnostic]] = [[] for _ in facts]
    available: set[str] = set()
    star = False
    unparsed: int | None = None
    for index, cell in enumerate(facts):
        if cell is None:
            continue
        missing = sorted(cell.uses - available)
        later = [n for n in missing if first_definition.get(n, -1) > index]
        star = star or cell.star_import
        never = [n for n in missing if n not in first_definition and not star]
        if later:
            where = ", ".join(f"`{n}` (cell {first_definition[n] + 1})" for n in later)
            warnings[index].append(
                Diagnostic(
                    index + 1,
                    None,
                    f"uses {where} before the cell that defines it: the notebook ran out of "
                    "order (hidden state); nb2pkg converts in document order",
                )
            )
        if never:
            names = ", ".join(f"`{n}`" for n in never)
            hint = f", or from cell {unparsed + 1}, which does not parse" if unparsed is not None else ""
            warnings[index].append(
                Diagnostic(
                    index + 1,
                    None,
                    f"uses {names}, which no cell defines (hidden state{hint}); define it in an earlier cell",
                )
            )
        available |= cell.defines
        if cell.parse_error is not None and unparsed is None:
            unparsed = index
    return warnings


def _execution_order(notebook: Notebook) -> list[tuple[int, str]]:
    """Cells whose execution count is higher than that of a cell below them."""
    counted = [(c.index, c.execution_count) for c in notebook.code_cells if c.execution_count is not None]
    found: list[tuple[int, str]] = []
    lowest_after: int | None = None
    for index, count in reversed(counted):
        if lowest_after is not None and count > lowest_after:
            found.append(
                (
                    index,
                    f"execution count [{count}] is higher than that of a later cell "
                    f"([{lowest_after}]): it was run after cells below it; nb2pkg "
                    "converts in document order",
                )
            )
        lowest_after = count if lowest_after is None else min(lowest_after, count)
    return sorted(found)
