"""The rules differential fuzzing led to, as tables: late binding, work at definition
time, shadowed builtins, IPython-only names and dynamic namespace reads."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import libcst as cst
import pytest

from nb2pkg import api
from nb2pkg.analysis import analyse_cell
from nb2pkg.analysis.closures import late_reads
from nb2pkg.analysis.import_time import definition_work
from nb2pkg.plan.literals import is_literal
from support import make_notebook, write_notebook


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("g = lambda v: v + rate", {"rate"}),
        ("gen = (v + rate for v in values)", {"rate"}),  # `values` is read at once
        ("m = map(lambda v: v * k, xs)", {"k"}),
        ("fs = [lambda: a, lambda: b]", {"a", "b"}),
        ("y = sorted(xs, key=lambda v: v + rate)", set()),  # runs at once
        ("sorted(xs, key=lambda v: v + rate)", set()),
        ("total = sum(v * rate for v in values)", set()),
        ("g = lambda v, w=1: [v + w + u for u in range(3)]", {"range"}),  # builtins: the plan decides
    ],
)
def test_late_reads(code: str, expected: set[str]) -> None:
    assert late_reads(tuple(cst.parse_module(code).body)) == expected


@pytest.mark.parametrize(
    ("code", "works"),
    [
        ("def f(v):\n    return v", False),
        ("def f(v, k=3, *, name='x'):\n    return v", False),
        ("@lru_cache(maxsize=None)\ndef f(v):\n    return v", False),
        ("@functools.lru_cache\ndef f(v):\n    return v", False),
        ("class A:\n    '''Doc.'''\n    size: int = 3\n    @staticmethod\n    def f(v):\n        return v", False),
        (
            "class A:\n    @property\n    def v(self):\n        return 1\n    @v.setter\n    def v(self, x):\n        pass",
            False,
        ),
        ("@announce\ndef f(v):\n    return v", True),  # a notebook function runs now
        ("def f(v, k=len(values)):\n    return v + k", True),
        ("def f(v: check()) -> int:\n    return v", True),
        ("class A:\n    print('body')", True),
        ("class A:\n    table = load()", True),
        ("class A(make_base()):\n    pass", True),
    ],
)
def test_definition_work(code: str, works: bool) -> None:
    statement = cst.parse_module(code).body[0]
    assert bool(definition_work(statement, frozenset({"lru_cache", "functools"}))) is works


@pytest.mark.parametrize(
    ("code", "literal"),
    [("'a' 'b'", True), ("'run-' f'{n}'", False), ("f'{n}'", False), ("(1, 'x')", True)],
)
def test_concatenated_strings_are_constants_only_without_f_strings(code: str, literal: bool) -> None:
    assert is_literal(cst.parse_expression(code)) is literal


def test_a_function_reads_a_builtin_the_notebook_rebinds_later() -> None:
    from nb2pkg.analysis.facts import Context

    facts, _ = analyse_cell("def describe(v):\n    return f'{type}: {v}'", Context(shadowed=frozenset({"type"})))
    assert dict(facts.functions)["describe"].reads == {"type"}
    plain, _ = analyse_cell("def describe(v):\n    return f'{type}: {v}'")
    assert dict(plain.functions)["describe"].reads == frozenset()


def test_eval_uses_every_name_bound_before() -> None:
    from nb2pkg.analysis.facts import Context

    facts, _ = analyse_cell("x = eval('a + 1')", Context(bound=frozenset({"a", "b"})))
    assert {"a", "b"} <= facts.uses


def _convert(tmp_path: Path, cells: list[str]) -> tuple[str, dict, dict[str, str]]:
    notebook = write_notebook(tmp_path / "nb.ipynb", make_notebook(cells))
    done = api.convert(notebook, out=tmp_path / "out", name="pkg")
    files = done.conversion.files
    summary = json.loads(files["notebooks/nb.ipynb"])
    kept = {
        "".join(c["source"]).splitlines()[-1]: c["metadata"]["nb2pkg"]["kept"]
        for c in summary["cells"]
        if "kept" in c["metadata"].get("nb2pkg", {})
    }
    return files["src/pkg/config.py"], kept, files


def test_a_rebound_builtin_is_not_a_constant(tmp_path: Path) -> None:
    config, _, files = _convert(tmp_path, ["print(type(3).__name__)", "type = 'linear'", "print(type)"])
    assert "type =" not in config
    assert any("type = " in text for name, text in files.items() if name.endswith(".py") and "config" not in name)


def test_cells_reading_ipython_names_stay_in_the_notebook(tmp_path: Path) -> None:
    # a main guard is always true in a notebook, and converts (tests/test_main_guard.py); so
    # does `_` after an operation that surely showed a value (`x * 3`: tests/test_last_result.py)
    _, kept, _ = _convert(tmp_path, ["x = 2\nx", "y = _ + 1", "print(__name__ + '!')"])
    assert "`_`" in kept["y = _ + 1"]
    assert "`__name__`" in kept["print(__name__ + '!')"]


def test_only_the_dynamic_statement_stays_in_the_notebook(tmp_path: Path) -> None:
    config, kept, files = _convert(tmp_path, ["a = [1]\nb = len(a)\nc = eval('b + 1')\nprint(c)"])
    assert list(kept) == ["c = eval('b + 1')"]
    assert "b = len(a)" in "".join(text for name, text in files.items() if name.endswith(".py"))


# Notebook functions that read notebook variables and are only ever called: they move to
# modules with those variables as keyword arguments, and each call passes what it sees.
CALLED_HELPERS: dict[str, list[str | tuple[str, str]]] = {
    # a helper reading a value built in its own cell, called from later cells
    "same-cell-value": [
        "from pathlib import Path\n\nOUT = Path('figures') / 'run'\n\ndef where(name):\n    return (OUT / name).as_posix()",
        "print(where('a.png'))",
        "print(where('b.png'))",
    ],
    # bound just before in its own cell, called in that cell's loop; rebound later
    "own-cell-loop-then-rebound": [
        "t0, t1 = 5, 50\n\ndef rate(t):\n    return t0 / (t + t1)\n\ntotal = 0\nfor i in range(3):\n"
        "    total += rate(i)\nprint(round(total, 6))",
        "t0 = 1\nprint(rate(2))",
    ],
    # defined again, word for word, after rebinding what it reads
    "same-code-redefined": [
        "t0, t1 = 5, 50\n\ndef rate(t):\n    return t0 / (t + t1)\n\nprint(rate(1))",
        "t0, t1 = 200, 1000\n\ndef rate(t):\n    return t0 / (t + t1)\n\nprint(rate(1))",
        "print(rate(3))",
    ],
    # returns a list it builds, not a closure: a later rebinding changes nothing it returned
    "returns-a-local-list": [
        "k = 2",
        "def path(n):\n    steps = []\n    for i in range(n):\n        steps.append(i * k)\n    return steps",
        "first = path(3)\nprint(first)",
        "k = 10\nprint(path(2), first)",
    ],
    # defined in a step (inside `try`) and called by the next cell of the same step
    "defined-in-a-step": [
        "k = 3",
        "try:\n    from math import no_such_function as scaled\nexcept ImportError:\n    from math import sqrt\n\n"
        "    def scaled(v):\n        return sqrt(v) * k",
        "print(scaled(16))",
    ],
}


@pytest.mark.parametrize("cells", list(CALLED_HELPERS.values()), ids=list(CALLED_HELPERS))
def test_called_helpers_move_and_python_m_prints_what_the_notebook_did(
    tmp_path: Path, cells: list[str | tuple[str, str]]
) -> None:
    notebook = write_notebook(tmp_path / "nb.ipynb", make_notebook(cells))
    done = api.convert(notebook, out=tmp_path / "out", name="pkg")
    assert not [
        w.message for w in done.conversion.warnings if "stays in the notebook" in w.message or "refuses" in w.message
    ]
    namespace: dict[str, object] = {}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        for cell in cells:
            exec(compile(cell if isinstance(cell, str) else "", "<cell>", "exec"), namespace)
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "out" / "src")}
    ran = subprocess.run([sys.executable, "-m", "pkg"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout == printed.getvalue()


def test_a_function_defined_again_with_other_code_stays_and_says_why(tmp_path: Path) -> None:
    cells = ["k = 2", "def f(v):\n    return v + k", "print(f(1))", "def f(v):\n    return v * k", "print(f(3))"]
    notebook = write_notebook(tmp_path / "nb.ipynb", make_notebook(cells))
    warnings = api.convert(notebook, out=tmp_path / "out", name="pkg").conversion.warnings
    assert (2, "`f` stays in the notebook: this cell defines a name that other cells define too") in [
        (w.cell, w.message) for w in warnings
    ]


def test_a_repeated_definition_that_stays_names_both_cells(tmp_path: Path) -> None:
    define = "def f(v):\n    return v + k"
    cells = ["k = 2", define, "print(f(1))", "k = 5", define, "g = f\nprint(g(3))"]  # `g = f`: not a call
    notebook = write_notebook(tmp_path / "nb.ipynb", make_notebook(cells))
    warnings = api.convert(notebook, out=tmp_path / "out", name="pkg").conversion.warnings
    assert [w.cell for w in warnings if w.message.startswith("`f` stays in the notebook")] == [2, 5]


@pytest.mark.parametrize(
    ("code", "closure"),
    [
        ("def f(n):\n    path = []\n    path.append(n * k)\n    return path", False),  # a list it builds
        ("def f(n):\n    def g():\n        return n * k\n    return g", True),
        ("def f(n):\n    g = lambda: n * k\n    return g", True),
        ("def f(n):\n    yield n * k", True),
        ("def make():\n    def g():\n        return k\n    return g\ndef f():\n    h = make()\n    return h", True),
    ],
)
def test_a_returned_local_is_a_closure_only_if_the_body_makes_one(code: str, closure: bool) -> None:
    facts, _ = analyse_cell(code)
    assert dict(facts.functions)["f"].returns_callable is closure


def test_a_kept_part_shows_a_value_only_where_the_notebook_did(tmp_path: Path) -> None:
    """`d.pop('a')` ends the kept part, not its cell: `;` hides it (fuzz seed 1454); a
    display after a comment, or a kept part that ends its cell, shows as it did."""
    cells = [
        "n = len('ab')\nd = {'a': 1}",
        "g = lambda v: v + n",
        "n = g(1)\nd.pop('a', None)\nLIMIT = 30",
        "m = g(2)\nd.get('b')",
        "# a preview\nd",
    ]
    _, _, files = _convert(tmp_path, cells)
    sources = ["".join(c["source"]) for c in json.loads(files["notebooks/nb.ipynb"])["cells"]]
    assert any(s.endswith("d.pop('a', None);") for s in sources)
    assert any(s.endswith("d.get('b')") for s in sources)
    assert sources[-1].endswith("\nd")
