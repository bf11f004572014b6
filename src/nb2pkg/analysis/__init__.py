"""Per-cell dataflow: what each code cell defines, uses and changes in place."""

from nb2pkg.analysis.cells import analyse_cell, analyse_notebook, parse
from nb2pkg.analysis.facts import CellFacts, Context, Deferred, ParseError

__all__ = ["CellFacts", "Context", "Deferred", "ParseError", "analyse_cell", "analyse_notebook", "parse"]
