"""Worker processes that outlive the tasks that break them, on pebble's ProcessPool.

`run_tasks` gives each of N worker processes one task at a time. A task that raises is
the work function's to report; a worker that dies (a crash, the out-of-memory killer)
or runs past the time limit is replaced, and its task is reported through `failed`,
while the other tasks go on. Each worker is retired after a number of tasks, so memory
stays bounded however many tasks there are, and the parent holds only a window of them.

pebble gives the per-task time limit, the crash isolation and the recycling. What it
cannot give is kept here, small: a worker stopped at its time limit (pebble's SIGTERM)
first runs `on_stop`, which kills the kernels `--verify` started (they run in sessions
of their own and would outlive it), and a worker leaves as soon as its parent dies
(pebble's workers notice only when they next read a task). Workers come from a fork
server that imports the heavy modules once (`preload`), so a new worker starts in
milliseconds; where there is no fork server (Windows), they spawn.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from concurrent.futures import TimeoutError as FutureTimeout
from multiprocessing.connection import wait as wait_for
from typing import Any

from nb2pkg.workers import context

Work = Callable[[Any], Any]


def run_tasks(
    tasks: Sequence[Any],
    work: Work,
    workers: int,
    *,
    done: Callable[[int, Any], None],
    failed: Callable[[Any, str], Any],
    timeout: float | None = None,
    on_stop: Callable[[], None] | None = None,
    preload: Sequence[str] = (),
    tasks_per_worker: int = 50,
) -> None:
    """Run `work(task)` for every task in worker processes and call `done(index, result)`
    in the parent as each finishes (in any order). A task whose worker dies or that runs
    longer than `timeout` seconds gets `done(index, failed(task, why))`. `work`, `on_stop`
    and the tasks must be picklable (module-level functions, plain data); `on_stop` runs
    in a worker stopped at its time limit, before it exits."""
    from pebble import ProcessPool

    pool = ProcessPool(workers, tasks_per_worker, _start_worker, (on_stop,), context(preload))
    window = 2 * workers  # scheduled but not finished: enough to keep every worker fed
    running: dict[Future[Any], int] = {}
    queued = iter(range(len(tasks)))
    finished_all = False
    try:
        while True:
            for index in queued:
                running[pool.schedule(work, (tasks[index],), timeout=timeout)] = index
                if len(running) >= window:
                    break
            if not running:
                break
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in sorted(finished, key=running.__getitem__):  # in task order when several end
                index = running.pop(future)
                why = _why(future, timeout)
                done(index, future.result() if why is None else failed(tasks[index], why))
        finished_all = True
    finally:
        if finished_all:
            pool.close()  # idle workers leave
        else:
            pool.stop()  # Ctrl-C: what still runs is stopped (SIGTERM, so on_stop runs)
        pool.join()


def _why(future: Future[Any], timeout: float | None) -> str | None:
    """None when the task returned; else why it has no result."""
    from pebble import ProcessExpired

    error = future.exception()
    if error is None:
        return None
    if isinstance(error, FutureTimeout):
        return f"timed out after {timeout:g} s"
    if isinstance(error, ProcessExpired):
        return death(error.exitcode)
    # the work function reports its own failures; one that escapes ends only its task
    return f"its worker process failed ({type(error).__name__}: {error})"


def death(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        hint = " (out of memory?)" if name == "SIGKILL" else ""
        return f"its worker process was killed by {name}{hint}"
    return f"its worker process exited (code {code}) before finishing it"


def _start_worker(on_stop: Callable[[], None] | None) -> None:
    """Each worker's start, after pebble's own: its stop signal runs `on_stop` first,
    and it leaves with its parent."""
    if on_stop is not None:

        def stop(signum: int, frame: Any) -> None:
            on_stop()
            os._exit(1)

        signal.signal(signal.SIGTERM, stop)
    parent = multiprocessing.parent_process()
    if parent is None or parent.sentinel is None:
        return

    def watch() -> None:
        # SIGKILL gives the parent no time to stop its workers; its sentinel ends with it
        wait_for([parent.sentinel])
        if on_stop is not None:
            on_stop()
        os._exit(0)

    threading.Thread(target=watch, name="nb2pkg-parent-watch", daemon=True).start()
