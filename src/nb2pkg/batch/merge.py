"""`nb2pkg batch report merge`: the shard reports of one run (`--shard I/N` on a CI
matrix, a Kubernetes indexed job, a Slurm array) joined into the report of that run.

Reports join only when they are of the same run (the same id: nb2pkg version, whole
list of notebooks, options) and their shards do not overlap. The shards' notebook
lists concatenate, in shard order, into the whole run's list, as `--shard` promises;
missing or interrupted shards make a report that says `complete: false` and which
shards it lacks.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from nb2pkg import __version__
from nb2pkg.batch.outcomes import Outcome, totals
from nb2pkg.errors import BadReport, environment_fault

_ADVICE = "give the JSON reports of `nb2pkg batch --shard I/N --report FILE` runs"


def merge_reports(paths: Sequence[Path]) -> tuple[dict[str, Any], list[Outcome]]:
    """The report of the run whose shard reports are `paths`, and its outcomes;
    `BadReport` (exit 2) for a file that is not such a report, or does not belong."""
    shards = sorted((_shard_of(path, data), path, data) for path, data in ((p, _read(p)) for p in paths))
    first_path, first = shards[0][1], shards[0][2]
    count = shards[0][0][1]
    seen: dict[int, Path] = {}
    for (index, total), path, data in shards:
        if data["run"] != first["run"]:
            raise BadReport(
                path,
                f"is a report of another run than {first_path} (another nb2pkg, notebook list or options)",
                "merge the shards of one run only",
            )
        if total != count:
            raise BadReport(
                path,
                f"splits the run into {total} shard(s), {first_path} into {count}, so their notebooks overlap",
                "merge the shards of one --shard I/N split",
            )
        if index in seen:
            raise BadReport(path, f"is shard {index}/{count} again (so is {seen[index]})", "give each shard once")
        seen[index] = path
    rows = [row for _, _, data in shards for row in data["notebooks"]]
    outcomes = [_outcome(row, path) for (_, path, data) in shards for row in data["notebooks"]]
    missing = [f"{index}/{count}" for index in range(1, count + 1) if index not in seen]
    complete = not missing and all(data["complete"] for _, _, data in shards)
    if complete and len(rows) != first["run_notebooks"]:
        raise BadReport(
            first_path,
            f"the shards list {len(rows)} notebooks, the run {first['run_notebooks']}",
            "merge the reports as the shards wrote them",
        )
    merged: dict[str, Any] = {
        "nb2pkg": __version__,
        "shard": None,
        "complete": complete,
        "workers": sum(data["workers"] for _, _, data in shards),
        "run": first["run"],
        "run_notebooks": first["run_notebooks"],
        "merged": [f"{index}/{count}" for index in sorted(seen)],
        "missing": missing,
        "notebooks": rows,
        # the shards ran side by side: their seconds add up to the machine time of the run
        "totals": totals(outcomes, sum(data["totals"]["seconds"] for _, _, data in shards)),
    }
    return merged, outcomes


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BadReport(path, "no such file", _ADVICE) from None
    except OSError as error:
        raise environment_fault(error, path) or BadReport(path, "cannot be read", _ADVICE) from None
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise BadReport(path, "is not JSON (a Markdown report cannot be merged)", _ADVICE) from None
    if not isinstance(data, dict) or not isinstance(data.get("notebooks"), list) or "totals" not in data:
        raise BadReport(path, "is not an nb2pkg batch report", _ADVICE)
    if not isinstance(data.get("run"), str) or not isinstance(data.get("run_notebooks"), int):
        raise BadReport(path, "has no run id (written before nb2pkg could merge reports)", "run that shard again")
    return data


def _shard_of(path: Path, data: dict[str, Any]) -> tuple[int, int]:
    spec = data.get("shard")
    if spec is None:
        return 1, 1  # a whole run: its one shard
    parts = str(spec).split("/")
    if len(parts) != 2 or not all(part.isdigit() for part in parts) or not 1 <= int(parts[0]) <= int(parts[1]):
        raise BadReport(path, f"has shard {spec!r}, not I/N", _ADVICE)
    return int(parts[0]), int(parts[1])


def _outcome(row: Any, path: Path) -> Outcome:
    try:
        return Outcome.from_json(row)
    except (KeyError, TypeError, ValueError, AttributeError):
        raise BadReport(
            path, "has a notebook row nb2pkg did not write", "merge the reports as the shards wrote them"
        ) from None
