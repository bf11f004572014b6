"""`--timeout` for one conversion, so that a pathological notebook cannot hang a
pre-commit hook: past the limit the command ends with `TimedOut` (one line, exit 2).

On POSIX a SIGALRM interrupts the work; elsewhere (Windows) a timer thread interrupts
the main thread the way Ctrl-C does. Either takes effect at the next Python bytecode: a
single call into native code (a parser) that never returns cannot be stopped from
inside the process; nb2pkg's input limits keep such calls short.
"""

from __future__ import annotations

import _thread
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from nb2pkg.errors import TimedOut


class _OutOfTime(BaseException):
    """Raised by the alarm. A BaseException, so that no `except Exception` in the
    pipeline mistakes it for a fault of the notebook."""


@contextmanager
def time_limit(seconds: float | None, path: Path | str) -> Iterator[None]:
    """Run the body for at most `seconds` (no limit for None), else raise `TimedOut`."""
    if seconds is None or threading.current_thread() is not threading.main_thread():
        yield  # both ways interrupt the main thread only: elsewhere (a caller's thread), no limit
        return
    limit = _by_alarm if hasattr(signal, "setitimer") else _by_thread
    try:
        with limit(seconds):
            yield
    except _OutOfTime:
        raise TimedOut(
            path,
            f"converting took longer than --timeout {seconds:g} s",
            "raise --timeout, or look for a very large or deeply nested cell",
        ) from None


@contextmanager
def _by_alarm(seconds: float) -> Iterator[None]:
    def ring(signum: int, frame: Any) -> None:
        raise _OutOfTime

    previous = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextmanager
def _by_thread(seconds: float) -> Iterator[None]:
    rang = threading.Event()

    def ring() -> None:
        rang.set()
        _thread.interrupt_main()  # a KeyboardInterrupt in the main thread

    timer = threading.Timer(seconds, ring)
    timer.daemon = True
    timer.start()
    try:
        yield
    except KeyboardInterrupt:
        if rang.is_set():
            raise _OutOfTime from None
        raise  # the user's own Ctrl-C
    finally:
        timer.cancel()
