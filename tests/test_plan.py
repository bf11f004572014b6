"""The plan stage, one table row per rule: which role each part of a cell gets, and which
module (and function name) each step goes to.

Each case is a small notebook, built in memory: a string is a code cell, ("markdown",
text) a markdown cell, (code, [tags]) a tagged code cell. The assertions are about every
segment, or every step, of the notebook, in order.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from nb2pkg.dataflow import build_dataflow
from nb2pkg.notebook import read_notebook_text
from nb2pkg.plan import Segment, build_plan, build_segments

CellSpec = str | tuple[str, Any]


def _cell(position: int, spec: CellSpec) -> dict[str, Any]:
    if isinstance(spec, str):
        kind, source, tags = "code", spec, []
    elif spec[0] == "markdown":
        kind, source, tags = "markdown", spec[1], []
    else:
        kind, source, tags = "code", spec[0], list(spec[1])
    cell: dict[str, Any] = {"cell_type": kind, "id": f"cell{position}", "metadata": {"tags": tags}, "source": source}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def segments_of(*cells: CellSpec) -> tuple[Segment, ...]:
    data = {
        "cells": [_cell(position, spec) for position, spec in enumerate(cells)],
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return build_segments(build_dataflow(read_notebook_text(Path("case.ipynb"), json.dumps(data))))


# (id, cells, the role of every segment in notebook order)
ROLES = [
    ("markdown", [("markdown", "# Title")], ("markdown",)),
    ("import", ["import os"], ("import",)),
    ("literal is a constant", ["N = 3"], ("constant",)),
    ("tuple of literals is a constant", ["SIZE = (3, -4)"], ("constant",)),
    ("list is filled later: code", ["xs = [1, 2]"], ("code",)),
    ("unpacked literals are constants", ["t0, t1 = 5, 50"], ("constant",)),
    ("unpacked in brackets", ["(a, b) = (1, 'x')\n[c, d] = [2.5, -1]"], ("constant",)),
    ("an unpacked name bound again is code", ["a, b = 1, 2", "b = 3"], ("constant", "code", "code")),
    ("unpacked names all bound again", ["a, b = 1, 2", "a, b = 3, 4"], ("code", "code")),
    ("starred unpacking is code", ["a, *b = 1, 2, 3"], ("code",)),
    ("computed unpacking is code", ["a, b = 1, len('x')"], ("code",)),
    ("rebound literal is code", ["N = 3", "N = 4"], ("code", "code")),
    ("generated name is not a constant", ["config = 3"], ("code",)),
    ("definition", ["def f(x):\n    return x"], ("definition",)),
    ("each definition its own segment", ["def f():\n    pass\ndef g():\n    pass"], ("definition", "definition")),
    (
        "a cell split in order",
        ["import os\nN = 3\ndef f():\n    return N\ny = f()"],
        ("import", "constant", "definition", "code"),
    ),
    ("consecutive code merges", ["xs = [1]\nys = [2]\nzs = xs + ys"], ("code",)),
    ("print cell is a display", ["xs = [1]", "print(xs)"], ("code", "display")),
    ("trailing read is a display", ["xs = [1]\nlen(xs)"], ("code", "display")),
    ("trailing print stays in the step", ["xs = [1]\nprint(xs)"], ("code",)),
    ("drawing cell is a display", ["import matplotlib.pyplot as plt", "plt.plot([1, 2])"], ("import", "display")),
    (
        "file writer is code",
        ["import pandas as pd\ndf = pd.DataFrame()", "df.to_csv('out.csv')"],
        ("import", "code", "code"),
    ),
    ("method call changes its receiver", ["xs = [1]", "xs.append(2)"], ("code", "code")),
    ("a held callable may do anything", ["fs = [len]", "print(fs[0]([1]))"], ("code", "code")),
    ("notebook setting", ["%matplotlib inline"], ("setting",)),
    ("magic that shows stays a display", ["xs = [1]", "%who"], ("code", "display")),
    ("shell line keeps the cell", ["!ls"], ("kept",)),
    ("keep tag", [("x = [1]", ["nb2pkg:keep"])], ("kept",)),
    ("expected error tag", [("x = [1]", ["raises-exception"])], ("kept",)),
    ("syntax error keeps the cell", ["x = ("], ("kept",)),
    ("foreign cell magic keeps the cell", ["%%bash\necho hi"], ("kept",)),
    ("star import", ["from math import *"], ("kept",)),
    ("exec keeps its statement only", ["xs = [1]\nexec('y = 2')"], ("code", "kept")),
    ("timed statement converts", ["%time xs = [1]"], ("code",)),
]


@pytest.mark.parametrize(("cells", "roles"), [case[1:] for case in ROLES], ids=[case[0] for case in ROLES])
def test_segment_roles(cells: list[CellSpec], roles: tuple[str, ...]) -> None:
    assert tuple(s.role for s in segments_of(*cells)) == roles


def test_segment_keys_are_cell_and_position() -> None:
    """Keys name a segment by its cell and its place there: unique, and kept by `replace`."""
    segments = segments_of(("markdown", "# Title"), "import os\nN = 3\ndef f():\n    return N", "y = f()")
    assert [s.key for s in segments] == [(0, 0), (1, 0), (1, 1), (1, 2), (2, 0)]


# (id, cells, (module, function name) of every step in order)
LAYOUT = [
    ("loading", ["import pandas as pd", "df = pd.read_csv('a.csv')\ndf"], (("data", "load_df"),)),
    (
        "cleaning",
        ["import pandas as pd", "df = pd.read_csv('a.csv')\ndf", "clean = df.dropna()\nclean"],
        (("data", "load_df"), ("preprocess", "clean_df")),
    ),
    (
        "in-place change is preprocessing",
        ["xs = [3, 1]\nxs", "xs.sort()\nxs"],
        (("utils", "compute_xs"), ("preprocess", "prepare_xs")),
    ),
    (
        "encoding",
        ["import pandas as pd", "df = pd.read_csv('a.csv')\ndf", "X = pd.get_dummies(df)\nX"],
        (("data", "load_df"), ("features", "encode_x")),
    ),
    (
        "fitting",
        [
            "from sklearn.linear_model import LinearRegression",
            "X, y = [[1]], [1]\nX",
            "model = LinearRegression()\nmodel.fit(X, y)",
        ],
        (("utils", "compute_x"), ("models", "train_linear_regression")),
    ),
    (
        "plain computation",
        ["xs = [1, 2]\nxs", "total = sum(xs)\ntotal"],
        (("utils", "compute_xs"), ("utils", "compute_total")),
    ),
    (
        "heading names the step",
        [("markdown", "## Features"), "feature_xs = [1, 2]\nfeature_xs"],
        (("features", "build_features"),),
    ),
    ("heading picks the module", [("markdown", "## Train the model"), "xs = [1, 2]\nxs"], (("models", "compute_xs"),)),
    ("module tag decides", [("xs = [1, 2]\nxs", ["nb2pkg:module=reports"])], (("reports", "compute_xs"),)),
    ("name tag decides", [("xs = [1, 2]\nxs", ["nb2pkg:name=make_numbers"])], (("utils", "make_numbers"),)),
    (
        "drawing wins over fitting",
        [
            "import matplotlib.pyplot as plt\nfrom sklearn.linear_model import LinearRegression",
            "model = LinearRegression()\nmodel.fit([[1]], [1])\nplt.title('Fit')\nplt.plot([1])",
        ],
        (("plots", "plot_fit"),),
    ),
]


@pytest.mark.parametrize(("cells", "steps"), [case[1:] for case in LAYOUT], ids=[case[0] for case in LAYOUT])
def test_layout(cells: list[CellSpec], steps: tuple[tuple[str, str], ...]) -> None:
    plan = build_plan(segments_of(*cells))
    assert tuple((s.module, s.name) for s in plan.steps) == steps
