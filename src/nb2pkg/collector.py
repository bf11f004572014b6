"""How nb2pkg has Python's cyclic garbage collector run: seldom in a command, not at all
while a notebook is converted.

The collector runs after every 700 net new objects and, every so often, walks every
object the process holds. nb2pkg makes millions of small objects that live until a
conversion ends (LibCST's trees, Python's, the plan) and few reference cycles, so those
walks are mostly wasted, and the longer the older and larger the heap (a batch worker's
imports and caches, a notebook of thousands of cells).

- `fewer_collections`: the `nb2pkg` command (one short process) collects after 50,000 net
  new objects (collecting took a tenth of a small notebook's process before).
- `collections_paused`: no collection at all while `api.convert` converts (in the command,
  in a batch worker, in a program that converts): the corpus converted in one process
  took about a tenth less time again. The cycles a conversion leaves are collected when
  the collector runs next, after it; reference counting frees everything else as usual,
  so memory grows only by the cycles of one conversion. Pausing is counted, so
  conversions in threads (or one inside another) resume the collector when the last one
  ends, and never resume one the caller had stopped.
- `process_ending`: when the command is done, everything the process holds is moved out
  of the collector's reach, so that the interpreter's exit frees it by reference counts
  alone instead of walking it all again (its exit took 70 ms of a small notebook's
  0.55 s; now 10 ms).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

# A command is one short process: collecting after 50,000 net new objects is enough.
THRESHOLD = (50_000, 20, 10)


@contextmanager
def fewer_collections() -> Iterator[None]:
    """The collector triggered at `THRESHOLD` while the block runs, as it was after."""
    previous = gc.get_threshold()
    gc.set_threshold(*THRESHOLD)
    try:
        yield
    finally:  # the command's `main` called in a process that goes on (a test)
        gc.set_threshold(*previous)


def process_ending() -> None:
    """`gc.freeze()`, as the `nb2pkg` process ends (`__main__`): the interpreter's exit then
    skips the collections it runs over every object the process holds. atexit callbacks
    still run (nbclient's, logging's) and reference counts free what they always did; only
    reference cycles still alive when the command ends are left to the operating system,
    as in a process that is stopped."""
    gc.freeze()


_lock = threading.Lock()
_paused = 0  # conversions running with the collector paused by this module
_resume = False  # whether the collector ran before the first of them paused it


@contextmanager
def collections_paused() -> Iterator[None]:
    """No cyclic garbage collection while the block runs (unless the caller had it off)."""
    global _paused, _resume
    with _lock:
        if _paused == 0:
            _resume = gc.isenabled()
            gc.disable()
        _paused += 1
    try:
        yield
    finally:
        with _lock:
            _paused -= 1
            if _paused == 0 and _resume:
                gc.enable()
