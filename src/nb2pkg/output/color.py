"""The colors of a unified diff on a terminal, in one place for every command that
prints one (`convert --dry-run`, `batch --dry-run`). ANSI codes as click writes them,
so output needs no command-line library."""

from __future__ import annotations

_RESET = "\x1b[0m"
_BOLD, _GREEN, _RED, _CYAN = "\x1b[1m", "\x1b[32m", "\x1b[31m", "\x1b[36m"


def colored(line: str) -> str:
    """`line` of a diff with the color of its kind: headers bold, added lines green,
    removed red, hunk headers cyan, context as it is."""
    if line.startswith(("+++", "---", "diff --git")):
        return _BOLD + line + _RESET
    if line.startswith("+"):
        return _GREEN + line + _RESET
    if line.startswith("-"):
        return _RED + line + _RESET
    if line.startswith("@@"):
        return _CYAN + line + _RESET
    return line
