"""Where batch's worker processes come from: a fork server that imports what every
conversion needs once (`PRELOAD`), so that each worker forked from it starts with it;
where there is no fork server (Windows), workers spawn and import it themselves.

`nb2pkg batch` starts the server first thing (`start_fork_server`, from `__main__`), before
the command line's own libraries are imported: its imports, the converter's, then run on
another core while the command line's do, and the workers start about 0.05 s sooner (six
alternated batches of the corpus: 4.20 to 4.08 s). This module imports nothing of nb2pkg, so starting the server costs the command
nothing but the start."""

from __future__ import annotations

import multiprocessing
import sys
from collections.abc import Sequence
from typing import Any

# What the fork server imports: every conversion's modules and pebble's side of a worker.
# Not nbformat (a tenth of a second before the first worker starts): nb2pkg reads and
# writes most notebooks without it (nbschema), and a worker that meets one it cannot
# imports it then.
PRELOAD = (
    "nb2pkg.batch.run",
    "nb2pkg.api",
    "nb2pkg.convert",
    "nb2pkg.output.write",
    "nb2pkg.analysis.cells",
    "black",
    "pyflakes.checker",
    "IPython.core.inputtransformer2",
    "pebble.pool.process",
)


def start_fork_server(preload: Sequence[str] = PRELOAD) -> None:
    """Start the fork server now (the pool started later uses it). Where there is none to
    start, or no process or pipe to spare for it now, nothing happens here: the pool
    starts its workers as it would have, or says why it cannot."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return
    from multiprocessing import forkserver

    context(preload)
    try:
        forkserver.ensure_running()
    except OSError:
        pass


def context(preload: Sequence[str] = PRELOAD) -> Any:
    """The multiprocessing context workers start in: the fork server importing `preload`,
    or spawning where there is none."""
    main = sys.modules.get("__main__")
    if main is not None and not hasattr(main, "__spec__"):
        # IPython's `__main__` (nb2pkg called from a notebook) has no `__spec__`, which
        # multiprocessing reads to start a process: none is the truth.
        main.__spec__ = None
    if "forkserver" in multiprocessing.get_all_start_methods():
        forking = multiprocessing.get_context("forkserver")
        forking.set_forkserver_preload(list(preload))
        return forking
    return multiprocessing.get_context("spawn")
