"""pipeline.py's fixed parts in black's style (render.black_style): its docstring and
imports, the helpers run() uses, and the block that calls setup(). Each is a `Piece`,
black's to format when a name from the notebook makes a line of it not certain;
tests/test_format_black_style.py checks them against black."""

from __future__ import annotations

import re

from nb2pkg.render.black_style import Piece, docstring, fits
from nb2pkg.render.stand_ins import exploded_import

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_ALIASED = rf"{_NAME}(?: as {_NAME})?"
_DOTTED = rf"{_NAME}(?:\.{_NAME})*(?: as {_NAME})?"
_IMPORT = re.compile(
    rf"import {_DOTTED}(?:, {_DOTTED})*|from (?:\.*{_NAME}(?:\.{_NAME})*|\.+) import {_ALIASED}(?:, {_ALIASED})*"
)


def head_piece(package: str, imports: list[str]) -> Piece:
    """pipeline.py's docstring and imports: black leaves a one-line docstring and the
    imports that fit as they are, and splits a long `from` import one name a line."""
    text = f"Every step of the notebook, in its order: what `python -m {package}` runs."
    laid_out = [
        exploded[1] if (exploded := exploded_import(line, n)) else line if _plain_import(line) else None
        for n, line in enumerate(imports)
    ]
    known = docstring(text, 0)
    if not imports:  # a notebook with no step: run() needs nothing
        return Piece(None if known is None else known + "\n", f'"""{text}"""\n')
    raw = f'"""{text}"""\n\n' + "\n".join(imports) + "\n"
    if known is None or None in laid_out:
        return Piece(None, raw)
    return Piece(known + "\n\n" + "\n".join(line or "" for line in laid_out) + "\n", raw)


def _plain_import(line: str) -> bool:
    """Whether black leaves the import `line` (or the blank line between groups) as it is."""
    return not line or (fits(line) and _IMPORT.fullmatch(line) is not None)


def working_directory_piece(helper: str) -> Piece:
    """The context manager that runs the steps in the notebook's folder."""
    raw = (
        "@contextmanager\n"
        f"def {helper}(path: os.PathLike[str] | str) -> Iterator[None]:\n"
        '    """Run where the notebook ran, so that its relative paths resolve as they did."""\n'
        "    previous = os.getcwd()\n    os.chdir(path)\n    try:\n        yield\n"
        "    finally:\n        os.chdir(previous)\n"
    )
    sure = fits(f"def {helper}(path: os.PathLike[str] | str) -> Iterator[None]:")
    return Piece(raw if sure else None, raw)


def setup_block(step: str, call: str, indent: int) -> str | None:
    """`with step("setup"):` around the call of setup() and its comment, which black
    leaves as they are when they fit."""
    head = f'with {step}("setup"):'
    return f"{head}\n    {call}" if fits(head, indent) and fits(call, indent + 4) else None


def step_helper(name: str, logging_name: str, time_name: str) -> str:
    """The pipeline's `with step("load_data"):`: logs the step as it starts, and as it ends
    with its time, or fails (then the exception goes on to the caller). A library logs,
    never configures logging: `python -m` does. The logger is looked up when a step runs
    (logging keeps one per name), so that importing the module does no work."""
    return (
        "@contextmanager\n"
        f"def {name}(title: str) -> Iterator[None]:\n"
        '    """Log a step as it starts, and as it ends with its time or fails."""\n'
        f"    log = {logging_name}.getLogger(__name__)\n"
        '    log.info("%s: started", title)\n'
        f"    started = {time_name}.perf_counter()\n"
        "    try:\n        yield\n"
        "    except BaseException as error:\n"
        f"        elapsed = {time_name}.perf_counter() - started\n"
        '        log.error("%s: failed after %.2f s: %s: %s", title, elapsed, type(error).__name__, error)\n'
        "        raise\n"
        f'    log.info("%s: done in %.2f s", title, {time_name}.perf_counter() - started)\n'
    )


def step_piece(name: str, logging_name: str, time_name: str) -> Piece:
    """`step_helper` in black's style: black splits the failure's log call, one argument a
    line; the lines holding the names stay as they are when they fit."""
    raw = step_helper(name, logging_name, time_name)
    lines = raw.split("\n")
    failed = next(n for n, line in enumerate(lines) if "log.error(" in line)
    split = (
        "        log.error(\n"
        '            "%s: failed after %.2f s: %s: %s",\n'
        "            title,\n            elapsed,\n            type(error).__name__,\n            error,\n"
        "        )"
    )
    known = [split if n == failed else line for n, line in enumerate(lines)]
    sure = all(fits(line) for n, line in enumerate(lines) if n != failed) and name.isidentifier()
    return Piece("\n".join(known) if sure else None, raw)
