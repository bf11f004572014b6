"""Every corpus notebook that runs offline with stable outputs converts and verifies:
what the summary notebook prints and shows is what the original does."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

from nb2pkg import api
from nb2pkg.verify import verify
from support import CORPUS, corpus_manifest

pytestmark = [pytest.mark.slow, pytest.mark.kernel, pytest.mark.corpus]  # real kernels on the corpus

RUNNABLE = [
    CORPUS / "notebooks" / entry["file"]
    for entry in corpus_manifest()
    if entry.get("runs_offline") and entry.get("deterministic_outputs")
]


def test_the_manifest_lists_twenty_runnable_notebooks() -> None:
    if not RUNNABLE:
        pytest.skip("the shared corpus is not beside the checkout")
    assert len(RUNNABLE) == 20


@pytest.mark.slow
@pytest.mark.parametrize("notebook", RUNNABLE, ids=[p.name[:60] for p in RUNNABLE])
def test_corpus_notebook_verifies(notebook: Path, tmp_path: Path) -> None:
    copy = tmp_path / "original" / notebook.name  # it may write beside itself: not into the corpus
    copy.parent.mkdir()
    shutil.copy2(notebook, copy)
    project = tmp_path / "project"
    api.convert(copy, out=project)
    result = verify(copy, project)
    assert result.ok, (
        result.closing_line()
        + "\n"
        + "\n".join(f"summary cell {c.summary_cell}:\n{c.diff}" for c in result.cells if c.diff)
    )
    cells = nbformat.read(notebook, as_version=4).cells
    assert result.total == sum(1 for c in cells if c.cell_type == "code" and c.source.strip())  # each counted
