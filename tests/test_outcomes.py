"""A batch's outcomes as report rows and back, and the report's totals and verdict."""

from __future__ import annotations

import json
from typing import Any

import pytest

from nb2pkg.batch import Outcome, Outline, Status, Verified, failed, totals

OUTLINE = {
    "nbformat": 4,
    "steps": 3,
    "modules": ["data", "models"],
    "kept_cells": 1,
    "local_modules": {"helpers": "helpers.py"},
    "unparsed_cells": 2,
    "python2_cells": 1,
    "warnings": ["cell 2: a warning"],
}
BASE = {"path": "nbs/a.ipynb", "project": "a", "package": "a"}

# (outcome, the report's row): every shape a row takes, key order included.
ROWS: list[tuple[Outcome, dict[str, Any]]] = [
    (  # converted in a worker
        Outcome(
            **BASE, status=Status.CONVERTED, outline=Outline.of(OUTLINE), seconds=1.25, measured=True, memory_mb=80.5
        ),
        {
            **BASE,
            "status": "converted",
            "reason": None,
            "warnings": ["cell 2: a warning"],
            "steps": 3,
            "modules": ["data", "models"],
            "seconds": 1.25,
            "verify": None,
            "nbformat": 4,
            "kept_cells": 1,
            "local_modules": {"helpers": "helpers.py"},
            "unparsed_cells": 2,
            "python2_cells": 1,
            "memory_mb": 80.5,
        },
    ),
    (  # in sync, found from the project's record without a worker: the record's (sorted) key order
        Outcome(**BASE, status=Status.UNCHANGED, outline=Outline.of(OUTLINE, recorded=True)),
        {
            **BASE,
            "status": "unchanged",
            "reason": None,
            "warnings": ["cell 2: a warning"],
            "steps": 3,
            "modules": ["data", "models"],
            "seconds": 0.0,
            "verify": None,
            "kept_cells": 1,
            "local_modules": {"helpers": "helpers.py"},
            "nbformat": 4,
            "python2_cells": 1,
            "unparsed_cells": 2,
        },
    ),
    (  # failed in its worker, memory unknown (Windows)
        Outcome(
            **BASE, status=Status.FAILED, reason="invalid file", message="nbs/a.ipynb: bad", seconds=0.5, measured=True
        ),
        {
            **BASE,
            "status": "failed",
            "reason": "invalid file",
            "warnings": [],
            "steps": 0,
            "modules": [],
            "seconds": 0.5,
            "verify": None,
            "message": "nbs/a.ipynb: bad",
            "memory_mb": None,
        },
    ),
    (  # the worker crashed: no time, no memory
        Outcome(**BASE, status=Status.FAILED, reason="worker crashed", message="nbs/a.ipynb: died", seconds=None),
        {
            **BASE,
            "status": "failed",
            "reason": "worker crashed",
            "warnings": [],
            "steps": 0,
            "modules": [],
            "seconds": None,
            "verify": None,
            "message": "nbs/a.ipynb: died",
        },
    ),
    (  # converted, then verified
        Outcome(
            **BASE,
            status=Status.WOULD_CHANGE,
            outline=Outline.of({**OUTLINE, "local_modules": {}}),
            verify=Verified("differs", None, 3, 4, 1),
            seconds=2.0,
            measured=True,
            memory_mb=1.0,
        ),
        {
            **BASE,
            "status": "would-change",
            "reason": None,
            "warnings": ["cell 2: a warning"],
            "steps": 3,
            "modules": ["data", "models"],
            "seconds": 2.0,
            "verify": {"status": "differs", "matched": 3, "total": 4, "unstable": 1},
            "nbformat": 4,
            "kept_cells": 1,
            "local_modules": {},
            "unparsed_cells": 2,
            "python2_cells": 1,
            "memory_mb": 1.0,
        },
    ),
    (  # converted, then verify could not run; a failure after the conversion keeps its outline
        Outcome(
            **BASE,
            status=Status.FAILED,
            reason="environment",
            message="disk full",
            outline=Outline.of({**OUTLINE, "local_modules": {}}),
            verify=Verified("cannot verify", "no kernel"),
            measured=True,
        ),
        {
            **BASE,
            "status": "failed",
            "reason": "environment",
            "warnings": ["cell 2: a warning"],
            "steps": 3,
            "modules": ["data", "models"],
            "seconds": 0.0,
            "verify": {"status": "cannot verify", "message": "no kernel"},
            "nbformat": 4,
            "kept_cells": 1,
            "local_modules": {},
            "unparsed_cells": 2,
            "python2_cells": 1,
            "message": "disk full",
            "memory_mb": None,
        },
    ),
]


@pytest.mark.parametrize(("outcome", "row"), ROWS)
def test_an_outcome_is_its_report_row_key_for_key(outcome: Outcome, row: dict[str, Any]) -> None:
    assert json.dumps(outcome.as_json()) == json.dumps(row)  # the same keys, values and order


@pytest.mark.parametrize(("outcome", "row"), ROWS)
def test_a_report_row_reads_back_as_its_outcome(outcome: Outcome, row: dict[str, Any]) -> None:
    assert Outcome.from_json(json.loads(json.dumps(row))) == outcome


def test_the_diff_is_never_part_of_the_row() -> None:
    outcome, row = ROWS[0]
    with_diff = Outcome(**{**vars(outcome), "diff": "+x\n"})
    assert with_diff.as_json() == row and with_diff.without_diff() == outcome


def test_totals_count_statuses_reasons_cells_and_verdicts() -> None:
    outcomes = [outcome for outcome, _ in ROWS]
    found = totals(outcomes, seconds=12.34)
    assert found == {
        "notebooks": 6,
        "converted": 1,
        "unchanged": 1,
        "would-change": 1,
        "failed": 3,
        "failed_by_reason": {"environment": 1, "invalid file": 1, "worker crashed": 1},
        "steps": 12,
        "kept_cells": 4,
        "unparsed_cells": 8,
        "python2_cells": 4,
        "upgraded_from_nbformat_2_or_3": 0,
        "warnings": 4,
        "verify": {"cannot verify": 1, "differs": 1},
        "seconds": 12.3,
        "worker_peak_mb": 80.5,
    }
    assert totals(outcomes)["seconds"] == 3.8  # without a wall time: the notebooks' own, those unknown as 0
    assert list(found) == [
        "notebooks",
        "converted",
        "unchanged",
        "would-change",
        "failed",
        "failed_by_reason",
        "steps",
        "kept_cells",
        "unparsed_cells",
        "python2_cells",
        "upgraded_from_nbformat_2_or_3",
        "warnings",
        "verify",
        "seconds",
        "worker_peak_mb",
    ]


def test_totals_of_nothing() -> None:
    assert totals([], 0.0) == {
        "notebooks": 0,
        "converted": 0,
        "unchanged": 0,
        "would-change": 0,
        "failed": 0,
        "failed_by_reason": {},
        "steps": 0,
        "kept_cells": 0,
        "unparsed_cells": 0,
        "python2_cells": 0,
        "upgraded_from_nbformat_2_or_3": 0,
        "warnings": 0,
        "verify": {},
        "seconds": 0.0,
        "worker_peak_mb": None,
    }


def test_an_old_notebook_counts_as_upgraded() -> None:
    old = Outcome(**BASE, status=Status.CONVERTED, outline=Outline.of({**OUTLINE, "nbformat": 3}))
    assert totals([old])["upgraded_from_nbformat_2_or_3"] == 1


@pytest.mark.parametrize(
    ("statuses", "verdict", "check", "expected"),
    [
        ((Status.CONVERTED, Status.UNCHANGED), None, False, False),
        ((Status.CONVERTED, Status.FAILED), None, False, True),
        ((Status.WOULD_CHANGE,), None, False, False),  # --dry-run: a change is what it shows
        ((Status.WOULD_CHANGE,), None, True, True),  # --check: a change fails
        ((Status.CONVERTED,), "match", False, False),
        ((Status.CONVERTED,), "cannot verify", False, False),
        ((Status.CONVERTED,), "differs", False, True),
    ],
)
def test_when_a_batch_fails(statuses: tuple[Status, ...], verdict: str | None, check: bool, expected: bool) -> None:
    verify = Verified(verdict, "why" if verdict == "cannot verify" else None) if verdict else None
    outcomes = [Outcome(**BASE, status=status, verify=verify) for status in statuses]
    assert failed(outcomes, check=check) is expected


def test_statuses_are_the_reports_words_in_its_order() -> None:
    assert [status.value for status in Status] == ["converted", "unchanged", "would-change", "failed"]
