"""`nb2pkg convert` (the default command): one notebook into a project, or, with
`--dry-run` and `--check`, what converting would change."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from nb2pkg.cli.console import preview_line, print_conversion, print_preview, use_color
from nb2pkg.cli.failures import check_out, fail
from nb2pkg.cli.verify import verify_project
from nb2pkg.errors import one_line
from nb2pkg.options import CELL_TIMEOUT, KERNEL, Mode, Options


def convert(
    notebook: Annotated[Path, typer.Argument(help="The notebook (.ipynb) to convert.", show_default=False)],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Folder of the project to write. [default: ./NAME]")
    ] = None,
    name: Annotated[
        str | None, typer.Option("--name", help="Import name of the package. [default: from the file name]")
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Write into a folder nb2pkg did not make (never over files "
            "it did not write), and overwrite your edits of its files.",
        ),
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
        float | None, typer.Option("--timeout", min=0.001, help="Seconds the conversion may take (not --verify).")
    ] = None,
    python: Annotated[
        Path | None,
        typer.Option(
            "--python",
            help="The interpreter the notebook ran in: versions and lock from its environment. "
            "[default: the notebook's kernel's]",
        ),
    ] = None,
) -> None:
    """Convert NOTEBOOK into a package and a summary notebook (the default command)."""
    from nb2pkg.naming import package_name, package_problem

    problem = package_problem(name) if name is not None else None
    if problem:
        fail(one_line(f"--name {name!r}: {problem}"))
    target = out if out is not None else Path(name or package_name(notebook.stem))
    check_out(target)
    options = Options(target, Mode.of(dry_run, check), force, check_outputs, timeout, python=python)
    if options.mode.writes:
        _write(notebook, out, name, options, quiet)
    # the record does not say which environment the versions came from: --python converts
    elif python is not None or not _in_sync(notebook, target, name, quiet):
        # --dry-run --check: the diff, and the exit code of --check
        _preview(notebook, out, name, options, use_color(no_color), quiet, exit_on_change=check)


def _preview(
    notebook: Path,
    out: Path | None,
    name: str | None,
    options: Options,
    color: bool,
    quiet: bool,
    exit_on_change: bool,
) -> None:
    """`--dry-run` or `--check`: work out what writing would change; exit 1 when
    anything would and `exit_on_change`."""
    from nb2pkg import api
    from nb2pkg.deadline import time_limit

    with time_limit(options.timeout, notebook):
        result = api.convert(notebook, out=out, name=name, force=options.force, write=False, python=options.python)
    print_preview(result, show_diff=options.mode is Mode.DRY_RUN, color=color, quiet=quiet)
    changes = result.report.created + result.report.changed + result.report.removed
    if exit_on_change and changes:
        raise typer.Exit(1)


def _write(notebook: Path, out: Path | None, name: str | None, options: Options, quiet: bool) -> None:
    from nb2pkg import api
    from nb2pkg.deadline import time_limit

    with time_limit(options.timeout, notebook):
        result = api.convert(notebook, out=out, name=name, force=options.force, python=options.python)
    if not quiet:
        print_conversion(result)
    if options.verify:
        verify_project(notebook, result.out, KERNEL, CELL_TIMEOUT, as_json=False, quiet=quiet)


def _in_sync(notebook: Path, out: Path, name: str | None, quiet: bool) -> bool:
    """Whether the project records this very notebook, nb2pkg version and files (then a
    preview has nothing to show, and says so without loading the converter: what makes
    `--check` in a pre-commit hook instant)."""
    from nb2pkg.naming import package_name
    from nb2pkg.output import WriteReport, recorded_files

    package = name or package_name(notebook.stem)
    files = recorded_files(out, notebook, package)
    if files is None:
        return False
    if not quiet:
        typer.echo(preview_line(WriteReport(created=(), changed=(), unchanged=tuple(files), removed=())))
    return True
