"""What `nb2pkg batch` shows: progress while it runs, a summary at the end, and the
report file (JSON, or Markdown for a `.md` name)."""

from __future__ import annotations

import json
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Sequence

import typer

from nb2pkg import __version__
from nb2pkg.batch.run import Record, totals
from nb2pkg.output.color import colored

_SHOWN_PER_REASON = 10


class BatchPrinter:
    """A progress bar on a terminal, one line per notebook otherwise (stderr), nothing
    when quiet; with `diffs`, each notebook's diff on stdout, in list order; a summary."""

    def __init__(self, total: int, quiet: bool, color: bool, diffs: bool, preview: bool) -> None:
        self.total = total
        self.preview = preview  # --dry-run or --check: nothing is written
        self.quiet = quiet
        self.color = color
        self.diffs = diffs
        self.records: dict[int, Record] = {}
        self.counts: Counter[str] = Counter()
        self._next_diff = 0
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> "BatchPrinter":
        if not self.quiet and sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self._bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), console=Console(stderr=True), transient=True)
            self._bar.start()
            self._task = self._bar.add_task(self._counts(), total=self.total)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()

    def record(self, index: int, record: Record) -> None:
        self.records[index] = record
        self.counts[record["status"]] += 1
        if self.diffs:
            self._print_diffs()
        if self._bar is not None:
            self._bar.update(self._task, advance=1, description=self._counts())
            if record["status"] == "failed":
                self._bar.console.print(_line(record), highlight=False, markup=False)
        elif not self.quiet:
            typer.echo(f"[{len(self.records):>{len(str(self.total))}}/{self.total}] {_line(record)}", err=True)

    def finished(self) -> list[Record]:
        return [self.records[index] for index in sorted(self.records)]

    def summary(self, records: Sequence[Record], seconds: float, workers: int, every_count: int,
                report: Path | None) -> None:
        found = totals(records, seconds)
        scope = f" (this shard; {every_count} in all)" if every_count != len(records) else ""
        typer.echo(f"{_plural(len(records), 'notebook')}{scope} in {seconds:.1f} s with {_plural(workers, 'worker')}")
        reasons = found["failed_by_reason"]
        main = "would-change" if self.preview else "converted"
        for status in ("converted", "unchanged", "would-change", "failed"):
            if found[status] or status in (main, "failed"):
                detail = ", ".join(f"{reason}: {count}" for reason, count in reasons.items()) if status == "failed" else ""
                typer.echo(f"  {status:<13}{found[status]:>6}  {detail}".rstrip())
        if found["unparsed_cells"]:
            notebooks = sum(1 for record in records if record.get("unparsed_cells"))
            typer.echo(f"  kept as they are: {_plural(found['unparsed_cells'], 'cell')} that do not parse "
                       f"({found['python2_cells']} Python 2) in {_plural(notebooks, 'notebook')}")
        if found["upgraded_from_nbformat_2_or_3"]:
            typer.echo(f"  upgraded from nbformat 2 or 3: {_plural(found['upgraded_from_nbformat_2_or_3'], 'notebook')}")
        if found["verify"]:
            typer.echo("  verify: " + ", ".join(f"{count} {status}" for status, count in found["verify"].items()))
        by_reason: dict[str, list[Record]] = defaultdict(list)
        for record in records:
            if record["status"] == "failed":
                by_reason[record["reason"]].append(record)
        for reason, failures in sorted(by_reason.items()):
            typer.echo(f"failed, {reason}:")
            for record in failures[:_SHOWN_PER_REASON]:
                typer.echo(f"  {record['message']}")
            if len(failures) > _SHOWN_PER_REASON:
                more = len(failures) - _SHOWN_PER_REASON
                typer.echo(f"  ... and {more} more{' (see ' + str(report) + ')' if report else ''}")
        if report:
            typer.echo(f"report: {report}")

    def _print_diffs(self) -> None:
        while self._next_diff in self.records:
            diff = self.records[self._next_diff].pop("diff", "")
            for line in diff.splitlines(keepends=True):
                typer.echo(colored(line) if self.color else line, nl=False)
            self._next_diff += 1

    def _counts(self) -> str:
        parts = [f"{self.counts[status]} {status}" for status in ("converted", "unchanged", "would-change")
                 if self.counts[status]]
        return ", ".join([*parts, f"{self.counts['failed']} failed"])


def write_report(path: Path, records: Sequence[Record], seconds: float, workers: int, shard: str | None,
                 complete: bool = True) -> None:
    rows = [{key: value for key, value in record.items() if key != "diff"} for record in records]
    data = {"nb2pkg": __version__, "shard": shard, "complete": complete, "workers": workers,
            "notebooks": rows, "totals": totals(rows, seconds)}
    text = _markdown(data) if path.suffix.lower() == ".md" else json.dumps(data, indent=2) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _line(record: Record) -> str:
    status = record["status"]
    if status == "failed":
        return f"failed ({record['reason']}): {record['message']}"
    detail = [f"{_plural(record.get('steps', 0), 'step')}"] if status != "unchanged" else []
    if record.get("seconds"):
        detail.append(f"{record['seconds']:.1f} s")
    verify = record.get("verify")
    if verify:
        detail.append(_verify_text(verify))
    return f"{status.replace('-', ' ')}: {record['path']}" + (f" ({', '.join(detail)})" if detail else "")


def _verify_text(verify: dict[str, Any]) -> str:
    if verify["status"] == "cannot verify":
        return f"cannot verify: {verify['message']}"
    return f"verify: {verify['matched']}/{verify['total']} outputs match"


def _markdown(data: dict[str, Any]) -> str:
    found = data["totals"]
    lines = ["# nb2pkg batch report", ""]
    if not data["complete"]:
        lines += ["**Interrupted: this report lists only the notebooks that finished.**", ""]
    scope = f", shard {data['shard']}" if data["shard"] else ""
    lines += [f"{_plural(found['notebooks'], 'notebook')} in {found['seconds']} s with "
              f"{_plural(data['workers'], 'worker')} (nb2pkg {data['nb2pkg']}{scope}).", "",
              "| status | notebooks |", "|---|---:|"]
    lines += [f"| {status} | {found[status]} |" for status in ("converted", "unchanged", "would-change", "failed")]
    if found["failed_by_reason"]:
        lines += ["", "## Failed, by reason", "", "| reason | notebooks |", "|---|---:|"]
        lines += [f"| {reason} | {count} |" for reason, count in found["failed_by_reason"].items()]
    lines += ["", f"Cells kept as they are because they do not parse: {found['unparsed_cells']} "
                  f"({found['python2_cells']} Python 2). Kept cells in all: {found['kept_cells']}. "
                  f"Steps: {found['steps']}. Warnings: {found['warnings']}.", "",
              "## Notebooks", "",
              "| notebook | status | steps | modules | kept cells | Python 2 cells | seconds | verify | note |",
              "|---|---|---:|---|---:|---:|---:|---|---|"]
    for row in data["notebooks"]:
        verify = _verify_text(row["verify"]) if row.get("verify") else ""
        note = row.get("message") or ""
        cells = [row["path"], row["status"], row.get("steps", 0), ", ".join(row.get("modules", [])),
                 row.get("kept_cells", 0), row.get("python2_cells", 0), "" if row.get("seconds") is None else row["seconds"], verify, note]
        lines.append("| " + " | ".join(_cell(value) for value in cells) + " |")
    return "\n".join(lines) + "\n"


def _cell(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _plural(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")
