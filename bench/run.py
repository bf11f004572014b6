"""Benchmark nb2pkg against jupytext and the batch floor on the shared corpus (issue 7).

    python bench/run.py [--corpus PATH] [--repeat N] [--batch-repeat N] [--curve SIZES]
                        [--pool-baseline REV] [--no-write]

Every figure is a whole process as a user runs it, so Python's start-up and imports are
included. Prints a table and writes BENCHMARKS.md at the repository root (machine,
versions, each figure with what it means, the targets and whether each is met).
Needs jupytext for the comparison: pip install -e '.[bench]'.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

from curve import write_synthetic
from executors import dask_figures, pool_figures

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "notebooks"
INSTALL_HINT = "pip install -e '.[bench]' (or pip install jupytext)"
VERSIONS = ("nb2pkg", "jupytext", "libcst", "black", "nbformat")
# Run by a fresh helper process, so the peak is that of this one child and no earlier one.
PEAK_HELPER = (
    "import resource, subprocess, sys\n"
    "done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
    "print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
)


@dataclass(frozen=True)
class Row:
    """One figure of the table; `value` is None when it could not be measured."""

    what: str
    value: float | None
    unit: str  # "s", "x" (a ratio) or "MB"
    meaning: str
    target: float | None = None  # met when value <= target
    note: str = ""

    def shown(self) -> str:
        if self.value is None:
            return "-"
        return {"s": f"{self.value:.3f} s", "x": f"{self.value:.2f}x", "MB": f"{self.value:.0f} MB"}[self.unit]

    def verdict(self) -> str:
        if self.target is None:
            return ""
        if self.value is None:
            return "not measured"
        return "met" if self.value <= self.target else "NOT met"

    def goal(self) -> str:
        return "" if self.target is None else f"<= {self.target:g}{'' if self.unit == 'x' else ' '}{self.unit}"


@dataclass(frozen=True)
class Run:
    """One whole-process run: wall seconds, exit code, first informative stderr line."""

    seconds: float
    code: int
    error: str


@dataclass(frozen=True)
class Subject:
    """A notebook chosen for the single-notebook figures."""

    label: str
    path: Path
    cells: int


def run(command: list[str]) -> Run:
    start = time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False)
    return Run(time.perf_counter() - start, done.returncode, first_error(done.stderr))


def first_error(stderr: str) -> str:
    """The `Error: ...` line of a usage message, else the first non-empty line."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("Error")]
    return (errors or lines or [""])[0][:160]


def timed(command: list[str], repeat: int) -> float:
    """Median wall time of `command` after one unrecorded warm-up run (exit code not checked)."""
    run(command)
    return statistics.median(run(command).seconds for _ in range(repeat))


def tool(name: str) -> list[str] | None:
    """The console script `name` next to this Python, else on PATH, else None."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return [str(beside)]
    found = shutil.which(name)
    return [found] if found else None


def short(name: str, width: int = 40) -> str:
    """The end of a long corpus file name, where the notebook's own name is."""
    return name if len(name) <= width else "..." + name[3 - width :]


def version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


# -- choosing the notebooks ---------------------------------------------------------------


def convertible(corpus: Path) -> list[tuple[int, Path]]:
    """(cells, path) of the corpus' Python notebooks nbformat reads, fewest cells first;
    every notebook when the corpus has no MANIFEST.json beside it."""
    manifest = corpus.parent / "MANIFEST.json"
    if not manifest.exists():
        return sorted((cell_count(path), path) for path in corpus.glob("*.ipynb"))
    entries = json.loads(manifest.read_text(encoding="utf-8"))
    return sorted(
        (entry["n_cells"], corpus / entry["file"])
        for entry in entries
        if entry.get("kernel_language") == "python"
        and entry.get("nbformat_read_ok")
        and (corpus / entry["file"]).exists()
    )


def cell_count(path: Path) -> int:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, OSError):
        return 0
    cells = data.get("cells") if isinstance(data, dict) else None
    return len(cells) if isinstance(cells, list) else 0


def choose(candidates: list[tuple[int, Path]], works: Callable[[Path], bool]) -> list[Subject]:
    """The first-quartile, median and largest notebooks by cell count; a notebook that
    does not convert gives way to its neighbour."""
    wanted = (
        ("small", len(candidates) // 4),
        ("median", len(candidates) // 2),
        ("largest", len(candidates) - 1),
    )
    chosen: list[Subject] = []
    for label, index in wanted:
        step = 1 if label == "small" else -1
        while 0 <= index < len(candidates) and not works(candidates[index][1]):
            index += step
        if 0 <= index < len(candidates):
            chosen.append(Subject(label, candidates[index][1], candidates[index][0]))
    return chosen


def converts(nb2pkg: list[str], jupytext: list[str] | None, scratch: str) -> Callable[[Path], bool]:
    """Whether nb2pkg (and jupytext, when installed) exit 0 on a notebook."""

    def works(path: Path) -> bool:
        commands = [[*nb2pkg, str(path), "--out", f"{scratch}/project", "--force", "-q"]]
        if jupytext is not None:
            commands.append([*jupytext, "--to", "py:percent", str(path), "-o", f"{scratch}/notebook.py"])
        return all(run(command).code == 0 for command in commands)

    return works


# -- the measurements ---------------------------------------------------------------------


def paired(first: list[str], second: list[str], repeat: int) -> tuple[float, float, float]:
    """Run the two commands alternately `repeat` times (after one warm-up pair): median
    seconds of each and the median of the per-pair ratios first/second."""
    run(first), run(second)
    pairs = [(run(first).seconds, run(second).seconds) for _ in range(repeat)]
    return (
        statistics.median(a for a, _ in pairs),
        statistics.median(b for _, b in pairs),
        statistics.median(a / b for a, b in pairs),
    )


def single_rows(nb2pkg: list[str], jupytext: list[str] | None, subjects: list[Subject], repeat: int) -> list[Row]:
    rows: list[Row] = []
    for subject in subjects:
        name = f"{subject.label}: {short(subject.path.name)} ({subject.cells} cells)"
        with tempfile.TemporaryDirectory() as scratch:
            ours = [*nb2pkg, str(subject.path), "--out", f"{scratch}/project", "--force", "-q"]
            if jupytext is None:
                rows.append(Row(f"nb2pkg, {name}", timed(ours, repeat), "s", "whole `nb2pkg NB --out TMP` process"))
                rows.append(
                    Row(
                        f"nb2pkg / jupytext, {subject.label}",
                        None,
                        "x",
                        "",
                        1.0,
                        f"not available: jupytext is not installed; {INSTALL_HINT}",
                    )
                )
                continue
            theirs = [*jupytext, "--to", "py:percent", str(subject.path), "-o", f"{scratch}/notebook.py"]
            mine, other, ratio = paired(ours, theirs, repeat)
        rows.append(
            Row(
                f"nb2pkg, {name}",
                mine,
                "s",
                "whole `nb2pkg NB --out TMP --force -q` process, median of the paired runs",
            )
        )
        rows.append(
            Row(
                f"jupytext, {subject.label}",
                other,
                "s",
                "whole `jupytext --to py:percent NB -o TMP/notebook.py` process, median of the paired runs",
            )
        )
        rows.append(
            Row(
                f"nb2pkg / jupytext, {subject.label}",
                ratio,
                "x",
                "nb2pkg seconds / jupytext seconds per pair of alternated runs, median",
                1.0,
            )
        )
    return rows


def curve_rows(nb2pkg: list[str], jupytext: list[str] | None, sizes: list[int], repeat: int) -> list[Row]:
    """nb2pkg and jupytext on synthetic notebooks of each size (bench/curve.py), paired;
    `repeat` pairs up to 100 cells, one pair above (a 5000-cell run takes minutes). The
    last row is the cost of a thousand cells between the two largest sizes: what a
    notebook's length adds once start-up is paid."""
    rows: list[Row] = []
    seconds: dict[int, float] = {}
    with tempfile.TemporaryDirectory() as scratch:
        for size in sizes:
            notebook = write_synthetic(size, Path(scratch) / f"cells_{size}.ipynb")
            ours = [*nb2pkg, str(notebook), "--out", f"{scratch}/project", "--force", "-q"]
            runs = repeat if size <= 100 else 1
            if jupytext is None:
                seconds[size] = timed(ours, runs)
                rows.append(Row(f"nb2pkg, {size} synthetic cells", seconds[size], "s", f"median of {runs}"))
                continue
            theirs = [*jupytext, "--to", "py:percent", str(notebook), "-o", f"{scratch}/notebook.py"]
            seconds[size], other, ratio = paired(ours, theirs, runs)
            rows.append(
                Row(
                    f"nb2pkg, {size} synthetic cells",
                    seconds[size],
                    "s",
                    f"whole convert process, median of {runs} paired run(s); jupytext {other:.3f} s",
                )
            )
            rows.append(Row(f"nb2pkg / jupytext, {size} cells", ratio, "x", "per pair, median", 1.0))
    if len(seconds) >= 2:
        low, high = sorted(seconds)[-2:]
        slope = (seconds[high] - seconds[low]) / (high - low) * 1000
        rows.append(
            Row(
                f"nb2pkg per 1000 cells, {low} to {high}",
                slope,
                "s",
                "(seconds at the largest size - seconds at the one before) / cells added x 1000",
            )
        )
    return rows


def batch_once(nb2pkg: list[str], corpus: Path, jobs: int) -> tuple[Run, dict | None]:
    """`nb2pkg batch` into a fresh empty folder; its run and its JSON report, if any."""
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "report.json"
        command = [
            *nb2pkg,
            "batch",
            str(corpus),
            "--out",
            f"{scratch}/out",
            "--jobs",
            str(jobs),
            "--report",
            str(report),
        ]
        result = run(command)
        try:
            return result, json.loads(report.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return result, None


def batch_rows(nb2pkg: list[str], corpus: Path, repeat: int) -> tuple[list[Row], dict | None]:
    """Floor, batch --jobs 1 and --jobs 2, alternated `repeat` times; and the last --jobs 2
    report. Exit 1 (some notebooks refused) is expected; any other code means no batch."""
    floor_command = [sys.executable, str(ROOT / "bench" / "floor.py"), "--corpus", str(corpus)]
    floors: list[Run] = []
    batches: dict[int, list[Run]] = {1: [], 2: []}
    reports: dict[int, dict | None] = {1: None, 2: None}
    for _ in range(repeat):
        floors.append(run(floor_command))
        for jobs in (1, 2):
            result, reports[jobs] = batch_once(nb2pkg, corpus, jobs)
            batches[jobs].append(result)
        if any(result.code not in (0, 1) for results in batches.values() for result in results):
            break
    broken_floor = next((result for result in floors if result.code != 0), None)
    rows = [
        Row(
            "floor: bench/floor.py, one process",
            None if broken_floor else statistics.median(result.seconds for result in floors),
            "s",
            "whole process: read every notebook, IPython syntax -> Python, LibCST-parse and black-format "
            "each code cell once; median",
            note=f"failed: {broken_floor.error}" if broken_floor else "",
        )
    ]
    for jobs, results in batches.items():
        broken = [result for result in results if result.code not in (0, 1)]
        what = f"nb2pkg batch CORPUS --jobs {jobs}"
        if broken:
            note = f"not available: {broken[0].error or f'exit {broken[0].code}'}"
            rows.append(Row(what, None, "s", "", None, note))
            rows.append(Row(f"batch --jobs {jobs} / floor", None, "x", "", 1.0 if jobs == 2 else None, note))
            continue
        seconds = statistics.median(result.seconds for result in results)
        ratios = [result.seconds / base.seconds for result, base in zip(results, floors, strict=True) if base.code == 0]
        ratio = statistics.median(ratios) if ratios else None
        codes = "/".join(str(code) for code in sorted({result.code for result in results}))
        rows.append(
            Row(
                what,
                seconds,
                "s",
                f"whole process into a fresh empty folder, median; exit {codes} (1: some notebooks refused)",
                note=outcome(reports[jobs]),
            )
        )
        rows.append(
            Row(
                f"batch --jobs {jobs} / floor",
                ratio,
                "x",
                "batch seconds / floor seconds of the same round, median",
                1.0 if jobs == 2 else None,
            )
        )
    return rows, reports[2]


def outcome(report: dict | None) -> str:
    """`49 converted, 4 failed` from a batch report's totals."""
    totals = (report or {}).get("totals") or {}
    counts = [f"{totals[key]} {key}" for key in ("converted", "failed") if isinstance(totals.get(key), int)]
    return ", ".join(counts)


def peak_rows(nb2pkg: list[str], largest: Subject | None, report: dict | None) -> list[Row]:
    rows: list[Row] = []
    if largest is not None:
        with tempfile.TemporaryDirectory() as scratch:
            command = [
                sys.executable,
                "-c",
                PEAK_HELPER,
                *nb2pkg,
                str(largest.path),
                "--out",
                f"{scratch}/project",
                "--force",
                "-q",
            ]
            code, peak = subprocess.run(command, capture_output=True, text=True, check=True).stdout.split()
        divisor = 1024 * 1024 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes there, KB on Linux
        rows.append(
            Row(
                f"peak RSS, nb2pkg {short(largest.path.name)}",
                int(peak) / divisor,
                "MB",
                f"ru_maxrss of one `nb2pkg NB --out TMP --force -q` process (exit {code}), "
                "taken by a fresh helper process",
                200.0,
            )
        )
    totals = (report or {}).get("totals") or {}
    peak_mb = totals.get("worker_peak_mb")
    note = "" if isinstance(peak_mb, (int, float)) else "not available: no worker_peak_mb in the batch report"
    rows.append(
        Row(
            "peak RSS of a batch worker (--jobs 2)",
            peak_mb if not note else None,
            "MB",
            "totals.worker_peak_mb of the last --jobs 2 report: the largest worker's peak",
            200.0,
            note,
        )
    )
    return rows


def startup_rows(nb2pkg: list[str], repeat: int) -> list[Row]:
    return [
        Row(
            "nb2pkg --version",
            timed([*nb2pkg, "--version"], repeat),
            "s",
            f"median wall time of {repeat} processes",
            0.15,
        ),
        Row(
            "nb2pkg --help",
            timed([*nb2pkg, "--help"], repeat),
            "s",
            f"median wall time of {repeat} processes",
        ),
    ]


def other_rows(nb2pkg: list[str], subjects: list[Subject], repeat: int) -> list[Row]:
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        command = [
            *nb2pkg,
            str(ROOT / "examples" / "explore.ipynb"),
            "--out",
            f"{scratch}/p",
            "--force",
            "-q",
        ]
        rows.append(
            Row(
                "nb2pkg examples/explore.ipynb",
                timed(command, repeat),
                "s",
                "whole convert process of the bundled example, median",
            )
        )
    for subject in subjects:
        if subject.label != "small":
            command = [*nb2pkg, "inspect", "--json", str(subject.path)]
            rows.append(
                Row(
                    f"nb2pkg inspect --json, {subject.label}",
                    timed(command, repeat),
                    "s",
                    "whole inspect process (reads and analyses, writes nothing), median",
                )
            )
    return rows


# -- the report ---------------------------------------------------------------------------


def machine() -> list[str]:
    return [
        f"CPUs: {os.cpu_count()} ({cpu_model()})",
        f"OS: {platform.platform()}",
        f"Python: {platform.python_implementation()} {platform.python_version()}",
        "versions: " + ", ".join(f"{name} {version(name)}" for name in VERSIONS),
    ]


def cpu_model() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8")
    except OSError:
        return platform.processor() or platform.machine()
    names = [line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("model name")]
    return names[0] if names else platform.machine()


def table(rows: list[Row]) -> str:
    width = max(len(row.what) for row in rows)
    lines = [f"{'what'.ljust(width)}  {'figure':>10}  {'target':>9}  verdict"]
    for row in rows:
        lines.append(
            f"{row.what.ljust(width)}  {row.shown():>10}  {row.goal():>9}  {row.verdict()}  {row.note}".rstrip()
        )
    return "\n".join(lines)


def markdown(rows: list[Row], context: list[str], arguments: str) -> str:
    lines = [
        "# Benchmarks",
        "",
        f"Written by `python bench/run.py{arguments}`; do not edit by hand. Every figure is the wall",
        "time (or memory) of whole processes, Python's start-up and imports included. Start-up and",
        "single-notebook commands run once unrecorded first; batch rounds start cold.",
        "",
        "## Machine",
        "",
    ]
    lines += [f"- {item}" for item in context]
    lines += ["", "## Figures", "", "| what | figure | meaning | target | verdict |", "|---|---|---|---|---|"]
    for row in rows:
        meaning = "; ".join(part for part in (row.meaning, row.note) if part)
        lines.append(f"| {row.what} | {row.shown()} | {meaning} | {row.goal()} | {row.verdict()} |")
    lines += ["", "## Targets", ""]
    lines += [
        f"- {row.what}: {row.shown()} against {row.goal()}: **{row.verdict()}**"
        for row in rows
        if row.target is not None
    ]
    return "\n".join(lines).replace("<=", "≤") + "\n"


def git_state() -> str:
    done = subprocess.run(
        ["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() or "unknown"


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg()) if hasattr(os, "getloadavg") else "unknown"


def as_installed() -> None:
    """Time the tools as a user's install runs them: from bytecode. pip compiles what it
    installs, but an editable checkout run in a shell with PYTHONDONTWRITEBYTECODE set
    would compile nb2pkg's modules in every timed process (0.1 s of a small notebook)."""
    import compileall

    import nb2pkg

    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    compileall.compile_dir(Path(nb2pkg.__file__).parent, quiet=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--repeat", type=int, default=5, help="runs per single-notebook figure (default 5)")
    parser.add_argument("--batch-repeat", type=int, default=3, help="rounds of floor and batch (default 3)")
    parser.add_argument(
        "--curve",
        default="10,100,1000,5000",
        help="synthetic notebook sizes, in cells, for the cost curve (default 10,100,1000,5000; '' for none)",
    )
    parser.add_argument(
        "--pool-baseline",
        metavar="REV",
        help="also time batch --jobs 2 with batch/pool.py of this git revision, alternated with this checkout's",
    )
    parser.add_argument("--no-write", action="store_true", help="print the table, do not write BENCHMARKS.md")
    args = parser.parse_args()
    as_installed()
    nb2pkg = tool("nb2pkg") or [sys.executable, "-m", "nb2pkg"]
    jupytext = tool("jupytext")
    if jupytext is None:
        print(f"jupytext is not installed, so there is no comparison: {INSTALL_HINT}", file=sys.stderr)
    started, load_before, code = time.perf_counter(), load(), git_state()
    with tempfile.TemporaryDirectory() as scratch:
        subjects = choose(convertible(args.corpus), converts(nb2pkg, jupytext, scratch))
    rows = startup_rows(nb2pkg, 3 * args.repeat)
    rows += single_rows(nb2pkg, jupytext, subjects, args.repeat)
    rows += curve_rows(nb2pkg, jupytext, [int(size) for size in args.curve.split(",") if size], args.repeat)
    batch, report = batch_rows(nb2pkg, args.corpus, args.batch_repeat)
    rows += batch
    rows += peak_rows(nb2pkg, next((s for s in subjects if s.label == "largest"), None), report)
    figures = dask_figures(args.corpus, args.batch_repeat)
    if args.pool_baseline:
        figures = pool_figures(args.corpus, args.pool_baseline, args.batch_repeat) + figures
    rows += [Row(what, value, unit, meaning) for what, value, unit, meaning in figures]
    rows += other_rows(nb2pkg, subjects, args.repeat)
    end = git_state()  # another commit may land while the benchmark runs
    context = machine() + [
        f"code: {code if code == end else f'{code} at the start, {end} at the end'}; "
        f"corpus: {args.corpus.name}/ ({len(list(args.corpus.glob('*.ipynb')))} notebooks)",
        f"runs: {args.repeat} per single-notebook figure, {3 * args.repeat} per start-up figure, "
        f"{args.batch_repeat} rounds of floor and batch",
        f"load average before / after: {load_before} / {load()}; "
        f"benchmark took {time.perf_counter() - started:.0f} s on {datetime.now(timezone.utc):%Y-%m-%d}",
    ]
    print("\n".join(context))
    print(table(rows))
    if not args.no_write:
        arguments = "".join(f" {arg}" for arg in sys.argv[1:])
        (ROOT / "BENCHMARKS.md").write_text(markdown(rows, context, arguments), encoding="utf-8")
        print(f"wrote {ROOT / 'BENCHMARKS.md'}")


if __name__ == "__main__":
    main()
