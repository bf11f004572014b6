"""LibCST's tree of a cell's code, parsed once however many stages ask for it."""

from __future__ import annotations

from functools import lru_cache

import libcst as cst

# Room for every cell of one notebook, however large: the stages ask in notebook order, so
# a cache smaller than the notebook would have dropped each tree before the next stage asks
# again. A conversion empties the caches when it ends (`cells.forget_code`).
CACHED_PER_NOTEBOOK = 1 << 16


@lru_cache(maxsize=CACHED_PER_NOTEBOOK)
def parse(python: str) -> cst.Module:
    """LibCST's tree of `python`, parsed once however often the stages ask for it (trees
    are immutable, so sharing one is safe); a syntax error is raised each time."""
    return cst.parse_module(python)
