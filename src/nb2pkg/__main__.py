"""`python -m nb2pkg` and the `nb2pkg` console script.

`nb2pkg --version` is answered here, before the command line's libraries (typer, click)
are imported: it is what scripts and pre-commit call to check the tool is there."""

import sys


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        from nb2pkg import __version__

        sys.stdout.write(f"nb2pkg {__version__}\n")
        return
    from nb2pkg.cli import main as run

    run()


if __name__ == "__main__":
    main()
