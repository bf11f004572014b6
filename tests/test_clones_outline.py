"""`merge_clones` shapes only the steps that share an outline, and their attributes and
keywords, with another step: every two steps of one shape have one outline and the same
attributes and keywords (so the shortcuts lose no group of copies), on every corpus
notebook, golden fixture, the example and generated notebooks with copies."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nb2pkg.dataflow import build_dataflow
from nb2pkg.errors import InputError
from nb2pkg.notebook import read_notebook
from nb2pkg.plan import build_plan, build_segments
from nb2pkg.plan.clones import _attributes_and_keywords, _outline, _shape
from support import EXAMPLE, FIXTURES, corpus_notebooks
from support.notebook_fuzz import generate_cells, with_copies, write_notebook

pytestmark = pytest.mark.slow  # every fixture and corpus notebook

NOTEBOOKS = [*sorted(FIXTURES.glob("convert/*/input.ipynb")), EXAMPLE, *corpus_notebooks()]


def _check(path: Path) -> None:
    try:
        plan = build_plan(build_segments(build_dataflow(read_notebook(path))))
    except InputError:
        pytest.skip("not a notebook nb2pkg reads")
    outer = frozenset(plan.imports) | (frozenset(plan.provided()) - frozenset(plan.lifted()))
    outlines: dict[str, set[tuple[object, ...]]] = {}
    for step in plan.steps:
        shape = _shape(step, outer)
        if shape is not None:
            outlines.setdefault(shape.key, set()).add((_outline(step), _attributes_and_keywords(step)))
    assert all(len(found) == 1 for found in outlines.values())


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.parent.name if p.name == "input.ipynb" else p.stem)
def test_one_shape_one_outline(path: Path) -> None:
    _check(path)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 10_000))
def test_one_shape_one_outline_on_generated_copies(seed: int, tmp_path: Path) -> None:
    _check(write_notebook(tmp_path / f"n{seed}.ipynb", with_copies(generate_cells(seed, size=10), seed, rate=0.6)))
