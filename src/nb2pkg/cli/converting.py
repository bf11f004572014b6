"""What `nb2pkg convert` (the default command) does once its options are parsed
(`convert_notebook`: one notebook into a project, or, with `--dry-run` and `--check`, what
converting would change), and the parsing of its common forms without typer.

Typer cost a conversion about 20 ms of a small notebook's 0.3 s: its import, and building
the command and its parameters from the functions' signatures at every start.
`nb2pkg NOTEBOOK --out DIR -q` and the like (`plain_arguments`) are parsed here and run as
typer would run them; any other command line, including every mistake, goes to typer,
which parses and explains it as before. An in-sync `--check` (what pre-commit runs)
then loads neither typer nor the converter."""

from __future__ import annotations

import os
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from nb2pkg.cli.console import echo, preview_line, print_conversion, print_preview, use_color
from nb2pkg.cli.failures import check_out, fail, run_reported
from nb2pkg.collector import collections_paused, fewer_collections, process_ending
from nb2pkg.errors import one_line
from nb2pkg.options import CELL_TIMEOUT, KERNEL, Mode, Options

# What `plain_arguments` reads itself: the default command's flags and the options that
# take a value, each by the parameter of `convert_notebook` it sets; the commands' names.
_FLAGS = {
    "--force": "force",
    "--quiet": "quiet",
    "-q": "quiet",
    "--verify": "check_outputs",
    "--dry-run": "dry_run",
    "--check": "check",
    "--no-color": "no_color",
}
_VALUED = {"--out": "out", "-o": "out", "--name": "name", "--python": "python"}
_PATHS = ("notebook", "out", "python")
COMMANDS = frozenset({"convert", "verify", "batch", "inspect"})


def convert_without_typer(arguments: list[str]) -> bool:
    """Run the default command as typer would when `arguments` (the command line after
    `nb2pkg`) is one of its common forms; False, having done nothing, otherwise."""
    parsed = plain_arguments(arguments)
    if parsed is None:
        return False
    # The process ends with the command unless --verify runs kernels after it: the
    # collector then stays off to the end (not only while converting), and what the process
    # holds is frozen before it resumes, else its first collection walks everything the
    # conversion made (16 ms of a small notebook's 0.3 s) just before the exit frees it.
    ends = not parsed["check_outputs"]
    with fewer_collections(), collections_paused() if ends else nullcontext():
        try:
            run_reported(parsed["notebook"], lambda: convert_notebook(**parsed))
        except KeyboardInterrupt:
            raise SystemExit(130) from None  # as typer ends an interrupted command
        finally:
            if ends:
                process_ending()
    return True


def plain_arguments(arguments: list[str]) -> dict[str, Any] | None:
    """The parameters typer would call `convert_notebook` with for `arguments`, when they
    are one notebook (not named like a command, nor starting with "-") among the options
    of `_FLAGS` and `_VALUED` (a value after its option, or after "=" for a long one); an
    option given twice, an empty value or one starting with "-", any other option or
    argument (`--timeout`, "--", `-qo`...) gives None: typer's to parse. So does a path
    that exists but cannot be read, which typer refuses before the command runs."""
    tokens = arguments[1:] if arguments[:1] == ["convert"] else arguments
    found: dict[str, Any] = {}
    position = 0
    while position < len(tokens):
        token = tokens[position]
        position += 1
        if token in _FLAGS:
            found[_FLAGS[token]] = True
            continue
        option, equals, value = token.partition("=") if token.startswith("--") else (token, "", "")
        if option in _VALUED:
            if not equals:
                if position == len(tokens):
                    return None
                value = tokens[position]
                position += 1
            parameter = _VALUED[option]
        elif token.startswith("-") or token in COMMANDS:
            return None
        else:
            parameter, value = "notebook", token
        if parameter in found or not value or value.startswith("-"):
            return None
        found[parameter] = value
    if "notebook" not in found or not all(_readable_or_missing(found[p]) for p in _PATHS if p in found):
        return None
    return {
        "notebook": Path(found["notebook"]),
        "out": Path(found["out"]) if "out" in found else None,
        "name": found.get("name"),
        "force": found.get("force", False),
        "quiet": found.get("quiet", False),
        "check_outputs": found.get("check_outputs", False),
        "dry_run": found.get("dry_run", False),
        "check": found.get("check", False),
        "no_color": found.get("no_color", False),
        "timeout": None,
        "python": Path(found["python"]) if "python" in found else None,
    }


def _readable_or_missing(path: str) -> bool:
    """Whether typer lets `path` through: it refuses one that exists and cannot be read."""
    try:
        os.stat(path)
    except OSError:
        return True
    return os.access(path, os.R_OK)


def convert_notebook(
    notebook: Path,
    out: Path | None,
    name: str | None,
    force: bool,
    quiet: bool,
    check_outputs: bool,
    dry_run: bool,
    check: bool,
    no_color: bool,
    timeout: float | None,
    python: Path | None,
) -> None:
    """Convert `notebook` into the project `out`, or (`dry_run`, `check`) say what that
    would change; what the command's options say, ending in its exit code."""
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
        raise SystemExit(1)


def _write(notebook: Path, out: Path | None, name: str | None, options: Options, quiet: bool) -> None:
    from nb2pkg import api
    from nb2pkg.deadline import time_limit

    with time_limit(options.timeout, notebook):
        result = api.convert(notebook, out=out, name=name, force=options.force, python=options.python)
    if not quiet:
        print_conversion(result)
    if options.verify:
        from nb2pkg.cli.verify import verify_project  # typer's: this runs kernels anyway

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
        echo(preview_line(WriteReport(created=(), changed=(), unchanged=tuple(files), removed=())))
    return True
