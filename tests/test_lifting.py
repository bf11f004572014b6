"""Lifting notebook variables into parameters: when it applies, and when the function
must stay in the notebook instead."""

from __future__ import annotations

from pathlib import Path

import pytest

from nb2pkg.convert import convert
from nb2pkg.dataflow import build_dataflow
from nb2pkg.notebook import read_notebook
from support import make_notebook, write_notebook

HELPER = "def above(value):\n    return value > limit"


def converted(tmp_path: Path, cells: list[str]) -> str:
    path = write_notebook(tmp_path / "nb.ipynb", make_notebook(["limit = len('abc')", *cells]))
    files = convert(build_dataflow(read_notebook(path)), tmp_path / "out").files
    return "\n".join(text for name, text in files.items() if name.endswith(".py"))


def test_direct_calls_lift_the_variable(tmp_path: Path) -> None:
    code = converted(tmp_path, [HELPER, "flags = [above(x) for x in range(5)]\nprint(flags)"])
    assert "def above(value, *, limit):" in code
    assert "flags = [above(x, limit=limit) for x in range(5)]" in code


def test_only_the_calls_get_the_variable_beside_an_attribute_of_the_same_name(tmp_path: Path) -> None:
    # one cell of several statements: each statement is rewritten only if it names the function
    cell = (
        "import types\nfirst = above(1)\nobj = types.SimpleNamespace(above=abs)\n"
        "second = obj.above(-2)\nthird = [above(v) for v in (first, second)]\nprint(third)"
    )
    code = converted(tmp_path, [HELPER, cell])
    assert "first = above(1, limit=limit)" in code
    assert "second = obj.above(-2)" in code
    assert "third = [above(v, limit=limit) for v in (first, second)]" in code


@pytest.mark.parametrize(
    "cells",
    [
        [HELPER, "import pandas as pd\nkept = pd.Series([1, 5]).apply(above)\nprint(kept)"],  # a callback
        [HELPER, "%timeit above(3)"],  # called from a cell kept as written (a magic)
        ["def above(value):\n    global limit\n    limit += 1\n    return value > limit", "above(3)"],
        ["def above(value, floor=limit):\n    return value > floor", "print(above(3))"],  # default
        [HELPER, "def twice(v):\n    return above(v) and above(v + 1)", "print(twice(2))"],  # from a function
    ],
    ids=["callback", "kept cell", "global", "default value", "called by a function"],
)
def test_no_lifting(tmp_path: Path, cells: list[str]) -> None:
    code = converted(tmp_path, cells)
    assert "*, limit" not in code
