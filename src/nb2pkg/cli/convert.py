"""`nb2pkg convert` (the default command): its options, as typer parses them. What it does
is `converting.convert_notebook`, which the console script also calls without typer for
the command's common forms."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from nb2pkg.cli.converting import convert_notebook


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
    convert_notebook(notebook, out, name, force, quiet, check_outputs, dry_run, check, no_color, timeout, python)
