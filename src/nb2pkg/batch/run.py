"""`nb2pkg batch`: many notebooks, each into its own project under one output folder.

The list of notebooks, their project folders and package names are worked out once,
from every PATH, before any sharding, so each shard of a run names things exactly as
the whole run would. Notebooks whose project is in sync with them (same content, same
nb2pkg, files as written) are reported `unchanged` without starting a worker; the rest
are converted in worker processes (`pool`), each notebook on its own, so one that fails,
crashes or hangs is recorded and the others go on. Every outcome is a plain dict (a row
of the report); nothing here prints.
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Sequence

from nb2pkg.errors import InternalError, Nb2pkgError, NoNotebooks, NotebookNotFound, environment_fault
from nb2pkg.naming import package_name, unique
from nb2pkg.options import CELL_TIMEOUT

STATUSES = ("converted", "unchanged", "would-change", "failed")
Record = dict[str, Any]
# What a worker's fork server imports once, so that every worker starts with it.
_PRELOAD = ("nb2pkg.batch.run", "nb2pkg.api", "nb2pkg.convert", "nb2pkg.output.write", "nb2pkg.analysis.cells",
            "black", "nbformat", "nbformat.validator", "pyflakes.checker", "IPython.core.inputtransformer2")


@dataclass(frozen=True)
class Options:
    out: Path
    mode: str = "write"  # "write", "dry-run" (with diffs) or "check"
    force: bool = False
    verify: bool = False
    timeout: float | None = None  # seconds per notebook


@dataclass(frozen=True)
class Job:
    notebook: Path
    project: str  # the project's folder, relative to the output folder (POSIX)
    package: str
    options: Options


def find_jobs(paths: Sequence[Path], options: Options) -> list[Job]:
    """Every notebook under `paths` (recursively, in a stable order, skipping hidden and
    checkpoint folders, the output folder and projects nb2pkg wrote), with its project
    folder and package."""
    found = _find_notebooks(paths, options.out)
    if not found:
        shown = ", ".join(str(path) for path in paths)
        raise NoNotebooks(shown, "no .ipynb notebooks found (hidden and .ipynb_checkpoints folders are skipped)",
                          "name folders that hold notebooks")
    wanted = [_safe_folder(relative) for _, relative in found]
    # A project must not sit where another notebook's folders are: `a.ipynb` beside `a/b.ipynb`.
    taken_folders = {parent.casefold() for folder in wanted for parent in _parents(folder)}
    taken_packages: set[str] = set()
    jobs = []
    for (notebook, _), folder in zip(found, wanted):
        folder = _unique_folder(folder, taken_folders)
        taken_folders.add(folder.casefold())
        package = unique(package_name(notebook.stem), taken_packages)
        taken_packages.add(package)
        jobs.append(Job(notebook, folder, package, options))
    return jobs


def shard(jobs: list[Job], index: int, count: int) -> list[Job]:
    """The `index`-th (1-based) of `count` consecutive slices: the shards' lists, one
    after another, are the whole list."""
    return jobs[(index - 1) * len(jobs) // count: index * len(jobs) // count]


def run(
    jobs: Sequence[Job], workers: int, on_record: Callable[[int, Record], None] = lambda index, record: None,
) -> list[Record]:
    """Convert every job; `on_record(index, record)` hears of each as it finishes."""
    from nb2pkg.batch import pool

    records: list[Record | None] = [None] * len(jobs)

    def finish(index: int, record: Record) -> None:
        records[index] = record
        on_record(index, record)

    todo = []
    for index, job in enumerate(jobs):
        outline = None if job.options.verify else _unchanged_outline(job)
        if outline is not None:
            finish(index, {**_row(job), **outline, "status": "unchanged"})
        else:
            todo.append(index)
    if todo:
        pool.run_tasks(
            [jobs[index] for index in todo], convert_one, max(1, min(workers, len(todo))),
            done=lambda position, record: finish(todo[position], record),
            failed=_failed_in_pool, timeout=jobs[0].options.timeout, on_stop=_stop_kernels, preload=_PRELOAD,
        )
    return [record for record in records if record is not None]


def convert_one(job: Job) -> Record:
    """Convert (and, if asked, verify) one notebook; runs in a worker process."""
    from nb2pkg import api
    from nb2pkg.output.write import project_diff

    start = time.perf_counter()
    record = _row(job)
    options = job.options
    target = options.out / job.project
    try:
        outline = _unchanged_outline(job) if options.verify else None
        if outline is not None:
            record.update(outline, status="unchanged")
        else:
            converted = api.convert(job.notebook, out=target, name=job.package, force=options.force,
                                    write=options.mode == "write", within=options.out)
            report = converted.report
            changed = bool(report.created or report.changed or report.removed)
            status = ("converted" if changed else "unchanged") if options.mode == "write" else (
                "would-change" if changed else "unchanged")
            record.update(api.outline(converted.conversion, converted.flow), status=status)
            if options.mode == "dry-run" and changed:
                record["diff"] = project_diff(target, converted.conversion.files, report, prefix=f"{job.project}/",
                                              within=options.out)
        if options.verify:
            record["verify"] = _verify(job, target)
    except Nb2pkgError as error:
        record.update(status="failed", reason=error.reason, message=error.message)
    except Exception as error:  # a file-system fault, or nb2pkg's own bug: recorded, and the batch goes on
        failure = environment_fault(error, target) or InternalError.of(job.notebook, error)
        record.update(status="failed", reason=failure.reason, message=failure.message)
    record["seconds"] = round(time.perf_counter() - start, 2)
    record["memory_mb"] = _peak_memory_mb()
    return record


def totals(records: Sequence[Record], seconds: float | None = None) -> dict[str, Any]:
    """The report's totals; those of shards add up to the whole's (but for time and memory)."""
    statuses = Counter(record["status"] for record in records)
    verified = Counter(record["verify"]["status"] for record in records if record.get("verify"))
    memory = [record["memory_mb"] for record in records if record.get("memory_mb")]
    return {
        "notebooks": len(records),
        **{status: statuses[status] for status in STATUSES},
        "failed_by_reason": dict(sorted(Counter(r["reason"] for r in records if r["status"] == "failed").items())),
        "steps": sum(record.get("steps", 0) for record in records),
        "kept_cells": sum(record.get("kept_cells", 0) for record in records),
        "unparsed_cells": sum(record.get("unparsed_cells", 0) for record in records),
        "python2_cells": sum(record.get("python2_cells", 0) for record in records),
        "upgraded_from_nbformat_2_or_3": sum(1 for r in records if r.get("nbformat", 4) < 4),
        "warnings": sum(len(record.get("warnings", ())) for record in records),
        "verify": dict(sorted(verified.items())),
        "seconds": round(seconds if seconds is not None else sum(r.get("seconds", 0) for r in records), 1),
        "worker_peak_mb": max(memory) if memory else None,
    }


def failed(records: Sequence[Record], check: bool = False) -> bool:
    """Whether the batch failed: a notebook failed or verified differently (or, for
    `--check`, would change)."""
    return any(
        record["status"] == "failed"
        or (record.get("verify") or {}).get("status") == "differs"
        or (check and record["status"] == "would-change")
        for record in records
    )


def _row(job: Job) -> Record:
    return {"path": job.notebook.as_posix(), "project": job.project, "package": job.package,
            "status": None, "reason": None, "warnings": [], "steps": 0, "modules": [], "seconds": 0.0,
            "verify": None}


def _unchanged_outline(job: Job) -> dict[str, Any] | None:
    from nb2pkg.output.write import recorded_outline

    try:
        return recorded_outline(job.options.out / job.project, job.notebook, job.package, within=job.options.out)
    except (OSError, RuntimeError):  # a link loop, say: not known to be in sync, so converted (and reported)
        return None


def _verify(job: Job, project: Path) -> dict[str, Any]:
    from nb2pkg.verify import CannotVerify, verify

    try:
        result = verify(job.notebook, project, timeout=int(job.options.timeout or CELL_TIMEOUT))
    except CannotVerify as error:
        return {"status": "cannot verify", "message": error.message}
    if result.verdict == "cannot verify":
        return {"status": "cannot verify", "message": result.cannot_verify_message()}
    return {"status": result.verdict, "matched": result.matched, "total": result.total,
            "unstable": result.unstable}


def _failed_in_pool(job: Job, why: str) -> Record:
    reason = "timed out" if why.startswith("timed out") else "worker crashed"
    return {**_row(job), "status": "failed", "reason": reason, "message": f"{job.notebook}: {why}",
            "seconds": job.options.timeout if reason == "timed out" else None}


def _stop_kernels() -> None:
    """Run in a worker stopped at its time limit: kill the kernels `--verify` started."""
    verify = sys.modules.get("nb2pkg.verify")
    if verify is not None:
        verify.kill_kernels()


def _peak_memory_mb() -> float | None:
    try:
        import resource
    except ImportError:  # Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)


def _find_notebooks(paths: Sequence[Path], out: Path) -> list[tuple[Path, PurePosixPath]]:
    skip = _resolved(out)
    seen: set[Path] = set()
    found = []
    for root in paths:
        if root.is_symlink() and not root.exists():
            raise NotebookNotFound(root, "is a symbolic link to nothing (dangling, or a loop)",
                                   "repair the link or name its target")
        if not root.exists():
            raise NotebookNotFound(root, "no such file or folder", "check the path")
        if root.is_file():
            entries = [(root, PurePosixPath(root.name))]
        elif _resolved(root) == skip or skip in _resolved(root).parents:
            entries = []  # the output folder holds converted notebooks, not sources
        else:
            entries = sorted(((path, PurePosixPath(path.relative_to(root).as_posix()))
                              for path in _walk(root, skip)), key=lambda entry: entry[1].parts)
        for path, relative in entries:
            if _resolved(path) not in seen:
                seen.add(_resolved(path))
                found.append((path, relative))
    return found


def _walk(root: Path, skip: Path) -> Any:
    """The notebooks under `root`. Links to folders are not followed (so a link loop is
    harmless); a notebook that is a dangling or looping link is listed, and its
    conversion fails and is recorded like any unreadable notebook's."""
    from nb2pkg.output.write import PROVENANCE

    for folder, subfolders, files in os.walk(root):
        if PROVENANCE in files:  # a project nb2pkg wrote: its notebook is an output
            subfolders[:] = []
            continue
        subfolders[:] = [name for name in subfolders
                         if not name.startswith(".") and _resolved(Path(folder) / name) != skip]
        for name in files:
            if name.endswith(".ipynb") and not name.startswith("."):
                yield Path(folder) / name


def _resolved(path: Path) -> Path:
    """`path` with links resolved; a link loop, or a folder nb2pkg may not look into,
    stays as it is named (made absolute), so that it is still compared and reported."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # RuntimeError: a link loop, before Python 3.13
        return path.absolute()


def _safe_folder(relative: PurePosixPath) -> str:
    parts = [*relative.parent.parts, relative.stem if relative.suffix == ".ipynb" else relative.name]
    return "/".join(re.sub(r"[^A-Za-z0-9._-]+", "_", part).strip("._-") or "notebook" for part in parts)


def _parents(folder: str) -> list[str]:
    parts = folder.split("/")
    return ["/".join(parts[:end]) for end in range(1, len(parts))]


def _unique_folder(folder: str, taken: set[str]) -> str:
    candidate, number = folder, 2
    while candidate.casefold() in taken:
        candidate, number = f"{folder}-{number}", number + 1
    return candidate
