"""What became of each notebook of a batch: a `Status` and a frozen `Outcome`, each a row
of the report (`as_json`, `from_json`), and the report's totals. Nothing here prints.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import Enum
from typing import Any


class Status(Enum):
    CONVERTED = "converted"
    UNCHANGED = "unchanged"
    WOULD_CHANGE = "would-change"  # --dry-run or --check: converting would change the project
    FAILED = "failed"


@dataclass(frozen=True)
class Outline:
    """What a conversion found (`api.outline`, or the copy a project's record keeps)."""

    nbformat: int
    steps: int
    modules: tuple[str, ...]
    kept_cells: int
    local_modules: tuple[tuple[str, str], ...]
    unparsed_cells: int
    python2_cells: int
    warnings: tuple[str, ...]
    # Read from a record, which stores its keys sorted: a row lists them in that order
    # then, in api.outline's otherwise, as reports always have.
    recorded: bool = False

    @classmethod
    def of(cls, data: Mapping[str, Any], recorded: bool = False) -> Outline:
        return cls(
            data["nbformat"],
            data["steps"],
            tuple(data["modules"]),
            data["kept_cells"],
            tuple(data["local_modules"].items()),
            data["unparsed_cells"],
            data["python2_cells"],
            tuple(data["warnings"]),
            recorded,
        )

    def extra_json(self) -> dict[str, Any]:
        """The keys a row has beyond the ones every row has, in the order the row lists them."""
        extra = {
            "nbformat": self.nbformat,
            "kept_cells": self.kept_cells,
            "local_modules": dict(self.local_modules),
            "unparsed_cells": self.unparsed_cells,
            "python2_cells": self.python2_cells,
        }
        return dict(sorted(extra.items())) if self.recorded else extra


@dataclass(frozen=True)
class Verified:
    """What `--verify` found for one notebook: `status` is verify's verdict ("match",
    "differs", "cannot verify"); `message` says why it cannot, else the counts."""

    status: str
    message: str | None = None
    matched: int = 0
    total: int = 0
    unstable: int = 0

    def as_json(self) -> dict[str, Any]:
        if self.status == "cannot verify":
            return {"status": self.status, "message": self.message}
        return {"status": self.status, "matched": self.matched, "total": self.total, "unstable": self.unstable}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Verified:
        if data["status"] == "cannot verify":
            return cls(data["status"], data["message"])
        return cls(data["status"], None, data["matched"], data["total"], data["unstable"])


@dataclass(frozen=True)
class Outcome:
    """One notebook's row. `outline` is None when the notebook failed before its
    conversion was known; `memory_mb` is None when measured but unknown (Windows), and
    `measured` False when no worker ran it (then the row has no such key); `diff` is what
    `--dry-run` prints, never part of the report."""

    path: str
    project: str
    package: str
    status: Status
    reason: str | None = None
    message: str | None = None
    outline: Outline | None = None
    seconds: float | None = 0.0
    verify: Verified | None = None
    measured: bool = False
    memory_mb: float | None = None
    diff: str = ""

    @property
    def steps(self) -> int:
        return self.outline.steps if self.outline is not None else 0

    @property
    def warnings(self) -> tuple[str, ...]:
        return self.outline.warnings if self.outline is not None else ()

    def without_diff(self) -> Outcome:
        return replace(self, diff="")

    def as_json(self) -> dict[str, Any]:
        """The report's row, key for key as reports have always listed them."""
        outline = self.outline
        row: dict[str, Any] = {
            "path": self.path,
            "project": self.project,
            "package": self.package,
            "status": self.status.value,
            "reason": self.reason,
            "warnings": list(self.warnings),
            "steps": self.steps,
            "modules": list(outline.modules) if outline is not None else [],
            "seconds": self.seconds,
            "verify": self.verify.as_json() if self.verify is not None else None,
        }
        if outline is not None:
            row.update(outline.extra_json())
        if self.message is not None:
            row["message"] = self.message
        if self.measured:
            row["memory_mb"] = self.memory_mb
        return row

    @classmethod
    def from_json(cls, row: Mapping[str, Any]) -> Outcome:
        """The outcome a report's row was made from (but for its diff)."""
        outline = None
        if "nbformat" in row:
            keys = [key for key in row if key in _EXTRA]
            outline = Outline.of(row, recorded=keys == sorted(keys))
        verify = Verified.from_json(row["verify"]) if row["verify"] is not None else None
        return cls(
            row["path"],
            row["project"],
            row["package"],
            Status(row["status"]),
            row["reason"],
            row.get("message"),
            outline,
            row["seconds"],
            verify,
            "memory_mb" in row,
            row.get("memory_mb"),
        )


_EXTRA = ("nbformat", "kept_cells", "local_modules", "unparsed_cells", "python2_cells")


def totals(outcomes: Sequence[Outcome], seconds: float | None = None) -> dict[str, Any]:
    """The report's totals; those of shards add up to the whole's (but for time and memory)."""
    statuses = Counter(outcome.status for outcome in outcomes)
    verified = Counter(outcome.verify.status for outcome in outcomes if outcome.verify is not None)
    memory = [outcome.memory_mb for outcome in outcomes if outcome.memory_mb]
    failures = Counter(outcome.reason for outcome in outcomes if outcome.status is Status.FAILED)
    outlines = [outcome.outline for outcome in outcomes if outcome.outline is not None]
    return {
        "notebooks": len(outcomes),
        **{status.value: statuses[status] for status in Status},
        "failed_by_reason": dict(sorted(failures.items())),
        "steps": sum(outline.steps for outline in outlines),
        "kept_cells": sum(outline.kept_cells for outline in outlines),
        "unparsed_cells": sum(outline.unparsed_cells for outline in outlines),
        "python2_cells": sum(outline.python2_cells for outline in outlines),
        "upgraded_from_nbformat_2_or_3": sum(1 for outline in outlines if outline.nbformat < 4),
        "warnings": sum(len(outline.warnings) for outline in outlines),
        "verify": dict(sorted(verified.items())),
        "seconds": round(seconds if seconds is not None else sum(outcome.seconds or 0 for outcome in outcomes), 1),
        "worker_peak_mb": max(memory) if memory else None,
    }


def failed(outcomes: Sequence[Outcome], check: bool = False) -> bool:
    """Whether the batch failed: a notebook failed or verified differently (or, for
    `--check`, would change)."""
    return any(
        outcome.status is Status.FAILED
        or (outcome.verify is not None and outcome.verify.status == "differs")
        or (check and outcome.status is Status.WOULD_CHANGE)
        for outcome in outcomes
    )
