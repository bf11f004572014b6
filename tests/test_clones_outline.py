"""`merge_clones` shapes only the steps that share an outline with another step: every
two steps of one shape have one outline (so the shortcut loses no group of copies), on
every corpus notebook, golden fixture and the example."""

from __future__ import annotations

from pathlib import Path

import pytest

from nb2pkg.dataflow import build_dataflow
from nb2pkg.errors import InputError
from nb2pkg.notebook import read_notebook
from nb2pkg.plan import build_plan, build_segments
from nb2pkg.plan.clones import _outline, _shape
from support import EXAMPLE, FIXTURES, corpus_notebooks

pytestmark = pytest.mark.slow  # every fixture and corpus notebook

NOTEBOOKS = [*sorted(FIXTURES.glob("convert/*/input.ipynb")), EXAMPLE, *corpus_notebooks()]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.parent.name if p.name == "input.ipynb" else p.stem)
def test_one_shape_one_outline(path: Path) -> None:
    try:
        plan = build_plan(build_segments(build_dataflow(read_notebook(path))))
    except InputError:
        pytest.skip("not a notebook nb2pkg reads")
    outer = frozenset(plan.imports) | (frozenset(plan.provided()) - frozenset(plan.lifted()))
    outlines: dict[str, set[tuple[object, ...]]] = {}
    for step in plan.steps:
        shape = _shape(step, outer)
        if shape is not None:
            outlines.setdefault(shape.key, set()).add(_outline(step))
    assert all(len(found) == 1 for found in outlines.values())
