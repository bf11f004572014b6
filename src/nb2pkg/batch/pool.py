"""Worker processes that outlive the tasks that break them.

`run_tasks` gives each of N worker processes one task at a time. A task that raises is
the work function's to report; a worker that dies (a crash, the out-of-memory killer)
or runs past the time limit is replaced, and its task is reported through `failed`,
while the other tasks go on. Each worker is retired after a number of tasks, so memory
stays bounded however many tasks there are, and the parent keeps only what is running.

Workers come from a fork server that imports the heavy modules once (`preload`), so a
new worker starts in milliseconds; where there is no fork server (Windows), they spawn.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection, wait
from typing import Any

Work = Callable[[Any], Any]
_GRACE_SECONDS = 5.0  # after the stop signal, before SIGKILL
# How a working worker is told to stop. Not SIGTERM: nbclient takes SIGTERM (and SIGINT)
# over while it runs a notebook, and only starts a clean-up on it.
_STOP = getattr(signal, "SIGUSR1", signal.SIGTERM)


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
    context = _context(preload)
    pending = deque(enumerate(tasks))
    idle: list[_Worker] = []
    busy: list[_Worker] = []
    try:
        while pending or busy:
            while pending and len(busy) < workers:
                worker = idle.pop() if idle else _Worker(context, work, tasks_per_worker, on_stop)
                worker.give(*pending.popleft())
                busy.append(worker)
            ready = wait(_handles(busy), _seconds_left(busy, timeout))
            for worker in list(busy):
                outcome = worker.outcome(ready, timeout)
                if outcome is None:
                    continue
                busy.remove(worker)
                index, task, result, why = outcome
                done(index, result if why is None else failed(task, why))
                if why is None and worker.tasks_left > 0:
                    idle.append(worker)
                else:
                    worker.stop(politely=why is None)
    finally:
        for worker in idle:
            worker.stop(politely=True)
        for worker in busy:
            worker.stop(politely=False)


class _Worker:
    def __init__(self, context: Any, work: Work, tasks: int, on_stop: Callable[[], None] | None) -> None:
        self.connection, theirs = context.Pipe()
        self.process = context.Process(target=_serve, args=(theirs, work, tasks, on_stop), daemon=True)
        self.process.start()
        theirs.close()
        self.tasks_left = tasks
        self.task: tuple[int, Any] | None = None
        self.started = 0.0

    def give(self, index: int, task: Any) -> None:
        self.task = (index, task)
        self.started = time.monotonic()
        self.tasks_left -= 1
        try:
            self.connection.send(task)
        except OSError:  # died before it could take the task: reported as its death
            pass

    def outcome(self, ready: list[Any], timeout: float | None) -> tuple[int, Any, Any, str | None] | None:
        """(index, task, result, None) when the task finished, (index, task, None, why)
        when the worker died or ran out of time, None while it is still working."""
        assert self.task is not None
        index, task = self.task
        if self.connection in ready:
            try:
                return index, task, self.connection.recv(), None
            except (EOFError, OSError):
                pass  # died while sending or before: its exit code says why
        if self.connection in ready or self.process.sentinel in ready:
            self.process.join(_GRACE_SECONDS)
            return index, task, None, _death(self.process.exitcode)
        if timeout is not None and time.monotonic() - self.started > timeout:
            return index, task, None, f"timed out after {timeout:g} s"
        return None

    def stop(self, politely: bool) -> None:
        """Ask an idle worker to leave; stop a working one (or one that does not leave)."""
        if politely and self.process.exitcode is None:
            try:
                self.connection.send(None)
            except OSError:
                pass
            self.process.join(_GRACE_SECONDS)
        if self.process.exitcode is None and self.process.pid is not None:
            try:
                os.kill(self.process.pid, _STOP)  # its on_stop runs, then it exits
            except OSError:
                pass
            self.process.join(_GRACE_SECONDS)
        if self.process.exitcode is None:
            self.process.kill()
            self.process.join()
        self.connection.close()


def _handles(busy: list[_Worker]) -> list[Any]:
    return [handle for worker in busy for handle in (worker.connection, worker.process.sentinel)]


def _seconds_left(busy: list[_Worker], timeout: float | None) -> float | None:
    if timeout is None or not busy:
        return None
    return max(0.0, min(worker.started for worker in busy) + timeout - time.monotonic()) + 0.05


def _death(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        hint = " (out of memory?)" if name == "SIGKILL" else ""
        return f"its worker process was killed by {name}{hint}"
    return f"its worker process exited (code {code}) before finishing it"


def _serve(connection: Connection, work: Work, tasks: int, on_stop: Callable[[], None] | None) -> None:
    """A worker's life: take tasks until told to stop or `tasks` are done."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle

    def stop(signum: int, frame: Any) -> None:
        if on_stop is not None:
            on_stop()
        os._exit(1)

    signal.signal(_STOP, stop)
    _leave_with_parent(on_stop)
    for _ in range(tasks):
        try:
            task = connection.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        result = work(task)
        try:
            connection.send(result)
        except OSError:  # the parent is gone (killed): nobody to tell, nothing to print
            return


def _leave_with_parent(on_stop: Callable[[], None] | None) -> None:
    """Exit, quietly, as soon as the parent dies (SIGKILL gives it no time to stop its
    workers): a thread waits for the parent's sentinel, which only ends with the parent."""
    parent = multiprocessing.parent_process()
    if parent is None or parent.sentinel is None:
        return

    def watch() -> None:
        wait([parent.sentinel])
        if on_stop is not None:
            on_stop()
        os._exit(0)

    threading.Thread(target=watch, name="nb2pkg-parent-watch", daemon=True).start()


def _context(preload: Sequence[str]) -> Any:
    main = sys.modules.get("__main__")
    if main is not None and not hasattr(main, "__spec__"):
        # IPython's `__main__` (nb2pkg called from a notebook) has no `__spec__`, which
        # multiprocessing reads to start a process: none is the truth.
        main.__spec__ = None
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(list(preload))
        return context
    return multiprocessing.get_context("spawn")
