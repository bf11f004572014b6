"""What a run of nb2pkg is asked to do, said once: the `Mode`, the `Options` that travel
from the command line to the stages, and the defaults the commands share."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from pathlib import Path

KERNEL = "python3"  # the Jupyter kernel `verify` runs both notebooks in
CELL_TIMEOUT = 600  # seconds a cell may run under `verify`
NOTEBOOK_TIMEOUT = 600  # seconds `batch` gives one notebook before it stops its worker


class Mode(Enum):
    """Whether a conversion writes, or only works out what writing would change."""

    WRITE = "write"
    DRY_RUN = "dry-run"  # write nothing; show the diff
    CHECK = "check"  # write nothing; say which files are not in sync

    @classmethod
    def of(cls, dry_run: bool, check: bool) -> Mode:
        """The mode the command line's `--dry-run` and `--check` ask for."""
        return cls.DRY_RUN if dry_run else cls.CHECK if check else cls.WRITE

    @property
    def writes(self) -> bool:
        return self is Mode.WRITE


@dataclass(frozen=True)
class Options:
    """How to convert: into `out`, in `mode`; `verify` then runs both notebooks in
    `kernel`; `timeout` is the seconds one notebook may take (None: no limit); `python`
    is the interpreter the notebooks ran in (None: their kernels')."""

    out: Path
    mode: Mode = Mode.WRITE
    force: bool = False
    verify: bool = False
    timeout: float | None = None
    kernel: str = KERNEL
    python: Path | None = None
