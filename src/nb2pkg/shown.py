"""What a cell shows a reader: its outputs (saved in the file, or fresh from a kernel) read
as `Item`s, masked and merged as `verify` compares them, and written as the readable text
of the generated `tests/expected/` files (and read back).

The functions in `SHARED` are copied as they are into each generated
`tests/test_outputs.py`, which must not import nb2pkg: one source for both. They use
only the standard library, `Item` and `MASKS`, and the names `re`, `base64`, `struct`,
`Any` and `Sequence`.
"""

from __future__ import annotations

import base64
import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

# The parts of an output that legitimately vary from run to run, and what they become.
MASKS = (
    (re.compile(r"0x[0-9a-fA-F]{4,}"), "0x…"),
    (re.compile(r"^(CPU times|Wall time):.*$", re.MULTILINE), "<time>"),
    (re.compile(r"^.* per loop \(mean ± std\. dev\. of .*$", re.MULTILINE), "<timeit>"),
    # %timeit adds this line on a busy machine only: it says nothing of the code
    (re.compile(r"^The slowest run took .*\n?", re.MULTILINE), ""),
    (re.compile(r"^\S+\.py:\d+: (\w+Warning): ", re.MULTILINE), r"<file>: \1: "),
    # the source line a warning echoes: black may have re-quoted or re-wrapped it
    (re.compile(r"^  \S.*$", re.MULTILINE), "  <source line>"),
    (re.compile(r"(/tmp|/var/folders)/[^\s'\"]+"), "<tmp>"),
    (re.compile(r"<ipython-input-\d+-[0-9a-f]+>"), "<cell>"),
)


@dataclass(frozen=True)
class Item:
    """One thing a reader sees: printed "text", "stderr", a shown "value", a "figure"
    (its pixel size), an "error" ("Name: message")."""

    kind: str
    content: str


def read_items(cell: Any) -> list[Item]:
    """What a code cell (a notebook's cell as JSON, or as nbformat holds it) shows."""
    items: list[Item] = []
    outputs = cell.get("outputs") if isinstance(cell, dict) and cell.get("cell_type") == "code" else None
    for output in outputs if isinstance(outputs, list) else []:
        kind = output.get("output_type") if isinstance(output, dict) else None
        if kind == "stream":
            items.append(Item("stderr" if output.get("name") == "stderr" else "text", _text(output.get("text"))))
        elif kind in ("execute_result", "display_data"):
            data = output.get("data") if isinstance(output.get("data"), dict) else {}
            if "image/png" in data:
                items.append(Item("figure", _png_size(data["image/png"])))
            elif "text/plain" in data:
                items.append(Item("value", _text(data["text/plain"])))
        elif kind == "error":
            items.append(Item("error", f"{output.get('ename')}: {output.get('evalue', '')}"[:300]))
    return items


def _text(value: Any) -> str:
    return "".join(map(str, value)) if isinstance(value, list) else str(value or "")


def _png_size(encoded: Any) -> str:
    try:
        header = base64.b64decode(_text(encoded)[:64])
        width, height = struct.unpack(">II", header[16:24])
        return f"{width}x{height}"
    except (ValueError, struct.error):
        return "figure"


def normalise(items: Sequence[Item]) -> list[Item]:
    """Printed text merged (stderr apart: when it shows between prints depends only on
    when each stream was flushed), error messages cut to the error's name (they carry
    paths and ids), and the legitimately varying parts masked."""
    errors = "".join(i.content for i in items if i.kind == "stderr")
    ordered = [i for i in items if i.kind != "stderr"] + ([Item("stderr", errors)] if errors else [])
    merged: list[Item] = []
    for item in ordered:
        content = item.content.split(":")[0] if item.kind == "error" else item.content
        for pattern, replacement in MASKS:
            content = pattern.sub(replacement, content)
        if item.kind == "text" and merged and merged[-1].kind == "text":
            merged[-1] = Item("text", merged[-1].content + content)
        elif not (item.kind == "text" and not content):
            merged.append(Item(item.kind, content))
    return merged


def group_cells(
    sources: Sequence[Sequence[str | int]], number_of: dict[str | int, int]
) -> list[tuple[int, tuple[int, ...], tuple[int, ...]]]:
    """Consecutive summary cells that stand for overlapping original cells (a cell split
    into a kept definition and a step) compare as one: (first position, the summary
    cells, the original cells), from each summary cell's original cells (ids or numbers)."""
    groups: list[tuple[int, tuple[int, ...], tuple[int, ...]]] = []
    for position, refs in enumerate(sources, start=1):
        numbers = tuple(number_of[s] for s in refs if s in number_of)
        if groups and numbers and set(numbers) & set(groups[-1][2]):
            start, members, previous = groups[-1]
            groups[-1] = (start, (*members, position), tuple(sorted(set(previous) | set(numbers))))
        else:
            groups.append((position, (position,), numbers))
    return groups


def as_text(items: Sequence[Item]) -> str:
    """Items as a reviewer reads them: `[kind]`, then the content indented by four spaces
    (an empty line stays empty), so that `from_text` reads the same items back. Spaces at
    line ends are dropped (pandas pads wide frames with them; editors and commit hooks
    remove them), and text no file can hold (a lone surrogate) becomes `?`."""
    lines = []
    for item in items:
        lines.append(f"[{item.kind}]")
        for line in item.content.split("\n"):
            line = line.rstrip(" \t")
            lines.append("    " + line if line else "")
    text = "".join(line + "\n" for line in lines)
    return text.encode("utf-8", "replace").decode("utf-8")


def from_text(text: str) -> list[Item]:
    """The items `as_text` wrote (lines before the first `[kind]` are a header)."""
    items: list[tuple[str, list[str]]] = []
    for line in text.split("\n")[:-1] if text.endswith("\n") else text.split("\n"):
        if items and (not line or line.startswith("    ")):
            items[-1][1].append(line[4:])
        elif line.startswith("[") and line.endswith("]"):
            items.append((line[1:-1], []))
    return [Item(kind, "\n".join(lines)) for kind, lines in items]


SHARED = (read_items, _text, _png_size, normalise, group_cells, as_text, from_text)
