"""Black on generated code, exactly as `black.format_str` formats it, for less.

`black.format_str` formats once and, when that changed the text, formats the result a
second time: a trailing comma the first pass adds when it splits a bracket is "magic" to
the second, and optional parentheses can then go another way. A second pass can only
differ from the first through what the first pass added, removed or moved, so it is
skipped when the first pass changed nothing but whitespace and quote characters (string
quotes, docstring indentation, `#x` -> `# x`: what black normalises before it splits
lines, the same way in both passes).

Where the first pass changed more, the second runs only on the top-level statements it
changed so: black formats a module one logical line at a time, each line split on its
own, and what it carries from one line to the next (the blank lines to put before a
line) never reaches into a statement from before it, so a statement formats alone as it
does in its module (`_second_pass`). The same holds one level in: a function's body is
lines at one depth, each split alone, so a statement of a step function formats in a
function of its own as it does in its own (`_body_again`). tests/test_format_black.py
checks that this gives black's result on what converting the corpus formats and on
generated code."""

from __future__ import annotations

import ast
import hashlib
import re
from functools import lru_cache
from typing import TYPE_CHECKING

from nb2pkg.limits import parse_quietly

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    import black

# What the first pass may change without the second pass seeing anything new: whitespace
# (deleted) and which quote character a string uses (all made one).
_LAYOUT = str.maketrans(dict.fromkeys(" \t\n\r\f\v", None) | {"'": '"'})

# What makes a statement format otherwise alone than in its module: a `# fmt: off` (or
# yapf's) region may span statements, a coding declaration on its first lines changes
# what black decodes, a form feed or "\r" what it keeps between lines.
_NOT_ALONE = re.compile(r"fmt:|yapf:|coding[:=]|[\r\f]")


def format_code(text: str) -> str:
    """`black.format_str(text)` in nb2pkg's mode, with its second pass only where the
    first one changed more than layout."""
    import black

    mode = _black_mode()
    once = getattr(black, "_format_str_once", None)
    if once is None:  # a black without it: its own two passes
        return black.format_str(text, mode=mode)
    formatted = once(text, mode=mode)
    if formatted == text or only_layout_changed(text, formatted):
        return formatted
    try:
        return _second_pass(text, formatted, lambda code: once(code, mode=mode))
    except black.InvalidInput:  # black's own output does not parse: its own error for it
        return black.format_str(text, mode=mode)


def only_layout_changed(before: str, after: str) -> bool:
    """Whether `after` is `before` but for whitespace and quote characters: no token
    added, removed or moved (black never splits or joins a token)."""
    return before.translate(_LAYOUT) == after.translate(_LAYOUT)


def _second_pass(text: str, formatted: str, once: Callable[[str], str]) -> str:
    """Black's second pass over `formatted` (its first over `text`), run only on the
    top-level statements whose first pass changed more than layout, and in a function
    only on the statements of its body that did (`_body_again`); the lines between
    statements (blank lines, comments) are already as black leaves them. The whole module
    goes through it again when the statements cannot be told apart or one of them would
    not format alone as it does in the module (`_NOT_ALONE`, a string statement black
    would read as a module's docstring)."""
    before, after = _statement_lines(text), _statement_lines(formatted)
    if before is None or after is None or len(before[1]) != len(after[1]) or _NOT_ALONE.search(text + formatted):
        return once(formatted)
    old, new = before[0], after[0]

    def again(position: int, was: Range, now: Range, statement: str) -> str | None:
        if now[2]:  # a string statement: alone, black would read it as a docstring
            return None
        body = _body_again((old, was[0], was[3]), (new, now[0], now[3]), once)
        return body if body is not None else once(statement)

    redone = _where_changed(old, new, zip(before[1], after[1], strict=True), (0, len(new)), again)
    return redone if redone is not None else once(formatted)


Range = tuple[int, int, bool, ast.stmt]  # a statement's lines (`_ranges`), whether a string, the statement
Placed = tuple[list[str], int, ast.stmt]  # a text's lines, where a statement starts in them, the statement


def _where_changed(
    old: list[str],
    new: list[str],
    pairs: Iterable[tuple[Range, Range]],
    span: tuple[int, int],
    again: Callable[[int, Range, Range, str], str | None],
) -> str | None:
    """Lines `span` of `new` (a first pass's output; `old`, its input), with each statement
    of `pairs` (its range in `old`, then in `new`) whose first pass changed more than layout
    replaced by `again(position, old range, new range, its text)`; None when that gives None
    for one of them."""
    pieces: list[str] = []
    done = span[0]  # lines of `new` already in `pieces`
    for position, (was, now) in enumerate(pairs):
        statement = "".join(new[now[0] : now[1]])
        if only_layout_changed("".join(old[was[0] : was[1]]), statement):
            continue
        formatted = again(position, was, now, statement)
        if formatted is None:
            return None
        pieces.extend(new[done : now[0]])
        pieces.append(formatted)
        done = now[1]
    pieces.extend(new[done : span[1]])
    return "".join(pieces)


_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


def _body_again(old: Placed, new: Placed, once: Callable[[str], str]) -> str | None:
    """A function's second pass, run on the statements of its body the first pass changed
    more than layout, each alone in a function of its own (`_in_function`): black splits
    each line of a body on its own, at its depth, and what it carries from line to line is
    the blank lines between them, already final. None (the whole function goes through it)
    where its `def` line or decorators changed more than layout, its statements cannot be
    told apart, or one that changed is a string after the first (alone it would be a
    docstring)."""
    (old_lines, old_start, old_node), (new_lines, new_start, new_node) = old, new
    if not isinstance(old_node, _FUNCTIONS) or not isinstance(new_node, _FUNCTIONS):
        return None
    old_body, new_body = _ranges(old_node.body), _ranges(new_node.body)
    if old_body is None or new_body is None or len(old_body) != len(new_body):
        return None
    old_head = "".join(old_lines[old_start : old_body[0][0]])
    if not only_layout_changed(old_head, "".join(new_lines[new_start : new_body[0][0]])):
        return None
    scaffold = _SCAFFOLDS[isinstance(new_node, ast.AsyncFunctionDef)]

    def again(position: int, was: Range, now: Range, statement: str) -> str | None:
        return None if now[2] and position else _in_function(scaffold, statement, once)

    pairs = zip(old_body, new_body, strict=True)
    return _where_changed(old_lines, new_lines, pairs, (new_start, new_body[-1][1]), again)


_SCAFFOLDS = ("def _():\n", "async def _():\n")  # `await` reads as in the step's own


def _in_function(scaffold: str, statement: str, once: Callable[[str], str]) -> str | None:
    """Black's pass over `statement`, one statement of a function's body (four spaces in),
    formatted as the body of a function of its own (`scaffold`, its `def` line); None when
    black's answer is not that function with the statement's lines right under its line."""
    formatted = once(scaffold + statement)
    body = formatted[len(scaffold) :]
    if not formatted.startswith(scaffold) or not body.startswith("    "):
        return None
    return body


def _statement_lines(text: str) -> tuple[list[str], list[Range]] | None:
    """The lines of `text` and `_ranges` of its top-level statements; None when two
    statements share a line or the text does not parse."""
    try:
        tree = module_tree(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    ranges = _ranges(tree.body)
    if ranges is None:
        return None
    lines = [line + "\n" for line in text.split("\n")]  # as Python counts them: "\n" alone
    lines[-1] = lines[-1][:-1]
    return lines, ranges


def _ranges(statements: list[ast.stmt]) -> list[Range] | None:
    """For each statement, the range of lines it takes (0-based, decorators included),
    whether it is a string black could read as a docstring, and the statement; None when
    two statements share a line."""
    ranges: list[Range] = []
    for node in statements:
        decorators = getattr(node, "decorator_list", None)
        start = (decorators[0] if decorators else node).lineno - 1
        end = node.end_lineno
        if end is None or (ranges and start < ranges[-1][1]):
            return None
        string = (
            isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
        )
        ranges.append((start, end, string, node))
    return ranges


@lru_cache(maxsize=64)
def module_tree(text: str) -> ast.Module:
    """`ast.parse(text)` of a module black formatted, parsed once: the second pass reads
    its statements, and the conversion parses every module it writes (black's second
    pass seldom changes a module: the text is then the same). Shared: never changed. Its
    compiler warnings (an invalid escape) are the compile check's to give, with the
    file's name (convert._check_compiles), not this parse's."""
    return parse_quietly(text)


def format_key(text: str) -> str:
    """What `format_code(text)` depends on, as a digest: black's version, its mode and the
    text. A formatting stored with the same key is the one black gives (render.known)."""
    import black

    return hashlib.sha256(f"{black.__version__}\0{_black_mode()!r}\0{text}".encode()).hexdigest()


def _black_mode() -> black.Mode:
    import black

    return black.Mode(target_versions={black.TargetVersion.PY310})
