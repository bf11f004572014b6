"""`nb2pkg inspect` on every real notebook of the shared corpus: exit 0, or exit 2
with one line naming the file; never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from nb2pkg.cli.app import app
from support import corpus_manifest, corpus_notebooks

pytestmark = [pytest.mark.slow, pytest.mark.corpus]  # every corpus notebook

NOTEBOOKS = corpus_notebooks()
OTHER_KERNELS = {
    entry["file"] for entry in corpus_manifest() if entry.get("kernel_language") not in ("python", "unknown", None)
}


@pytest.mark.skipif(not NOTEBOOKS, reason="the shared corpus is not beside the checkout")
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name[:60] for p in NOTEBOOKS])
def test_inspect_corpus_notebook(path: Path) -> None:
    result = CliRunner().invoke(app, ["inspect", "--json", str(path)])
    assert "Traceback" not in result.output
    if path.name in OTHER_KERNELS:
        assert result.exit_code == 2
        assert result.stderr == f"{path}: {result.stderr.split(': ', 1)[1]}"
        assert result.stderr.endswith("kernel; nb2pkg converts Python notebooks\n")
        assert result.stderr.count("\n") == 1
    else:
        assert result.exit_code == 0, result.stderr
        assert result.stdout.startswith("{")
