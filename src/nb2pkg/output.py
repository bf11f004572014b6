"""Write a converted project to disk: the only stage that touches the output folder.

The folder records what nb2pkg wrote (`.nb2pkg.json`, see `record`), so a later run
knows which files are its own. What a run may do:

- create a file where there is none, and replace or remove a file nb2pkg wrote that is
  as nb2pkg wrote it; with `--force`, also one nb2pkg wrote and the user edited since;
- never overwrite a file nb2pkg did not write (even with `--force`: it lists them,
  writes nothing and exits 1), nor the notebook being converted (exit 2);
- never write, read or remove through a link inside the folder (`safe_fs`);
- hold `.nb2pkg.lock` in the folder while it writes, so two runs never mix;
- write each file to a temporary file renamed into place, after an intent record, so a
  run killed at any moment leaves every file old or new and the next run knows both as
  nb2pkg's; it removes the temporary files a killed run left.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from nb2pkg import __version__
from nb2pkg.errors import InputError
from nb2pkg.record import (LOCK, PROVENANCE, RESERVED, DamagedRecord, Record, read_record,
                           render_record)
from nb2pkg.safe_fs import (Blocked, Entry, Place, is_temporary_of, make_folders, names_in, probe,
                            remove_file, remove_temporaries, write_atomic)

__all__ = ["PROVENANCE", "LOCK", "WriteReport", "plan_changes", "write_project", "project_diff",
           "recorded_outline", "recorded_files", "digest"]
LOCK_TIMEOUT = 10.0  # seconds: a run holds the lock only while it writes (well under a second)


class NotOurFolder(InputError):
    reason = "output folder in use"


class Conflict(InputError):
    """Files in the way of the project; nothing was written (exit 1)."""

    reason = "files in the way"


class EditedFiles(Conflict):
    """Files nb2pkg wrote earlier and the user changed since."""

    reason = "edited files"

    def __init__(self, path: Path, files: list[str]) -> None:
        self.files = files
        it = "it" if len(files) == 1 else "them"
        super().__init__(path, f"you edited {_listed(files)} since nb2pkg wrote {it}",
                         "nothing was written; pass --force to overwrite your edits")


class ForeignFiles(Conflict):
    """Files nb2pkg did not write where it would write: never overwritten, not even with --force."""

    reason = "files nb2pkg did not write"

    def __init__(self, path: Path, files: list[str]) -> None:
        self.files = files
        super().__init__(path, f"nb2pkg did not write {_listed(files)}, where the project goes",
                         "nothing was written; move them away or choose another --out "
                         "(even --force overwrites only files nb2pkg wrote)")


class SourceInTheWay(InputError):
    reason = "source notebook in the way"


class FolderLocked(InputError):
    reason = "output folder locked"


class WriteFailed(InputError):
    """The file system refused (read-only, full, a file where a folder must be): not a bug."""

    reason = "cannot write"


@dataclass(frozen=True)
class WriteReport:
    created: tuple[str, ...]
    changed: tuple[str, ...]
    unchanged: tuple[str, ...]
    removed: tuple[str, ...]


@dataclass(frozen=True)
class _Plan:
    report: WriteReport
    ours: dict[str, str]  # files on disk as nb2pkg wrote them -> their hash (the intent's `files`)
    doomed: dict[str, tuple[int, int]]  # files to remove -> the (device, inode) that was checked
    record: Record | None


def digest(text: str | bytes) -> str:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return hashlib.sha256(data).hexdigest()


def _listed(files: list[str]) -> str:
    return ", ".join(files[:5]) + (f" and {len(files) - 5} more" if len(files) > 5 else "")


def place_of(out: Path, within: Path | None = None) -> Place:
    """`out` as a `Place`: followed as named, or (batch) only `within` is, and the rest is
    walked without following links."""
    relative = Path(os.path.relpath(out, within)).as_posix() if within is not None else "."
    if relative == "." or relative.split("/")[0] == "..":
        return Place(out)
    return Place(within, relative)


def notebook_location(notebook: Path) -> Path:
    """Where the notebook is, as the user named it: a linked notebook file means the
    folder the link is in (as for Jupyter, which runs it there), not its target's."""
    return notebook.absolute().parent.resolve() / notebook.name


def _notebook_fields(notebook: Path, out: Path) -> tuple[str, str]:
    relative = Path(os.path.relpath(notebook_location(notebook), out.resolve())).as_posix()
    return relative, digest(notebook.read_bytes())


# -- what the folder holds ------------------------------------------------------------------


def _previous(place: Place, force: bool) -> Record | None:
    """The folder's record; None for a new or empty folder, or (with --force) one nb2pkg
    did not make or whose record is damaged."""
    shown = place.base / place.prefix if place.prefix else place.base
    if not os.path.lexists(place.base):
        return None
    if not place.base.is_dir():
        problem = "is a link to a missing folder" if place.base.is_symlink() else "exists and is not a folder"
        raise NotOurFolder(shown, problem, "choose another --out")
    entries = names_in(place)
    if entries is None:
        if place.prefix and probe(Place(place.base), place.prefix).kind != "missing":
            raise NotOurFolder(shown, "is a link or not a folder; nb2pkg never writes through a link "
                                      "inside the output folder", "remove it, or choose another --out")
        return None
    if not [name for name in entries if name not in RESERVED and not is_temporary_of(name, set(RESERVED))]:
        return None  # empty, but for what a killed first run left
    try:
        record = read_record(place)
    except DamagedRecord:
        if force:
            return None
        raise
    if record is None and not force:
        raise NotOurFolder(shown, "exists, is not empty and was not made by nb2pkg",
                           "choose another --out, or pass --force to write into it")
    return record


def _source_identity(notebook: Path | None) -> tuple[int, int] | None:
    try:
        status = os.stat(notebook) if notebook is not None else None
    except OSError:
        return None
    return (status.st_dev, status.st_ino) if status is not None else None


def _plan(place: Place, files: dict[str, str], force: bool, notebook: Path | None) -> _Plan:
    record = _previous(place, force)
    accepted = record.accepted() if record is not None else {}
    source = _source_identity(notebook)
    created, changed, unchanged, edited, foreign = [], [], [], [], []
    ours: dict[str, str] = {}
    for name, text in files.items():
        entry = probe(place, name)
        _refuse_source(place, name, entry, source)
        if entry.kind == "missing":
            created.append(name)
        elif entry.kind != "file" or entry.data is None:
            note = "a link or not a folder" if entry.kind == "blocked" else "not a regular file"
            foreign.append(f"{entry.where} ({note})")
        elif (current := digest(entry.data)) == digest(text):
            unchanged.append(name)
        elif current in accepted.get(name, ()):
            changed.append(name)
        elif name in accepted:
            edited.append(name)
            changed.append(name)
        else:
            foreign.append(name)
        if entry.kind == "file" and entry.data is not None and digest(entry.data) in accepted.get(name, ()):
            ours[name] = digest(entry.data)
    doomed: dict[str, tuple[int, int]] = {}
    for name in sorted(set(accepted) - set(files)):
        entry = probe(place, name)
        if entry.kind != "file" or entry.data is None or entry.identity is None or entry.identity == source:
            continue  # gone, or no longer a file nb2pkg wrote: left alone
        if digest(entry.data) in accepted[name]:
            ours[name] = digest(entry.data)
        else:
            edited.append(name)
            if not force:
                continue
        doomed[name] = entry.identity
    if foreign:
        raise ForeignFiles(place.base / place.prefix, sorted(set(foreign)))
    if edited and not force:
        raise EditedFiles(place.base / place.prefix, sorted(edited))
    report = WriteReport(tuple(created), tuple(changed), tuple(unchanged), tuple(doomed))
    return _Plan(report, ours, doomed, record)


def _refuse_source(place: Place, name: str, entry: Entry, source: tuple[int, int] | None) -> None:
    if source is not None and entry.identity == source:
        raise SourceInTheWay(place.base / place.shown(name),
                             "is the notebook being converted, and the project's summary notebook would "
                             "replace it", "nothing was written, with or without --force; move the notebook "
                             "out of the project folder or choose another --out")


def plan_changes(
    out: Path, files: dict[str, str], force: bool = False, notebook: Path | None = None, within: Path | None = None,
) -> WriteReport:
    """What writing `files` into `out` would do (nothing is written); raises when it must
    not be done."""
    return _plan(place_of(out, within), files, force, notebook).report


# -- writing ----------------------------------------------------------------------------------


def write_project(
    out: Path, files: dict[str, str], notebook: Path, force: bool = False, outline: dict[str, Any] | None = None,
    within: Path | None = None, lock_timeout: float = LOCK_TIMEOUT,
) -> WriteReport:
    """Write `files` into `out` safely (see the module docstring)."""
    place = place_of(out, within)
    _plan(place, files, force, notebook)  # refuse before making any folder
    _guarded(place, "", make_folders, place)
    with _locked(place, lock_timeout):
        plan = _plan(place, files, force, notebook)  # again: another run may have written meanwhile
        report = plan.report
        relative, notebook_sha = _notebook_fields(notebook, out)
        hashes = {name: digest(text) for name, text in files.items()}
        final = render_record(relative, notebook_sha, hashes, outline)
        if not (report.created or report.changed or report.removed) and _record_text(place) == final:
            return report  # in sync: not one byte to write
        _clean(place, files, plan)
        intent = render_record(relative, notebook_sha, plan.ours, outline, pending=hashes)
        _guarded(place, PROVENANCE, write_atomic, place, PROVENANCE, intent.encode("utf-8"))
        for name in (*report.created, *report.changed):
            _guarded(place, name, write_atomic, place, name, files[name].encode("utf-8"))
        for name, identity in plan.doomed.items():
            _guarded(place, name, remove_file, place, name, identity)
        _guarded(place, PROVENANCE, write_atomic, place, PROVENANCE, final.encode("utf-8"))
    return report


def _record_text(place: Place) -> str | None:
    entry = probe(place, PROVENANCE)
    return entry.data.decode("utf-8", "replace") if entry.data is not None else None


def _clean(place: Place, files: dict[str, str], plan: _Plan) -> None:
    """Remove what killed runs left: `.NAME.XXXXXXXX.tmp` beside a file nb2pkg writes or wrote."""
    names = {*files, *(plan.record.accepted() if plan.record else {}), *RESERVED}
    by_folder: dict[str, set[str]] = {}
    for name in names:
        folder, _, base = name.rpartition("/")
        by_folder.setdefault(folder, set()).add(base)
    for folder, bases in sorted(by_folder.items()):
        _guarded(place, folder, remove_temporaries, place, folder, bases)


def _guarded(place: Place, name: str, action: Callable[..., None], *arguments: Any) -> None:
    """Run a file-system action on `name`; a refusal of the file system becomes one line, exit 2."""
    try:
        action(*arguments)
    except Blocked as blocked:
        raise NotOurFolder(place.base / blocked.where, "is a link or not a folder (it changed during the run)",
                           "nb2pkg never writes through a link; remove it and run again") from None
    except OSError as error:
        where = place.base / place.shown(name)
        raise WriteFailed(where, f"cannot write ({error.strerror or error})",
                          "files written so far are whole and nb2pkg's own; make the folder writable "
                          "or free space, then run again") from None


@contextmanager
def _locked(place: Place, timeout: float) -> Iterator[None]:
    """`.nb2pkg.lock` held (`filelock`) while a run writes: a second run waits for it,
    then gives up with one line. The lock lives in the folder (nothing outside it is
    touched) and stays there, empty: removing it would let a third run lock a new file
    while the second still waits on the old one."""
    from filelock import FileLock, Timeout

    path = place.base / place.shown(LOCK)
    if probe(place, LOCK).kind not in ("missing", "file"):  # filelock < 3.13 would follow a link
        raise NotOurFolder(path, "is a link or not a regular file", "remove it and run again")
    lock = FileLock(str(path), timeout=timeout)
    try:
        lock.acquire()
    except Timeout:
        raise FolderLocked(place.base / place.prefix,
                           f"another nb2pkg run has been writing into it for {timeout:g} s",
                           "wait for it to finish and run again, or choose another --out") from None
    except OSError as error:
        raise WriteFailed(path, f"cannot write ({error.strerror or error})",
                          "make the folder writable, then run again") from None
    try:
        yield
    finally:
        lock.release()


# -- reading back: the fast path and diffs -----------------------------------------------------


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


_OUTLINE = {"nbformat": int, "steps": int, "modules": list, "kept_cells": int, "unparsed_cells": int,
            "python2_cells": int, "warnings": list}


def _checked_outline(outline: Any) -> dict[str, Any] | None:
    """The outline if it has the shape nb2pkg writes (it becomes a row of a batch report)."""
    if set(outline) != set(_OUTLINE) or not all(type(outline[key]) is kind for key, kind in _OUTLINE.items()):
        return None
    if not all(isinstance(item, str) for key in ("modules", "warnings") for item in outline[key]):
        return None
    return dict(outline)


def _record_in_sync(place: Place, out: Path, notebook: Path, package: str) -> Record | None:
    try:
        record = read_record(place)
        if (record is None or record.pending or record.version != __version__
                or f"src/{package}/__init__.py" not in record.files
                or (record.notebook, record.notebook_sha256) != _notebook_fields(notebook, out)):
            return None
    except (DamagedRecord, OSError, ValueError):
        return None
    for name, sha in record.files.items():
        entry = probe(place, name)
        if entry.data is None or digest(entry.data) != sha:
            return None
    return record


def project_diff(
    out: Path, files: dict[str, str], report: WriteReport, prefix: str = "", within: Path | None = None,
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
        mode = ("new file mode 100644\n" if name in report.created
                else "deleted file mode 100644\n" if name in report.removed else "")
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
