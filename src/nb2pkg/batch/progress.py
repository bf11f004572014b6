"""What `nb2pkg batch` shows: progress while it runs, a summary at the end, and the
report file (JSON, or Markdown for a `.md` name)."""

from __future__ import annotations

import json
import sys
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from nb2pkg import __version__
from nb2pkg.batch.outcomes import Outcome, Status, Verified, totals
from nb2pkg.output import colored

_SHOWN_PER_REASON = 10


def _echo(text: str, err: bool = False, nl: bool = True) -> None:
    import typer  # the parent's alone: batch's worker processes import this package, not typer

    typer.echo(text, err=err, nl=nl)


class BatchPrinter:
    """A progress bar on a terminal, one line per notebook otherwise (stderr), nothing
    when quiet; with `diffs`, each notebook's diff on stdout, in list order; a summary."""

    def __init__(self, total: int, quiet: bool, color: bool, diffs: bool, preview: bool) -> None:
        self.total = total
        self.preview = preview  # --dry-run or --check: nothing is written
        self.quiet = quiet
        self.color = color
        self.diffs = diffs
        self.outcomes: dict[int, Outcome] = {}
        self.counts: Counter[Status] = Counter()
        self._diffs: dict[int, str] = {}  # those not printed yet: printed in list order
        self._next_diff = 0
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> BatchPrinter:
        if not self.quiet and sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self._bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self._bar.start()
            self._task = self._bar.add_task(self._counts(), total=self.total)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()

    def record(self, index: int, outcome: Outcome) -> None:
        self.outcomes[index] = outcome.without_diff()
        self.counts[outcome.status] += 1
        if self.diffs:
            self._diffs[index] = outcome.diff
            self._print_diffs()
        if self._bar is not None:
            self._bar.update(self._task, advance=1, description=self._counts())
            if outcome.status is Status.FAILED:
                self._bar.console.print(_line(outcome), highlight=False, markup=False)
        elif not self.quiet:
            _echo(f"[{len(self.outcomes):>{len(str(self.total))}}/{self.total}] {_line(outcome)}", err=True)

    def finished(self) -> list[Outcome]:
        return [self.outcomes[index] for index in sorted(self.outcomes)]

    def summary(
        self, outcomes: Sequence[Outcome], seconds: float, workers: int, every_count: int, report: Path | None
    ) -> None:
        found = totals(outcomes, seconds)
        scope = f" (this shard; {every_count} in all)" if every_count != len(outcomes) else ""
        _echo(f"{_plural(len(outcomes), 'notebook')}{scope} in {seconds:.1f} s with {_plural(workers, 'worker')}")
        reasons = found["failed_by_reason"]
        main = Status.WOULD_CHANGE if self.preview else Status.CONVERTED
        for status in Status:
            if found[status.value] or status in (main, Status.FAILED):
                detail = (
                    ", ".join(f"{reason}: {count}" for reason, count in reasons.items())
                    if status is Status.FAILED
                    else ""
                )
                _echo(f"  {status.value:<13}{found[status.value]:>6}  {detail}".rstrip())
        if found["unparsed_cells"]:
            notebooks = sum(1 for outcome in outcomes if outcome.outline is not None and outcome.outline.unparsed_cells)
            _echo(
                f"  kept as they are: {_plural(found['unparsed_cells'], 'cell')} that do not parse "
                f"({found['python2_cells']} Python 2) in {_plural(notebooks, 'notebook')}"
            )
        if found["upgraded_from_nbformat_2_or_3"]:
            _echo(f"  upgraded from nbformat 2 or 3: {_plural(found['upgraded_from_nbformat_2_or_3'], 'notebook')}")
        if found["verify"]:
            _echo("  verify: " + ", ".join(f"{count} {status}" for status, count in found["verify"].items()))
        by_reason: dict[str, list[Outcome]] = defaultdict(list)
        for outcome in outcomes:
            if outcome.status is Status.FAILED:
                by_reason[str(outcome.reason)].append(outcome)
        for reason, failures in sorted(by_reason.items()):
            _echo(f"failed, {reason}:")
            for outcome in failures[:_SHOWN_PER_REASON]:
                _echo(f"  {outcome.message}")
            if len(failures) > _SHOWN_PER_REASON:
                more = len(failures) - _SHOWN_PER_REASON
                _echo(f"  ... and {more} more{' (see ' + str(report) + ')' if report else ''}")
        if report:
            _echo(f"report: {report}")

    def _print_diffs(self) -> None:
        while self._next_diff in self._diffs:
            for line in self._diffs.pop(self._next_diff).splitlines(keepends=True):
                _echo(colored(line) if self.color else line, nl=False)
            self._next_diff += 1

    def _counts(self) -> str:
        parts = [
            f"{self.counts[status]} {status.value}"
            for status in Status
            if status is not Status.FAILED and self.counts[status]
        ]
        return ", ".join([*parts, f"{self.counts[Status.FAILED]} failed"])


def write_report(
    path: Path,
    outcomes: Sequence[Outcome],
    seconds: float,
    workers: int,
    shard: str | None,
    complete: bool = True,
    run: tuple[str, int] | None = None,
) -> None:
    """The report of a run (or of its `shard`): JSON, or Markdown for a .md `path`. `run`
    is the run's id and its whole list's length, which `batch report merge` checks."""
    data: dict[str, Any] = {"nb2pkg": __version__, "shard": shard, "complete": complete, "workers": workers}
    if run is not None:
        data["run"], data["run_notebooks"] = run
    data["notebooks"] = [outcome.as_json() for outcome in outcomes]
    data["totals"] = totals(outcomes, seconds)
    write_report_data(path, data, outcomes)


def write_report_data(
    path: Path, data: dict[str, Any], outcomes: Sequence[Outcome], markdown: bool | None = None
) -> None:
    """`data` as JSON, or as Markdown (`markdown`; by default for a .md `path`)."""
    if markdown is None:
        markdown = path.suffix.lower() == ".md"
    text = _markdown(data, outcomes) if markdown else json.dumps(data, indent=2) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _line(outcome: Outcome) -> str:
    status = outcome.status
    if status is Status.FAILED:
        return f"failed ({outcome.reason}): {outcome.message}"
    detail = [f"{_plural(outcome.steps, 'step')}"] if status is not Status.UNCHANGED else []
    if outcome.seconds:
        detail.append(f"{outcome.seconds:.1f} s")
    if outcome.verify is not None:
        detail.append(_verify_text(outcome.verify))
    return f"{status.value.replace('-', ' ')}: {outcome.path}" + (f" ({', '.join(detail)})" if detail else "")


def _verify_text(verify: Verified) -> str:
    if verify.status == "cannot verify":
        return f"cannot verify: {verify.message}"
    return f"verify: {verify.matched}/{verify.total} outputs match"


def _markdown(data: dict[str, Any], outcomes: Sequence[Outcome]) -> str:
    found = data["totals"]
    lines = ["# nb2pkg batch report", ""]
    if not data["complete"]:
        lines += ["**Interrupted: this report lists only the notebooks that finished.**", ""]
    merged = data.get("merged")
    scope = f", shard {data['shard']}" if data["shard"] else f", shards {', '.join(merged)} merged" if merged else ""
    lines += [
        f"{_plural(found['notebooks'], 'notebook')} in {found['seconds']} s with "
        f"{_plural(data['workers'], 'worker')} (nb2pkg {data['nb2pkg']}{scope}).",
        "",
        "| status | notebooks |",
        "|---|---:|",
    ]
    lines += [f"| {status.value} | {found[status.value]} |" for status in Status]
    if found["failed_by_reason"]:
        lines += ["", "## Failed, by reason", "", "| reason | notebooks |", "|---|---:|"]
        lines += [f"| {reason} | {count} |" for reason, count in found["failed_by_reason"].items()]
    lines += [
        "",
        f"Cells kept as they are because they do not parse: {found['unparsed_cells']} "
        f"({found['python2_cells']} Python 2). Kept cells in all: {found['kept_cells']}. "
        f"Steps: {found['steps']}. Warnings: {found['warnings']}.",
        "",
        "## Notebooks",
        "",
        "| notebook | status | steps | modules | kept cells | Python 2 cells | seconds | verify | note |",
        "|---|---|---:|---|---:|---:|---:|---|---|",
    ]
    for outcome in outcomes:
        lines.append("| " + " | ".join(_cell(value) for value in _markdown_row(outcome)) + " |")
    return "\n".join(lines) + "\n"


def _markdown_row(outcome: Outcome) -> list[object]:
    outline = outcome.outline
    verify = _verify_text(outcome.verify) if outcome.verify is not None else ""
    return [
        outcome.path,
        outcome.status.value,
        outcome.steps,
        ", ".join(outline.modules if outline else ()),
        outline.kept_cells if outline else 0,
        outline.python2_cells if outline else 0,
        "" if outcome.seconds is None else outcome.seconds,
        verify,
        outcome.message or "",
    ]


def _cell(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _plural(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")
