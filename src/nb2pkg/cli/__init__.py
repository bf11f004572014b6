"""The `nb2pkg` command line (the last stage): `app`, and `main` for the console script."""

from nb2pkg.cli.app import app, main

__all__ = ["app", "main"]
