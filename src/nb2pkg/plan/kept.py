"""What cells kept in the notebook do that the package must know about.

A kept cell (it does not parse, runs a shell line or a foreign magic, is tagged
`nb2pkg:keep`) still runs in the summary notebook, but never in the package: the
modules must import for themselves what such a cell imports, and `pipeline.run()`
cannot be what the notebook did when such a cell binds or changes a name later steps
read.
"""

from __future__ import annotations

import re

import libcst as cst

from nb2pkg.analysis import parse
from nb2pkg.plan.model import Segment

ImportNode = cst.Import | cst.ImportFrom
_IMPORT_LINE = re.compile(r"^(?:import|from)\s+[\w.]")


def kept_imports(segment: Segment) -> list[ImportNode]:
    """The top-level import statements of a kept cell, in order: parsed from the cell
    when it parses, else line by line (a Python 2 cell's `import os` is still Python)."""
    python = segment.facts.python
    if python is None:
        return []  # another language (`%%bash`, `%%writefile`): nothing it holds runs as Python
    if segment.facts.analysed:
        return [
            small
            for statement in parse(python).body
            if isinstance(statement, cst.SimpleStatementLine)
            for small in statement.body
            if isinstance(small, (cst.Import, cst.ImportFrom))
        ]
    return [node for text in _import_texts(python) for node in _parsed(text)]


def _import_texts(source: str) -> list[str]:
    """Top-level `import ...` / `from ... import (...)` statements, joined across lines."""
    lines = source.splitlines()
    found = []
    position = 0
    while position < len(lines):
        line = lines[position]
        position += 1
        if not _IMPORT_LINE.match(line):
            continue
        text = line
        while "(" in text and ")" not in text and position < len(lines):
            text += "\n" + lines[position]
            position += 1
        found.append(text)
    return found


def _parsed(text: str) -> list[ImportNode]:
    try:
        statement = cst.parse_statement(text + "\n")
    except cst.ParserSyntaxError:
        return []  # Python 2 (`import a as b, c`)? not an import nb2pkg can repeat
    if not isinstance(statement, cst.SimpleStatementLine):
        return []
    return [
        small
        for small in statement.body
        if isinstance(small, (cst.Import, cst.ImportFrom))
        and not (isinstance(small, cst.ImportFrom) and isinstance(small.names, cst.ImportStar))
    ]
