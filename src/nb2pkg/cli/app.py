"""The `nb2pkg` command: the Typer app, its root options, and the commands registered
on it, each ending its errors through `failures`. Thin: the commands (`convert`,
`verify`, `batch`, `inspect`) parse options, call `api` or a stage, and print
(`console`).

Heavy modules (LibCST, nbformat, IPython, rich) are imported inside the commands, so
`nb2pkg --version` and `--help` stay fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from typer.core import TyperGroup

from nb2pkg import __version__
from nb2pkg.cli.batch import batch, report_merge
from nb2pkg.cli.convert import convert
from nb2pkg.cli.failures import reported
from nb2pkg.cli.inspect import inspect
from nb2pkg.cli.verify import verify
from nb2pkg.collector import fewer_collections

if TYPE_CHECKING:
    # What TyperGroup.parse_args takes (and is given): the click Context typer vendors as
    # `typer._click`; typer.Context is a subclass of it.
    from typer._click import Context


_MERGE = "batch report merge"


class _DefaultToConvert(TyperGroup):
    """`nb2pkg NOTEBOOK ...` means `nb2pkg convert NOTEBOOK ...`."""

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        _refuse_notebooks_named_as_options(ctx, args)
        if args[:3] == ["batch", "report", "merge"]:  # a command of its own, not PATHS named so
            args = [_MERGE, *args[3:]]
        if args and args[0] not in self.commands and args[0] not in ("--version", "--help", "-h"):
            args = ["convert", *args]
        return super().parse_args(ctx, args)


def _refuse_notebooks_named_as_options(ctx: Context, args: list[str]) -> None:
    """`nb2pkg -rf.ipynb` would be read as options -r, -f, ...: say how to name it."""
    for arg in args:
        if arg == "--":
            return
        if arg.startswith("-") and arg.lower().endswith(".ipynb"):
            ctx.fail(
                f"{arg!r} starts with '-', so it reads as options; put '--' before "
                f"notebook names that start with '-': nb2pkg [OPTIONS] -- {arg}"
            )


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
        bool | None,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit."),
    ] = None,
) -> None:
    """Turn an exploratory Jupyter notebook into a Python package and a slim summary notebook."""


# In this order in --help. Each names the file a bug report is about.
app.command()(reported(lambda arguments: arguments["notebook"])(convert))
app.command()(reported(lambda arguments: arguments["notebook"])(verify))
app.command()(reported(lambda arguments: arguments["paths"][0])(batch))
app.command()(reported(lambda arguments: arguments["notebook"])(inspect))
app.command(_MERGE)(reported(lambda arguments: arguments["reports"][0])(report_merge))


def main() -> None:
    """Console-script entry point."""
    with fewer_collections():
        app(prog_name="nb2pkg")


if __name__ == "__main__":
    main()
