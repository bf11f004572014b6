"""The worker pool under batch: a task that kills its worker or runs too long is
reported and the others go on; workers are recycled so memory stays bounded."""

from __future__ import annotations

import os
import signal
import sys
import time
from typing import Any

import pytest

from nb2pkg.batch.pool import run_tasks


def work(task: Any) -> tuple[Any, int]:
    """Module level, so the workers can import it."""
    if task == "segfault":
        os.kill(os.getpid(), signal.SIGSEGV)
    if task == "exit":
        os._exit(7)
    if task == "hang":
        time.sleep(600)
    return task, os.getpid()


def run(tasks: list[Any], **options: Any) -> dict[int, Any]:
    results: dict[int, Any] = {}
    run_tasks(tasks, work, done=results.__setitem__, failed=lambda task, why: ("failed", task, why), **options)
    return results


@pytest.mark.slow
def test_crashes_and_hangs_are_reported_and_the_rest_goes_on() -> None:
    tasks = [1, "segfault", 2, "exit", 3, "hang", 4]
    start = time.monotonic()
    results = run(tasks, workers=2, timeout=5)

    assert sorted(results) == list(range(len(tasks)))
    assert [results[i][0] for i in (0, 2, 4, 6)] == [1, 2, 3, 4]
    assert results[1] == ("failed", "segfault", "its worker process was killed by SIGSEGV")
    assert results[3] == ("failed", "exit", "its worker process exited (code 7) before finishing it")
    assert results[5] == ("failed", "hang", "timed out after 5 s")
    assert time.monotonic() - start < 60


@pytest.mark.slow
def test_workers_are_recycled() -> None:
    results = run(list(range(9)), workers=2, tasks_per_worker=2)
    pids = [pid for _, pid in results.values()]
    assert [task for task, _ in (results[i] for i in range(9))] == list(range(9))
    assert max(pids.count(pid) for pid in set(pids)) <= 2
    assert len(set(pids)) >= 5


def test_runs_under_ipython_whose_main_module_has_no_spec(monkeypatch: pytest.MonkeyPatch) -> None:
    class InteractiveMain:  # what IPython puts in sys.modules["__main__"]
        pass

    monkeypatch.setitem(sys.modules, "__main__", InteractiveMain())
    assert [task for task, _ in run([5, 6], workers=1).values()] == [5, 6]
