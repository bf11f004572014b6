"""The provenance record `.nb2pkg.json`: what nb2pkg wrote into a project folder.

The record is input like any other file in the folder: anyone can edit it, a merge can
break it. It is read as untrusted: every name must be a plain relative path inside the
project (no `..`, no absolute path, no backslash, not the record itself), every hash a
SHA-256, every field of its type; anything else makes the whole record damaged
(`DamagedRecord`), never partly believed.

A run writes the record twice. First, before touching any file, an *intent*: the files
as they are (`files`) and as they will be (`pending`). Then, once every file is in
place, the plain record. A run killed in between leaves a record under which every
file is either old or new, and both count as nb2pkg's own.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nb2pkg import __version__
from nb2pkg.errors import DamagedRecord
from nb2pkg.output.files import Place, probe

PROVENANCE = ".nb2pkg.json"
LOCK = ".nb2pkg.lock"
RESERVED = frozenset({PROVENANCE, LOCK})  # nb2pkg's own names at the top of a project
_MAX_BYTES = 64 << 20  # a real record is a few kB per notebook
_SHA256 = re.compile(r"[0-9a-f]{64}")


def _damaged(place: Place, problem: str) -> DamagedRecord:
    return DamagedRecord(place.base / place.shown(PROVENANCE), problem)


@dataclass(frozen=True)
class Record:
    """A checked record. `pending` is non-empty only when a run was interrupted."""

    version: str
    notebook: str
    notebook_sha256: str
    files: Mapping[str, str]
    pending: Mapping[str, str] = field(default_factory=dict)
    outline: Mapping[str, Any] = field(default_factory=dict)
    # files `nb2pkg verify` wrote (tests/expected/skip.txt): a conversion keeps them in the
    # record and on disk, never writes nor removes them
    verified: Mapping[str, str] = field(default_factory=dict)

    def accepted(self) -> dict[str, frozenset[str]]:
        """Each file nb2pkg wrote, with the hashes that mean "as nb2pkg wrote it"."""
        names = set(self.files) | set(self.pending)
        return {name: frozenset(sha for sha in (self.files.get(name), self.pending.get(name)) if sha) for name in names}


def digest(text: str | bytes) -> str:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return hashlib.sha256(data).hexdigest()


def notebook_location(notebook: Path) -> Path:
    """Where the notebook is, as the user named it: a linked notebook file means the
    folder the link is in (as for Jupyter, which runs it there), not its target's."""
    return notebook.absolute().parent.resolve() / notebook.name


def notebook_fields(notebook: Path, out: Path) -> tuple[str, str]:
    """The record's `notebook` (relative to `out`) and `notebook_sha256`."""
    relative = Path(os.path.relpath(notebook_location(notebook), out.resolve())).as_posix()
    return relative, digest(notebook.read_bytes())


def is_safe_name(name: object) -> bool:
    """Whether `name` is a plain relative POSIX path that stays inside the project."""
    if not isinstance(name, str) or not 0 < len(name) <= 1024 or "\\" in name or "\0" in name:
        return False
    parts = name.split("/")
    return all(part not in ("", ".", "..") for part in parts) and name not in RESERVED


def read_record(place: Place) -> Record | None:
    """The record of `place`, None when there is none; raises `DamagedRecord`."""
    entry = probe(place, PROVENANCE)
    if entry.kind == "missing":
        return None
    if entry.kind != "file" or entry.data is None:
        raise _damaged(place, "not a regular file" if entry.kind == "other" else f"{entry.where} is a link")
    if len(entry.data) > _MAX_BYTES:
        raise _damaged(place, f"larger than {_MAX_BYTES >> 20} MB")
    try:
        data = json.loads(entry.data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise _damaged(place, "not valid JSON") from None
    return _checked(place, data)


def _checked(place: Place, data: object) -> Record:
    if not isinstance(data, dict):
        raise _damaged(place, f"a JSON {type(data).__name__}, not an object")
    for key, kind in (("nb2pkg", str), ("notebook", str), ("notebook_sha256", str), ("outline", dict)):
        if key in data and not isinstance(data[key], kind):
            raise _damaged(place, f"{key!r} is not a {kind.__name__}")
    files = _hashes(place, data, "files", required=True)
    pending = _hashes(place, data, "pending", required=False)
    verified = _hashes(place, data, "verified", required=False)
    return Record(
        data.get("nb2pkg", ""),
        data.get("notebook", ""),
        data.get("notebook_sha256", ""),
        files,
        pending,
        data.get("outline", {}),
        {name: sha for name, sha in verified.items() if name not in files and name not in pending},
    )


def _hashes(place: Place, data: dict[str, Any], key: str, required: bool) -> dict[str, str]:
    if key not in data and not required:
        return {}
    table = data.get(key)
    if not isinstance(table, dict):
        raise _damaged(place, f"{key!r} is not an object of file hashes")
    for name, sha in table.items():
        if not is_safe_name(name):
            raise _damaged(place, f"{name!r} is not a file inside the project")
        if not isinstance(sha, str) or not _SHA256.fullmatch(sha):
            raise _damaged(place, f"the hash of {name!r} is not a SHA-256")
    return dict(table)


def render_record(
    notebook: str,
    notebook_sha256: str,
    files: Mapping[str, str],
    outline: Mapping[str, Any] | None = None,
    pending: Mapping[str, str] | None = None,
    verified: Mapping[str, str] | None = None,
    version: str = __version__,
) -> str:
    """The record's text; nothing in it depends on the machine. `version` is the nb2pkg
    that converted (verify, writing its file, keeps the converter's)."""
    record: dict[str, Any] = {
        "nb2pkg": version,
        "notebook": notebook,
        "notebook_sha256": notebook_sha256,
        "files": dict(sorted(files.items())),
        "outline": dict(outline or {}),
    }
    if pending is not None:
        record["pending"] = dict(sorted(pending.items()))
    if verified:
        record["verified"] = dict(sorted(verified.items()))
    return json.dumps(record, indent=2, sort_keys=True) + "\n"
