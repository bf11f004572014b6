"""Doing what `jobs` found: notebooks whose project is in sync are reported `unchanged`
without starting a worker; the rest are converted in worker processes (`pool`), each
notebook on its own, so one that fails, crashes or hangs is recorded and the others go
on. Every notebook ends as an `Outcome`; nothing here prints.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from nb2pkg.batch.jobs import Job, unchanged_outline
from nb2pkg.batch.outcomes import Outcome, Outline, Status, Verified
from nb2pkg.collector import collections_paused
from nb2pkg.errors import InternalError, Nb2pkgError, environment_fault
from nb2pkg.options import CELL_TIMEOUT, Mode
from nb2pkg.workers import PRELOAD


def run(
    jobs: Sequence[Job],
    workers: int,
    on_outcome: Callable[[int, Outcome], None] = lambda index, outcome: None,
    remote: Callable[[list[Job], Callable[[int, Outcome], None]], None] | None = None,
) -> list[Outcome]:
    """Convert every job; `on_outcome(index, outcome)` hears of each as it finishes, with
    its diff. The list returned holds no diffs: a dry run of many notebooks would keep
    them all. With `remote` (`on_dask.run_on_dask` bound to a client), the notebooks go to a
    cluster: `remote(jobs, done)` calls `done(position, outcome)` for each."""
    from nb2pkg.batch import pool

    outcomes: list[Outcome | None] = [None] * len(jobs)

    def finish(index: int, outcome: Outcome) -> None:
        outcomes[index] = outcome.without_diff()
        on_outcome(index, outcome)

    todo = []
    for index, job in enumerate(jobs):
        # with --python the environment may differ from the one the record was made with
        outline = None if job.options.verify or job.options.python else unchanged_outline(job)
        if outline is not None:
            finish(index, replace(_start(job), status=Status.UNCHANGED, outline=outline))
        else:
            todo.append(index)
    if workers > 1:
        # the largest first: a long notebook started last would leave the other workers idle
        todo.sort(key=lambda index: -_size(jobs[index].notebook))
    if todo and remote is not None:
        remote([jobs[index] for index in todo], lambda position, outcome: finish(todo[position], outcome))
    elif todo:
        pool.run_tasks(
            [jobs[index] for index in todo],
            convert_one,
            max(1, min(workers, len(todo))),
            done=lambda position, outcome: finish(todo[position], outcome),
            failed=failed_in_pool,
            timeout=jobs[0].options.timeout,
            on_stop=stop_kernels,
            preload=PRELOAD,
        )
    return [outcome for outcome in outcomes if outcome is not None]


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:  # gone since it was found: its worker reports it
        return 0


def convert_one(job: Job) -> Outcome:
    """Convert (and, if asked, verify) one notebook; runs in a worker process. What each
    step finds is kept as soon as it is known, so a failure after it still reports it."""
    start = time.perf_counter()
    options = job.options
    target = options.out / job.project
    outcome = _start(job)
    try:
        outline = unchanged_outline(job) if options.verify else None
        if outline is not None:
            outcome = replace(outcome, status=Status.UNCHANGED, outline=outline)
        else:
            # the collector resumes once the conversion's objects are dropped: its first
            # collection then walks what outlives them, not all of them
            with collections_paused():
                outcome = _converted(job, outcome)
        if options.verify:
            outcome = replace(outcome, verify=_verify(job, target))
    except Nb2pkgError as error:
        outcome = replace(outcome, status=Status.FAILED, reason=error.reason, message=error.message)
    except Exception as error:  # a file-system fault, or nb2pkg's own bug: recorded, and the batch goes on
        failure = environment_fault(error, target) or InternalError.of(job.notebook, error)
        outcome = replace(outcome, status=Status.FAILED, reason=failure.reason, message=failure.message)
    return replace(outcome, seconds=round(time.perf_counter() - start, 2), measured=True, memory_mb=_peak_memory_mb())


def _converted(job: Job, outcome: Outcome) -> Outcome:
    """`outcome` with what converting the notebook of `job` found."""
    from nb2pkg import api
    from nb2pkg.naming import package_name
    from nb2pkg.output import project_diff

    options = job.options
    target = options.out / job.project
    # a name of its stem nb2pkg may change (for one the notebook imports); one made unique
    # in the batch (`explore_2`) is given
    default = job.package == package_name(job.notebook.stem)
    converted = api.convert(
        job.notebook,
        out=target,
        name=None if default else job.package,
        force=options.force,
        write=options.mode.writes,
        within=options.out,
        python=options.python,
    )
    report = converted.report
    changed = bool(report.created or report.changed or report.removed)
    outcome = replace(
        outcome,
        package=converted.conversion.package,
        status=_status(options.mode, changed),
        outline=Outline.of(api.outline(converted.conversion, converted.flow)),
    )
    if options.mode is Mode.DRY_RUN and changed:
        outcome = replace(
            outcome,
            diff=project_diff(target, converted.conversion.files, report, prefix=f"{job.project}/", within=options.out),
        )
    return outcome


def _status(mode: Mode, changed: bool) -> Status:
    if mode.writes:
        return Status.CONVERTED if changed else Status.UNCHANGED
    return Status.WOULD_CHANGE if changed else Status.UNCHANGED


def _start(job: Job) -> Outcome:
    """A notebook's outcome before anything is known of it."""
    return Outcome(job.notebook.as_posix(), job.project, job.package, status=Status.FAILED)


def _verify(job: Job, project: Path) -> Verified:
    from nb2pkg.verify import CannotVerify, verify

    try:
        timeout = int(job.options.timeout or CELL_TIMEOUT)
        result = verify(job.notebook, project, job.options.kernel, timeout=timeout, within=job.options.out)
    except CannotVerify as error:
        return Verified("cannot verify", error.message)
    if result.verdict == "cannot verify":
        return Verified("cannot verify", result.cannot_verify_message())
    return Verified(result.verdict, None, result.matched, result.total, result.unstable)


def lost_in_cluster(job: Job, reason: str, why: str) -> Outcome:
    return replace(_start(job), status=Status.FAILED, reason=reason, message=f"{job.notebook}: {why}", seconds=None)


def failed_in_pool(job: Job, why: str) -> Outcome:
    reason = "timed out" if why.startswith("timed out") else "worker crashed"
    return replace(
        _start(job),
        status=Status.FAILED,
        reason=reason,
        message=f"{job.notebook}: {why}",
        seconds=job.options.timeout if reason == "timed out" else None,
    )


def stop_kernels() -> None:
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
