"""Every corpus notebook that runs offline with stable outputs converts and verifies:
what the summary notebook prints and shows is what the original does."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CORPUS, corpus_manifest

from nb2pkg import api
from nb2pkg.verify import verify

RUNNABLE = [
    CORPUS / "notebooks" / entry["file"]
    for entry in corpus_manifest()
    if entry.get("runs_offline") and entry.get("deterministic_outputs")
]


def test_the_manifest_lists_twenty_runnable_notebooks() -> None:
    if not RUNNABLE:
        pytest.skip("the shared corpus is not beside the checkout")
    assert len(RUNNABLE) == 20


@pytest.mark.parametrize("notebook", RUNNABLE, ids=[p.name[:60] for p in RUNNABLE])
def test_corpus_notebook_verifies(notebook: Path, tmp_path: Path) -> None:
    project = tmp_path / "project"
    api.convert(notebook, out=project)
    result = verify(notebook, project)
    assert result.ok, "\n".join(f"summary cell {c.summary_cell}:\n{c.diff}" for c in result.cells if c.diff)
