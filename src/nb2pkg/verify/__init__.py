"""Check that a converted project reproduces its notebook: run the original (twice, to
see what varies on its own) and the summary notebook in fresh kernels, every cell even
after one raises, and compare what a reader sees, cell by cell.

This runs the notebooks' code, as running the notebooks does. Nothing here prints: the
caller gets a `Verification` and passes a `progress` callback to hear what is running.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nb2pkg.notebook import Notebook
from nb2pkg.options import CELL_TIMEOUT, KERNEL
from nb2pkg.output import Written, write_verified
from nb2pkg.render import SKIP_FILE, expected_items, skip_file
from nb2pkg.verify.compare import ENVIRONMENT_ERRORS, CellResult, Comparison, Failure, Item, Ran, compare
from nb2pkg.verify.execute import CannotVerify, kill_kernels, run_notebook
from nb2pkg.verify.stability import NOT_REPRODUCED, UNSAVED, VARIED, skipped_cells

__all__ = [
    "ENVIRONMENT_ERRORS",
    "CannotVerify",
    "CellResult",
    "Comparison",
    "Failure",
    "Item",
    "Ran",
    "Verification",
    "compare",
    "find_summary",
    "kill_kernels",
    "notebook_folder",
    "verify",
]

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Verification:
    notebook: Path
    summary: Path
    comparison: Comparison
    seconds: float
    # what the project's output tests skip (original cell, reason), and what became of
    # tests/expected/skip.txt ("" when the notebook saved no outputs to compare)
    skipped: tuple[tuple[int, str], ...] = ()
    skip_file: str = ""

    @property
    def cells(self) -> tuple[CellResult, ...]:
        return self.comparison.cells

    @property
    def matched(self) -> int:
        return self.comparison.matched

    @property
    def total(self) -> int:
        return self.comparison.total

    @property
    def unstable(self) -> int:
        return self.comparison.unstable

    @property
    def verdict(self) -> str:
        return self.comparison.verdict

    @property
    def ok(self) -> bool:
        return self.verdict == "match"

    def closing_line(self) -> str:
        return closing_line(self.comparison)

    def skips_line(self) -> str:
        """What the output tests will skip, as recorded in tests/expected/skip.txt."""
        if not self.skip_file:
            return ""
        if self.skip_file not in (Written.WRITTEN.value, Written.UNCHANGED.value):
            return f"{SKIP_FILE} {self.skip_file}"
        if not self.skipped:
            return f"{SKIP_FILE}: the output tests compare every saved output"
        reasons = [reason for _, reason in self.skipped]
        counts = [
            f"{reasons.count(reason)} {what}"
            for reason, what in (
                (VARIED, "varied between two runs"),
                (NOT_REPRODUCED, "not shown here by the original"),
                (UNSAVED, "shown here, not saved"),
            )
            if reason in reasons
        ]
        cells = "cell" if len(self.skipped) == 1 else "cells"
        return f"{SKIP_FILE}: the output tests skip {len(self.skipped)} {cells} ({', '.join(counts)})"

    def cannot_verify_message(self) -> str | None:
        """The one line for exit 2, when the original itself cannot run here."""
        failure = self.comparison.environment_failure
        if self.verdict != "cannot verify" or failure is None:
            return None
        return CannotVerify(
            self.notebook,
            f"the notebook itself fails here ({_short(failure.error)})",
            "make it run here first (a missing data file or package?)",
            cell=failure.cell,
        ).message

    def as_json(self) -> dict[str, Any]:
        comparison = self.comparison
        failure = comparison.summary_failure
        return {
            "notebook": str(self.notebook),
            "summary": str(self.summary),
            "verdict": self.verdict,
            "matched": self.matched,
            "total": self.total,
            "unstable": self.unstable,
            "original_errors": [
                {
                    "cell": f.cell,
                    "error": f.error,
                    "as_saved": f.as_saved,
                    "environment": f.name in ENVIRONMENT_ERRORS and not f.as_saved,
                }
                for f in comparison.original_failures
            ],
            "summary_failure": None
            if failure is None
            else {
                "summary_cell": failure.summary_cell,
                "original_cells": list(failure.original_cells),
                "error": failure.error,
            },
            "output_tests": {
                "skipped": [{"cell": number, "reason": reason} for number, reason in self.skipped],
                "skip_file": self.skip_file or None,
            },
            "seconds": round(self.seconds, 1),
            "cells": [
                {
                    "summary_cell": c.summary_cell,
                    "original_cells": list(c.original_cells),
                    "status": c.status,
                    "diff": c.diff,
                    "error": c.error or None,
                    "after": c.after or None,
                }
                for c in self.cells
            ],
        }


def closing_line(comparison: Comparison) -> str:
    """`7/9 cells match (1 unstable in the original, ignored); ...` and what failed."""
    line = f"{comparison.matched}/{comparison.total} cells match"
    if comparison.unstable:
        line += f" ({comparison.unstable} unstable in the original, ignored)"
    failure = comparison.summary_failure
    if failure is not None:
        line += f"; the summary fails at its cell {failure.summary_cell}: {_short(failure.error)}"
    raised = comparison.original_failures
    blocked = comparison.environment_failure
    if blocked is not None:
        line += f"; the original itself fails here at cell {blocked.cell}: {_short(blocked.error)}"
    elif raised:
        line += f"; the original raises at cell {raised[0].cell}: {_short(raised[0].error)}"
        if raised[0].as_saved:
            line += ", as its saved outputs show"
    if len(raised) > 1:
        line += f" ({len(raised)} of its cells raise)"
    return line


def find_summary(project: Path, notebook: Path) -> Path:
    folder = project / "notebooks"
    candidates = sorted(folder.glob("*.ipynb")) if folder.is_dir() else []
    for candidate in candidates:
        if candidate.name == notebook.name:
            return candidate
    if len(candidates) == 1:
        return candidates[0]
    raise CannotVerify(
        project,
        "has no summary notebook in notebooks/",
        "convert the notebook into it first (nb2pkg NOTEBOOK --out PROJECT)",
    )


def notebook_folder(notebook: Path) -> Path:
    """Where the original runs: the folder of the path as the user named it (a notebook
    reached through a symlink runs beside the link, as Jupyter opened from there would),
    the folder convert takes as the notebook's (`NOTEBOOK_DIR`)."""
    return notebook.absolute().parent.resolve()


def verify(
    notebook: Path,
    project: Path,
    kernel: str = KERNEL,
    timeout: int = CELL_TIMEOUT,
    progress: Progress = lambda message: None,
    within: Path | None = None,
) -> Verification:
    """Run both notebooks and compare them; raises `CannotVerify` when that cannot be done
    at all (no summary, no kernel, a notebook that cannot be read, a timeout). `within`
    (batch: the output folder) is where skip.txt is written without following links."""
    from nb2pkg.notebook import read_notebook

    start = time.perf_counter()
    summary = find_summary(project, notebook)
    original, converted = read_notebook(notebook), read_notebook(summary)  # R notebooks stop here
    _check_kernel(kernel)
    folder = notebook_folder(notebook)
    progress(f"running {notebook.name} (1 of 3)")
    first = run_notebook(notebook, original, folder, None, kernel, timeout)
    progress(f"running {notebook.name} again, to see what varies on its own (2 of 3)")
    second = run_notebook(notebook, original, folder, None, kernel, timeout)
    progress(f"running the summary notebook {summary.name} (3 of 3)")
    third = run_notebook(summary, converted, notebook_folder(summary), (project / "src").resolve(), kernel, timeout)
    skips = skipped_cells(original, first, second, third)
    written = _record_skips(project, original, skips, within)
    comparison = compare(first, second, third)
    return Verification(
        notebook, summary, comparison, time.perf_counter() - start, tuple(sorted(skips.items())), written
    )


def _record_skips(project: Path, original: Notebook, skips: dict[int, str], within: Path | None) -> str:
    """Write tests/expected/skip.txt for the output tests (when the notebook saved outputs
    they compare); what became of it."""
    if not any(expected_items(cell) for cell in original.code_cells):
        return ""
    return write_verified(project, SKIP_FILE, skip_file(skips), within=within).value


def _check_kernel(kernel: str) -> None:
    from jupyter_client.kernelspec import KernelSpecManager

    if kernel not in KernelSpecManager().find_kernel_specs():
        raise CannotVerify(
            kernel, "no such Jupyter kernel", "install one (pip install ipykernel) or name another with --kernel"
        )


def _short(error: str) -> str:
    text = " ".join(error.split())
    return text if len(text) <= 120 else text[:119] + "…"
