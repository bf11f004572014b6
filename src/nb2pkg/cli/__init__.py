"""The `nb2pkg` command line (the last stage): `main` for the console script. The typer
app is `nb2pkg.cli.app.app`, imported only for a command line the default command's
common forms do not cover (`converting.plain_arguments`)."""

import sys

from nb2pkg.cli.converting import convert_without_typer


def main() -> None:
    """The console script: `nb2pkg NOTEBOOK --out DIR` and its like without typer, any
    other command line through the typer app."""
    if not convert_without_typer(sys.argv[1:]):
        from nb2pkg.cli.app import main as run_app

        run_app()


__all__ = ["main"]
