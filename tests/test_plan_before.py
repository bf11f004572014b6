"""`plan.before` counts each segment once for points that only move forward: at every
point it says what asking again from the first cell says (`rebound_imports`, the union of
what the segments before leave bound), on every corpus notebook, golden fixture and the example."""

from __future__ import annotations

from pathlib import Path

import pytest

from nb2pkg.dataflow import build_dataflow
from nb2pkg.errors import InputError
from nb2pkg.notebook import read_notebook
from nb2pkg.plan import build_segments
from nb2pkg.plan.before import Before, GrowingUnion
from nb2pkg.plan.imports import rebound_imports
from support import EXAMPLE, FIXTURES, corpus_notebooks

NOTEBOOKS = [*sorted(FIXTURES.glob("convert/*/input.ipynb")), EXAMPLE, *corpus_notebooks()]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.parent.name if p.name == "input.ipynb" else p.stem)
def test_before_is_asking_from_the_start(path: Path) -> None:
    try:
        segments = build_segments(build_dataflow(read_notebook(path)))
    except InputError:
        pytest.skip("not a notebook nb2pkg reads")
    imported = {n for s in segments if s.role in ("import", "kept") for n in s.facts.defines}
    before = Before(segments, imported)
    kept: GrowingUnion[object] = GrowingUnion(lambda s: s.facts.defines if s.role == "kept" else ())  # type: ignore[attr-defined]
    for position in [*range(0, len(segments) + 1, 3), len(segments), 2, len(segments)]:  # and once going back
        before.advance(position)
        earlier = segments[:position]
        assert before.bound == _bound(earlier)
        assert before.dynamic == "\n".join(s.source for s in earlier if s.facts.dynamic)
        assert before.rebound_imports() == rebound_imports(segments, position, imported)
        assert kept.upto(segments, position) == {n for s in earlier if s.role == "kept" for n in s.facts.defines}


def _bound(segments: tuple) -> set[str]:  # type: ignore[type-arg]
    """What the segments leave bound, in order: a `del` on every path unbinds."""
    bound: set[str] = set()
    for segment in segments:
        bound = (bound - (segment.facts.deletes - segment.partial)) | segment.facts.defines
    return bound


@pytest.mark.parametrize(
    "code",
    ["def f(x):\n    if x:\n        return 1\n", "def f(x):\n\tif x:\n\t\treturn 1\n", "x = 1\r\ny = [\r\n  2]\r\n"],
)
def test_a_statement_printed_once_prints_as_its_module_prints_it(code: str) -> None:
    """`plan.printed.code_of` caches the plain modules' printing: tabs and `\\r\\n` are not plain."""
    import libcst as cst

    from nb2pkg.analysis import code_of

    module = cst.parse_module(code)
    for statement in module.body:
        assert code_of(statement, module) == code_of(statement, module) == module.code_for_node(statement)
        assert code_of(statement) == cst.Module(body=[]).code_for_node(statement)
