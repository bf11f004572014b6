"""Time and peak memory of `nb2pkg` on large and hostile notebooks (issue 12, "Load").

    python bench/load.py [--case NAME ...] [--timeout SECONDS]

A script, not a timed test: each case is generated into a temporary folder and run as
a user runs it, `nb2pkg inspect` and `nb2pkg NOTEBOOK --out DIR` each in a fresh
process, so Python's start-up and imports are included and the peak memory is that
process's own (ru_maxrss of the child). Prints one line per case and command.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# Run by a fresh helper process, so the peak is that of this one child and no earlier one.
PEAK_HELPER = (
    "import resource, subprocess, sys\n"
    "done = subprocess.run(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,\n"
    "                      timeout=float(sys.argv[1]))\n"
    "print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
)


def notebook(cells: list[tuple[str, str]]) -> dict[str, Any]:
    built = [
        {
            "cell_type": kind,
            "id": f"c{i}",
            "metadata": {},
            "source": source,
            **({"execution_count": None, "outputs": []} if kind == "code" else {}),
        }
        for i, (kind, source) in enumerate(cells)
    ]
    return {
        "cells": built,
        "metadata": {"kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def five_thousand_cells() -> dict[str, Any]:
    """An analysis repeated: headings, loads, cleaning, a helper, a fit, a plot, a display."""
    cells: list[tuple[str, str]] = [
        (
            "code",
            "import pandas as pd\nimport matplotlib.pyplot as plt\nfrom sklearn.linear_model import LinearRegression",
        )
    ]
    part = 0
    while len(cells) < 5000:
        i = part
        cells += [
            ("markdown", f"## Part {i}: load and clean"),
            ("code", f"raw_{i} = pd.read_csv('data_{i}.csv')\nraw_{i}.dropna(inplace=True)"),
            ("code", f"def scale_{i}(v):\n    return v * {i + 1}\n\nraw_{i}['b'] = raw_{i}['a'].map(scale_{i})"),
            ("code", f"model_{i} = LinearRegression()\nmodel_{i}.fit(raw_{i}[['a']], raw_{i}['b'])"),
            ("code", f"fig, ax = plt.subplots()\nax.plot(raw_{i}['a'], raw_{i}['b'])\nax.set_title('part {i}')"),
            ("code", f"raw_{i}.describe()"),
        ]
        part += 1
    return notebook(cells[:5000])


def around(cell: str) -> dict[str, Any]:
    return notebook([("code", "import math\nx = 1"), ("code", cell), ("code", "print(math.pi, x)")])


CASES: dict[str, Callable[[], dict[str, Any]]] = {
    "5000 cells": five_thousand_cells,
    "1 MB cell (kept: over the cell limit)": lambda: around("y = x + 1\n" * 100_000),
    "9,000-node cell (just under the node limit)": lambda: around(
        "".join(f"value_{i} = math.sqrt(x + {i})\n" for i in range(690))
    ),
    "30,000-node cell (kept: over the node limit)": lambda: around(
        "".join(f"y{i} = [" + "x, " * 660 + "]\n" for i in range(45))
    ),
    "6 MB cell": lambda: around("y = x + 1\n" * 600_000),
    "400 kB line of +": lambda: around("y = x" + " + x" * 100_000),
    "9 kB line (just under the line limit)": lambda: around("y = [" + "x, " * 3000 + "]"),
    "100k-character identifier": lambda: around("a" * 100_000 + " = 1"),
}


def measure(command: list[str], timeout: float) -> tuple[str, float, float]:
    """(exit code or "timeout", wall seconds, peak MB) of one command in a fresh process."""
    start = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, "-c", PEAK_HELPER, str(timeout), *command],
            capture_output=True,
            text=True,
            timeout=timeout + 30,
        )
    except subprocess.TimeoutExpired:
        return "timeout", time.perf_counter() - start, float("nan")
    seconds = time.perf_counter() - start
    if done.returncode != 0 or not done.stdout.strip():
        return "timeout", seconds, float("nan")
    code, peak_kb = done.stdout.split()
    return code, seconds, int(peak_kb) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", action="append", choices=sorted(CASES), help="run only these cases")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per command")
    options = parser.parse_args()
    nb2pkg = [sys.executable, "-m", "nb2pkg"]
    with tempfile.TemporaryDirectory() as folder:
        for name in options.case or list(CASES):
            path = Path(folder) / "load.ipynb"
            path.write_text(json.dumps(CASES[name]()), encoding="utf-8")
            size = path.stat().st_size / 1e6
            for label, command in (
                ("inspect", [*nb2pkg, "inspect", "--json", str(path)]),
                ("convert", [*nb2pkg, str(path), "--out", str(Path(folder) / name[:8]), "--force"]),
            ):
                code, seconds, peak = measure(command, options.timeout)
                print(
                    f"{name:42} {size:6.2f} MB  {label:8} exit {code:7}  {seconds:7.1f} s  {peak:7.0f} MB", flush=True
                )


if __name__ == "__main__":
    main()
