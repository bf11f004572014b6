"""Every notebook of the shared corpus: Python ones convert and meet the quality list
(compiles, black-stable, no pyflakes message the notebook's own code lacks, modules do no
work at import, nothing lost, deterministic); the others fail with one clean line."""

from __future__ import annotations

from pathlib import Path

import pytest

from nb2pkg.convert import convert, default_package
from nb2pkg.dataflow import build_dataflow
from nb2pkg.errors import InputError
from nb2pkg.notebook import read_notebook
from support import corpus_notebooks
from support.quality import all_problems

pytestmark = [pytest.mark.slow, pytest.mark.corpus]  # every corpus notebook

NOTEBOOKS = corpus_notebooks()


@pytest.mark.skipif(not NOTEBOOKS, reason="the shared corpus is not beside the checkout")
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name[:60] for p in NOTEBOOKS])
def test_corpus_notebook_converts_cleanly(path: Path, tmp_path: Path) -> None:
    try:
        flow = build_dataflow(read_notebook(path))
    except InputError as error:
        assert "\n" not in error.message and error.message.startswith(str(path))
        return
    out = tmp_path / "project"
    conversion = convert(flow, out, default_package(path))
    assert all_problems(conversion, flow, out) == []
