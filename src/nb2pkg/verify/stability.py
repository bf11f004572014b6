"""Which saved outputs the generated output tests can compare: those the original shows
again when it runs here, the same in both of verify's runs. Pure: runs in, reasons out.

At conversion nothing runs, so every saved output becomes an expected file; verify,
having run the original twice, tells the others apart (`tests/expected/skip.txt`)."""

from __future__ import annotations

from collections.abc import Sequence

from nb2pkg.notebook import Notebook
from nb2pkg.render import expected_items
from nb2pkg.shown import group_cells, normalise
from nb2pkg.verify.compare import Ran

VARIED = "varied between two runs of the original"
NOT_REPRODUCED = "the original itself does not show its saved outputs here: another environment or data"
UNSAVED = "saved no outputs, but shows some when the original runs here (compared with a cell that saved some)"


def skipped_cells(
    notebook: Notebook, first: Sequence[Ran], second: Sequence[Ran], summary: Sequence[Ran]
) -> dict[int, str]:
    """Original cell number -> why the output tests skip it: cells with saved outputs that
    vary or are not what the original shows here, and cells without saved outputs that
    show something and compare together with one that has (one summary cell for both)."""
    expected = {cell.number for cell in notebook.code_cells if expected_items(cell)}
    skips: dict[int, str] = {}
    for cell in notebook.code_cells:
        fresh = normalise(first[cell.index].items)
        if fresh != normalise(second[cell.index].items):
            skips[cell.number] = VARIED
        elif fresh != expected_items(cell):
            skips[cell.number] = NOT_REPRODUCED if cell.number in expected else UNSAVED
    compared = _compared_with_expected(notebook, summary, expected)
    return {number: reason for number, reason in skips.items() if number in compared}


def _compared_with_expected(notebook: Notebook, summary: Sequence[Ran], expected: set[int]) -> set[int]:
    """The original cells an output test compares: those with saved outputs, and those a
    summary cell shows together with one of them."""
    number_of: dict[str | int, int] = {cell.number: cell.number for cell in notebook.cells}
    number_of.update({cell.id: cell.number for cell in notebook.cells if cell.id})
    compared = set(expected)
    for _, _, numbers in group_cells([ran.sources for ran in summary], number_of):
        if expected & set(numbers):
            compared.update(numbers)
    return compared
