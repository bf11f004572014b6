"""One notebook converted in a process of its own, for workers that cannot start
worker processes (dask's workers are daemonic processes, which multiprocessing does not
let have children; a subprocess they may start).

    python -m nb2pkg.batch.child   # a pickled Job on stdin, the pickled Outcome on stdout

`convert_isolated` is what such a worker runs: the child is stopped at the job's time
limit (SIGTERM first, so the kernels `--verify` started are killed, then SIGKILL), and
a child that dies is reported as a crashed worker, as batch's own pool reports it.
"""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
from typing import Any

from nb2pkg.batch.jobs import Job
from nb2pkg.batch.outcomes import Outcome

_GRACE_SECONDS = 5.0  # after SIGTERM, before SIGKILL


def convert_isolated(job: Job) -> Outcome:
    """`convert_one(job)` in a child process, within the job's time limit."""
    from nb2pkg.batch.pool import death
    from nb2pkg.batch.run import failed_in_pool

    child = subprocess.Popen(
        [sys.executable, "-m", "nb2pkg.batch.child"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        result, _ = child.communicate(pickle.dumps(job), timeout=job.options.timeout)
    except subprocess.TimeoutExpired:
        _stop(child)
        return failed_in_pool(job, f"timed out after {job.options.timeout:g} s")
    except BaseException:  # the task was cancelled (Ctrl-C in the batch): no orphan
        _stop(child)
        raise
    if child.returncode != 0 or not result:
        return failed_in_pool(job, death(child.returncode))
    outcome: Outcome = pickle.loads(result)
    return outcome


def _stop(child: subprocess.Popen[bytes]) -> None:
    child.terminate()
    try:
        child.wait(_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()


def main() -> None:
    from nb2pkg.batch.run import convert_one, stop_kernels

    job = pickle.load(sys.stdin.buffer)
    results = sys.stdout.buffer
    sys.stdout = sys.stderr  # stdout carries the result alone

    def stop(signum: int, frame: Any) -> None:
        stop_kernels()
        os._exit(1)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the batch's to handle
    pickle.dump(convert_one(job), results)
    results.flush()


if __name__ == "__main__":
    main()
