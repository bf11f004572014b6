"""`t0, t1 = 5, 50` is `t0 = 5` then `t1 = 50` (plan/unpacking.py): the unpacking is split
where one of its names is a config constant, and the project is then the same, file for
file, as the one of the notebook with the separate lines. A cell's last line `x = 5; x`
is `x = 5` then `x`, the value IPython shows."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest

from nb2pkg import api
from nb2pkg.plan.unpacking import last_value_apart, unpacked_literals
from support import make_notebook, write_notebook


@pytest.mark.parametrize(
    ("code", "lines"),
    [
        ("t0, t1 = 5, 50\n", "t0 = 5\nt1 = 50\n"),
        ("(a, b) = (1, 'x')\n", "a = 1\nb = 'x'\n"),
        ("[a, b] = [2.5, -1]\n", "a = 2.5\nb = -1\n"),
        ("a, b = (1, 2), None\n", "a = (1, 2)\nb = None\n"),
        ("a, b = (\n    1,\n    2,\n)\n", "a = 1\nb = 2\n"),
        ("pass\n# rates\na, b = 1, 2  # per step\n", "# rates\n# per step\na = 1\nb = 2\n"),
    ],
)
def test_an_unpacking_of_literals_is_its_assignments(code: str, lines: str) -> None:
    statement = cst.parse_module(code).body[-1]  # after a `pass`, the comments above are its own
    assert cst.Module(body=list(unpacked_literals(statement))).code == lines


@pytest.mark.parametrize(
    "code",
    [
        "a, *b = 1, 2, 3",  # starred
        "(a, b), c = (1, 2), 3",  # nested
        "a, a = 1, 2",  # a name twice
        "a, b = 1, len('x')",  # computed: the order of the bindings could be seen
        "a, b = [1], 2",  # a list is filled later
        "a, b = 1, 2, 3",  # fails in the notebook too
        "a, b = 'xy'",  # not a tuple of values
        "a = b = 1, 2",  # two targets
        "a.x, b = 1, 2",  # an attribute
        "a, b = (1,  # one\n    2)",  # the comment would be lost
        "a, b = 1, 2; c = 3",  # two statements on the line
        "a = 1",
    ],
)
def test_other_statements_stay_whole(code: str) -> None:
    (statement,) = cst.parse_module(code).body
    assert unpacked_literals(statement) == ()


def _files(folder: Path, cells: list[str]) -> dict[str, str]:
    folder.mkdir()
    notebook = write_notebook(folder / "rates.ipynb", make_notebook(cells))
    converted = api.convert(notebook, out=folder / "out", write=False)
    return {path: text for path, text in converted.conversion.files.items() if path != ".nb2pkg.json"}


REST = [
    "def schedule(t):\n    return t0 / (t + t1)",
    "def apply(f, n):\n    return [f(i) for i in range(n)]",
    "result = round(sum(apply(schedule, 3)), 4)\nprint(result)",
]


@pytest.mark.parametrize(
    ("unpacked", "separate", "rest"),
    [
        ("t0, t1 = 5, 50", "t0 = 5\nt1 = 50", REST),
        ("(t0, t1) = (5, 50)  # schedule", "# schedule\nt0 = 5\nt1 = 50", REST),
        # `t1` is bound again: it is code, in the step, and `t0` still a constant
        ("t0, t1 = 5, 50", "t0 = 5\nt1 = 50", ["t1 = t1 + 1", *REST]),
        ("t0, t1 = 5, 50\nt0 = 6", "t0 = 5\nt1 = 50\nt0 = 6", REST),
    ],
)
def test_the_project_is_the_one_of_the_separate_lines(
    unpacked: str, separate: str, rest: list[str], tmp_path: Path
) -> None:
    assert _files(tmp_path / "a", [unpacked, *rest]) == _files(tmp_path / "b", [separate, *rest])


def test_an_unpacking_nothing_can_make_constant_stays_as_written(tmp_path: Path) -> None:
    files = _files(tmp_path / "a", ["t0, t1 = 5, 50", "t0, t1 = t1, t0", "print(t0, t1)"])
    assert "t0, t1 = 5, 50" in "".join(files.values())


@pytest.mark.parametrize(
    ("code", "lines"),
    [
        ("x = 5; x", "x = 5\nx"),
        ("a = 1\nxs = [2]; xs.sort(); xs  # sorted\n", "a = 1\nxs = [2]; xs.sort()\nxs  # sorted\n"),
        ("x = 5; x;", "x = 5; x;"),  # hidden: nothing to show
        ("x = 5; y = x", "x = 5; y = x"),  # no value at the end
        ("x = 5\nx", "x = 5\nx"),
        ("x = 5; x\ny = 1", "x = 5; x\ny = 1"),  # only the last line shows a value
    ],
)
def test_the_value_a_last_line_ends_in_is_a_statement_of_its_own(code: str, lines: str) -> None:
    module = last_value_apart(cst.parse_module(code))
    assert module.code == lines
    assert len(module.body) == len(cst.parse_module(lines).body)
