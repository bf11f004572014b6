"""How every command ends on an error: one line on stderr and the error's exit code,
never a traceback. Apart from `app` so that the commands can use it without importing
the app that registers them. A command ends with another exit code by raising
`SystemExit(code)`, which is not an `Exception` (and needs no typer: the default command
runs without it)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn, TypeVar

from nb2pkg.cli.console import echo
from nb2pkg.errors import EXIT_INPUT, EnvironmentFault, InternalError, Nb2pkgError, environment_fault

Command = Callable[..., None]
T = TypeVar("T")


def reported(subject: Callable[[dict], object]) -> Callable[[Command], Command]:
    """A command whose every error ends in its one line and exit code (`run_reported`);
    `subject(arguments)` names the file a bug report is about."""

    def wrap(command: Command) -> Command:
        @functools.wraps(command)
        def reporting(**arguments: object) -> None:
            run_reported(Path(str(subject(arguments))), lambda: command(**arguments))

        return reporting

    return wrap


def run_reported(path: Path, action: Callable[[], T]) -> T:
    """Run `action`; the one place errors are caught, most specific first. Each error
    nb2pkg raises on purpose ends the command with its line and exit code; a fault of
    the file system is the user's to fix (exit 2); anything else is nb2pkg's bug (3)."""
    try:
        return action()
    except Nb2pkgError as error:
        exit_with(error)
    except Exception as error:  # noqa: BLE001 - the user gets one line, never a traceback
        exit_with(environment_fault(error, path) or InternalError.of(path, error))


def exit_with(error: Nb2pkgError) -> NoReturn:
    echo(error.message, err=True)
    raise SystemExit(error.exit_code) from None


def check_out(path: Path, option: str = "--out") -> None:
    """Refuse, before any work, a path nb2pkg could not write to: a link to nothing
    (dangling, or a loop), or a path below a file."""
    if path.is_symlink() and not path.exists():
        raise EnvironmentFault(
            path, "is a symbolic link to nothing (dangling, or a loop)", f"remove the link or choose another {option}"
        )
    for folder in (path, *path.parents):
        if folder.exists() or folder.is_symlink():
            if folder != path and not folder.is_dir():
                raise EnvironmentFault(path, f"{folder} is a file, not a folder", f"choose another {option}")
            return


def fail(message: str) -> NoReturn:
    """End the command on a misuse of its options (exit 2)."""
    echo(message, err=True)
    raise SystemExit(EXIT_INPUT)
