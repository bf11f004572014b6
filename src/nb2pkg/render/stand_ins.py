"""Black's result on `pipeline.py` without black reading the blocks nb2pkg writes in
black's style already.

`run()` holds a `with step("name"):` block per step. Black's time on a module grows with
its length, and faster than it (a 400-step pipeline took most of the render's time), yet
most blocks are short calls black leaves as they are: names, dots, commas and simple
literals, on lines that fit. Such a block is written as black writes it, a run of them
stands as one marker call while black formats the rest, and the blocks replace the marker
line afterwards. Black formats each statement of a function body on its own, and puts no
blank line between statements the text has none between, so the result is black's on the
whole text; tests/test_speed_pipeline.py checks that on the corpus and on generated plans.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

_LINE_LENGTH = 88  # black's default, which nb2pkg's mode keeps
_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
# a keyword argument's value black writes as it is: a (dotted) name, a decimal number, or a
# double-quoted string without escapes (black changes quotes, prefixes and number case)
_VALUE = rf'(?:{_NAME}(?:\.{_NAME})*|-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?|"[^"\\\n]*")'
_ARGUMENT = rf"(?:{_NAME}|{_NAME}={_VALUE})"
_CALL = re.compile(rf"(?:{_NAME}(?:, {_NAME})* = )?{_NAME}\.{_NAME}\((?:{_ARGUMENT}(?:, {_ARGUMENT})*)?\)")
_PREFIX = "__nb2pkg_stand_in_"
_MARKER = _PREFIX + "{}__()"


@dataclass(frozen=True)
class StandIns:
    """Blocks for black to read, and what each marker among them stands for."""

    blocks: tuple[str, ...]  # the blocks black formats, and a marker per run of stable ones
    stands_for: tuple[tuple[str, str], ...] = ()  # (marker, the stable blocks' text)


def stable_block(helper: str, title: str, call: str, indent: int) -> str | None:
    """`with helper(title):` around `call`, as black writes it `indent` spaces in, when that
    is known without black (else None): ASCII (black measures width, not length), lines
    that fit, a title black quotes with `"` and a call of the shape `_CALL` allows."""
    if not (title.isidentifier() and title.isascii() and call.isascii() and helper.isidentifier()):
        return None
    head = f'with {helper}("{title}"):'
    if indent + len(head) > _LINE_LENGTH or indent + 4 + len(call) > _LINE_LENGTH or not _CALL.fullmatch(call):
        return None
    return f"{head}\n    {call}"


def stand_ins(blocks: list[str], stable: list[str | None]) -> StandIns:
    """Each run of consecutive blocks whose stable form is known, as one marker call."""
    out: list[str] = []
    stands_for: list[tuple[str, str]] = []
    run: list[str] = []

    def close() -> None:
        if run:
            stands_for.append((_MARKER.format(len(stands_for)), "\n".join(run)))
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


def restored(formatted: str, ins: StandIns, indent: int) -> str | None:
    """`formatted` with each marker's line replaced by its blocks `indent` spaces in; None
    when some marker is not on a line of its own there, once."""
    lines = formatted.split("\n")
    pad = " " * indent
    where = {line[indent:]: n for n, line in enumerate(lines) if line.startswith(pad + _PREFIX)}
    markers = sum(line.lstrip().startswith(_PREFIX) for line in lines)
    if markers != len(ins.stands_for) or len(where) != markers:
        return None
    for marker, text in ins.stands_for:
        n = where.get(marker)
        if n is None:
            return None
        lines[n] = "\n".join(pad + line for line in text.split("\n"))
    return "\n".join(lines)


def format_around(
    build: Callable[[list[str]], str],
    blocks: list[str],
    stable: list[str | None],
    indent: int,
    fmt: Callable[[str], str],
) -> str:
    """`fmt(build(blocks))`, where `build` makes the module's text from its blocks (joined
    and put `indent` spaces in) and `stable[i]` is black's form of `blocks[i]` when known:
    `fmt` reads a marker line instead of each run of known ones."""
    ins = stand_ins(blocks, stable)
    if ins.stands_for:
        text = build(list(ins.blocks))
        if text.count(_PREFIX) == len(ins.stands_for):  # no other code there names a marker
            done = restored(fmt(text), ins, indent)
            if done is not None:
                return done
    return fmt(build(blocks))
