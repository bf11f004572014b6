"""`nb2pkg inspect`: the dataflow of a notebook, as a table, JSON or a Mermaid graph."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from nb2pkg.cli.console import echo, print_table
from nb2pkg.cli.failures import fail


def inspect(
    notebook: Annotated[Path, typer.Argument(help="The notebook (.ipynb) to analyse.", show_default=False)],
    as_json: Annotated[bool, typer.Option("--json", help="Print the analysis as JSON.")] = False,
    graph: Annotated[bool, typer.Option("--graph", help="Print a Mermaid flowchart of the dataflow.")] = False,
    timeout: Annotated[
        float | None, typer.Option("--timeout", min=0.001, help="Seconds the analysis may take.")
    ] = None,
) -> None:
    """Show what each cell defines, uses and changes in place (the dataflow nb2pkg converts by)."""
    if as_json and graph:
        fail("--json and --graph each print the whole report; choose one")
    from nb2pkg import api
    from nb2pkg import inspection as report
    from nb2pkg.deadline import time_limit

    with time_limit(timeout, notebook):
        flow = api.inspect(notebook)
    if as_json:
        echo(json.dumps(report.to_json(flow), indent=2))
    elif graph:
        echo(report.to_mermaid(flow), nl=False)
    else:
        print_table(flow)
