"""The names a cell binds at notebook level, read statically: what a later cell misses
when this one fails (so its NameError is a consequence, not a failure of its own)."""

from __future__ import annotations

import ast
import re

from nb2pkg.ipython import to_python
from nb2pkg.limits import parse_quietly


def bound_names(source: str) -> frozenset[str]:
    """Names the cell binds outside function bodies; every word of it when it does not
    parse (an over-estimate only makes a NameError more likely to count as a consequence)."""
    python = to_python(source).python
    found: set[str] = set()
    try:
        _collect(parse_quietly(python or ""), found)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return frozenset(re.findall(r"[A-Za-z_]\w*", source))
    return frozenset(found)


def _collect(node: ast.AST, found: set[str]) -> None:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found.add(child.name)  # its body runs later, in a scope of its own
        elif isinstance(child, (ast.Import, ast.ImportFrom)):
            found.update((a.asname or a.name).split(".")[0] for a in child.names if a.name != "*")
        elif isinstance(child, ast.Lambda):
            continue
        else:
            if isinstance(child, ast.ExceptHandler) and child.name:
                found.add(child.name)
            if isinstance(child, ast.Name) and isinstance(child.ctx, (ast.Store, ast.Del)):
                found.add(child.id)
            _collect(child, found)
