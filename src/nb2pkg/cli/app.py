"""The `nb2pkg` command. Thin: parses options, calls `api`, prints, sets the exit code.

Heavy modules (LibCST, nbformat, IPython, rich) are imported inside the commands, so
`nb2pkg --version` and `--help` stay fast.
"""

from __future__ import annotations

import functools
import json
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, Optional

import typer
from typer.core import TyperGroup
from typing_extensions import Annotated

from nb2pkg import __version__
from nb2pkg.errors import EXIT_INPUT, EnvironmentFault, InternalError, Nb2pkgError, environment_fault, one_line
from nb2pkg.output.color import colored
from nb2pkg.options import CELL_TIMEOUT, KERNEL, NOTEBOOK_TIMEOUT

Command = Callable[..., None]


class _DefaultToConvert(TyperGroup):
    """`nb2pkg NOTEBOOK ...` means `nb2pkg convert NOTEBOOK ...`."""

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:
        _refuse_notebooks_named_as_options(ctx, args)
        if args and args[0] not in self.commands and args[0] not in ("--version", "--help", "-h"):
            args = ["convert", *args]
        return super().parse_args(ctx, args)


def _refuse_notebooks_named_as_options(ctx: typer.Context, args: list[str]) -> None:
    """`nb2pkg -rf.ipynb` would be read as options -r, -f, ...: say how to name it."""
    for arg in args:
        if arg == "--":
            return
        if arg.startswith("-") and arg.lower().endswith(".ipynb"):
            ctx.fail(f"{arg!r} starts with '-', so it reads as options; put '--' before "
                     f"notebook names that start with '-': nb2pkg [OPTIONS] -- {arg}")


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


def _reported(subject: Callable[[dict], object]) -> Callable[[Command], Command]:
    """A command whose every error ends in its one line and exit code (`_run`);
    `subject(arguments)` names the file a bug report is about."""

    def wrap(command: Command) -> Command:
        @functools.wraps(command)
        def reported(**arguments: object) -> None:
            _run(Path(str(subject(arguments))), lambda: command(**arguments))

        return reported

    return wrap


@app.command()
@_reported(lambda arguments: arguments["notebook"])
def convert(
    notebook: Annotated[Path, typer.Argument(help="The notebook (.ipynb) to convert.", show_default=False)],
    out: Annotated[
        Optional[Path], typer.Option("--out", "-o", help="Folder of the project to write. [default: ./NAME]")
    ] = None,
    name: Annotated[
        Optional[str], typer.Option("--name", help="Import name of the package. [default: from the file name]")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Write into a folder nb2pkg did not make (never over files "
                                           "it did not write), and overwrite your edits of its files.")
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
    timeout: Annotated[
        Optional[float], typer.Option("--timeout", min=0.001, help="Seconds the conversion may take (not --verify).")
    ] = None,
) -> None:
    """Convert NOTEBOOK into a package and a summary notebook (the default command)."""
    from nb2pkg.deadline import time_limit
    from nb2pkg.naming import package_name, package_problem

    problem = package_problem(name) if name is not None else None
    if problem:
        _fail(one_line(f"--name {name!r}: {problem}"))
    _check_out(out if out is not None else Path(name or package_name(notebook.stem)))
    if (dry_run or check) and _in_sync(notebook, out, name, quiet):
        return
    from nb2pkg import api

    if dry_run or check:
        with time_limit(timeout, notebook):
            result = api.convert(notebook, out=out, name=name, force=force, write=False)
        _preview(result, show_diff=dry_run, color=_color(no_color), quiet=quiet)
        changes = result.report.created + result.report.changed + result.report.removed
        if check and changes:
            raise typer.Exit(1)
        return
    with time_limit(timeout, notebook):
        result = api.convert(notebook, out=out, name=name, force=force)
    if not quiet:
        _print_conversion(result)
    if check_outputs:
        _verify(notebook, result.out, KERNEL, CELL_TIMEOUT, as_json=False, quiet=quiet)


@app.command()
@_reported(lambda arguments: arguments["notebook"])
def verify(
    notebook: Annotated[Path, typer.Argument(help="The original notebook.", show_default=False)],
    project: Annotated[Path, typer.Argument(help="The project nb2pkg converted it into.", show_default=False)],
    kernel: Annotated[str, typer.Option("--kernel", help="Jupyter kernel to run both notebooks in.")] = KERNEL,
    timeout: Annotated[int, typer.Option("--timeout", help="Seconds a cell may run.", min=1)] = CELL_TIMEOUT,
    as_json: Annotated[bool, typer.Option("--json", help="Print the comparison as JSON.")] = False,
) -> None:
    """Run the original notebook and the project's summary notebook and compare what they
    print and show. This RUNS THE NOTEBOOKS' CODE, as running the notebooks does.

    Exit 0: they match; 1: outputs differ; 2: verification cannot be done."""
    _verify(notebook, project, kernel, timeout, as_json=as_json, quiet=False)


def _verify(notebook: Path, project: Path, kernel: str, timeout: int, as_json: bool, quiet: bool) -> None:
    from nb2pkg.verify import kill_kernels
    from nb2pkg.verify import verify as run_verification

    try:
        with _progress(quiet or as_json) as progress:
            result = _run(notebook, lambda: run_verification(notebook, project, kernel, timeout, progress))
    except KeyboardInterrupt:
        kill_kernels()
        typer.echo(f"{notebook}: verify interrupted; its kernels are stopped", err=True)
        raise typer.Exit(130) from None
    if as_json:
        typer.echo(json.dumps(result.as_json(), indent=2))
    else:
        _print_verification(result)
    message = result.cannot_verify_message()
    if message:
        _fail(message)
    if not result.ok:
        raise typer.Exit(1)


def _print_verification(result) -> None:  # type: ignore[no-untyped-def]
    """Each differing cell with its diff; cells that fail because an earlier one failed,
    in one line under that failure; then the closing line."""
    def where(cell) -> str:  # type: ignore[no-untyped-def]
        originals = ", ".join(str(n) for n in cell.original_cells)
        plural = "s" if len(cell.original_cells) > 1 else ""
        if not cell.summary_cell:
            return f"original cell{plural} {originals} (moved into the package)"
        return f"summary cell {cell.summary_cell} ({f'original cell{plural} {originals}' if originals else 'setup'})"

    consequences: dict[int, list] = {}
    for cell in result.cells:
        if cell.status != "differs":
            continue
        if cell.after:
            consequences.setdefault(cell.after, []).append(cell)
            continue
        failing = f": it fails with {cell.error}" if cell.error else ""
        typer.echo(f"{where(cell)}: outputs differ{failing}")
        typer.echo("\n".join("    " + line for line in cell.diff.splitlines()))
    for root, cells in consequences.items():
        numbers = ", ".join(str(c.summary_cell) for c in cells)
        originals = ", ".join(str(n) for c in cells for n in c.original_cells)
        plural = "s" if len(cells) > 1 else ""
        typer.echo(f"summary cell{plural} {numbers} (original cell{plural} {originals}): "
                   f"outputs differ after summary cell {root} failed ({cells[0].cause})")
    typer.echo(f"{result.closing_line()} ({result.seconds:.0f} s)")


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
    from nb2pkg.output.write import project_diff

    report = result.report
    if show_diff:
        for line in project_diff(result.out, result.conversion.files, report).splitlines(keepends=True):
            typer.echo(colored(line) if color else line, nl=False)
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
    from nb2pkg.output.write import WriteReport, recorded_files

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


def _print_conversion(result) -> None:  # type: ignore[no-untyped-def]
    conversion, report, out = result.conversion, result.report, result.out
    typer.echo(f"{out}/  ({len(report.created)} created, {len(report.changed)} changed, "
               f"{len(report.unchanged)} unchanged)")
    for module, members in sorted(conversion.modules.items()):
        typer.echo(f"  src/{conversion.package}/{module}.py: {', '.join(members)}")
    for name, origin in conversion.local_modules:  # modules beside the notebook, as they were
        typer.echo(f"  src/{name}{'.py' if origin.endswith('.py') else '/'}: copied from {origin}")
    summary = next(name for name in conversion.files if name.startswith("notebooks/"))
    typer.echo(f"  {summary}: the summary notebook")
    for cell, message in conversion.warnings:
        where = f"cell {cell}: " if cell is not None else ""
        typer.echo(f"warning: {where}{message}", err=True)
    if conversion.unknown_dependencies:
        typer.echo("warning: no distribution known for import(s) "
                   f"{', '.join(conversion.unknown_dependencies)}; add them to pyproject.toml", err=True)


@app.command()
@_reported(lambda arguments: arguments["paths"][0])
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
    ] = NOTEBOOK_TIMEOUT,
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
    from nb2pkg.options import Mode, Options

    if check_outputs and (dry_run or check):
        _fail("--verify runs the converted projects, which --dry-run and --check do not write; drop one")
    selected = _shard(shard_spec)
    _check_out(out)
    if report is not None:
        _check_out(report, "--report")
    options = Options(out, Mode.of(dry_run, check), force, check_outputs, timeout)
    every = batching.find_jobs(paths, options)
    chosen = batching.shard(every, *selected) if selected else every
    workers = jobs or os.cpu_count() or 1
    printer = batching.BatchPrinter(len(chosen), quiet=quiet, color=_color(no_color), diffs=dry_run,
                                    preview=not options.mode.writes)
    start = time.perf_counter()
    outcomes: list = []
    try:
        with printer:
            outcomes = batching.run(chosen, workers, printer.record)
    except KeyboardInterrupt:
        outcomes = printer.finished()
        if report:
            batching.write_report(report, outcomes, time.perf_counter() - start, workers, shard_spec, complete=False)
        typer.echo(f"interrupted: {len(outcomes)} of {len(chosen)} notebooks done", err=True)
        raise typer.Exit(130) from None
    seconds = time.perf_counter() - start
    if report:
        batching.write_report(report, outcomes, seconds, workers, shard_spec)
    if not quiet:
        printer.summary(outcomes, seconds, min(workers, len(chosen)), every_count=len(every), report=report)
    if batching.failed(outcomes, check=check):  # --dry-run --check: diffs, and the exit code of --check
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
@_reported(lambda arguments: arguments["notebook"])
def inspect(
    notebook: Annotated[Path, typer.Argument(help="The notebook (.ipynb) to analyse.", show_default=False)],
    as_json: Annotated[bool, typer.Option("--json", help="Print the analysis as JSON.")] = False,
    graph: Annotated[bool, typer.Option("--graph", help="Print a Mermaid flowchart of the dataflow.")] = False,
    timeout: Annotated[
        Optional[float], typer.Option("--timeout", min=0.001, help="Seconds the analysis may take.")
    ] = None,
) -> None:
    """Show what each cell defines, uses and changes in place (the dataflow nb2pkg converts by)."""
    if as_json and graph:
        _fail("--json and --graph each print the whole report; choose one")
    from nb2pkg import api
    from nb2pkg import inspection as report
    from nb2pkg.deadline import time_limit

    with time_limit(timeout, notebook):
        flow = api.inspect(notebook)
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
        f"{_count(len(flow.notebook.cells), 'cell')} ({code} code), "
        f"{_count(len(flow.warnings), 'warning')}",
        highlight=False,
    )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def _run(path: Path, action):  # type: ignore[no-untyped-def]
    """Run `action`; the one place errors are caught, most specific first. Each error
    nb2pkg raises on purpose ends the command with its line and exit code; a fault of
    the file system is the user's to fix (exit 2); anything else is nb2pkg's bug (3)."""
    try:
        return action()
    except (typer.Exit, typer.Abort, typer.TyperException):
        raise  # the command's own ending (typer.Exit is a RuntimeError): not a bug
    except Nb2pkgError as error:
        _exit_with(error)
    except Exception as error:  # noqa: BLE001 - the user gets one line, never a traceback
        _exit_with(environment_fault(error, path) or InternalError.of(path, error))


def _exit_with(error: Nb2pkgError) -> None:
    typer.echo(error.message, err=True)
    raise typer.Exit(error.exit_code) from None


def _check_out(path: Path, option: str = "--out") -> None:
    """Refuse, before any work, a path nb2pkg could not write to: a link to nothing
    (dangling, or a loop), or a path below a file."""
    if path.is_symlink() and not path.exists():
        raise EnvironmentFault(path, "is a symbolic link to nothing (dangling, or a loop)",
                               f"remove the link or choose another {option}")
    for folder in (path, *path.parents):
        if folder.exists() or folder.is_symlink():
            if folder != path and not folder.is_dir():
                raise EnvironmentFault(path, f"{folder} is a file, not a folder", f"choose another {option}")
            return


def _fail(message: str) -> None:
    typer.echo(message, err=True)
    raise typer.Exit(EXIT_INPUT)


def main() -> None:
    """Console-script entry point."""
    app(prog_name="nb2pkg")


if __name__ == "__main__":
    main()
