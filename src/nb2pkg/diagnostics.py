"""What nb2pkg tells the user about a notebook it converts or inspects: one `Diagnostic`
shape for every stage that finds something (analysis, dataflow, plan, render), and one
place, `Diagnostic.text`, where it becomes the text the CLI prints and the record keeps."""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Diagnostic:
    """A warning about one cell, or about the notebook as a whole.

    The analysis sees one cell at a time and leaves `cell` None; the dataflow numbers
    the cell (`in_cell`). Past the dataflow, None means the whole notebook."""

    cell: int | None  # 1-based cell number; None for the notebook as a whole
    line: int | None  # 1-based line within the cell; None when not known
    message: str

    def in_cell(self, number: int) -> Diagnostic:
        return replace(self, cell=number)

    def text(self, cell: bool = True) -> str:
        """`cell 4: line 1: uses ...`, `cell 5: uses ...`, or the plain message for the
        whole notebook; `cell=False` leaves the cell out, for text shown under its cell."""
        where = [f"cell {self.cell}"] if cell and self.cell is not None else []
        where += [f"line {self.line}"] if self.line is not None else []
        return ": ".join([*where, self.message])
