"""One pyflakes run over every step function (render.unused.unused_per_function) finds,
for each, the unused variables a run on that function alone finds, in the same order:
on functions built to hold every kind of binding pyflakes reports or forgives, on the
golden fixtures' steps and on every corpus notebook's."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nb2pkg.dataflow import build_dataflow
from nb2pkg.errors import InputError
from nb2pkg.notebook import read_notebook
from nb2pkg.plan import Step, build_plan, build_segments
from nb2pkg.render.modules import step_function
from nb2pkg.render.unused import _unused_variables, unused_per_function
from support import corpus_notebooks

FIXTURES = sorted((Path(__file__).resolve().parents[1] / "fixtures" / "convert").glob("*/input.ipynb"))
NOTEBOOKS = corpus_notebooks()

# Statements that bind, use, delete, shadow and close over names, as notebook code does.
LINES = [
    "a = 1",
    "b = a + 1",
    "a, c = 1, 2",
    "try:\n    x = int('1')\nexcept ValueError as e:\n    pass",
    "try:\n    x = 1\nexcept Exception as err:\n    print(err)",
    "def inner():\n    hidden = 1\n    return a",
    "def inner():\n    nonlocal_free = 2",
    "global g\ng = 3",
    "values = [v for v in range(3)]",
    "with open('f') as handle:\n    text = 1",
    "for i in range(2):\n    last = i",
    "del a",
    "print(locals())",
    "_ = 5",
    "lam = lambda q: q + a",
    "lam_2 = lambda: (bound_in_lambda := a)",
    "def inner_2(p=(bound_outside := 1)):\n    return (bound_inside := p)",
    "class Local:\n    attribute = 1",
    "x: int = 1",
    "total = 0\ntotal += 1",
]


def _function(name: str, lines: list[str]) -> str:
    body = "".join("    " + line + "\n" for chunk in lines for line in chunk.splitlines()) or "    pass\n"
    return f"def {name}(a=0):\n{body}"


def alone(codes: list[str]) -> list[list[str]]:
    return [_unused_variables(code) for code in codes]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.sampled_from(LINES), max_size=6), min_size=1, max_size=6))
def test_one_run_finds_what_each_function_alone_does(bodies: list[list[str]]) -> None:
    codes = [_function(f"step_{n}", lines) for n, lines in enumerate(bodies)]
    assert unused_per_function(codes) == alone(codes)


def test_only_the_step_functions_own_variables_count() -> None:
    """A variable of a function or lambda inside the step is not the step's to return
    (returning it read a name nothing binds: the conversion failed with a bug report);
    a default's walrus binds in the step itself."""
    code = "def step():\n    def inner():\n        hidden = 1\n    y = lambda q=(d := 1): (w := 1)\n    z = 2\n"
    assert unused_per_function([code]) == [_unused_variables(code)] == [["d", "y", "z"]]


def test_code_that_is_not_one_function_each_is_checked_alone() -> None:
    codes = ["def f():\n    x = 1\n", "y = 2\n", "def g():\n    z = 3\n"]
    assert unused_per_function(codes) == alone(codes) == [["x"], [], ["z"]]


def step_codes(path: Path) -> list[str]:
    plan = build_plan(build_segments(build_dataflow(read_notebook(path))))
    lifted = plan.lifted()
    return [cst.Module(body=[step_function(s, lifted)]).code for s in plan.items if isinstance(s, Step)]


@pytest.mark.parametrize("path", FIXTURES[::3], ids=[p.parent.name for p in FIXTURES[::3]])
def test_fixture_steps(path: Path) -> None:
    codes = step_codes(path)
    assert unused_per_function(codes) == alone(codes)


@pytest.mark.slow
@pytest.mark.corpus
@pytest.mark.skipif(not NOTEBOOKS, reason="the shared corpus is not beside the checkout")
def test_corpus_steps() -> None:
    for path in NOTEBOOKS:
        try:
            codes = step_codes(path)
        except InputError:
            continue
        assert unused_per_function(codes) == alone(codes), path.name
