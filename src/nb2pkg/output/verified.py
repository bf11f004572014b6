"""A file `nb2pkg verify` writes into a converted project (`tests/expected/skip.txt`), as
safely as a conversion writes its own: never outside the project, never through a link,
never over a hand edit, under the project's lock.

The record lists such files apart (`verified`), so that converting again neither removes
them nor counts them as foreign, and verify knows its own text from the user's.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path

from nb2pkg.output.files import place_of, probe, write_atomic
from nb2pkg.output.record import PROVENANCE, DamagedRecord, digest, read_record, render_record
from nb2pkg.output.write import LOCK_TIMEOUT, _guarded, _locked


class Written(Enum):
    """What `write_verified` did."""

    WRITTEN = "written"
    UNCHANGED = "unchanged"
    EDITED = "left alone: edited by hand since nb2pkg verify wrote it"
    IN_THE_WAY = "left alone: a link or not a regular file is in its place"
    NOT_OURS = "not written: the project has no nb2pkg record (convert into it first)"
    CONVERTED = "not written: a file the conversion writes"


def write_verified(
    out: Path, name: str, text: str, lock_timeout: float = LOCK_TIMEOUT, within: Path | None = None
) -> Written:
    """Write `name` (a plain relative path) into the project `out`, and record it, unless
    the user edited it or the folder holds no conversion of nb2pkg's. A run killed between
    the file and the record leaves a file verify then takes for a hand edit: left alone.
    With `within` (batch: the output folder), no link under it is followed, as when the
    project was converted."""
    place = place_of(out, within)
    try:
        if read_record(place) is None:
            return Written.NOT_OURS
    except DamagedRecord:
        return Written.NOT_OURS
    with _locked(place, lock_timeout):
        record = read_record(place)
        if record is None or record.pending:  # a conversion was interrupted: convert again first
            return Written.NOT_OURS
        if name in record.accepted():
            return Written.CONVERTED
        entry, new = probe(place, name), digest(text)
        if entry.kind in ("other", "blocked"):
            return Written.IN_THE_WAY
        current = digest(entry.data) if entry.data is not None else None
        if current is not None and current not in (new, record.verified.get(name)):
            return Written.EDITED
        if current == new and record.verified.get(name) == new:
            return Written.UNCHANGED
        if current != new:
            _guarded(place, name, write_atomic, place, name, text.encode("utf-8"))
        verified = {**record.verified, name: new}
        final = render_record(
            record.notebook,
            record.notebook_sha256,
            record.files,
            record.outline,
            verified=verified,
            version=record.version,
        )
        _guarded(place, PROVENANCE, write_atomic, place, PROVENANCE, final.encode("utf-8"))
    return Written.WRITTEN
