"""`python -m nb2pkg` and the `nb2pkg` console script.

`nb2pkg --version` is answered here, before the command line's libraries (typer, click)
are imported: it is what scripts and pre-commit call to check the tool is there. For
`nb2pkg batch`, the workers' fork server is started here too, so that its imports (the
converter's) overlap those of the command line. When the command is done, what the
process holds is frozen out of the garbage collector's reach (`collector.process_ending`):
the interpreter's exit then frees it without walking it all once more."""

import sys

# Options with which a batch starts no worker process of its own.
_NO_WORKERS = frozenset({"--dask", "--help", "-h"})


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        from nb2pkg import __version__

        sys.stdout.write(f"nb2pkg {__version__}\n")
        return
    if _starts_workers(sys.argv[1:]):
        from nb2pkg.workers import start_fork_server

        start_fork_server()
    from nb2pkg.cli import main as run
    from nb2pkg.collector import process_ending  # the command line's import already

    try:
        run()
    finally:  # the process ends: the objects it holds are its exit's to free, not to walk
        process_ending()


def _starts_workers(arguments: list[str]) -> bool:
    """Whether the command line is a batch that will start worker processes."""
    return arguments[:1] == ["batch"] and not any(
        argument.split("=", 1)[0] in _NO_WORKERS for argument in arguments if argument.startswith("-")
    )


if __name__ == "__main__":
    main()
