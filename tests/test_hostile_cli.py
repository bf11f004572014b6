"""The command line attacked the way an unlucky user or an attacker would: hostile file
and package names, environment faults (read-only or full disk, `--out` below a file,
dangling and looping symlinks, unreadable notebooks), a killed batch parent, a hanging
conversion. Each must end in exit 0, 1 or 2 with one line naming the path, never a
traceback, never exit 3."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_workers_leave_quietly_when_the_batch_parent_is_killed(tmp_path: Path) -> None:
    script = tmp_path / "parent.py"
    script.write_text(textwrap.dedent("""
        import time
        from nb2pkg import pool
        if __name__ == "__main__":
            pool.run_tasks([30, 30, 30], time.sleep, 2, done=lambda i, r: print(i, flush=True),
                           failed=lambda task, why: why)
    """), encoding="utf-8")
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    time.sleep(2)  # the workers are sleeping in their tasks
    parent.send_signal(signal.SIGKILL)
    start = time.monotonic()
    _, stderr = parent.communicate(timeout=20)  # ends once every worker closed the shared stderr
    assert "Traceback" not in stderr and "Error" not in stderr, stderr
    assert time.monotonic() - start < 10  # they left at once, not after their 30 s task
