"""The batch floor: the least work any notebook-to-package converter does, in one process.

    python bench/floor.py [--corpus PATH]

Reads every notebook of the corpus with nbformat, turns each code cell's IPython syntax
into Python (IPython's `TransformerManager`), parses it once with LibCST and formats it
once with black. Cells that fail to parse or format are skipped and counted; so are
notebooks nbformat cannot read. Prints the counts, then the seconds on the last line
(imports included, Python's own start-up not).
"""

from __future__ import annotations

import time

START = time.perf_counter()

import argparse  # noqa: E402
from pathlib import Path  # noqa: E402

import black  # noqa: E402
import libcst  # noqa: E402
import nbformat  # noqa: E402
from IPython.core.inputtransformer2 import TransformerManager  # noqa: E402

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "notebooks"


def code_cells(path: Path) -> list[str] | None:
    """The sources of the notebook's code cells, or None when nbformat cannot read it."""
    try:
        notebook = nbformat.read(path, as_version=4)
    except Exception:  # broken JSON, unknown versions, missing fields: all skipped alike
        return None
    return [cell.source for cell in notebook.cells if cell.cell_type == "code"]


def floor(notebooks: list[Path]) -> dict[str, int]:
    """Transform, parse and format every code cell once; count what was done and skipped."""
    manager = TransformerManager()
    mode = black.Mode()
    counts = {"notebooks": 0, "unreadable": 0, "cells": 0, "unparsable": 0, "unformattable": 0}
    for path in notebooks:
        sources = code_cells(path)
        if sources is None:
            counts["unreadable"] += 1
            continue
        counts["notebooks"] += 1
        for source in sources:
            counts["cells"] += 1
            try:
                python = manager.transform_cell(source)
                libcst.parse_module(python)
            except Exception:  # IPython and LibCST both raise several kinds on bad input
                counts["unparsable"] += 1
                continue
            try:
                black.format_str(python, mode=mode)
            except Exception:  # black.InvalidInput and the odd internal error
                counts["unformattable"] += 1
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = parser.parse_args()
    counts = floor(sorted(args.corpus.glob("*.ipynb")))
    print(", ".join(f"{value} {name}" for name, value in counts.items()))
    print(f"{time.perf_counter() - START:.3f}")


if __name__ == "__main__":
    main()
