"""Black's result on `pipeline.py` without black reading the parts nb2pkg can write in
black's style itself.

`run()` holds a `with step("name"):` block per step. Black's time on a module grows with
its length, and faster than it (a 400-step pipeline took most of the render's time), yet
most blocks are calls of a plain shape (names, dots, commas and simple literals) that
black leaves as they are when they fit, or splits at the call's parentheses in a known
way; the long imports and the returned dict it splits one name a line. Those are written
as black writes them; a marker stands for each (for each run of blocks) while black
formats the rest, and they replace the marker lines afterwards. Black formats each
statement on its own, and adds no blank line between statements the text has none
between, so the result is black's on the whole text: tests/test_speed_render.py checks it
against black on generated blocks and modules and on the corpus's pipelines.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from nb2pkg.render.black_style import LINE_LENGTH

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
# a keyword argument's value black writes as it is: a (dotted) name, a decimal number, or a
# double-quoted string without escapes (black changes quotes, prefixes and number case)
_VALUE = rf'(?:{_NAME}(?:\.{_NAME})*|-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?|"[^"\\\n]*")'
_ARGUMENT = rf"(?:{_NAME}|{_NAME}={_VALUE})"
_WHOLE_ARGUMENT = re.compile(_ARGUMENT)
_CALL = re.compile(rf"(?:{_NAME}(?:, {_NAME})* = )?{_NAME}\.{_NAME}\((?:{_ARGUMENT}(?:, {_ARGUMENT})*)?\)")
_PREFIX = "__nb2pkg_stand_in_"
_MARKER_NAME = _PREFIX + "{}__"
_MARKER = _MARKER_NAME + "()"
_FROM_IMPORT = re.compile(rf"from ([\w.]+) import ({_NAME}(?: as {_NAME})?(?:, {_NAME}(?: as {_NAME})?)*)")
_ITEM = re.compile(rf'"{_NAME}": {_NAME}')


@dataclass(frozen=True)
class StandIns:
    """Blocks for black to read, and what each marker among them stands for."""

    blocks: tuple[str, ...]  # the blocks black formats, and a marker per run of stable ones
    stands_for: tuple[tuple[str, str], ...] = ()  # (marker, the stable blocks' text)


def stable_block(helper: str, title: str, call: str, indent: int) -> str | None:
    """`with helper(title):` around `call`, as black writes it `indent` spaces in, when that
    is known without black (else None): ASCII (black measures width, not length), a title
    black quotes with `"`, a call of the shape `_CALL` allows, on a line that fits or
    split as `_split_call` knows black splits it."""
    if not (title.isidentifier() and title.isascii() and call.isascii() and helper.isidentifier()):
        return None
    head = f'with {helper}("{title}"):'
    if indent + len(head) > LINE_LENGTH or not _CALL.fullmatch(call):
        return None
    if indent + 4 + len(call) <= LINE_LENGTH:
        return f"{head}\n    {call}"
    split = _split_call(call, indent + 4)
    return None if split is None else f"{head}\n    " + split.replace("\n", "\n    ")


def _split_call(call: str, indent: int) -> str | None:
    """A `_CALL` too long for its line, as black splits it `indent` spaces in: at the call's
    parentheses, its arguments on one line when they fit there, else one a line with a
    trailing comma. None where black might do otherwise: a head (`a, b = m.f(`) that does
    not fit, one argument too long for its line, no argument."""
    opening = call.index("(")
    head, arguments = call[: opening + 1], call[opening + 1 : -1]
    if not arguments or indent + len(head) > LINE_LENGTH:
        return None
    if indent + 4 + len(arguments) <= LINE_LENGTH:
        return f"{head}\n    {arguments}\n)"
    each = arguments.split(", ")
    if len(each) < 2 or not all(_WHOLE_ARGUMENT.fullmatch(a) for a in each):
        return None  # one argument, or a string holding ", "
    if any(indent + 4 + len(a) + 1 > LINE_LENGTH for a in each):
        return None
    return head + "".join(f"\n    {a}," for a in each) + "\n)"


def stand_ins(blocks: list[str], stable: list[str | None], first: int = 0) -> StandIns:
    """Each run of consecutive blocks whose stable form is known, as one marker call
    (numbered from `first`)."""
    out: list[str] = []
    stands_for: list[tuple[str, str]] = []
    run: list[str] = []

    def close() -> None:
        if run:
            stands_for.append((_MARKER.format(first + len(stands_for)), "\n".join(run)))
            out.append(stands_for[-1][0])
            run.clear()

    for block, known in zip(blocks, stable, strict=True):
        if known is None:
            close()
            out.append(block)
        else:
            run.append(known)
    close()
    return StandIns(tuple(out), tuple(stands_for))


def restored(formatted: str, stands_for: tuple[tuple[str, str], ...]) -> str | None:
    """`formatted` with each marker's line replaced by the text it stands for, at the
    marker line's indentation; None when some marker is not on a line of its own there,
    once."""
    lines = formatted.split("\n")
    where = {line.strip(): n for n, line in enumerate(lines) if _PREFIX in line}
    if sum(_PREFIX in line for line in lines) != len(stands_for) or len(where) != len(stands_for):
        return None
    for marker, text in stands_for:
        n = where.get(marker)
        if n is None:
            return None
        pad = lines[n][: len(lines[n]) - len(lines[n].lstrip())]
        lines[n] = "\n".join(pad + line if line else line for line in text.split("\n"))
    return "\n".join(lines)


def exploded_import(line: str, number: int) -> tuple[str, str] | None:
    """(a marker import, black's form) of `from m import a, b, ...` when it does not fit on
    one line: black always puts each name of a split import on a line of its own, with a
    trailing comma. None when the line fits (black leaves it) or is of another form."""
    match = _FROM_IMPORT.fullmatch(line)
    if len(line) <= LINE_LENGTH or match is None or not line.isascii():
        return None
    names = match.group(2).split(", ")
    body = "".join(f"    {name},\n" for name in names)
    return f"from {match.group(1)} import {_MARKER_NAME.format(number)}", f"from {match.group(1)} import (\n{body})"


def exploded_return(items: list[str], indent: int, number: int) -> tuple[str, str] | None:
    """(a marker return, black's form) of `return {items}` `indent` spaces in when it does
    not fit on one line: black puts each item of a split dict display on a line of its own,
    with a trailing comma. None when it fits, or an item is not the plain `"name": name`."""
    if indent + len("return {}") + len(", ".join(items)) <= LINE_LENGTH:
        return None
    if not all(_ITEM.fullmatch(item) and indent + 4 + len(item) + 1 <= LINE_LENGTH for item in items):
        return None
    body = "".join(f"    {item},\n" for item in items)
    return f"return {_MARKER_NAME.format(number)}", f"return {{\n{body}}}"


def format_around(
    build: Callable[[list[str], bool], str],
    blocks: list[str],
    stable: list[str | None],
    fmt: Callable[[str], str],
    lines: tuple[tuple[str, str], ...] = (),
    first: int = 0,
) -> str:
    """`fmt(build(blocks, False))`, where `build` makes the module's text from its blocks
    and `stable[i]` is black's form of `blocks[i]` when known: `fmt` reads a marker line
    instead of each run of known ones. `lines`: (marker, black's form) of other lines,
    which `build(..., True)` writes as their markers, numbered below `first`."""
    ins = stand_ins(blocks, stable, first)
    stands_for = (*lines, *ins.stands_for)
    if stands_for:
        text = build(list(ins.blocks), True)
        if text.count(_PREFIX) == len(stands_for):  # no other code there names a marker
            done = restored(fmt(text), stands_for)
            if done is not None:
                return done
    return fmt(build(blocks, False))
