"""The analysis reuses what it parsed: the shortcuts give the facts the slow path gives.

A segment's statements are walked as they are (`analyse_cell(..., tree=...)`) instead of
printing them and parsing the code again, and a rendered module's tree is walked as it
is (`analyse_tree`). For every cell of every corpus notebook, of the golden fixtures and
of the example, the facts must be the same as those of the code printed and parsed again.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import libcst as cst
import pytest

from nb2pkg.analysis import Context, analyse_cell, analyse_tree, shadowed_builtins
from nb2pkg.dataflow import build_dataflow
from nb2pkg.errors import InputError
from nb2pkg.notebook import read_notebook
from nb2pkg.plan import Segment, build_segments
from support import EXAMPLE, FIXTURES, corpus_notebooks

pytestmark = pytest.mark.slow  # every fixture and corpus notebook, analysed twice

NOTEBOOKS = [*sorted(FIXTURES.glob("convert/*/input.ipynb")), EXAMPLE, *corpus_notebooks()]


def _slow_reanalyse(segments: tuple[Segment, ...], shadowed: frozenset[str]) -> list[Segment]:
    """The segments' facts as they were found before the shortcut: each segment's code
    analysed as a cell of its own, parsed from its text."""
    context = Context(shadowed=shadowed)
    done = []
    for segment in segments:
        if segment.role == "markdown" or (segment.role == "kept" and not segment.statements):
            if segment.role == "kept" and segment.facts.analysed:
                _, context = analyse_cell(segment.cell.source, context)
            done.append(segment)
            continue
        facts, context = analyse_cell(segment.source, context)
        done.append(replace(segment, facts=facts))
    return done


def _read(path: Path):  # type: ignore[no-untyped-def]
    try:
        return read_notebook(path)
    except InputError:
        pytest.skip("not a notebook nb2pkg reads")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.parent.name if p.name == "input.ipynb" else p.stem)
def test_segment_facts_as_if_parsed_again(path: Path) -> None:
    flow = build_dataflow(_read(path))
    segments = build_segments(flow)
    slow = _slow_reanalyse(segments, shadowed_builtins(flow.facts))
    assert [s.facts for s in segments] == [s.facts for s in slow]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.parent.name if p.name == "input.ipynb" else p.stem)
def test_module_tree_facts_as_if_parsed_again(path: Path) -> None:
    """All the converted statements of a notebook as one module, as render builds them."""
    segments = build_segments(build_dataflow(_read(path)))
    body = [s for segment in segments for s in segment.statements if segment.role != "kept"]
    tree = cst.Module(body=body)  # type: ignore[arg-type]
    code = tree.code
    for lazy in (False, True):
        context = Context(lazy_annotations=lazy)
        (fast, after_fast), (slow, after_slow) = analyse_tree(tree, code, context), analyse_cell(code, context, False)
        if slow.parse_error is not None:  # `from __future__` after code: no module render writes
            continue
        # IPython's rewrite of the printed code may strip a blank line's spaces: nothing else
        assert fast.python == code
        assert replace(fast, python=slow.python) == slow
        assert after_fast == after_slow


@pytest.mark.parametrize("path", NOTEBOOKS[:12], ids=lambda p: p.parent.name if p.name == "input.ipynb" else p.stem)
def test_an_analysis_is_reused_only_in_its_own_context(path: Path) -> None:
    """`again` gives what analysing from scratch gives: in the cell's own context (reused)
    and in another one (the first cell's, not reused)."""
    flow = build_dataflow(_read(path))
    for again in flow.analysed:
        if again is None:
            continue
        for context in (again.before, Context(), Context(bound=frozenset({"x"}))):
            assert analyse_cell(again.source, context, again=again) == analyse_cell(again.source, context)
