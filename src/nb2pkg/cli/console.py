"""What the commands print: conversions, previews and their diffs, verifications, the
dataflow table, and the spinner while verify runs. The diff's colors are output's
(`nb2pkg.output.color`), shared with batch."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


def echo(message: str = "", err: bool = False, nl: bool = True) -> None:
    """`message` on stdout (or stderr), flushed, as typer.echo prints the commands' plain
    text, without importing typer (the default command runs without it): nothing when
    there is no such stream, and a character the stream cannot encode replaced, not a
    traceback."""
    stream = sys.stderr if err else sys.stdout
    if stream is None:
        return
    text = message + "\n" if nl else message
    try:
        stream.write(text)
    except UnicodeEncodeError:
        encoding = stream.encoding or "utf-8"
        stream.write(text.encode(encoding, "replace").decode(encoding))
    stream.flush()


def use_color(no_color: bool) -> bool:
    """Color a diff only on a terminal, and never with `--no-color` or `NO_COLOR`."""
    return not no_color and "NO_COLOR" not in os.environ and sys.stdout.isatty()


def count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


@contextmanager
def progress(silent: bool) -> Iterator[Callable[[str], None]]:
    """A spinner on a terminal, a line per stage otherwise, nothing when silent."""
    if silent:
        yield lambda message: None
        return
    from rich.console import Console

    console = Console(stderr=True)
    if not console.is_terminal:
        yield lambda message: echo(message, err=True)
        return
    with console.status("starting") as status:
        yield lambda message: status.update(message)


def print_conversion(result: Any) -> None:
    conversion, report, out = result.conversion, result.report, result.out
    echo(f"{out}/  ({len(report.created)} created, {len(report.changed)} changed, {len(report.unchanged)} unchanged)")
    for module, members in sorted(conversion.modules.items()):
        echo(f"  src/{conversion.package}/{module}.py: {', '.join(members)}")
    for name, origin in conversion.local_modules:  # modules beside the notebook, as they were
        echo(f"  src/{name}{'.py' if origin.endswith('.py') else '/'}: copied from {origin}")
    summary = next(name for name in conversion.files if name.startswith("notebooks/"))
    echo(f"  {summary}: the summary notebook")
    for warning in conversion.warnings:
        echo(f"warning: {warning.text()}", err=True)
    if conversion.unknown_dependencies:
        echo(
            "warning: no distribution known for import(s) "
            f"{', '.join(conversion.unknown_dependencies)}; add them to pyproject.toml",
            err=True,
        )


def print_preview(result: Any, show_diff: bool, color: bool, quiet: bool) -> None:
    """`--dry-run`'s diff (with `show_diff`) or `--check`'s list of files, then the count."""
    from nb2pkg.output import colored, project_diff

    report = result.report
    if show_diff:
        for line in project_diff(result.out, result.conversion.files, report).splitlines(keepends=True):
            echo(colored(line) if color else line, nl=False)
    if quiet:
        return
    changes = [*report.created, *report.changed, *report.removed]
    if not show_diff and changes:  # --check: say which files
        for name in changes:
            echo(
                f"{result.out}/{name}: would be "
                f"{'created' if name in report.created else 'removed' if name in report.removed else 'changed'}"
            )
    echo(preview_line(report))


def preview_line(report: Any) -> str:
    verb = "would" if report.created or report.changed or report.removed else "nothing would change:"
    return (
        f"{verb} create {count(len(report.created), 'file')}, change {len(report.changed)}, "
        f"remove {len(report.removed)}, leave {len(report.unchanged)} unchanged"
    )


def print_verification(result: Any) -> None:
    """Each differing cell with its diff; cells that fail because an earlier one failed,
    in one line under that failure; then the closing line."""
    consequences: dict[int, list] = {}
    for cell in result.cells:
        if cell.status != "differs":
            continue
        if cell.after:
            consequences.setdefault(cell.after, []).append(cell)
            continue
        failing = f": it fails with {cell.error}" if cell.error else ""
        echo(f"{_where(cell)}: outputs differ{failing}")
        echo("\n".join("    " + line for line in cell.diff.splitlines()))
    for root, cells in consequences.items():
        numbers = ", ".join(str(c.summary_cell) for c in cells)
        originals = ", ".join(str(n) for c in cells for n in c.original_cells)
        plural = "s" if len(cells) > 1 else ""
        echo(
            f"summary cell{plural} {numbers} (original cell{plural} {originals}): "
            f"outputs differ after summary cell {root} failed ({cells[0].cause})"
        )
    if result.skips_line():
        echo(result.skips_line())
    echo(f"{result.closing_line()} ({result.seconds:.0f} s)")


def _where(cell: Any) -> str:
    originals = ", ".join(str(n) for n in cell.original_cells)
    plural = "s" if len(cell.original_cells) > 1 else ""
    if not cell.summary_cell:
        return f"original cell{plural} {originals} (moved into the package)"
    return f"summary cell {cell.summary_cell} ({f'original cell{plural} {originals}' if originals else 'setup'})"


def print_table(flow: Any) -> None:
    """`inspect`'s table of the dataflow, its warnings, and the count of cells."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from nb2pkg import inspection as report

    table = Table(title=str(flow.notebook.path), expand=False)
    for header, style in (
        ("#", "bold"),
        ("kind", "dim"),
        ("defines", "green"),
        ("uses", "cyan"),
        ("mutates", "magenta"),
        ("warnings", "yellow"),
    ):
        table.add_column(header, style=style, overflow="fold")
    for row in report.table_rows(flow):
        table.add_row(*(Text(value) for value in row))  # the notebook's text, never markup
    console = Console()
    console.print(table)
    for where, message in report.warning_lines(flow):
        console.print(Text.assemble((f"{where}:", "yellow"), " ", message), highlight=False)
    code = sum(1 for f in flow.facts if f is not None)
    console.print(
        f"{count(len(flow.notebook.cells), 'cell')} ({code} code), {count(len(flow.warnings), 'warning')}",
        highlight=False,
    )
