"""The render's shortcuts give what the slow paths give (issue 16): `pipeline.py`'s blocks
written in black's style while black formats the rest (render.stand_ins), on generated
blocks and on every pipeline converting the corpus and the synthetic notebooks renders."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path

import black
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nb2pkg.convert import convert, default_package
from nb2pkg.dataflow import build_dataflow
from nb2pkg.errors import InputError
from nb2pkg.notebook import read_notebook
from nb2pkg.render import scaffold
from nb2pkg.render.formatting import format_code
from nb2pkg.render.stand_ins import format_around, stable_block
from support import ROOT, corpus_notebooks

MODE = black.Mode(target_versions={black.TargetVersion.PY310})
NOTEBOOKS = corpus_notebooks()


def blacks(text: str) -> str:
    return black.format_str(text, mode=MODE)


# Names short and long (lines that fit, lines black splits), and the values a keyword
# argument of a merged copy passes: names, numbers and strings black keeps or rewrites.
NAMES = st.sampled_from(["a", "df", "value_2", "model_x", "n" * 20, "very_long_name_" * 3, "_p"])
VALUES = st.one_of(
    NAMES,
    st.sampled_from(
        ['"a.csv"', "'a.csv'", '"it\'s"', "'say \"hi\"'", '"é"', "1", "-1", "0", "1.5", "1E5", "0XFF", "1_000"]
    ),
    st.sampled_from(["None", "True", "x.y", "u'x'", 'f"{a}"', "(1)", "[1, 2]", '"' + "w" * 60 + '"']),
)


@st.composite
def calls(draw: st.DrawFn) -> str:
    returns = draw(st.lists(NAMES, max_size=4, unique=True))
    positional = draw(st.lists(NAMES, max_size=3, unique=True))
    keywords = [f"{k}={draw(VALUES)}" for k in draw(st.lists(NAMES, max_size=3, unique=True))]
    call = f"{draw(NAMES)}.{draw(NAMES)}({', '.join(positional + keywords)})"
    return f"{', '.join(returns)} = {call}" if returns else call


TITLES = st.one_of(NAMES, st.sampled_from(["setup", "it's", "with space", "é"]))


def _function(blocks: list[str], indent: int) -> str:
    """`run()` around `blocks`, as pipeline.py has it: in a `with` when `indent` is 8."""
    code = "\n".join(blocks) or "pass"
    body = "\n".join((" " * indent + line if line.strip() else "") for line in code.splitlines())
    around = "    with working_directory(NOTEBOOK_DIR):\n" if indent == 8 else ""
    return f'def run() -> dict[str, object]:\n    """Run it."""\n{around}{body}\n    return {{"a": a}}\n'


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TITLES, calls(), st.sampled_from([4, 8]))
def test_a_stable_block_is_what_black_writes(title: str, call: str, indent: int) -> None:
    known = stable_block("step", title, call, indent)
    if known is None:
        return
    original = f"with step({title!r}):\n    {call}"
    assert blacks(_function([original], indent)) == _function([known], indent)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(TITLES, calls()), max_size=12), st.sampled_from([4, 8]))
def test_a_run_formatted_around_its_stable_blocks_is_blacks(steps: list[tuple[str, str]], indent: int) -> None:
    blocks = [f"with step({title!r}):\n    {call}" for title, call in steps]
    stable = [stable_block("step", title, call, indent) for title, call in steps]

    def text(parts: list[str]) -> str:
        return "import os\n\n\n" + _function(parts, indent)

    assert format_around(text, blocks, stable, indent, format_code) == blacks(text(blocks))


def test_a_marker_named_in_the_code_falls_back_to_black() -> None:
    blocks = ["with step('a'):\n    x = m.f(__nb2pkg_stand_in_0__)", "with step('b'):\n    y = m.g(x)"]
    stable = [None, stable_block("step", "b", "y = m.g(x)", 4)]

    def text(parts: list[str]) -> str:
        return _function(parts, 4)

    assert format_around(text, blocks, stable, 4, format_code) == blacks(text(blocks))


def _checking(real: Callable[..., str]) -> Callable[..., str]:
    def checked(
        build: Callable[[list[str]], str],
        blocks: list[str],
        stable: list[str | None],
        indent: int,
        fmt: Callable[[str], str],
    ) -> str:
        fast = real(build, blocks, stable, indent, fmt)
        assert fast == blacks(build(blocks))
        return fast

    return checked


def _synthetic(cells: int, folder: Path) -> Path:
    spec = importlib.util.spec_from_file_location("curve", ROOT / "bench" / "curve.py")
    assert spec is not None and spec.loader is not None
    curve = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("curve", curve)
    spec.loader.exec_module(curve)
    return curve.write_synthetic(cells, folder / f"synthetic{cells}.ipynb")


@pytest.mark.parametrize("cells", [12, 75])
def test_the_synthetic_pipelines_are_formatted_as_black_does(
    cells: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scaffold, "format_around", _checking(format_around))
    path = _synthetic(cells, tmp_path)
    convert(build_dataflow(read_notebook(path)), tmp_path / "project", default_package(path))


@pytest.mark.slow
@pytest.mark.corpus
@pytest.mark.skipif(not NOTEBOOKS, reason="the shared corpus is not beside the checkout")
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name[:60] for p in NOTEBOOKS])
def test_corpus_pipelines_are_formatted_as_black_does(
    path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scaffold, "format_around", _checking(format_around))
    try:
        flow = build_dataflow(read_notebook(path))
    except InputError:
        return
    convert(flow, tmp_path / "project", default_package(path))
