"""IPython's transformer is skipped only where its answer is known: whatever cell
`_simple_transform` answers, IPython's TransformerManager answers the same (generated
cells full of IPython's special characters, and every code cell of the corpus)."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from IPython.core.inputtransformer2 import TransformerManager

from nb2pkg.ipython import _might_have_ipython_syntax, _simple_transform, transform
from support import CORPUS as SHARED_CORPUS

CORPUS = SHARED_CORPUS / "notebooks"


def ipython(source: str) -> str:
    """What nb2pkg did before the shortcut: IPython's transform, or the text when it fails."""
    if not _might_have_ipython_syntax(source):
        return source
    try:
        return TransformerManager().transform_cell(source)
    except Exception:  # noqa: BLE001 - as `transform` does
        return source


LINES = st.sampled_from(
    [
        "%matplotlib inline",
        "%load_ext autoreload",
        "%autoreload 2",
        "%time",
        "%config InlineBackend.figure_format = retina",
        "%matplotlib  inline   ",
        "%timeit f(x)",
        "%who_ls",
        "%%time",
        "%2",
        "% x",
        "x = %who_ls",
        "y = !ls",
        "!pip install numpy",
        "!ls -1 | grep .txt | wc -l",
        "!du -sh ../  ",
        "!cd ~",
        "!echo 100% $x {y}",
        "!!ls",
        "!",
        "!grep -c '.' f",
        "!ls x?",
        "!ls x=!y",
        "!echo a\\",
        "!echo (",
        "x?",
        "x??",
        "?x",
        "print('100%')",
        "s = '%d' % 3",
        "a = b % c",
        "a != b",
        "f'{x!r}'",
        "x = 1  # why? 100%!",
        "x = (1,",
        "%a",
        ")",
        's = """',
        '"""',
        "y = 2 + \\",
        "def f():",
        "    return 1 % 2",
        "    %time f()",
        "",
        "   ",
        "\t",
        ">>> x = 1",
        "... y",
        "In [1]: z",
        "   ...: w",
        ",f a",
        ";f a",
        "/f a",
        "$x",
        "x = 1",
        "if x:",
        "  pass",
    ]
)


@st.composite
def sources(draw: st.DrawFn) -> str:
    lines = draw(st.lists(LINES, min_size=1, max_size=6))
    ending = draw(st.sampled_from(["\n", "\r\n"]))
    text = ending.join(lines)
    return text + draw(st.sampled_from(["", "\n", ending, "\n\n"]))


@pytest.mark.slow
@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sources())
def test_the_shortcut_gives_ipythons_text(source: str) -> None:
    simple = _simple_transform(source)
    if simple is not None:
        assert simple == TransformerManager().transform_cell(source)
    assert transform(source) == ipython(source)


def test_the_shortcut_takes_the_common_magics() -> None:
    source = "%matplotlib inline\nimport numpy as np\nprint('100%')"
    assert _simple_transform(source) == TransformerManager().transform_cell(source)
    assert _simple_transform("x = 1\n%timeit f(x)\n") is None  # brackets in the argument: IPython's


def _corpus_cells() -> list[str]:
    found = []
    for path in sorted(CORPUS.glob("*.ipynb")) if CORPUS.is_dir() else []:
        try:
            data = json.loads(path.read_text(encoding="utf-8-sig"))
        except ValueError:
            continue
        cells = data.get("cells") if isinstance(data, dict) else None
        for cell in cells if isinstance(cells, list) else []:
            source = cell.get("source") if isinstance(cell, dict) else None
            if cell.get("cell_type") == "code" and isinstance(source, (str, list)):
                found.append(source if isinstance(source, str) else "".join(map(str, source)))
    return found


@pytest.mark.slow
@pytest.mark.corpus
def test_every_corpus_cell_transforms_as_ipython_does() -> None:
    cells = _corpus_cells()
    taken = 0
    for source in cells:
        simple = _simple_transform(source)
        if simple is not None:
            taken += 1
            assert simple == TransformerManager().transform_cell(source), source
        assert transform(source) == ipython(source), source
    assert taken > 0
