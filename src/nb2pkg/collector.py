"""Python's cyclic garbage collector, paused while a notebook is converted.

A conversion builds many small objects that live until it ends (LibCST's trees, Python's,
the plan) and makes few reference cycles. The collector runs every few hundred new
objects and, every so often, walks every object the process holds: the older and larger
the heap (a batch worker's caches and imports, a notebook of thousands of cells), the
longer each of those walks. Paused, a conversion of the corpus in one process took about
a tenth less time; the cycles it leaves are collected when the collector runs again,
after it. Reference counting frees everything else as usual, so memory grows only by
the cycles one conversion leaves.

Pausing is counted, so conversions in threads (or one inside another) resume the
collector when the last one ends, and never resume one the caller had stopped.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

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
