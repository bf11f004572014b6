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

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nb2pkg.errors import (
    EditedFiles,
    FolderLocked,
    ForeignFiles,
    InputError,
    NotOurFolder,
    SourceInTheWay,
    WriteFailed,
    fault_text,
)
from nb2pkg.output.files import (
    Blocked,
    Entry,
    Place,
    is_temporary_of,
    make_folders,
    names_in,
    place_of,
    probe,
    remove_file,
    remove_temporaries,
    write_atomic,
)
from nb2pkg.output.record import (
    LOCK,
    PROVENANCE,
    RESERVED,
    DamagedRecord,
    Record,
    digest,
    notebook_fields,
    read_record,
    render_record,
)
from nb2pkg.output.sync import notebook_as_text, project_diff, recorded_files, recorded_outline

__all__ = [
    "PROVENANCE",
    "LOCK",
    "WriteReport",
    "plan_changes",
    "write_project",
    "project_diff",
    "recorded_outline",
    "recorded_files",
    "notebook_as_text",
    "digest",
]
LOCK_TIMEOUT = 10.0  # seconds: a run holds the lock only while it writes (well under a second)


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
            raise NotOurFolder(
                shown,
                "is a link or not a folder; nb2pkg never writes through a link inside the output folder",
                "remove it, or choose another --out",
            )
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
        raise NotOurFolder(
            shown,
            "exists, is not empty and was not made by nb2pkg",
            "choose another --out, or pass --force to write into it",
        )
    return record


def _source_identity(notebook: Path | None) -> tuple[int, int] | None:
    try:
        status = os.stat(notebook) if notebook is not None else None
    except OSError:
        return None
    return (status.st_dev, status.st_ino) if status is not None else None


def _plan(place: Place, files: dict[str, str], force: bool, notebook: Path | None) -> _Plan:
    try:
        return _plan_unguarded(place, files, force, notebook)
    except OSError as error:  # a folder nb2pkg may not read: the environment, not a bug
        raise WriteFailed(
            place.base / place.prefix, f"cannot read ({fault_text(error)})", "make the folder readable, then run again"
        ) from None


def _plan_unguarded(place: Place, files: dict[str, str], force: bool, notebook: Path | None) -> _Plan:
    record = _previous(place, force)
    accepted = record.accepted() if record is not None else {}
    source = _source_identity(notebook)
    kinds: dict[str, list[str]] = {"created": [], "changed": [], "unchanged": [], "edited": [], "foreign": []}
    ours: dict[str, str] = {}
    for name, text in files.items():
        entry = probe(place, name)
        _refuse_source(place, name, entry, source)
        kind = _classify(entry, digest(text), accepted.get(name))
        kinds[kind].append(name if kind != "foreign" or entry.kind == "file" else _in_the_way(entry))
        if entry.data is not None and digest(entry.data) in accepted.get(name, ()):
            ours[name] = digest(entry.data)
        if kind == "edited":
            kinds["changed"].append(name)
    doomed: dict[str, tuple[int, int]] = {}
    for name in sorted(set(accepted) - set(files)):
        if any(part.startswith(".") for part in name.split("/")):
            continue  # nb2pkg writes no hidden file (but its own record and lock): `.git/config` is not its
        entry = probe(place, name)
        if entry.data is None or entry.identity is None or entry.identity == source:
            continue  # gone, or no longer a file nb2pkg wrote: left alone
        if digest(entry.data) in accepted[name]:
            ours[name] = digest(entry.data)
        else:
            kinds["edited"].append(name)
            if not force:
                continue
        doomed[name] = entry.identity
    if kinds["foreign"]:
        raise ForeignFiles(place.base / place.prefix, sorted(set(kinds["foreign"])))
    if kinds["edited"] and not force:
        raise EditedFiles(place.base / place.prefix, sorted(kinds["edited"]))
    report = WriteReport(tuple(kinds["created"]), tuple(kinds["changed"]), tuple(kinds["unchanged"]), tuple(doomed))
    return _Plan(report, ours, doomed, record)


def _classify(entry: Entry, new: str, accepted: frozenset[str] | None) -> str:
    """What writing a file with hash `new` over `entry` is; `accepted` are the hashes
    under which nb2pkg wrote it (None: nb2pkg did not write it)."""
    if entry.kind == "missing":
        return "created"
    if entry.data is None:
        return "foreign"  # a link, a folder, or a path through one
    current = digest(entry.data)
    if current == new:
        return "unchanged"  # also a file of the user's that is already what nb2pkg would write
    if accepted is None:
        return "foreign"
    return "changed" if current in accepted else "edited"


def _in_the_way(entry: Entry) -> str:
    return f"{entry.where} ({'a link or not a folder' if entry.kind == 'blocked' else 'not a regular file'})"


def _refuse_source(place: Place, name: str, entry: Entry, source: tuple[int, int] | None) -> None:
    if source is not None and entry.identity == source:
        raise SourceInTheWay(
            place.base / place.shown(name),
            "is the notebook being converted, and the project's summary notebook would replace it",
            "nothing was written, with or without --force; move the notebook "
            "out of the project folder or choose another --out",
        )


def plan_changes(
    out: Path,
    files: dict[str, str],
    force: bool = False,
    notebook: Path | None = None,
    within: Path | None = None,
) -> WriteReport:
    """What writing `files` into `out` would do (nothing is written); raises when it must
    not be done."""
    return _plan(place_of(out, within), files, force, notebook).report


# -- writing ----------------------------------------------------------------------------------


def write_project(
    out: Path,
    files: dict[str, str],
    notebook: Path,
    force: bool = False,
    outline: dict[str, Any] | None = None,
    within: Path | None = None,
    lock_timeout: float = LOCK_TIMEOUT,
) -> WriteReport:
    """Write `files` into `out` safely (see the module docstring)."""
    place = place_of(out, within)
    try:
        _plan(place, files, force, notebook)  # refuse before making a folder or a lock
    except InputError:
        if probe(place, LOCK).kind != "file":
            raise  # no nb2pkg run has written here since the folder had files: the refusal stands
        # else another run may be writing right now, and we saw half its work: decide under the lock
    _guarded(place, "", make_folders, place)
    with _locked(place, lock_timeout):
        plan = _plan(place, files, force, notebook)  # again: another run may have written meanwhile
        report = plan.report
        relative, notebook_sha = notebook_fields(notebook, out)
        hashes = {name: digest(text) for name, text in files.items()}
        kept = plan.record.verified if plan.record is not None else {}
        verified = {name: sha for name, sha in kept.items() if name not in files}  # verify's: kept as they are
        final = render_record(relative, notebook_sha, hashes, outline, verified=verified)
        _clean(place, files, plan)
        if not (report.created or report.changed or report.removed) and _record_text(place) == final:
            return report  # in sync: not one byte to write
        intent = render_record(relative, notebook_sha, plan.ours, outline, pending=hashes, verified=verified)
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
        raise NotOurFolder(
            place.base / blocked.where,
            "is a link or not a folder (it changed during the run)",
            "nb2pkg never writes through a link; remove it and run again",
        ) from None
    except OSError as error:
        where = place.base / place.shown(name)
        raise WriteFailed(
            where,
            f"cannot write ({fault_text(error)})",
            "files written so far are whole and nb2pkg's own; make the folder writable or free space, then run again",
        ) from None


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
        raise FolderLocked(
            place.base / place.prefix,
            f"another nb2pkg run is writing into it (waited {timeout:g} s for it to finish)",
            "wait for it to finish and run again, or choose another --out",
        ) from None
    except OSError as error:
        raise WriteFailed(
            path, f"cannot write ({fault_text(error)})", "make the folder writable, then run again"
        ) from None
    try:
        yield
    finally:
        lock.release()
