"""IPython's `_` read right after a cell that surely showed a value reading it again gives:
the cell converts with that expression in place of `_` (analysis/last_result.py); any
other `_` keeps its cell in the notebook, as before."""

from __future__ import annotations

import pytest

from test_plan import segments_of


@pytest.mark.parametrize(
    ("cells", "code"),
    [
        (["x = 5", "x * 2", "result = _ + 1"], "result = (x * 2) + 1"),
        (["xs = [3, 1]", ("markdown", "## Next"), "len(xs)", "n = _"], "n = (len(xs))"),
        (["xs = [3, 1]", "xs[0] + 1", "ys = [_, xs.copy]"], "ys = [(xs[0] + 1), xs.copy]"),
    ],
)
def test_the_last_result_is_the_expression_that_showed_it(cells: list, code: str) -> None:
    segments = segments_of(*cells)
    assert segments[-1].role != "kept", segments[-1].reason
    assert code in segments[-1].source


@pytest.mark.parametrize(
    "cells",
    [
        ["x = 5", "x", "y = _"],  # a name may hold None, which shows nothing
        ["x = 5", "x * 2;", "y = _"],  # hidden
        ["x = 5", "f(x)", "y = _"],  # a call may change something, or return None
        ["x = 5", "x * 2", "print(x)", "y = _"],  # not the cell just before
        ["x = 5", "x * 2", "x = 6\ny = _"],  # the cell rebinds what the expression reads
        ["x = [5]", "len(x)", "x.append(1)\ny = _"],  # or changes it
        ["x = 5", "x * 2", "g = lambda: _"],  # runs later, after other cells
    ],
)
def test_any_other_last_result_stays(cells: list) -> None:
    assert segments_of(*cells)[-1].role == "kept"


def test_a_notebook_that_binds_the_underscore_reads_its_own() -> None:
    segments = segments_of("x = 5", "x * 2", "y = _ + 1", "_ = 3")
    assert not any("(x * 2)" in s.source for s in segments)
