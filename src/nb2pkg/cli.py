"""The `nb2pkg` command. Thin: parses options, calls `api`, prints, sets the exit code.

Heavy modules (LibCST, nbformat, IPython, rich) are imported inside the commands, so
`nb2pkg --version` and `--help` stay fast.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, Optional

import click
import typer
from typer.core import TyperGroup
from typing_extensions import Annotated

from nb2pkg import __version__

EXIT_INPUT_ERROR = 2
EXIT_INTERNAL_ERROR = 3

class _DefaultToConvert(TyperGroup):
    """`nb2pkg NOTEBOOK ...` means `nb2pkg convert NOTEBOOK ...`."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--version", "--help", "-h"):
            args = ["convert", *args]
        return super().parse_args(ctx, args)


app = typer.Typer(
    name="nb2pkg",
    cls=_DefaultToConvert,
    help="Turn an exploratory Jupyter notebook into a Python package and a slim summary notebook.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,  # plain help: rich's import alone would double its time
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"nb2pkg {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        Optional[bool],
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit."),
    ] = None,
) -> None:
    """Turn an exploratory Jupyter notebook into a Python package and a slim summary notebook."""


@app.command()
def convert(
    notebook: Annotated[Path, typer.Argument(help="The notebook (.ipynb) to convert.", show_default=False)],
    out: Annotated[
        Optional[Path], typer.Option("--out", "-o", help="Folder of the project to write. [default: ./NAME]")
    ] = None,
    name: Annotated[
        Optional[str], typer.Option("--name", help="Import name of the package. [default: from the file name]")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Write into a folder nb2pkg did not make, and overwrite your edits.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only errors.")] = False,
    check_outputs: Annotated[
        bool, typer.Option("--verify", help="Then run both notebooks and compare them (runs their code).")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Write nothing; print a diff of what would change.")
    ] = False,
    check: Annotated[
        bool, typer.Option("--check", help="Write nothing; exit 1 if the project is not in sync.")
    ] = False,
    no_color: Annotated[bool, typer.Option("--no-color", help="No colors in the diff.")] = False,
) -> None:
    """Convert NOTEBOOK into a package and a summary notebook (the default command)."""
    if name is not None and not name.isidentifier():
        _fail(f"--name {name!r} is not a valid Python identifier; use letters, digits and underscores")
    if (dry_run or check) and _in_sync(notebook, out, name, quiet):
        return
    from nb2pkg import api

    if dry_run or check:
        result = _run(notebook, lambda: api.convert(notebook, out=out, name=name, force=force, write=False))
        _preview(result, show_diff=dry_run, color=_color(no_color), quiet=quiet)
        changes = result.report.created + result.report.changed + result.report.removed
        if check and changes:
            raise typer.Exit(1)
        return
    result = _run(notebook, lambda: api.convert(notebook, out=out, name=name, force=force))
    if not quiet:
        _print_conversion(result)
    if check_outputs:
        _verify(notebook, result.out, "python3", 600, as_json=False, quiet=quiet)


@app.command()
def verify(
    notebook: Annotated[Path, typer.Argument(help="The original notebook.", show_default=False)],
    project: Annotated[Path, typer.Argument(help="The project nb2pkg converted it into.", show_default=False)],
    kernel: Annotated[str, typer.Option("--kernel", help="Jupyter kernel to run both notebooks in.")] = "python3",
    timeout: Annotated[int, typer.Option("--timeout", help="Seconds a cell may run.", min=1)] = 600,
    as_json: Annotated[bool, typer.Option("--json", help="Print the comparison as JSON.")] = False,
) -> None:
    """Run the original notebook and the project's summary notebook and compare what they
    print and show. This RUNS THE NOTEBOOKS' CODE, as running the notebooks does.

    Exit 0: they match; 1: outputs differ; 2: verification cannot be done."""
    _verify(notebook, project, kernel, timeout, as_json=as_json, quiet=False)


def _verify(notebook: Path, project: Path, kernel: str, timeout: int, as_json: bool, quiet: bool) -> None:
    from nb2pkg.verify import verify as run_verification

    with _progress(quiet or as_json) as progress:
        result = _run(notebook, lambda: run_verification(notebook, project, kernel, timeout, progress))
    if as_json:
        typer.echo(json.dumps(result.as_json(), indent=2))
    else:
        for cell in result.cells:
            if cell.status != "differs":
                continue
            originals = ", ".join(str(n) for n in cell.original_cells)
            where = f"summary cell {cell.summary_cell}" if cell.summary_cell else "no summary cell"
            typer.echo(f"{where} (original cell{'s' if len(cell.original_cells) > 1 else ''} {originals}): "
                       "outputs differ")
            typer.echo("\n".join("    " + line for line in cell.diff.splitlines()))
        typer.echo(f"{result.closing_line()} ({result.seconds:.0f} s)")
    if not result.ok:
        raise typer.Exit(1)


@contextmanager
def _progress(silent: bool) -> Iterator[Callable[[str], None]]:
    """A spinner on a terminal, a line per stage otherwise, nothing when silent."""
    if silent:
        yield lambda message: None
        return
    from rich.console import Console

    console = Console(stderr=True)
    if not console.is_terminal:
        yield lambda message: typer.echo(message, err=True)
        return
    with console.status("starting") as status:
        yield lambda message: status.update(message)


def _preview(result, show_diff: bool, color: bool, quiet: bool) -> None:  # type: ignore[no-untyped-def]
    from nb2pkg.output import project_diff

    report = result.report
    if show_diff:
        for line in project_diff(result.out, result.conversion.files, report).splitlines(keepends=True):
            typer.echo(_colored(line) if color else line, nl=False)
    if quiet:
        return
    changes = [*report.created, *report.changed, *report.removed]
    if not show_diff and changes:  # --check: say which files
        for name in changes:
            typer.echo(f"{result.out}/{name}: would be "
                       f"{'created' if name in report.created else 'removed' if name in report.removed else 'changed'}")
    typer.echo(_preview_line(report))


def _preview_line(report) -> str:  # type: ignore[no-untyped-def]
    verb = "would" if report.created or report.changed or report.removed else "nothing would change:"
    return (f"{verb} create {_count(len(report.created), 'file')}, change {len(report.changed)}, "
            f"remove {len(report.removed)}, leave {len(report.unchanged)} unchanged")


def _in_sync(notebook: Path, out: Optional[Path], name: Optional[str], quiet: bool) -> bool:
    """Whether the project records this very notebook, nb2pkg version and files (then a
    preview has nothing to show, and says so without loading the converter: what makes
    `--check` in a pre-commit hook instant)."""
    from nb2pkg.naming import package_name
    from nb2pkg.output import WriteReport, recorded_files

    package = name or package_name(notebook.stem)
    files = recorded_files(out if out is not None else Path(package), notebook, package)
    if files is None:
        return False
    if not quiet:
        typer.echo(_preview_line(WriteReport(created=(), changed=(), unchanged=tuple(files), removed=())))
    return True


def _color(no_color: bool) -> bool:
    import os
    import sys

    return not no_color and "NO_COLOR" not in os.environ and sys.stdout.isatty()


def _colored(line: str) -> str:
    if line.startswith(("+++", "---", "diff --git")):
        return typer.style(line, bold=True)
    if line.startswith("+"):
        return typer.style(line, fg="green")
    if line.startswith("-"):
        return typer.style(line, fg="red")
    if line.startswith("@@"):
        return typer.style(line, fg="cyan")
    return line


def _print_conversion(result) -> None:  # type: ignore[no-untyped-def]
    conversion, report, out = result.conversion, result.report, result.out
    typer.echo(f"{out}/  ({len(report.created)} created, {len(report.changed)} changed, "
               f"{len(report.unchanged)} unchanged)")
    for module, members in sorted(conversion.modules.items()):
        typer.echo(f"  src/{conversion.package}/{module}.py: {', '.join(members)}")
    summary = next(name for name in conversion.files if name.startswith("notebooks/"))
    typer.echo(f"  {summary}: the summary notebook")
    for cell, message in conversion.warnings:
        where = f"cell {cell}: " if cell is not None else ""
        typer.echo(f"warning: {where}{message}", err=True)
    if conversion.unknown_dependencies:
        typer.echo("warning: no distribution known for import(s) "
                   f"{', '.join(conversion.unknown_dependencies)}; add them to pyproject.toml", err=True)


@app.command()
def batch(
    paths: Annotated[list[Path], typer.Argument(help="Notebooks, or folders searched for *.ipynb.", show_default=False)],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write one project per notebook into.")],
    jobs: Annotated[
        Optional[int], typer.Option("--jobs", "-j", min=1, help="Worker processes. [default: the number of CPUs]")
    ] = None,
    report: Annotated[
        Optional[Path], typer.Option("--report", help="Write a report: JSON, or Markdown for a .md name.")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Write no project; print diffs of what would change.")] = False,
    check: Annotated[bool, typer.Option("--check", help="Write no project; exit 1 if any is not in sync.")] = False,
    check_outputs: Annotated[
        bool, typer.Option("--verify", help="Then run each original and summary notebook and compare them.")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Write into folders nb2pkg did not make, and overwrite your edits.")
    ] = False,
    timeout: Annotated[
        float, typer.Option("--timeout", min=1, help="Seconds a notebook may take before it is stopped.")
    ] = 600,
    shard_spec: Annotated[
        Optional[str], typer.Option("--shard", metavar="I/N", help="Only the I-th of N slices of the notebooks.")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing; see the exit code and report.")] = False,
    no_color: Annotated[bool, typer.Option("--no-color", help="No colors in diffs.")] = False,
) -> None:
    """Convert every notebook under PATHS, each into its own project in OUT.

    A notebook that fails, crashes its worker or runs past --timeout is recorded and the
    others go on; notebooks whose project is in sync are reported unchanged. Exit 0 when
    every notebook converted (or is unchanged), 1 when any failed."""
    import os
    import time

    from nb2pkg import batch as batching
    from nb2pkg.batch_output import BatchPrinter, write_report

    if check_outputs and (dry_run or check):
        _fail("--verify runs the converted projects, which --dry-run and --check do not write; drop one")
    selected = _shard(shard_spec)
    mode = "dry-run" if dry_run else "check" if check else "write"
    options = batching.Options(out, mode, force, check_outputs, timeout)
    every = _run(Path(paths[0]), lambda: batching.find_jobs(paths, options))
    chosen = batching.shard(every, *selected) if selected else every
    workers = jobs or os.cpu_count() or 1
    printer = BatchPrinter(len(chosen), quiet=quiet, color=_color(no_color), diffs=dry_run, preview=mode != "write")
    start = time.perf_counter()
    records: list = []
    try:
        with printer:
            records = batching.run(chosen, workers, printer.record)
    except KeyboardInterrupt:
        records = printer.finished()
        if report:
            write_report(report, records, time.perf_counter() - start, workers, shard_spec, complete=False)
        typer.echo(f"interrupted: {len(records)} of {len(chosen)} notebooks done", err=True)
        raise typer.Exit(130) from None
    seconds = time.perf_counter() - start
    if report:
        write_report(report, records, seconds, workers, shard_spec)
    if not quiet:
        printer.summary(records, seconds, min(workers, len(chosen)), every_count=len(every), report=report)
    if batching.failed(records, check=check):
        raise typer.Exit(1)


def _shard(spec: Optional[str]) -> tuple[int, int] | None:
    if spec is None:
        return None
    parts = spec.split("/")
    if len(parts) == 2 and all(part.isdigit() for part in parts) and 1 <= int(parts[0]) <= int(parts[1]):
        return int(parts[0]), int(parts[1])
    _fail(f"--shard {spec!r}: expected I/N with 1 <= I <= N, such as 1/4")
    return None


@app.command()
def inspect(
    notebook: Annotated[Path, typer.Argument(help="The notebook (.ipynb) to analyse.", show_default=False)],
    as_json: Annotated[bool, typer.Option("--json", help="Print the analysis as JSON.")] = False,
    graph: Annotated[bool, typer.Option("--graph", help="Print a Mermaid flowchart of the dataflow.")] = False,
) -> None:
    """Show what each cell defines, uses and changes in place (the dataflow nb2pkg converts by)."""
    if as_json and graph:
        _fail("--json and --graph each print the whole report; choose one")
    from nb2pkg import api, report

    flow = _run(notebook, lambda: api.inspect(notebook))
    if as_json:
        typer.echo(json.dumps(report.to_json(flow), indent=2))
    elif graph:
        typer.echo(report.to_mermaid(flow), nl=False)
    else:
        _print_table(flow)


def _print_table(flow) -> None:  # type: ignore[no-untyped-def]
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from nb2pkg import report

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
        f"{_count(len(flow.notebook.cells), 'cell')} ({code} code), "
        f"{_count(len(flow.warnings), 'warning')}",
        highlight=False,
    )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def _run(path: Path, action):  # type: ignore[no-untyped-def]
    """Run one notebook operation; the user's mistakes become one line and exit 2."""
    from nb2pkg.errors import InputError
    from nb2pkg.output import EditedFiles

    try:
        return action()
    except EditedFiles as error:
        typer.echo(error.message, err=True)
        raise typer.Exit(1) from None
    except InputError as error:
        _fail(error.message)
    except KeyboardInterrupt:
        raise
    except Exception as error:  # nb2pkg's own bug: say so, and ask for a report
        typer.echo(
            f"{path}: nb2pkg failed ({type(error).__name__}: {error}); this is a bug in "
            "nb2pkg, please report it with the notebook attached",
            err=True,
        )
        raise typer.Exit(EXIT_INTERNAL_ERROR) from None


def _fail(message: str) -> None:
    typer.echo(message, err=True)
    raise typer.Exit(EXIT_INPUT_ERROR)


def main() -> None:
    """Console-script entry point."""
    app(prog_name="nb2pkg")


if __name__ == "__main__":
    main()
