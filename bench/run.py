"""Benchmark nb2pkg: start-up, `inspect` and conversion times on the shared corpus.

    python bench/run.py [--corpus PATH] [--repeat N]

Each figure is the median of N runs of the whole process (`nb2pkg ...` as a user runs
it), so start-up is included. Prints a table; writes nothing.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "notebooks"


def timed(command: list[str], repeat: int) -> float:
    """Median wall time of `command` in seconds (its exit code is not checked)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def cell_count(path: Path) -> int:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, OSError):
        return 0
    cells = data.get("cells") if isinstance(data, dict) else None
    return len(cells) if isinstance(cells, list) else 0


def nb2pkg_command() -> list[str]:
    found = shutil.which("nb2pkg")
    return [found] if found else [sys.executable, "-m", "nb2pkg"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    nb2pkg = nb2pkg_command()

    print(f"machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}")
    with tempfile.TemporaryDirectory() as scratch:
        command = [*nb2pkg, str(ROOT / "examples" / "explore.ipynb"), "--out", f"{scratch}/p", "--force", "-q"]
        example = timed(command, args.repeat)
    rows = [
        ("nb2pkg --version", timed([*nb2pkg, "--version"], args.repeat)),
        ("nb2pkg --help", timed([*nb2pkg, "--help"], args.repeat)),
        ("convert examples/explore.ipynb (19 cells)", example),
    ]
    notebooks = sorted(args.corpus.glob("*.ipynb"), key=cell_count)
    if notebooks:
        for label, notebook in (("most cells", notebooks[-1]), ("median", notebooks[len(notebooks) // 2])):
            name = f"inspect {notebook.name[:50]} ({cell_count(notebook)} cells, {label})"
            rows.append((name, timed([*nb2pkg, "inspect", "--json", str(notebook)], args.repeat)))
            with tempfile.TemporaryDirectory() as scratch:
                name = f"convert {notebook.name[:50]} ({cell_count(notebook)} cells, {label})"
                command = [*nb2pkg, str(notebook), "--out", f"{scratch}/p", "--force", "-q"]
                rows.append((name, timed(command, args.repeat)))
        start = time.perf_counter()
        for notebook in notebooks:
            subprocess.run([*nb2pkg, "inspect", "--json", str(notebook)], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, check=False)
        rows.append((f"inspect all {len(notebooks)} corpus notebooks, one process each", time.perf_counter() - start))
    width = max(len(name) for name, _ in rows)
    print(f"{'what'.ljust(width)}  seconds")
    for name, seconds in rows:
        print(f"{name.ljust(width)}  {seconds:7.3f}")


if __name__ == "__main__":
    main()
