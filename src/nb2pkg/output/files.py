"""File access inside an output folder that never follows a link.

The folder the user named (`Place.base`) is opened as named, links and all: it is theirs
to point anywhere. Below it every step is taken from the open parent folder with
`O_NOFOLLOW` (`dir_fd` calls), so a link planted inside (`tests -> /elsewhere`, a linked
`README.md`, a linked `.nb2pkg.json`) is seen as what it is and never written, read or
removed through, and no check-then-use race can redirect a write. Where there is no
`dir_fd` (Windows) each step is looked at (`lstat`) before it is used instead: links are
still never followed, but a link swapped in at that very moment could be.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_FLAG = {name: getattr(os, name, 0) for name in ("O_DIRECTORY", "O_NOFOLLOW", "O_CLOEXEC", "O_NONBLOCK", "O_BINARY")}
_DIRECTORY = os.O_RDONLY | _FLAG["O_DIRECTORY"] | _FLAG["O_NOFOLLOW"] | _FLAG["O_CLOEXEC"]
_READ = os.O_RDONLY | _FLAG["O_NOFOLLOW"] | _FLAG["O_NONBLOCK"] | _FLAG["O_CLOEXEC"] | _FLAG["O_BINARY"]
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _FLAG["O_NOFOLLOW"] | _FLAG["O_CLOEXEC"] | _FLAG["O_BINARY"]
# Folders are open file descriptors where the system takes `dir_fd`, else checked paths.
WITH_DIR_FD = {os.open, os.stat, os.mkdir, os.unlink, os.rename} <= os.supports_dir_fd and bool(_FLAG["O_NOFOLLOW"])
Folder = int | str
_TEMPORARY = re.compile(r"\.(?P<name>.+)\.[a-z0-9_]{8}\.tmp")  # `.NAME.XXXXXXXX.tmp`, as written below


class Blocked(Exception):
    """A step of a path inside the folder is a link or not a folder."""

    def __init__(self, where: str) -> None:
        self.where = where
        super().__init__(where)


@dataclass(frozen=True)
class Entry:
    """What is at a path: `missing`, `file` (a regular file, with its bytes), `other`
    (a link, a folder, a FIFO...) or `blocked` (a step of the way is not a real folder)."""

    kind: str
    data: bytes | None = None
    identity: tuple[int, int] | None = None  # (device, inode) of a file
    where: str = ""  # for `blocked` and `other`: the step that is in the way


@dataclass(frozen=True)
class Place:
    """A project folder: `base` as the user named it, then `prefix` (POSIX, maybe empty)
    of real folders below it (a batch project inside the batch's output folder)."""

    base: Path
    prefix: str = ""

    def shown(self, name: str) -> str:
        return "/".join(part for part in (self.prefix, name) if part)

    def steps(self, name: str) -> list[str]:
        return [part for part in self.shown(name).split("/") if part]


def place_of(out: Path, within: Path | None = None) -> Place:
    """`out` as a `Place`: followed as named, or (batch) only `within` is, and the rest is
    walked without following links."""
    if within is None:
        return Place(out)
    relative = Path(os.path.relpath(out, within)).as_posix()
    return Place(out) if relative == "." or relative.split("/")[0] == ".." else Place(within, relative)


def write_all(fd: int, data: bytes) -> None:
    """Write every byte (a module function, so tests can make the disk full)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


@contextmanager
def _opened(folder: Folder) -> Iterator[Any]:
    try:
        yield folder
    finally:
        if isinstance(folder, int):
            os.close(folder)


def _at(folder: Folder, name: str) -> tuple[str, dict[str, int]]:
    """`name` in `folder`, as the arguments of an `os` call."""
    return (name, {"dir_fd": folder}) if isinstance(folder, int) else (os.path.join(folder, name), {})


def _open_base(base: Path) -> Folder:
    """The folder the user named, links followed (theirs to point anywhere)."""
    if WITH_DIR_FD:
        return os.open(base, os.O_RDONLY | _FLAG["O_DIRECTORY"] | _FLAG["O_CLOEXEC"])
    os.listdir(base)  # raises as opening would: missing, or not a folder
    return str(base)


def _descend(top: Folder, steps: list[str], create: bool) -> Folder:
    """The folder `steps` below `top` (which stays open), never through a link; raises
    `Blocked` naming the step in the way, FileNotFoundError when one is missing."""
    current: Folder = os.dup(top) if isinstance(top, int) else top
    walked: list[str] = []
    try:
        for step in steps:
            walked.append(step)
            if create:
                path, where = _at(current, step)
                try:
                    os.mkdir(path, **where)
                except FileExistsError:
                    pass
            following = _step(current, step, "/".join(walked))
            if isinstance(current, int):
                os.close(current)
            current = following
        return current
    except BaseException:
        if isinstance(current, int):
            os.close(current)
        raise


def _step(folder: Folder, step: str, walked: str) -> Folder:
    path, where = _at(folder, step)
    if isinstance(folder, str):  # no dir_fd: look first
        status = os.stat(path, follow_symlinks=False)
        if not stat.S_ISDIR(status.st_mode) or getattr(os.path, "isjunction", lambda p: False)(path):
            raise Blocked(walked)
        return path
    try:
        return os.open(path, _DIRECTORY, **where)
    except OSError as error:
        if error.errno in (errno.ELOOP, errno.ENOTDIR):
            raise Blocked(walked) from None
        raise


def probe(place: Place, name: str) -> Entry:
    """What is at `name` in `place`, read without following any link."""
    *folders, last = place.steps(name)
    try:
        with _opened(_open_base(place.base)) as base, _opened(_descend(base, folders, False)) as parent:
            path, where = _at(parent, last)
            try:  # look before opening: opening a device or a FIFO can have effects
                if not stat.S_ISREG(os.stat(path, follow_symlinks=False, **where).st_mode):
                    return Entry("other", where=place.shown(name))
                fd = os.open(path, _READ, **where)
            except FileNotFoundError:
                return Entry("missing")
            except OSError as error:
                if error.errno in (errno.ELOOP, errno.EISDIR, errno.ENXIO, errno.ENOTDIR):
                    return Entry("other", where=place.shown(name))  # replaced since we looked
                raise
            with _opened(fd):
                status = os.fstat(fd)
                if not stat.S_ISREG(status.st_mode):
                    return Entry("other", where=place.shown(name))
                return Entry("file", _read_all(fd), (status.st_dev, status.st_ino))
    except (FileNotFoundError, NotADirectoryError):  # the latter: the base is below a file
        return Entry("missing")
    except OSError as error:
        if error.errno == errno.ENAMETOOLONG:  # no such file can exist
            return Entry("missing")
        raise
    except Blocked as blocked:
        return Entry("blocked", where=blocked.where)


def _read_all(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 1 << 20):
        chunks.append(chunk)
    return b"".join(chunks)


def write_atomic(place: Place, name: str, data: bytes) -> None:
    """Write `name` through a temporary file renamed into place: it is old or new, never
    half-written; a link at `name` is replaced, never written through."""
    *folders, last = place.steps(name)
    with _opened(_open_base(place.base)) as base, _opened(_descend(base, folders, True)) as parent:
        temporary, where = _at(parent, f".{last}.{secrets.token_hex(4)}.tmp")
        target, _ = _at(parent, last)
        fd = os.open(temporary, _CREATE, 0o666, **where)  # the umask applies, as for any new file
        try:
            with _opened(fd):
                write_all(fd, data)
            moves = {"src_dir_fd": parent, "dst_dir_fd": parent} if isinstance(parent, int) else {}
            os.replace(temporary, target, **moves)
        except BaseException:
            try:
                os.unlink(temporary, **where)
            except OSError:
                pass
            raise


def remove_file(place: Place, name: str, identity: tuple[int, int]) -> None:
    """Remove `name` if it is still the regular file `identity` (never a link's target)."""
    *folders, last = place.steps(name)
    try:
        with _opened(_open_base(place.base)) as base, _opened(_descend(base, folders, False)) as parent:
            path, where = _at(parent, last)
            status = os.stat(path, follow_symlinks=False, **where)
            if stat.S_ISREG(status.st_mode) and (status.st_dev, status.st_ino) == identity:
                os.unlink(path, **where)
    except (FileNotFoundError, Blocked):
        pass


def make_folders(place: Place) -> None:
    """Create `place` (the base as named, the prefix without following links)."""
    place.base.mkdir(parents=True, exist_ok=True)
    with _opened(_open_base(place.base)) as base, _opened(_descend(base, place.steps(""), True)):
        pass


def names_in(place: Place, folder: str = "") -> list[str] | None:
    """The entries of `folder` in `place`, or None when it is missing or blocked."""
    try:
        with _opened(_open_base(place.base)) as base, _opened(_descend(base, place.steps(folder), False)) as fd:
            return sorted(os.listdir(fd))
    except (FileNotFoundError, NotADirectoryError, Blocked):
        return None


def is_temporary_of(entry: str, names: set[str]) -> bool:
    """Whether `entry` is a temporary file this module made for one of `names`."""
    match = _TEMPORARY.fullmatch(entry)
    return match is not None and match.group("name") in names


def remove_temporaries(place: Place, folder: str, names: set[str]) -> None:
    """Remove the temporary files a killed run left in `folder` for `names` (files only)."""
    prefix = f"{folder}/" if folder else ""
    for entry in names_in(place, folder) or []:
        if is_temporary_of(entry, names):
            found = probe(place, prefix + entry)
            if found.kind == "file" and found.identity is not None:
                remove_file(place, prefix + entry, found.identity)
