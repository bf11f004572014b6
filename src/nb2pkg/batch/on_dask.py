"""`nb2pkg batch --scheduler ADDRESS`: the notebooks converted on a dask.distributed
cluster the user already runs, with the statuses, time limits and report of a local run.

Each notebook is one dask task, which converts it in a child process of its own
(`child.convert_isolated`): a notebook that crashes or runs past its time takes down
that child, never the dask worker, and is recorded as it would be locally. A dask
worker lost while it held a notebook (its machine went away) is retried once on another;
lost twice, the notebook is recorded as failed with reason `worker lost`. Workers need
nb2pkg installed and the same paths to the notebooks and the output folder (a shared
file system).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from nb2pkg.batch.jobs import Job
from nb2pkg.batch.outcomes import Outcome, Status
from nb2pkg.errors import NoScheduler

INSTALL = 'pip install "nb2pkg[dask]"'


def dask_client(address: str) -> Any:
    """A client of the scheduler at `address`; one line (exit 2) when distributed is not
    installed or the scheduler cannot be reached."""
    try:
        from distributed import Client
    except ImportError:
        raise NoScheduler(
            f"--scheduler {address}", "needs dask.distributed, which is not installed", f"install it: {INSTALL}"
        ) from None
    try:
        return Client(address, timeout="10s")
    except (OSError, TimeoutError, ValueError) as error:
        raise NoScheduler(
            f"--scheduler {address}",
            f"cannot reach the dask scheduler ({type(error).__name__}: {error})",
            "start it, or check the address (tcp://HOST:8786)",
        ) from None


def workers_of(client: Any) -> int:
    """The threads the cluster's workers offer: how many notebooks it converts at once."""
    return max(1, sum(client.nthreads().values()))


def run_on_dask(client: Any, jobs: Sequence[Job], done: Callable[[int, Outcome], None]) -> None:
    """Convert every job on the cluster; `done(index, outcome)` as each finishes."""
    from distributed import as_completed

    from nb2pkg.batch.child import convert_isolated
    from nb2pkg.batch.run import lost_in_cluster

    def submit(index: int, attempt: int) -> Any:
        future = client.submit(convert_isolated, jobs[index], key=f"nb2pkg-{index}-{attempt}-{run}", pure=False)
        attempts[future] = (index, attempt)
        return future

    run = uuid.uuid4().hex  # keys no other run on the cluster has, so no old result is reused
    attempts: dict[Any, tuple[int, int]] = {}
    before = [_written(job) for job in jobs]  # what each project's record says before this batch
    futures = as_completed([submit(index, 0) for index in range(len(jobs))])
    try:
        for future in futures:
            index, attempt = attempts.pop(future)
            if future.status == "finished":
                done(index, _of_this_run(jobs[index], future.result(), before[index]))
            elif attempt == 0:  # its worker went away (or the scheduler lost it): once more
                futures.add(submit(index, 1))
            else:
                done(index, lost_in_cluster(jobs[index], *_loss(future)))
            future.release()
    finally:
        client.cancel(list(attempts))  # Ctrl-C: what has not finished is dropped
        _retire_children(client)


def _written(job: Job) -> tuple[str, dict[str, str]] | None:
    from nb2pkg.output import written_state

    return written_state(job.options.out / job.project, job.options.out)


def _of_this_run(job: Job, outcome: Outcome, before: tuple[str, dict[str, str]] | None) -> Outcome:
    """Dask runs a task again when the worker holding its result is lost before the
    result is fetched, and nb2pkg retries a task whose worker died: the second run finds
    the project the first one wrote in sync. That project was converted by this batch,
    and is reported so."""
    if outcome.status is Status.UNCHANGED and job.options.mode.writes and _written(job) != before:
        return replace(outcome, status=Status.CONVERTED)
    return outcome


def _retire_children(client: Any) -> None:
    """The idle children each worker keeps between notebooks are stopped: none outlives
    the batch on the user's cluster."""
    from nb2pkg.batch.child import retire_idle_children

    try:
        client.run(retire_idle_children)
    except Exception:  # noqa: BLE001 - a cluster gone meanwhile has no children left to stop
        pass


def _loss(future: Any) -> tuple[str, str]:
    """(reason, why) of a task that failed twice: its worker lost, or nb2pkg's bug."""
    from distributed import KilledWorker

    try:
        error = future.exception(timeout=5)
    except Exception as failure:  # noqa: BLE001 - reading the error failed too: say so
        error = failure
    if isinstance(error, (KilledWorker, OSError)):
        return "worker lost", f"its dask worker was lost twice ({type(error).__name__}: {error})"
    return "nb2pkg bug", f"the dask task failed twice ({type(error).__name__}: {error})"
