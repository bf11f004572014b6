"""A cell's code parsed (and tokenized) once, and a statement's code printed once,
however many stages ask for them: LibCST trees are immutable, so one tree serves them all, and one statement
always prints the same in modules of the same indentation and newline."""

from __future__ import annotations

from functools import lru_cache

import libcst as cst

from nb2pkg.ipython import hides_value

# Room for every cell and statement of one notebook, however large: the stages ask in
# notebook order, so a cache smaller than the notebook would have dropped each entry
# before the next stage asks again. A conversion empties the caches when it ends
# (`cells.forget_code`).
CACHED_PER_NOTEBOOK = 1 << 16

_PLAIN = cst.Module(body=[])  # four-space indents, "\n" newlines: most cells


@lru_cache(maxsize=CACHED_PER_NOTEBOOK)
def parse(python: str) -> cst.Module:
    """LibCST's tree of `python`, parsed once however often the stages ask for it (trees
    are immutable, so sharing one is safe); a syntax error is raised each time."""
    return cst.parse_module(python)


def code_of(statement: cst.CSTNode, module: cst.Module = _PLAIN) -> str:
    """`module.code_for_node(statement)`."""
    if module.default_indent == _PLAIN.default_indent and module.default_newline == _PLAIN.default_newline:
        return printed(statement)
    return module.code_for_node(statement)


@lru_cache(maxsize=CACHED_PER_NOTEBOOK)
def printed(statement: cst.CSTNode) -> str:
    """The node's code in a module of four-space indents and "\n" newlines."""
    # nodes hash by identity, and the cache holds the nodes it knows: no id is reused
    return _PLAIN.code_for_node(statement)


@lru_cache(maxsize=CACHED_PER_NOTEBOOK)
def value_hidden(python: str) -> bool:
    """`ipython.hides_value(python)`, the code tokenized once: the analysis of `_` and
    the cell's segments each ask of the same cell."""
    return hides_value(python)
