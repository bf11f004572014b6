"""Compiling a generated module to check it, without compiling again and again the code
every project's generated tests share.

Each project's `tests/test_outputs.py` ends with the same 11,000 characters (the masks,
the comparison and the runner) and its smoke tests hold the same summary check: parsing
them was most of what checking that a conversion's files compile cost. Such a module is
compiled in three parts instead, the code before the shared code, the shared code
(compiled once a process) and the code after it, each a whole module. A text that is
whole modules one after another compiles when each does, but for what Python checks
across statements: that a `from __future__` import comes first (and what it changes for
the code after it) and that a module-level `global` comes before the name is bound. A
module that has either (or a line that looks like one) is compiled whole, and so is one
where a part fails or warns, so that errors and warnings are those of compiling it whole."""

from __future__ import annotations

import ast
import re
import warnings
from functools import cache

from nb2pkg.render.checks import SUMMARY_CHECK
from nb2pkg.render.output_tests import shared_code

# What Python checks across a module's statements; a line of a string that starts so
# counts too.
_ACROSS = re.compile(r"^[ \t]*(?:from[ \t]+__future__|global\b)", re.MULTILINE)


def compile_generated(name: str, text: str, tree: ast.Module | None = None) -> None:
    """Compile `text` (the module `name`), from `tree` when it is the text's tree; a
    `SyntaxError` (and every compiler warning) as compiling `text` whole gives them."""
    if tree is None and _compiles_in_parts(name, text):
        return
    compile(tree if tree is not None else text, name, "exec", dont_inherit=True)


def _compiles_in_parts(name: str, text: str) -> bool:
    """Whether `text` holds shared code and compiles, in parts, with no warning: False
    when it does not hold it, or a part fails or warns (the caller compiles it whole)."""
    parts = _parts(text)
    return len(parts) > 1 and all(
        _shared_compiles(part) if part in _shared() else _compiles(part, name) for part in parts
    )


def _parts(text: str) -> list[str]:
    """`text` cut around each piece of shared code it holds at the start of a line, else
    `[text]`; not cut where Python checks anything across its statements."""
    if _ACROSS.search(text):
        return [text]
    for shared in _shared():
        start = text.find(shared)
        if start < 0 or (start and text[start - 1] != "\n"):
            continue
        before, after = text[:start], text[start + len(shared) :]
        return [*(_parts(before) if before else []), shared, *(_parts(after) if after else [])]
    return [text]


def _compiles(code: str, name: str) -> bool:
    """Whether `code` compiles alone, without a warning (a NUL's ValueError, compiled
    whole, says so)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            compile(code, name, "exec", dont_inherit=True)
        except (SyntaxError, ValueError):
            return False
    return not caught


@cache  # one answer a process for each piece of shared code
def _shared_compiles(code: str) -> bool:
    return _compiles(code, "<shared>")


@cache
def _shared() -> tuple[str, ...]:
    """The shared code, each piece ending with a line break (a whole module's last line),
    so that what follows it starts a line."""
    return tuple(code for code in (shared_code(), SUMMARY_CHECK) if code.endswith("\n"))
