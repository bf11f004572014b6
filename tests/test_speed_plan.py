"""The plan's shortcuts give what the slow paths give (issue 16): `interface.Liveness`, one
index of the notebook's segments, answers as the scan of the code after a step that it
replaces, for every step start and every name, on the fixtures, the example, the corpus
and generated notebooks (with kept cells nb2pkg cannot read, whose words count)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nb2pkg.dataflow import build_dataflow
from nb2pkg.errors import InputError
from nb2pkg.notebook import read_notebook
from nb2pkg.plan import Segment, build_segments
from nb2pkg.plan.interface import Liveness, _is_live
from support import EXAMPLE, FIXTURES, corpus_notebooks
from support.notebook_fuzz import generate_cells, with_copies, write_notebook

NOTEBOOKS = [*sorted(FIXTURES.glob("convert/*/input.ipynb")), EXAMPLE, *corpus_notebooks()]
# names the scan meets as whole words, not, or only as part of a word (`\bx\b`), and
# identifiers `\w` does not cover (a combining mark): the index falls back to the scan
ODD_NAMES = ("x", "_", "df", "i", "print", "get_ipython", "e\u0301", "a\u00b7b")


def _segments(path: Path) -> tuple[Segment, ...]:
    try:
        return build_segments(build_dataflow(read_notebook(path)))
    except InputError:
        pytest.skip("not a notebook nb2pkg reads")


def _check(segments: tuple[Segment, ...], every: int = 1) -> None:
    liveness = Liveness.of(segments)
    names = {n for s in segments for n in s.facts.defines | s.facts.uses | s.reads | s.facts.deletes}
    names |= {w for s in segments if not s.facts.analysed for w in s.source.split()[:20]}
    for start in range(0, len(segments) + 1, every):
        later = liveness.after(start)
        for name in sorted(names | set(ODD_NAMES)):
            assert later.is_live(name) == _is_live(name, segments[start:]), (start, name)


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.parent.name if p.name == "input.ipynb" else p.stem)
def test_liveness_answers_as_the_scan_of_the_later_code(path: Path) -> None:
    segments = _segments(path)
    _check(segments, every=max(1, len(segments) // 40))


KEPT = [
    ("code", "%%bash\necho df total items\n"),  # a cell magic nb2pkg does not analyse
    ("code", "x = (\n"),  # does not parse: kept, its words may be names
    ("code", "print(total, d)\n"),
    ("markdown", "## total d items"),
]


@pytest.mark.slow
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 10_000), kept=st.lists(st.sampled_from(KEPT), max_size=3), where=st.integers(0, 8))
def test_liveness_on_generated_notebooks(seed: int, kept: list[tuple[str, str]], where: int, tmp_path: Path) -> None:
    cells = with_copies(generate_cells(seed, size=8), seed)
    for cell in kept:
        cells.insert(min(where, len(cells)), cell)
    segments = _segments(write_notebook(tmp_path / f"n{seed}.ipynb", cells))
    _check(segments)


# `may_name`, the word test before a lifted function's calls are looked for in the tree:
# False must be sure (a call it misses would keep the notebook variable out of the call).
PIECES = [
    "{n}({a})",
    "{a}.{n}({a})",
    "{n}.{a}",
    "{a}({n}={a})",
    "{a}({a}, {n})",
    "f'{{{n}({a})}}'",
    "'{n}'",
    "{a} = {n}",
    "lambda {a}: {n}",
    "[{n} for {a} in {a}]",
    "{a}[{n}]",
    "({n}\n({a}))",
    "{n}2 + {a}",
    "_{n}({a})",
    "{a} if {n} else {a}",
    "1if {n} else 2",
    "{a}  # {n}",
    "{a}. {n}",
]


def _names_in(code: str, name: str) -> bool:
    """Whether the tree holds a Name `name` other than an attribute's (`obj.name`)."""
    import libcst as cst

    found: list[str] = []

    class Names(cst.CSTVisitor):
        def visit_Name(self, node: cst.Name) -> None:
            found.append(node.value)

        def visit_Attribute(self, node: cst.Attribute) -> bool:
            node.value.visit(self)
            return False

    cst.parse_module(code).visit(Names())
    return name in found


@given(
    st.lists(st.sampled_from(PIECES), min_size=1, max_size=6),
    st.sampled_from(["save_fig", "f", "plot", "_", "x1"]),
    st.sampled_from(["x", "df", "save_fig_2", "plot", "obj"]),
)
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_may_name_is_false_only_where_the_tree_has_no_such_name(pieces: list[str], name: str, other: str) -> None:
    from nb2pkg.plan import may_name

    code = "\n".join(piece.format(n=name, a=other) for piece in pieces) + "\n"
    if _names_in(code, name):
        assert may_name(name, code), code


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("save_fig('a')", True),
        ("x = save_fig", True),
        ("plt.save_fig('a')", False),
        ("save_figure('a')", False),
        ("my_save_fig('a')", False),
        ("f(save_fig=1)", True),  # a keyword, not the function: the tree decides
        ("'save_fig'", True),  # a string: the tree decides
    ],
)
def test_may_name_examples(code: str, expected: bool) -> None:
    from nb2pkg.plan import may_name

    assert may_name("save_fig", code) is expected
