"""Measure the code nb2pkg writes against issue 14's list, over the corpus.

    python bench/refactor_quality.py [--corpus PATH] [--json] [NOTEBOOK ...]

Each notebook is converted in memory with nb2pkg's API (a notebook refused with
InputError is counted as refused); the figures are then read off the generated files
(the package modules and the summary notebook) by bench/refactor_measures.py, whose
docstring states the rule of each figure. One line per notebook, then the totals as
sentences a README can quote; `--json` prints them as a dict.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # refactor_measures, beside this script

from nb2pkg.convert import convert, default_package  # noqa: E402
from nb2pkg.dataflow import build_dataflow  # noqa: E402
from nb2pkg.errors import InputError  # noqa: E402
from nb2pkg.notebook import read_notebook  # noqa: E402
from refactor_measures import Figures, Module, measure_project  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "notebooks"


@dataclass(frozen=True)
class Result:
    """One notebook: its figures, or why there are none (refused, or nb2pkg failed)."""

    name: str
    figures: Figures | None = None
    refused: str = ""
    failed: str = ""


def short_name(path: Path) -> str:
    """The last two `__`-separated parts of the corpus name (`handson-ml3__06_decision_trees`)."""
    return "__".join(path.stem.split("__")[-2:])[:48]


def project_modules(files: dict[str, str], package: str, copied: tuple[str, ...]) -> list[Module]:
    """The generated modules of `src/<package>/`, not the user's copied local modules."""
    prefix = f"src/{package}/"
    return [
        Module(path[len(prefix) : -3], text)
        for path, text in sorted(files.items())
        if path.startswith(prefix) and path.endswith(".py") and "/" not in path[len(prefix) :] and path not in copied
    ]


def measure_notebook(path: Path, scratch: Path) -> Result:
    try:
        flow = build_dataflow(read_notebook(path))
        conversion = convert(flow, scratch / "project", default_package(path))
    except InputError as error:
        return Result(short_name(path), refused=error.message.removeprefix(f"{path}: "))
    except Exception as error:  # a bug in nb2pkg is a figure too, not the end of the run
        return Result(short_name(path), failed=f"{type(error).__name__}: {error}")
    summary = next(
        t for name, t in conversion.files.items() if name.startswith("notebooks/") and name.endswith(".ipynb")
    )
    modules = project_modules(conversion.files, conversion.package, conversion.copied)
    return Result(short_name(path), measure_project(modules, summary, path.read_text(encoding="utf-8")))


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "-"


def ratio(figures: Figures) -> float | None:
    return figures.summary_lines / figures.original_lines if figures.original_lines else None


COLUMNS = (  # (header, field) of the per-notebook line
    ("fn", "functions"),
    ("cln", "clones"),
    ("num", "numbered"),
    ("wrap", "wrappers"),
    (">6", "many_parameters"),
    ("plot", "plot_functions"),
    ("none", "plots_not_drawing"),
    ("elsw", "drawing_elsewhere"),
    ("art", "artist_returns"),
    ("set", "hidden_settings"),
    ("prev", "previews"),
)
HEADER = " ".join(f"{title:>4}" for title, _ in COLUMNS) + "  summary/orig       notebook"
LARGE = 30  # code lines from which the summary's own setup lines no longer weigh on the ratio


def notebook_line(result: Result) -> str:
    f = result.figures
    if f is None:
        status = "refused" if result.refused else "FAILED"
        return f"{status:>{len(HEADER) - len('notebook') - 2}}  {result.name}  {result.refused or result.failed}"
    share = ratio(f)
    numbers = " ".join(f"{getattr(f, name):4}" for _, name in COLUMNS)
    lines = f"{f.summary_lines:5}/{f.original_lines:<5} {'' if share is None else f'{share:.0%}':>5}"
    return f"{numbers}  {lines}  {result.name}"


def totals(results: list[Result]) -> tuple[Figures, dict[str, object]]:
    total = Figures()
    measured = [r.figures for r in results if r.figures is not None]
    for figures in measured:
        total.add(figures)
    ratios = [share for share in map(ratio, measured) if share is not None]
    large = [share for f in measured if f.original_lines >= LARGE and (share := ratio(f)) is not None]
    extra: dict[str, object] = {
        "notebooks": len(results),
        "converted": len(measured),
        "refused": sum(bool(r.refused) for r in results),
        "failed": sum(bool(r.failed) for r in results),
        "median_summary_ratio": statistics.median(ratios) if ratios else None,
        "large_notebooks": len(large),
        "median_summary_ratio_large": statistics.median(large) if large else None,
        "summaries_longer": sum(f.summary_lines > f.original_lines for f in measured),
        "largest_clone_group": max(total.clone_groups, key=len, default=[]),
    }
    return total, extra


def share_text(value: object) -> str:
    return f"{value:.0%}" if isinstance(value, float) else "-"


def sentences(total: Figures, extra: dict[str, object]) -> list[str]:
    """The totals as sentences a README can quote."""
    n = total.functions
    largest = extra["largest_clone_group"]
    assert isinstance(largest, list)
    return [
        f"notebooks: {extra['notebooks']}, {extra['converted']} converted, {extra['refused']} refused"
        + (f", {extra['failed']} FAILED" if extra["failed"] else ""),
        f"functions: {n} in the package modules",
        f"clones left: {total.clones} of {n} functions ({len(total.clone_groups)} groups"
        + (f", the largest {len(largest)} alike: {largest[0]} ...)" if largest else ")"),
        f"numbered names: {total.numbered} of {n} functions ({percent(total.numbered, n)})",
        f"one-call wrappers: {total.wrappers} of {n} functions ({percent(total.wrappers, n)})",
        f"functions over 6 parameters: {total.many_parameters} of {n}",
        f"plots that draw nothing: {total.plots_not_drawing} of {total.plot_functions} plot functions",
        f"functions drawing outside the plot modules: {total.drawing_elsewhere}",
        f"plot functions returning an artist: {total.artist_returns} of {total.plot_functions}",
        f"settings hidden in functions: {total.hidden_settings}",
        f"functions returning a preview (head, describe, value_counts ...): {total.previews} of {n}",
        f"summary code lines: {total.summary_lines} of the originals' {total.original_lines} "
        f"({percent(total.summary_lines, total.original_lines)}); median per notebook "
        f"{share_text(extra['median_summary_ratio'])}, {share_text(extra['median_summary_ratio_large'])} "
        f"over the {extra['large_notebooks']} notebooks of {LARGE} code lines or more; "
        f"{extra['summaries_longer']} summaries longer than their notebooks",
    ]


def report(results: list[Result], as_json: bool) -> str:
    total, extra = totals(results)
    if as_json:
        notebooks = [
            {"name": r.name, "refused": r.refused, "failed": r.failed, **(asdict(r.figures) if r.figures else {})}
            for r in results
        ]
        return json.dumps({"notebooks": notebooks, "totals": {**asdict(total), **extra}}, indent=1)
    lines = [HEADER, *map(notebook_line, results), "", "totals:"]
    lines += [f"  {sentence}" for sentence in sentences(total, extra)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="these notebooks instead of the corpus")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted(args.corpus.glob("*.ipynb"))
    with tempfile.TemporaryDirectory() as scratch:
        results = [measure_notebook(path, Path(scratch)) for path in paths]
    print(report(results, args.json))


if __name__ == "__main__":
    main(sys.argv[1:])
