"""A notebook function that reads notebook variables and is used as a value is defined in
its step when the values it reads are never bound again (plan/step_functions.py); when
one is, it stays in the notebook, and the warning names it and the cell that binds it."""

from __future__ import annotations

from pathlib import Path

import pytest

from nb2pkg import api
from support import make_notebook, write_notebook

APPLY = "def apply(f, n):\n    return [f(i) for i in range(n)]"


def _converted(tmp_path: Path, cells: list[str]) -> tuple[str, list[str]]:
    notebook = write_notebook(tmp_path / "rates.ipynb", make_notebook(cells))
    converted = api.convert(notebook, out=tmp_path / "out", write=False)
    code = "".join(text for path, text in converted.conversion.files.items() if path.endswith(".py"))
    return code, [w.message for w in converted.conversion.warnings]


@pytest.mark.parametrize(
    "cells",
    [
        # computed data, a callback
        [
            "values = [5, 50]",
            "def schedule(t):\n    return values[0] / (t + values[1])",
            APPLY,
            "r = apply(schedule, 3)",
        ],
        # changed in place after: the same object in both
        ["values = [5]", "def first(t):\n    return values[0] + t", "values.append(1)", "r = list(map(first, [1]))"],
        # kept in a list, called in a later step
        ["k = len('abc')", "def add(v):\n    return v + k", "fs = [add]", "print(fs[0](1))"],
    ],
)
def test_a_function_used_as_a_value_is_defined_in_its_step(cells: list[str], tmp_path: Path) -> None:
    code, warnings = _converted(tmp_path, cells)
    assert not [w for w in warnings if "stays in the notebook" in w], warnings
    assert "\n    def " in code  # defined inside the step function


@pytest.mark.parametrize(
    ("cells", "said"),
    [
        (
            ["values = [5]", "def first(t):\n    return values[0] + t", "values = [6]", "r = list(map(first, [1]))"],
            "and cell 3 binds `values` again after it: the notebook's function then reads the new value",
        ),
        (
            ["values = [5]", "def first(t):\n    return values[0] + t", "del values", "r = list(map(first, [1]))"],
            "and cell 3 deletes `values` after it",
        ),
        (
            ["def first(t):\n    return values[0] + t", "values = [5]", "r = list(map(first, [1]))"],
            "and `values` is bound only after it",
        ),
    ],
)
def test_a_function_whose_values_change_later_stays_and_says_why(cells: list[str], said: str, tmp_path: Path) -> None:
    _, warnings = _converted(tmp_path, cells)
    assert any("`first` stays in the notebook" in w and said in w for w in warnings), warnings


def test_a_step_that_only_defines_is_named_after_what_it_defines() -> None:
    from test_step_names import plan_of

    plan = plan_of(["xs = [1, 2]\nxs", "def add(v):\n    return v + xs[0]", "len(xs)", "print(list(map(add, xs)))"])
    step = plan.steps[1]
    assert (step.name, step.params, step.returns) == ("define_add", ("xs",), ("add",))
    assert step.doc == "Define `add`, which reads its values when called."


def test_a_notebook_that_pickles_keeps_such_functions(tmp_path: Path) -> None:
    """pickle finds a function by its name in its module: one defined in a step has none."""
    cells = ["import pickle\nvalues = [5]", "def first(t):\n    return values[0] + t", "r = list(map(first, [1]))"]
    _, warnings = _converted(tmp_path, [*cells, "blob = pickle.dumps(r)"])
    assert any("`first` stays in the notebook" in w for w in warnings), warnings
