"""The versions a notebook records itself, for when the environment it ran in is not found:
its Python (`language_info.version`) and the `__version__`s its saved outputs show.

A cell's code is matched to its outputs conservatively: a version is taken only when the
cell reads one module's `__version__` and its outputs show one version, or when an output
line shows one version beside the module's name (`pandas 1.3.5`), or when each of the
cell's `__version__`s has its own line, in order. Anything else is left unread.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from nb2pkg.limits import parse_quietly

_VERSION = re.compile(r"(?<![\w.])v?(\d+\.\d+(?:\.\d+)*(?:(?:a|b|rc|\.post|\.dev)\d+)*(?:\+[\w.]+)?)(?![\w.]*\d)")
_LOOSE_LINE = re.compile(r"[!%].*")  # IPython syntax: not Python, and reads no version


@dataclass(frozen=True)
class Recorded:
    """What the notebook records: its Python's version and module versions by import name."""

    python: str | None = None
    modules: Mapping[str, str] = field(default_factory=dict)


def recorded_versions(data: Any) -> Recorded:
    """The versions notebook JSON `data` records; nothing for what it does not."""
    if not isinstance(data, dict):
        return Recorded()
    metadata = data.get("metadata")
    info = metadata.get("language_info") if isinstance(metadata, dict) else None
    version = info.get("version") if isinstance(info, dict) else None
    python = version if isinstance(version, str) and re.fullmatch(r"3\.\d+(\.\d+)?", version) else None
    cells = list(_code_cells(data))
    aliases = _aliases(source for source, _ in cells)
    found: dict[str, set[str]] = {}
    for source, outputs in filter(lambda cell: cell[1], cells):
        for module, seen in _versions_shown(source, outputs, aliases).items():
            found.setdefault(module, set()).add(seen)
    # a module shown with two versions (a kernel changed mid-notebook) is not known
    return Recorded(python, {module: next(iter(seen)) for module, seen in sorted(found.items()) if len(seen) == 1})


def _code_cells(data: dict[str, Any]) -> Iterator[tuple[str, list[str]]]:
    """Each code cell's source and the lines of its text outputs (nbformat 4, or 3's worksheets)."""
    cells = data.get("cells")
    if not isinstance(cells, list):
        sheets = data.get("worksheets")
        cells = (
            [c for s in sheets if isinstance(s, dict) for c in s.get("cells") or ()] if isinstance(sheets, list) else []
        )
    for cell in cells:
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            source = _joined(cell.get("source", cell.get("input")))
            outputs = cell.get("outputs")
            lines = (
                [line for o in outputs if isinstance(o, dict) for line in _output_lines(o)]
                if isinstance(outputs, list)
                else []
            )
            if source is not None:
                yield source, lines


def _output_lines(output: dict[str, Any]) -> list[str]:
    if output.get("output_type") == "stream":
        text = _joined(output.get("text"))
    elif output.get("output_type") in ("execute_result", "pyout"):
        data = output.get("data")
        text = _joined(data.get("text/plain") if isinstance(data, dict) else output.get("text"))
    else:
        text = None
    return text.splitlines() if text else []


def _joined(value: object) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(part, str) for part in value):
        return "".join(value)
    return None


def _parsed(source: str) -> ast.Module | None:
    try:
        return parse_quietly(_LOOSE_LINE.sub("", source))
    except (SyntaxError, ValueError, RecursionError, MemoryError):  # this is the raw cell: no limit checked it
        return None


def _may_say(word: str, source: str) -> bool:
    """Whether the cell may hold `word` as code: it says it (or has other than ASCII,
    which Python may read as the word)."""
    return word in source or not source.isascii()


def _aliases(sources: Iterator[str]) -> dict[str, str]:
    """Name -> top-level module, for every `import x` / `import x as y` of the notebook."""
    aliases: dict[str, str] = {}
    for tree in filter(None, map(_parsed, (source for source in sources if _may_say("import", source)))):
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        aliases[alias.asname] = alias.name.split(".")[0] if "." not in alias.name else ""
                    else:
                        aliases[alias.name.split(".")[0]] = alias.name.split(".")[0]
    return {name: module for name, module in aliases.items() if module}


def _read_versions(source: str, aliases: Mapping[str, str]) -> list[str]:
    """The modules whose `__version__` the cell reads (`pd.__version__`), in source order, once each."""
    tree = _parsed(source) if _may_say("__version__", source) else None
    if tree is None:
        return []
    reads = [
        (node.lineno, node.col_offset, aliases[node.value.id])
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr == "__version__"
        and isinstance(node.value, ast.Name)
        and node.value.id in aliases
    ]
    return list(dict.fromkeys(module for *_, module in sorted(reads)))


def _versions_shown(source: str, lines: list[str], aliases: Mapping[str, str]) -> dict[str, str]:
    modules = _read_versions(source, aliases)
    if not modules:
        return {}
    shown = [(line, _VERSION.findall(line)) for line in lines]
    shown = [(line, versions) for line, versions in shown if versions]
    distinct = {version for _, versions in shown for version in versions}
    if len(modules) == 1:
        return {modules[0]: distinct.pop()} if len(distinct) == 1 else {}
    labelled = {}
    for line, versions in shown:
        named = [m for m in modules if _names(line, m, aliases)]
        if len(versions) == 1 and len(named) == 1:
            labelled[named[0]] = versions[0]
    if labelled:
        return labelled
    if len(shown) == len(modules) and all(len(versions) == 1 for _, versions in shown):
        return {module: versions[0] for module, (_, versions) in zip(modules, shown, strict=True)}
    return {}


def _names(line: str, module: str, aliases: Mapping[str, str]) -> bool:
    """Whether `line` names `module` (or an alias of it) as a word."""
    words = {module} | {alias for alias, target in aliases.items() if target == module}
    return any(re.search(rf"(?<![\w.]){re.escape(word)}(?![\w])", line, re.IGNORECASE) for word in words)
