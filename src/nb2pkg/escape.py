"""Notebook text made safe for the files nb2pkg writes: Python docstrings, one-line
text (TOML descriptions, warnings) and Markdown code spans. Names and markdown come from
the notebook's author, or from whoever named the file: none of it may end a string early,
add a line, or change what the generated code means."""

from __future__ import annotations

import inspect
import re
import unicodedata

# Characters shown as escapes: control and format characters (bidi overrides included),
# line and paragraph separators, lone surrogates (which UTF-8 cannot even encode).
_HIDDEN = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# Text every character of which a docstring holds as it is: printable ASCII but the
# backslash, and line breaks (most of what nb2pkg writes: one test of it, not one a character).
_AS_IS = re.compile(r"[ -\[\]-~\n]*")


def _escape(char: str) -> str:
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _hidden(char: str) -> bool:
    return unicodedata.category(char) in _HIDDEN


def printable(text: str) -> str:
    """`text` on one line: every control, format or separator character as its Python
    escape (`\\n`, `\\x00`, `\\u202e`); everything else, backslashes included, as is."""
    if text.isascii() and text.isprintable():
        return text  # no hidden character: most text
    return "".join(_escape(char) if _hidden(char) else char for char in text)


def docstring_text(text: str) -> str:
    """What a docstring made of `text` holds (as `ast.get_docstring` reads it): newlines
    normalised, NUL dropped, lone surrogates replaced, trailing spaces and the common
    indentation removed (black and `inspect.cleandoc` would remove them anyway)."""
    text = re.sub(r"\r\n?", "\n", text).replace("\0", "")
    text = _LONE_SURROGATE.sub("\ufffd", text)
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    # `cleandoc` measures the margin without the first line; once leading blank lines are
    # gone another line is first, so a second pass may clean more: clean to a fixed point
    while (cleaned := inspect.cleandoc(text)) != text:
        text = cleaned
    return text


def docstring_literal(text: str, indent: str = "") -> str:
    """A triple-quoted literal whose docstring is `docstring_text(text)`, its later lines
    indented by `indent`. Backslashes are doubled (no `\\N{`, `\\x` or line joins), hidden
    characters escaped, and the quotes chosen so that none inside can close it."""
    clean = docstring_text(text)
    quote = _quote_for(clean)
    body = clean if _AS_IS.fullmatch(clean) else "".join(_literal_char(char, quote) for char in clean)
    body = _break_quote_runs(body, quote[0])
    if body.endswith(quote[0]):  # would merge with the closing quotes (black pads it too)
        body = body[:-1] + _escape(quote[0])
    lines = body.split("\n")
    closing = "\n" + indent if len(lines) > 1 else ""
    joined = "\n".join([lines[0], *(indent + line if line else "" for line in lines[1:])])
    return f"{quote}{joined}{closing}{quote}"


def _quote_for(text: str) -> str:
    """`\"\"\"` unless the text has a run of double quotes or ends with one and `'''`
    would need no escape at all."""
    troubled = '"""' in text or text.endswith('"')
    if troubled and "'''" not in text and not text.endswith("'"):
        return "'''"
    return '"""'


def _literal_char(char: str, quote: str) -> str:
    if char == "\\":
        return "\\\\"
    if char == "\n":
        return char
    # (no tabs are left: cleandoc expanded them) Black would split the text at hidden line
    # breaks (\x0c, \x1c, \u2028) and strip unusual spaces: they are written as escapes.
    if _hidden(char) or char.isspace() and char not in " \u00a0":
        return _escape(char)
    return char


def _break_quote_runs(body: str, mark: str) -> str:
    """Every third quote of a run escaped, so that no three in a row end the literal."""
    return re.sub(re.escape(mark) * 3, lambda m: mark * 2 + _escape(mark), body)


def markdown_code(text: str) -> str:
    """`text` as a Markdown code span that shows it literally: backticks inside fenced by a
    longer run, hidden characters escaped (a code span is one line)."""
    shown = printable(text)
    longest = max((len(run) for run in re.findall("`+", shown)), default=0)
    fence = "`" * (longest + 1)
    padded = (
        shown.startswith("`")
        or shown.endswith("`")
        or (shown.startswith(" ") and shown.endswith(" ") and shown.strip() != "")
    )
    pad = " " if padded else ""
    return f"{fence}{pad}{shown}{pad}{fence}"
