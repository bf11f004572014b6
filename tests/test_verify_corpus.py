"""Every corpus notebook that runs offline converts, and its project's generated output
tests pass (each cell's saved outputs compared, or skipped for the reason verify found:
outputs that vary, or that the original itself does not show here); those with stable
outputs also verify: what the summary notebook prints and shows is what the original does.
One verify per notebook serves both: it is what writes the output tests' skip file."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from nb2pkg import api
from nb2pkg.verify import Verification, verify
from support import CORPUS, corpus_manifest

pytestmark = [pytest.mark.slow, pytest.mark.kernel, pytest.mark.corpus]  # real kernels on the corpus

OFFLINE = [entry for entry in corpus_manifest() if entry.get("runs_offline")]
RUNNABLE = [CORPUS / "notebooks" / entry["file"] for entry in OFFLINE]
STABLE = {entry["file"] for entry in OFFLINE if entry.get("deterministic_outputs")}


def test_the_manifest_lists_twenty_runnable_notebooks_with_stable_outputs() -> None:
    if not RUNNABLE:
        pytest.skip("the shared corpus is not beside the checkout")
    assert (len(RUNNABLE), len(STABLE)) == (23, 20)


@dataclass(frozen=True)
class OutputTests:
    """What the generated output tests of one notebook did."""

    returncode: int
    passed: int
    skipped: int
    failed: int
    expected: int  # cells with saved outputs (files in tests/expected/)
    report: str


def converted_and_verified(notebook: Path, work: Path) -> tuple[Path, Path, Verification]:
    """A copy of `notebook` (it may write beside itself: not into the corpus), its project,
    and verify's result (which writes the project's tests/expected/skip.txt)."""
    copy = work / "original" / notebook.name
    copy.parent.mkdir(parents=True)
    shutil.copy2(notebook, copy)
    project = work / "project"
    api.convert(copy, out=project)
    return copy, project, verify(copy, project)


def run_output_tests(project: Path) -> OutputTests:
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
def test_corpus_notebook_verifies_and_passes_its_output_tests(notebook: Path, tmp_path: Path) -> None:
    _, project, result = converted_and_verified(notebook, tmp_path)
    if notebook.name in STABLE:
        assert result.ok, (
            result.closing_line()
            + "\n"
            + "\n".join(f"summary cell {c.summary_cell}:\n{c.diff}" for c in result.cells if c.diff)
        )
        cells = nbformat.read(notebook, as_version=4).cells
        assert result.total == sum(1 for c in cells if c.cell_type == "code" and c.source.strip())  # each counted
    tests = run_output_tests(project)
    nothing_to_compare = tests.expected == 0 and tests.returncode == 5  # pytest: no tests collected
    assert tests.returncode == 0 or nothing_to_compare, tests.report
    assert tests.failed == 0, tests.report
