"""Black on generated code, exactly as `black.format_str` formats it, for less.

`black.format_str` formats once and, when that changed the text, formats the result a
second time: a trailing comma the first pass adds when it splits a bracket is "magic" to
the second, and optional parentheses can then go another way. A second pass can only
differ from the first through what the first pass added, removed or moved, so it is
skipped when the first pass changed nothing but whitespace and quote characters (string
quotes, docstring indentation, `#x` -> `# x`: what black normalises before it splits
lines, the same way in both passes). tests/test_format_black.py checks that this gives
black's result on what converting the corpus formats and on generated code."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import black

# What the first pass may change without the second pass seeing anything new: whitespace
# (deleted) and which quote character a string uses (all made one).
_LAYOUT = str.maketrans(dict.fromkeys(" \t\n\r\f\v", None) | {"'": '"'})


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
        return once(formatted, mode=mode)
    except black.InvalidInput:  # black's own output does not parse: its own error for it
        return black.format_str(text, mode=mode)


def only_layout_changed(before: str, after: str) -> bool:
    """Whether `after` is `before` but for whitespace and quote characters: no token
    added, removed or moved (black never splits or joins a token)."""
    return before.translate(_LAYOUT) == after.translate(_LAYOUT)


def format_key(text: str) -> str:
    """What `format_code(text)` depends on, as a digest: black's version, its mode and the
    text. A formatting stored with the same key is the one black gives (render.known)."""
    import black

    return hashlib.sha256(f"{black.__version__}\0{_black_mode()!r}\0{text}".encode()).hexdigest()


def _black_mode() -> black.Mode:
    import black

    return black.Mode(target_versions={black.TargetVersion.PY310})
