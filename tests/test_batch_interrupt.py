"""Ctrl-C during `nb2pkg batch`: the workers stop, the report lists what finished and
says it is incomplete, the exit code is 130, and nothing is printed as a crash."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from support import make_notebook, write_notebook

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="SIGINT to a child process is POSIX")
def test_ctrl_c_writes_a_partial_report_and_exits_130(tmp_path: Path) -> None:
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    for index in range(40):
        cells = [f"import pandas as pd\ndf{index} = pd.DataFrame({{'a': [{index}]}})", f"print(df{index}.a.sum())"]
        write_notebook(notebooks / f"nb{index:02}.ipynb", make_notebook(cells))
    report = tmp_path / "report.json"
    batch = subprocess.Popen(
        [sys.executable, "-m", "nb2pkg", "batch", str(notebooks), "--out", str(tmp_path / "out")]
        + ["--jobs", "2", "--report", str(report)],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )
    assert batch.stderr is not None
    lines = []
    for line in batch.stderr:  # one line per notebook when stderr is not a terminal
        lines.append(line)
        if line.startswith("[ 3/40]"):
            break
    batch.send_signal(signal.SIGINT)
    start = time.monotonic()
    rest = batch.stderr.read()
    assert batch.wait(timeout=30) == 130
    assert time.monotonic() - start < 20  # stopped, not run to the end
    output = "".join(lines) + rest
    assert "Traceback" not in output and "KeyboardInterrupt" not in output, output
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["complete"] is False
    done = len(data["notebooks"])
    assert 3 <= done < 40
    assert f"interrupted: {done} of 40 notebooks done" in rest
    assert all(row["status"] == "converted" for row in data["notebooks"])
