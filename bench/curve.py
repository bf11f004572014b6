"""Synthetic notebooks of any length, for the cost curve of `bench/run.py` (issue 16).

    python bench/curve.py CELLS OUT.ipynb   # write one, to profile by hand

The notebook repeats a section of ten cells written the way exploratory notebooks are:
a heading, a CSV read, a derived column, a printed summary, a helper function and its
call, a plot, a timed line, a loop that adds columns, a fitted model and its score. Each
section uses its own names, so the steps, modules and summary grow with the notebook
instead of collapsing into clones; the first cell holds the imports. Nothing here runs
the code, so the files it reads need not exist.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

IMPORTS = "import pandas as pd\nimport matplotlib.pyplot as plt\nfrom sklearn.linear_model import LinearRegression"

SECTION = (
    ("markdown", "## Part {i}\nThe readings of site {i}."),
    ("code", 'df{i} = pd.read_csv("data/part{i}.csv")'),
    ("code", 'df{i}["total"] = df{i}["a"] + df{i}["b"] * {i}\nprint(df{i}.describe())'),
    ("code", 'def summarise{i}(frame, column="total"):\n    return frame.groupby("key")[column].mean()'),
    ("code", "means{i} = summarise{i}(df{i})\nmeans{i}.head()"),
    ("code", 'fig, ax = plt.subplots()\nax.plot(means{i}.index, means{i}.values)\nax.set_title("site {i}");'),
    ("code", '%time s{i} = df{i}["total"].sum()'),
    ("code", 'for k in range(3):\n    df{i}[f"lag{{k}}"] = df{i}["total"].shift(k)'),
    ("code", 'model{i} = LinearRegression().fit(df{i}[["a", "b"]], df{i}["total"])'),
    ("code", 'print(round(model{i}.score(df{i}[["a", "b"]], df{i}["total"]), 3))'),
)


def synthetic_notebook(cells: int) -> dict[str, Any]:
    """Notebook JSON of exactly `cells` cells (at least 1): the imports, then sections."""
    made: list[dict[str, Any]] = [_cell("code", IMPORTS, 0)]
    section = 0
    while len(made) < cells:
        for kind, text in SECTION:
            if len(made) == cells:
                break
            made.append(_cell(kind, text.format(i=section), len(made)))
        section += 1
    return {
        "cells": made,
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def _cell(kind: str, text: str, index: int) -> dict[str, Any]:
    cell: dict[str, Any] = {"cell_type": kind, "id": f"cell-{index}", "metadata": {}, "source": text}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def write_synthetic(cells: int, path: Path) -> Path:
    path.write_text(json.dumps(synthetic_notebook(cells), indent=1) + "\n", encoding="utf-8")
    return path


if __name__ == "__main__":
    if len(sys.argv) != 3 or not sys.argv[1].isdigit():
        sys.exit("usage: python bench/curve.py CELLS OUT.ipynb")
    print(write_synthetic(int(sys.argv[1]), Path(sys.argv[2])))
