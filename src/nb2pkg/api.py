"""nb2pkg for other programs: the same operations as the command line, as values."""

from __future__ import annotations

from pathlib import Path

from nb2pkg.dataflow import Dataflow, build_dataflow
from nb2pkg.notebook import read_notebook


def inspect(path: Path | str) -> Dataflow:
    """Read and analyse a notebook; raises `nb2pkg.errors.InputError` on bad input."""
    return build_dataflow(read_notebook(Path(path)))
