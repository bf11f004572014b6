"""Write a converted project to disk: the only stage that touches the output folder.

The folder records what nb2pkg wrote (`.nb2pkg.json`: the source notebook, its hash,
the nb2pkg version and the hash of every file), so a later run knows which files are
its own and unchanged. A file the user edited since is never overwritten without
`--force`; files the user added are never touched. Every file is written to a
temporary file beside it and renamed into place, so an interrupted run leaves each
file old or new, never half-written.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

from nb2pkg import __version__
from nb2pkg.errors import EditedFiles, NotOurFolder

PROVENANCE = ".nb2pkg.json"


@dataclass(frozen=True)
class WriteReport:
    created: tuple[str, ...]
    changed: tuple[str, ...]
    unchanged: tuple[str, ...]
    removed: tuple[str, ...]


def digest(text: str | bytes) -> str:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return hashlib.sha256(data).hexdigest()


def provenance(files: dict[str, str], notebook: Path, out: Path, outline: dict[str, Any] | None = None) -> str:
    """The record of a conversion; nothing in it depends on the machine. `outline` is what
    the conversion found (steps, modules, warnings), for reports that skip unchanged work."""
    record = {
        "nb2pkg": __version__,
        "notebook": _relative(notebook, out),
        "notebook_sha256": digest(notebook.read_bytes()),
        "files": {name: digest(text) for name, text in sorted(files.items())},
        "outline": outline or {},
    }
    return json.dumps(record, indent=2, sort_keys=True) + "\n"


def recorded_outline(out: Path, notebook: Path, package: str) -> dict[str, Any] | None:
    """The recorded outline when `out` holds this nb2pkg's conversion of `notebook` as it
    is now, under `package`, with every file as nb2pkg wrote it (converting again would
    change nothing); otherwise None."""
    record = _record_in_sync(out, notebook, package)
    return dict(record["outline"]) if record is not None and isinstance(record.get("outline"), dict) else None


def recorded_files(out: Path, notebook: Path, package: str) -> list[str] | None:
    """The files of `out` when it is in sync with `notebook` (see `recorded_outline`)."""
    record = _record_in_sync(out, notebook, package)
    return sorted(record["files"]) if record is not None else None


def _record_in_sync(out: Path, notebook: Path, package: str) -> dict[str, Any] | None:
    try:
        record = json.loads((out / PROVENANCE).read_text(encoding="utf-8"))
        recorded = record["files"]
        if (record.get("nb2pkg") != __version__
                or record.get("notebook") != _relative(notebook, out)
                or f"src/{package}/__init__.py" not in recorded
                or record.get("notebook_sha256") != digest(notebook.read_bytes())
                or not all(_current_digest(out / name) == sha for name, sha in recorded.items())):
            return None
        return dict(record)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _relative(notebook: Path, out: Path) -> str:
    return Path(os.path.relpath(notebook.resolve(), out.resolve())).as_posix()


def plan_changes(out: Path, files: dict[str, str], force: bool = False) -> WriteReport:
    """What writing `files` into `out` would do; raises when it must not be done."""
    previous = _previous_files(out, force)
    edited = sorted(name for name, sha in previous.items() if _current_digest(out / name) not in (sha, None))
    theirs = sorted(
        name for name, text in files.items()
        if name not in previous and _current_digest(out / name) not in (digest(text), None)
    )  # files the user made where nb2pkg now wants to write
    edited = sorted(set(edited) | set(theirs))
    if edited and not force:
        raise EditedFiles(out, edited)
    created, changed, unchanged = [], [], []
    for name, text in files.items():
        current = _current_digest(out / name)
        if current == digest(text):
            unchanged.append(name)
        else:
            (created if current is None else changed).append(name)
    removed = [
        name for name in sorted(set(previous) - set(files))
        if (out / name).exists() and (force or name not in edited)
    ]
    return WriteReport(tuple(created), tuple(changed), tuple(unchanged), tuple(removed))


def write_project(
    out: Path, files: dict[str, str], notebook: Path, force: bool = False, outline: dict[str, Any] | None = None,
) -> WriteReport:
    """Write `files` into `out` safely (see the module docstring)."""
    report = plan_changes(out, files, force)
    for name in (*report.created, *report.changed):
        _write_atomic(out / name, files[name])
    for name in report.removed:
        (out / name).unlink()
    _write_atomic(out / PROVENANCE, provenance(files, notebook, out, outline))
    return report


def project_diff(out: Path, files: dict[str, str], report: WriteReport, prefix: str = "") -> str:
    """Unified diffs of what writing would change, `a/` and `b/` relative to `out` (with
    `prefix` before each name) so that `git apply` takes them; notebooks as readable
    `# %%` text."""
    parts = []
    for name in sorted((*report.created, *report.changed, *report.removed)):
        old = (out / name).read_text(encoding="utf-8") if name not in report.created else ""
        new = files.get(name, "")
        if name.endswith(".ipynb"):
            old, new = notebook_as_text(old), notebook_as_text(new)
        shown = prefix + name
        before = "/dev/null" if name in report.created else f"a/{shown}"
        after = "/dev/null" if name in report.removed else f"b/{shown}"
        lines = difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True), before, after)
        mode = ("new file mode 100644\n" if name in report.created
                else "deleted file mode 100644\n" if name in report.removed else "")
        parts.append(f"diff --git a/{shown} b/{shown}\n{mode}" + "".join(_with_newlines(lines)))
    return "".join(parts)


def _with_newlines(lines: Iterable[str]) -> Iterator[str]:
    for line in lines:
        yield line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"


def notebook_as_text(text: str) -> str:
    """A notebook's cells as `# %%` sections with their source (how people read a diff)."""
    if not text.strip():
        return ""
    cells = json.loads(text).get("cells", [])
    sections = []
    for cell in cells:
        source = "".join(cell.get("source", [])) if isinstance(cell.get("source"), list) else cell.get("source", "")
        if cell.get("cell_type") == "code":
            sections.append(f"# %%\n{source}\n")
        else:
            body = "\n".join(f"# {line}".rstrip() for line in source.splitlines())
            sections.append(f"# %% [{cell.get('cell_type')}]\n{body}\n")
    return "\n".join(sections)


def _previous_files(out: Path, force: bool) -> dict[str, str]:
    record = out / PROVENANCE
    if not out.exists() or (out.is_dir() and not any(out.iterdir())):
        return {}
    if not out.is_dir():
        raise NotOurFolder(out, "exists and is not a folder", "choose another --out")
    if not record.is_file():
        if force:
            return {}
        raise NotOurFolder(out, "exists, is not empty and was not made by nb2pkg",
                           "choose another --out, or pass --force to write into it")
    try:
        data = json.loads(record.read_text(encoding="utf-8"))
        files = data["files"]
        assert isinstance(files, dict)
    except (ValueError, KeyError, AssertionError, OSError):
        if force:
            return {}
        raise NotOurFolder(out, f"has a damaged {PROVENANCE}", "pass --force to convert again") from None
    return {str(k): str(v) for k, v in files.items()}


def _current_digest(path: Path) -> str | None:
    try:
        return digest(path.read_bytes())
    except FileNotFoundError:
        return None


def _write_atomic(target: Path, text: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes files private
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
