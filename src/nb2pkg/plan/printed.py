"""The code of a statement, printed once however many passes of the plan ask for it
(roles, settings, a segment's source): LibCST nodes are immutable, so one statement
always prints the same in modules of the same indentation and newline."""

from __future__ import annotations

from functools import lru_cache

import libcst as cst

from nb2pkg.analysis import CACHED_PER_NOTEBOOK

_PLAIN = cst.Module(body=[])  # four-space indents, "\n" newlines: most cells


def code_of(statement: cst.CSTNode, module: cst.Module = _PLAIN) -> str:
    """`module.code_for_node(statement)`."""
    if module.default_indent == _PLAIN.default_indent and module.default_newline == _PLAIN.default_newline:
        return _printed(statement)
    return module.code_for_node(statement)


@lru_cache(maxsize=CACHED_PER_NOTEBOOK)
def _printed(statement: cst.CSTNode) -> str:
    # nodes hash by identity, and the cache holds the nodes it knows: no id is reused
    return _PLAIN.code_for_node(statement)


def forget_printed() -> None:
    """Empty the cache of printed statements (a conversion calls it when it ends)."""
    _printed.cache_clear()
