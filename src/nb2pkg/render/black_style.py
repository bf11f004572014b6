"""Code written in black's style without black, for the shapes nb2pkg's templates use.

Black takes tens of milliseconds on a module nb2pkg writes from a template, to change
little more than the quotes of the strings in it and the lines a long package name
makes too long. These helpers write those as black would: string literals in its
quotes, a call of plain arguments (names, literals, `name=value`), a list or dict
display of literals, a chain of one operator, a subscript assignment, an import of one
name, a docstring of plain lines and a module docstring's closing quotes. Each returns
None when its input is not of the shape it knows, and the piece of the module holding
it goes to black (`Piece`): nothing is written without black unless the result is
certain.
tests/test_format_black_style.py checks every helper and every template against black.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from nb2pkg.render.formatting import format_code

LINE_LENGTH = 88  # black's default, which nb2pkg's mode keeps


def fits(line: str, indent: int = 0) -> bool:
    """Whether black leaves `line` (ASCII: black measures width) on one line `indent` in."""
    return line.isascii() and indent + len(line) <= LINE_LENGTH


def as_is(line: str, indent: int = 0) -> tuple[str | None, str]:
    """A line black leaves as it is when it fits: (black's form or None, the line), a
    part of `piece`."""
    return (line if fits(line, indent) else None), line


def string(value: str) -> str | None:
    """`value` as a literal in black's quotes: double, unless that needs an escape the
    single-quoted form has not. None for values repr() escapes (black may re-escape)."""
    literal = repr(value)
    if "\\" in literal or not literal.isascii():
        return None
    if literal.startswith('"') or '"' in value:
        return literal
    return f'"{value}"'


def call(head: str, arguments: list[str], indent: int, tail: str = "") -> str | None:
    """The statement `head(arguments)tail` `indent` spaces in, as black writes it (see
    `bracketed`)."""
    return bracketed(head + "(", arguments, ")" + tail, indent)


def bracketed(opening: str, items: list[str], closing: str, indent: int, display: bool = False) -> str | None:
    """The statement `opening items closing` `indent` spaces in, split as black splits it
    at its last brackets (a call's parentheses, or a list `display` assigned to a name):
    on one line when it fits, else the items on a line of their own (never those of a
    display of several: black explodes it), else one a line with a trailing comma. Items
    are atoms (no bracket, no comma, no comment): one too long for its line stays so,
    except in an assignment of a call or a display of one item, where black may split
    otherwise (None)."""
    pad = " " * indent
    inner = ", ".join(items)
    if fits(f"{opening}{inner}{closing}", indent):
        return f"{pad}{opening}{inner}{closing}"
    if not (items and fits(opening, indent) and fits(closing, indent)):
        return None
    hugged = f"{pad}{opening}\n{pad}    {inner}\n{pad}{closing}"
    if len(items) == 1:
        return hugged if fits(inner, indent + 4) or not (display or "=" in opening) else None
    if fits(inner, indent + 4) and not display:
        return hugged
    if "=" in opening and not display and not all(fits(item + ",", indent + 4) for item in items):
        return None
    each = "".join(f"{pad}    {item},\n" for item in items)
    return f"{pad}{opening}\n{each}{pad}{closing}"


def strings(values: list[str]) -> list[str] | None:
    """Each value as `string` writes it; None when one cannot be."""
    literals = [string(value) for value in values]
    return None if None in literals else [literal for literal in literals if literal is not None]


def from_import(module: str, name: str, indent: int) -> str:
    """`from module import name` `indent` spaces in: black wraps a long one in
    parentheses, the name alone on its line with a trailing comma (however long)."""
    pad = " " * indent
    line = f"from {module} import {name}"
    if fits(line, indent):
        return pad + line
    return f"{pad}from {module} import (\n{pad}    {name},\n{pad})"


def subscript_assignment(target: str, key: str, function: str, argument: str, indent: int) -> str | None:
    """`target[key] = function(argument)` `indent` spaces in, for a (dotted) name `target`,
    a string `key` and a name `argument`. Too long, black splits the call when the line
    up to its parenthesis fits, else wraps the value in parentheses when the line up to
    them fits, else splits the subscript."""
    pad = " " * indent
    head = f"{target}[{key}] = {function}("
    if fits(f"{head}{argument})", indent):
        return f"{pad}{head}{argument})"
    if fits(head, indent) and fits(argument, indent + 4):
        return f"{pad}{head}\n{pad}    {argument}\n{pad})"
    value = f"{function}({argument})"
    if fits(f"{target}[{key}] = (", indent) and fits(value, indent + 4):
        return f"{pad}{target}[{key}] = (\n{pad}    {value}\n{pad})"
    if fits(target + "[", indent) and fits(f"] = {value}", indent):  # however long the key
        return f"{pad}{target}[\n{pad}    {key}\n{pad}] = {value}"
    return None


def string_statement(head: str, literal: str, indent: int) -> str:
    """`head literal` (`return "..."`, `name = "..."`) `indent` spaces in, for a string
    literal in black's style: black wraps a string too long for the line in parentheses
    when that makes it fit, else leaves the line as it is (a string is never split)."""
    pad = " " * indent
    if fits(f"{head} {literal}", indent) or not fits(literal, indent + 4):
        return f"{pad}{head} {literal}"
    return f"{pad}{head} (\n{pad}    {literal}\n{pad})"


def operation(head: str, operands: list[str], operator: str, indent: int) -> str | None:
    """`head a / b / c` `indent` spaces in (an assignment of one operator's chain of
    atoms): black wraps a long one in parentheses, and splits it before each operator
    when it does not fit in them either."""
    pad = " " * indent
    inner = f" {operator} ".join(operands)
    if fits(f"{head} {inner}", indent):
        return f"{pad}{head} {inner}"
    if not fits(f"{head} (", indent):
        return None
    if fits(inner, indent + 4):
        return f"{pad}{head} (\n{pad}    {inner}\n{pad})"
    rest = [f"{operator} {operand}" for operand in operands[1:]]
    if not all(fits(line, indent + 4) for line in [operands[0], *rest]):
        return None
    return f"{pad}{head} (\n" + "".join(f"{pad}    {line}\n" for line in [operands[0], *rest]) + f"{pad})"


def module_docstring(lines: list[str], closing_line: bool = False) -> str | None:
    """A module docstring of several plain lines (first and last not empty), its closing
    quotes on a line of their own when `closing_line` (black leaves them there) or when
    the last line leaves no room for them (black moves them there)."""
    if len(lines) < 2 or not (lines[0] and lines[-1] and all(map(_plain_docstring_line, lines))):
        return None
    closing = '"""' if fits(lines[-1] + '"""') and not closing_line else '\n"""'
    return '"""' + "\n".join(lines) + closing


def docstring(text: str, indent: int) -> str | None:
    """The docstring of `text` `indent` spaces in, as black writes it: one plain line
    (black never moves the closing quotes of a one-line docstring, however long), or plain
    lines after the first indented as the quotes are, apart from empty ones (black drops
    those before the closing quotes), and a last line of that indentation alone, where
    the closing quotes stay."""
    pad = " " * indent
    lines = text.split("\n")
    if len(lines) == 1:
        return f'{pad}"""{text}"""' if text and _plain_docstring_line(text) else None
    inner = lines[1:-1]
    if not (lines[0] and _plain_docstring_line(lines[0]) and inner and inner[-1] and lines[-1] == pad):
        return None
    if not all(line == "" or (line.startswith(pad) and _plain_docstring_line(line[indent:])) for line in inner):
        return None
    return f'{pad}"""{text}"""'


def _plain_docstring_line(line: str) -> bool:
    return line.isascii() and line.isprintable() and line == line.strip() and '"' not in line and "\\" not in line


@dataclass(frozen=True)
class Piece:
    """Top-level statements of a module: in black's style when every line of them is
    (`known`), and the text for black to format otherwise (`raw`)."""

    known: str | None
    raw: str

    def formatted(self) -> str:
        return self.known if self.known is not None else format_code(self.raw)


def piece(*parts: str | tuple[str | None, str]) -> Piece:
    """A piece of text in black's style (a str) and of lines laid out here (black's form,
    or None, and the line as black reads it): known when no layout is None."""
    known = "".join(p if isinstance(p, str) else p[0] or "" for p in parts)
    raw = "".join(p if isinstance(p, str) else p[1] for p in parts)
    sure = all(isinstance(p, str) or p[0] is not None for p in parts)
    return Piece(known if sure else None, raw)


def joined(pieces: Iterable[Piece]) -> str:
    """The pieces, one blank line apart (black's two between top-level definitions, with
    the newline each piece ends with): black formats a module's top-level statements one
    at a time, so this is black's result on the raw pieces joined the same way."""
    return "\n\n".join(p.formatted() for p in pieces)
