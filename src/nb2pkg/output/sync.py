"""Reading a project back: whether it is in sync with its notebook (what lets `--check`
answer without converting) and diffs of what writing would change. Both read as
`output` writes: the record checked, never through a link."""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from nb2pkg import __version__
from nb2pkg.output.files import Place, place_of, probe
from nb2pkg.output.record import DamagedRecord, Record, digest, notebook_fields, read_record


def recorded_outline(out: Path, notebook: Path, package: str, within: Path | None = None) -> dict[str, Any] | None:
    """The recorded outline when `out` holds this nb2pkg's conversion of `notebook` as it
    is now, under `package`, with every file as nb2pkg wrote it (converting again would
    change nothing); otherwise None."""
    record = _record_in_sync(place_of(out, within), out, notebook, package)
    return _checked_outline(record.outline) if record is not None else None


def recorded_files(out: Path, notebook: Path, package: str, within: Path | None = None) -> list[str] | None:
    """The files of `out` when it is in sync with `notebook` (see `recorded_outline`)."""
    record = _record_in_sync(place_of(out, within), out, notebook, package)
    return sorted(record.files) if record is not None else None


def written_state(out: Path, within: Path | None = None) -> tuple[str, dict[str, str]] | None:
    """What the record of `out` says was last written: the notebook's hash and each
    file's; None when there is no readable record. Two readings differ when a run wrote
    the project in between."""
    try:
        record = read_record(place_of(out, within))
    except (DamagedRecord, OSError, RuntimeError):
        return None
    return (record.notebook_sha256, dict(record.files)) if record is not None else None


_OUTLINE = {
    "nbformat": int,
    "steps": int,
    "modules": list,
    "kept_cells": int,
    "unparsed_cells": int,
    "python2_cells": int,
    "warnings": list,
    "local_modules": dict,
}


def _checked_outline(outline: Any) -> dict[str, Any] | None:
    """The outline if it has the shape nb2pkg writes (it becomes a row of a batch report)."""
    if set(outline) != set(_OUTLINE) or not all(type(outline[key]) is kind for key, kind in _OUTLINE.items()):
        return None
    if not all(isinstance(item, str) for key in ("modules", "warnings") for item in outline[key]):
        return None
    return dict(outline)


def _record_in_sync(place: Place, out: Path, notebook: Path, package: str) -> Record | None:
    """The record when it is in sync; None otherwise, and for anything odd (a damaged
    record, an unreadable file): the full conversion then finds and reports it."""
    try:
        record = read_record(place)
        if (
            record is None
            or record.pending
            or record.version != __version__
            or f"src/{package}/__init__.py" not in record.files
            or (record.notebook, record.notebook_sha256) != notebook_fields(notebook, out)
            # modules copied from beside the notebook may have changed: convert again
            or not isinstance(record.outline, dict)
            or record.outline.get("local_modules")
        ):
            return None
        for name, sha in record.files.items():
            entry = probe(place, name)
            if entry.data is None or digest(entry.data) != sha:
                return None
    except (DamagedRecord, OSError, ValueError):
        return None
    return record


def project_diff(
    out: Path,
    files: dict[str, str],
    report: Any,
    prefix: str = "",
    within: Path | None = None,
) -> str:
    """Unified diffs of what writing would change, `a/` and `b/` relative to `out` (with
    `prefix` before each name) so that `git apply` takes them; notebooks as readable
    `# %%` text. Old text is read as `plan_changes` did: never through a link."""
    place = place_of(out, within)
    parts = []
    for name in sorted((*report.created, *report.changed, *report.removed)):
        data = probe(place, name).data if name not in report.created else None
        old = data.decode("utf-8", "replace") if data is not None else ""
        new = files.get(name, "")
        if name.endswith(".ipynb"):
            old, new = notebook_as_text(old), notebook_as_text(new)
        shown = prefix + name
        before = "/dev/null" if name in report.created else f"a/{shown}"
        after = "/dev/null" if name in report.removed else f"b/{shown}"
        lines = difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True), before, after)
        mode = (
            "new file mode 100644\n"
            if name in report.created
            else "deleted file mode 100644\n"
            if name in report.removed
            else ""
        )
        parts.append(f"diff --git a/{shown} b/{shown}\n{mode}" + "".join(_with_newlines(lines)))
    return "".join(parts)


def _with_newlines(lines: Iterable[str]) -> Iterator[str]:
    for line in lines:
        yield line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"


def notebook_as_text(text: str) -> str:
    """A notebook's cells as `# %%` sections with their source (how people read a diff);
    a notebook someone broke is shown as the text it is."""
    if not text.strip():
        return ""
    try:
        cells = json.loads(text).get("cells", [])
        sections = [_cell_as_text(cell) for cell in cells]
    except (ValueError, AttributeError, TypeError, RecursionError):
        return text
    return "\n".join(sections)


def _cell_as_text(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    source = "".join(source) if isinstance(source, list) else str(source)
    if cell.get("cell_type") == "code":
        return f"# %%\n{source}\n"
    body = "\n".join(f"# {line}".rstrip() for line in source.splitlines())
    return f"# %% [{cell.get('cell_type')}]\n{body}\n"
