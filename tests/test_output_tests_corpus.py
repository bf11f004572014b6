"""Every corpus notebook that runs offline, converted and verified: the generated output
tests pass (each cell's saved outputs compared, or skipped for the reason verify found:
outputs that vary, or that the original itself does not show here)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from nb2pkg import api
from nb2pkg.verify import verify
from support import CORPUS, corpus_manifest

pytestmark = [pytest.mark.slow, pytest.mark.kernel, pytest.mark.corpus]  # real kernels on the corpus

RUNNABLE = [CORPUS / "notebooks" / entry["file"] for entry in corpus_manifest() if entry.get("runs_offline")]


@dataclass(frozen=True)
class OutputTests:
    """What the generated output tests of one notebook did."""

    returncode: int
    passed: int
    skipped: int
    failed: int
    expected: int  # cells with saved outputs (files in tests/expected/)
    report: str


def run_output_tests(notebook: Path, work: Path) -> OutputTests:
    """Convert a copy of `notebook` (it may write beside itself), verify it (which writes
    tests/expected/skip.txt), then run the project's tests/test_outputs.py."""
    copy = work / "original" / notebook.name
    copy.parent.mkdir(parents=True)
    shutil.copy2(notebook, copy)
    project = work / "project"
    api.convert(copy, out=project)
    verify(copy, project)
    env = {**os.environ, "PYTHONPATH": str(project / "src"), "MPLBACKEND": "Agg"}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rfs", "-p", "no:cacheprovider", "tests/test_outputs.py"],
        cwd=project,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    closing = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""

    def count(word: str) -> int:
        found = re.search(rf"(\d+) {word}", closing)
        return int(found.group(1)) if found else 0

    expected = len(list((project / "tests" / "expected").glob("cell_*.txt")))
    report = done.stdout[-6000:] + done.stderr[-2000:]
    return OutputTests(done.returncode, count("passed"), count("skipped"), count("failed"), expected, report)


@pytest.mark.parametrize("notebook", RUNNABLE, ids=[p.name[:60] for p in RUNNABLE])
def test_corpus_output_tests_pass(notebook: Path, tmp_path: Path) -> None:
    result = run_output_tests(notebook, tmp_path)
    nothing_to_compare = result.expected == 0 and result.returncode == 5  # pytest: no tests collected
    assert result.returncode == 0 or nothing_to_compare, result.report
    assert result.failed == 0, result.report
