"""Batch on its executors, for `bench/run.py` (issue 17): the local pool against the pool
of an earlier revision (`--pool-baseline REV`, such as the hand-written pool before
pebble, in an otherwise identical copy of this checkout's src), and
a run on a dask LocalCluster of two worker processes against the local pool, with what
the cluster costs per notebook.

Each figure is a whole `nb2pkg batch CORPUS --out FRESH` process; rounds alternate the
commands, so a machine that slows down slows both.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
Figure = tuple[str, float | None, str, str]  # what, value, unit ("s" or "x"), meaning


def batch_seconds(corpus: Path, source: Path, extra: list[str]) -> float | None:
    """Seconds of one batch of the corpus into a fresh folder, with nb2pkg from `source`
    (a `src` folder); None when it did not end with 0 or 1."""
    with tempfile.TemporaryDirectory() as scratch:
        command = [sys.executable, "-m", "nb2pkg", "batch", str(corpus), "--out", f"{scratch}/out", "-q", *extra]
        environment = {**os.environ, "PYTHONPATH": str(source)}
        start = time.perf_counter()
        done = subprocess.run(command, env=environment, capture_output=True, check=False)
        seconds = time.perf_counter() - start
    return seconds if done.returncode in (0, 1) else None


@contextmanager
def with_pool_of(revision: str) -> Iterator[Path]:
    """A copy of this checkout's `src` whose batch/pool.py is `revision`'s: the pool alone
    differs, so the figures compare pools and not what else changed since."""
    old = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{revision}:src/nb2pkg/batch/pool.py"], capture_output=True, check=True
    ).stdout
    with tempfile.TemporaryDirectory() as scratch:
        source = Path(scratch) / "src"
        shutil.copytree(ROOT / "src", source, ignore=shutil.ignore_patterns("__pycache__"))
        (source / "nb2pkg" / "batch" / "pool.py").write_bytes(old)
        yield source


def pool_figures(corpus: Path, baseline: str, repeat: int) -> list[Figure]:
    """`batch --jobs 2` with this checkout's pool and with `baseline`'s, alternated."""
    pairs = []
    with with_pool_of(baseline) as old:
        for _ in range(repeat):
            pairs.append(
                (batch_seconds(corpus, ROOT / "src", ["--jobs", "2"]), batch_seconds(corpus, old, ["--jobs", "2"]))
            )
    good = [(now, before) for now, before in pairs if now is not None and before is not None]
    what = f"batch --jobs 2, this pool / the pool of {baseline}"
    if not good:
        return [(what, None, "x", "not available: a run failed")]
    return [
        (
            f"batch --jobs 2, pool of {baseline}",
            statistics.median(b for _, b in good),
            "s",
            "median of alternated rounds",
        ),
        ("batch --jobs 2, this pool", statistics.median(n for n, _ in good), "s", "median of the same rounds"),
        (what, statistics.median(n / b for n, b in good), "x", "per round, median; the rest of src is this checkout's"),
    ]


def dask_figures(corpus: Path, repeat: int) -> list[Figure]:
    """`batch --scheduler` on a LocalCluster of two one-thread worker processes, against
    `batch --jobs 2`, alternated; the difference per notebook of the corpus."""
    try:
        import distributed
    except ImportError:
        return [("batch --scheduler, LocalCluster(2)", None, "s", 'not available: pip install -e ".[dask]"')]
    sys.path.insert(0, str(ROOT / "src"))  # the scheduler reads each task: it imports nb2pkg
    environment = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = str(ROOT / "src")  # and so do the workers it starts
    try:
        with distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=40
        ) as cluster:
            pairs = [
                (
                    batch_seconds(corpus, ROOT / "src", ["--scheduler", cluster.scheduler_address]),
                    batch_seconds(corpus, ROOT / "src", ["--jobs", "2"]),
                )
                for _ in range(repeat)
            ]
    finally:
        if environment is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = environment
    good = [(on_dask, local) for on_dask, local in pairs if on_dask is not None and local is not None]
    if not good:
        return [("batch --scheduler, LocalCluster(2)", None, "s", "not available: a run failed")]
    notebooks = len(list(corpus.glob("*.ipynb")))
    return [
        (
            "batch --scheduler, LocalCluster(2)",
            statistics.median(d for d, _ in good),
            "s",
            "whole process, 2 one-thread worker processes, median of rounds alternated with --jobs 2",
        ),
        ("batch --scheduler / batch --jobs 2", statistics.median(d / n for d, n in good), "x", "per round, median"),
        (
            "dask overhead per notebook",
            statistics.median((d - n) / notebooks for d, n in good),
            "s",
            f"(--scheduler seconds - --jobs 2 seconds) / {notebooks} notebooks: a child process per notebook "
            "(its Python start and imports) and the scheduler's round trips",
        ),
    ]
