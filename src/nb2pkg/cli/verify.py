"""`nb2pkg verify`, and the verification `convert --verify` ends with."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from nb2pkg.cli.console import echo, print_verification, progress
from nb2pkg.cli.failures import fail, run_reported
from nb2pkg.options import CELL_TIMEOUT, KERNEL


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
    verify_project(notebook, project, kernel, timeout, as_json=as_json, quiet=False)


def verify_project(notebook: Path, project: Path, kernel: str, timeout: int, as_json: bool, quiet: bool) -> None:
    """Verify, print the result, and end with verify's exit code."""
    from nb2pkg.verify import kill_kernels
    from nb2pkg.verify import verify as run_verification

    try:
        with progress(quiet or as_json) as said:
            result = run_reported(notebook, lambda: run_verification(notebook, project, kernel, timeout, said))
    except KeyboardInterrupt:
        kill_kernels()
        echo(f"{notebook}: verify interrupted; its kernels are stopped", err=True)
        raise SystemExit(130) from None
    if as_json:
        echo(json.dumps(result.as_json(), indent=2))
    else:
        print_verification(result)
    message = result.cannot_verify_message()
    if message:
        fail(message)
    if not result.ok:
        raise SystemExit(1)
