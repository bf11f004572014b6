"""Which cells stay in the summary notebook as they are, and the reason each gives."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import make_notebook, write_notebook

from nb2pkg.convert import convert
from nb2pkg.dataflow import build_dataflow
from nb2pkg.notebook import read_notebook


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("exec('z = 1')", "reads or binds names dynamically"),  # only that statement stays
        ("def bump():\n    global total\n    total += 1", "rebinds notebook names with `global`"),
        ("from math import *", "imports names with `*`"),
        ("%time y = sum(range(5))", "uses `%time`, which only runs in a notebook"),
        ("print 'old'", "does not parse (line 1: Missing parentheses in call to 'print'"),
        ("files = !ls", "uses `!ls`, which only runs in a notebook"),
        ("%%bash\necho hi", "runs `%%bash`, which nb2pkg does not convert"),
    ],
    ids=["exec", "global", "star import", "line magic", "python 2", "shell", "cell magic"],
)
def test_kept_cells_and_their_reasons(tmp_path: Path, cell: str, reason: str) -> None:
    path = write_notebook(tmp_path / "nb.ipynb", make_notebook(["total = 0", cell]))
    files = convert(build_dataflow(read_notebook(path)), tmp_path / "out").files
    cells = json.loads(files["notebooks/nb.ipynb"])["cells"]
    kept = [c for c in cells if "kept" in c["metadata"].get("nb2pkg", {})]
    assert len(kept) == 1
    assert reason in kept[0]["metadata"]["nb2pkg"]["kept"]
    source = "".join(kept[0]["source"])
    assert cell in source  # verbatim
