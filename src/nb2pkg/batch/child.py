"""Notebooks converted in a child process, for workers that cannot start worker
processes the multiprocessing way (dask's workers are daemonic, and multiprocessing lets
a daemonic process have no children; a subprocess it may start).

    python -m nb2pkg.batch.child   # pickled Jobs on stdin, a pickled Outcome for each on stdout

`convert_isolated` is what such a worker runs. Each of its threads keeps one child and
gives it one notebook at a time, so imports and the environment probe are paid once per
child, not per notebook. A child past a job's time limit is stopped (SIGTERM first, so
the kernels `--verify` started are killed, then SIGKILL) and a child that dies is
reported as a crashed worker, as batch's own pool reports them; either way the next job
gets a new child. A child is retired after `JOBS_PER_CHILD` notebooks, so its memory
stays bounded.
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from typing import Any

from nb2pkg.batch.jobs import Job
from nb2pkg.batch.outcomes import Outcome

JOBS_PER_CHILD = 50
_GRACE_SECONDS = 5.0  # after SIGTERM, before SIGKILL
_SIZE = struct.Struct("!Q")  # each message: its length, then the pickle
_mine = threading.local()  # the child of the calling thread, with the jobs it has left
# Every child of this process, and whether a job is in it: what a worker process holds
# between tasks, so that the batch can retire the idle ones when it ends.
_children: dict[subprocess.Popen[bytes], bool] = {}
_children_lock = threading.Lock()


class _Gone(Exception):
    """The child died, or ran out of time, before it answered."""


def convert_isolated(job: Job) -> Outcome:
    """`convert_one(job)` in this thread's child process, within the job's time limit."""
    from nb2pkg.batch.pool import death
    from nb2pkg.batch.run import failed_in_pool

    child = _child()
    _busy(child, True)
    try:
        _send(child, job)
        outcome: Outcome = _receive(child, job.options.timeout)
        _busy(child, False)
    except _Gone as gone:
        _retire(child, working=True)
        return failed_in_pool(job, str(gone) or death(child.returncode))
    except BaseException:  # the task was cancelled (Ctrl-C in the batch): no orphan left
        _retire(child, working=True)
        raise
    _mine.left -= 1
    if _mine.left <= 0:
        _retire(child, working=False)
    return outcome


def _child() -> subprocess.Popen[bytes]:
    child = getattr(_mine, "child", None)
    if child is None or child.poll() is not None:
        child = subprocess.Popen(
            [sys.executable, "-m", "nb2pkg.batch.child"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        _mine.child, _mine.left = child, JOBS_PER_CHILD
    return child


def _busy(child: subprocess.Popen[bytes], busy: bool) -> None:
    with _children_lock:
        _children[child] = busy


def retire_idle_children() -> int:
    """Stop this process's children that hold no job (run in each dask worker when a
    batch ends, so no idle nb2pkg process stays on the cluster); how many were stopped."""
    with _children_lock:
        idle = [child for child, busy in _children.items() if not busy]
    for child in idle:
        _retire(child, working=False)
    return len(idle)


def _send(child: subprocess.Popen[bytes], job: Job) -> None:
    assert child.stdin is not None
    data = pickle.dumps(job)
    try:
        child.stdin.write(_SIZE.pack(len(data)) + data)
        child.stdin.flush()
    except OSError:  # it died before it could take the job: reported as its death
        raise _Gone from None


def _receive(child: subprocess.Popen[bytes], timeout: float | None) -> Any:
    """The child's answer (its length, then the pickle), or `_Gone` past `timeout` seconds."""
    deadline = None if timeout is None else time.monotonic() + timeout
    (size,) = _SIZE.unpack(_read(child, _SIZE.size, deadline, timeout))
    return pickle.loads(_read(child, size, deadline, timeout))


def _read(child: subprocess.Popen[bytes], count: int, deadline: float | None, timeout: float | None) -> bytes:
    assert child.stdout is not None
    data = b""
    while len(data) < count:
        left = None if deadline is None else deadline - time.monotonic()
        if left is not None and left <= 0:
            raise _Gone(f"timed out after {timeout:g} s")
        ready, _, _ = select.select([child.stdout], [], [], left)
        if not ready:
            continue
        chunk = os.read(child.stdout.fileno(), count - len(data))
        if not chunk:
            child.wait()
            raise _Gone
        data += chunk
    return data


def _retire(child: subprocess.Popen[bytes], working: bool) -> None:
    """Stop the child: an idle one leaves when its input closes, one at work gets SIGTERM
    (its kernels are killed); either gets SIGKILL if it has not left after the grace. The
    thread that owns it sees it gone (`poll`) and starts another when it needs one."""
    if getattr(_mine, "child", None) is child:
        _mine.child = None
    with _children_lock:
        _children.pop(child, None)
    if child.poll() is None:
        try:
            child.stdin.close()  # type: ignore[union-attr]
        except OSError:
            pass
        if working:
            child.terminate()
        try:
            child.wait(_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
    for stream in (child.stdin, child.stdout):
        if stream is not None:
            stream.close()


def main() -> None:
    from nb2pkg.batch.run import convert_one, stop_kernels

    jobs, results = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # stdout carries the results alone

    def stop(signum: int, frame: Any) -> None:
        stop_kernels()
        os._exit(1)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the batch's to handle
    while header := jobs.read(_SIZE.size):
        job = pickle.loads(jobs.read(_SIZE.unpack(header)[0]))
        data = pickle.dumps(convert_one(job))
        results.write(_SIZE.pack(len(data)) + data)
        results.flush()


if __name__ == "__main__":
    main()
