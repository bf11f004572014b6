"""Every error nb2pkg raises on purpose, each with the exit code it ends the command with.

    Nb2pkgError                  exit 3 unless a subclass says otherwise
      InputError                 exit 2: the user's to fix (file, 1-based cell, what, what to do)
        NotebookNotFound, UnreadableNotebook, InvalidNotebook, OtherLanguage
        NoNotebooks              batch found nothing to convert
        NotOurFolder             --out holds something nb2pkg did not make
        BadInterpreter           --python names no Python interpreter nb2pkg can run
        BadReport                `batch report merge`: not a report, or not of the same run
        NoScheduler              `batch --scheduler`: no dask.distributed, or no answer
        Conflict                 exit 1: files in the way, nothing was written
          EditedFiles            the user edited files nb2pkg wrote (--force overwrites them)
          ForeignFiles           files nb2pkg did not write (never overwritten)
        SourceInTheWay           the summary would replace the notebook being converted
        FolderLocked             another run holds the output folder's lock
        DamagedRecord            `.nb2pkg.json` is not what nb2pkg writes
        CannotVerify             verify cannot run here (not: outputs differ)
        EnvironmentFault         the file system refused (read-only, full, not a folder, ...)
          WriteFailed            ... while writing the project
        TimedOut                 --timeout ran out
      InternalError              exit 3: nb2pkg's own fault, asks for a report

Every one renders as a single line (`message`). The command line catches them in one
place (`cli.failures.run_reported`), most specific first; batch records them per notebook.
"""

from __future__ import annotations

import errno
import re
from pathlib import Path

EXIT_DIFFERS = 1
EXIT_INPUT = 2
EXIT_BUG = 3
BUG_ADVICE = "this is a bug in nb2pkg, please report it with the notebook attached"


class Nb2pkgError(Exception):
    """Base of every error nb2pkg raises on purpose."""

    exit_code = EXIT_BUG
    reason = "nb2pkg bug"

    @property
    def message(self) -> str:
        return str(self)


class InputError(Nb2pkgError):
    """The user's input (or environment) cannot be used as it is."""

    exit_code = EXIT_INPUT
    reason = "invalid input"

    def __init__(self, path: Path | str, problem: str, advice: str, cell: int | None = None) -> None:
        self.path = str(path)
        self.problem = problem
        self.advice = advice
        self.cell = cell
        super().__init__(self.message)

    @property
    def message(self) -> str:
        where = self.path if self.cell is None else f"{self.path}: cell {self.cell}"
        return one_line(f"{where}: {self.problem}; {self.advice}")


class NotebookNotFound(InputError):
    reason = "not found"


class UnreadableNotebook(InputError):
    reason = "unreadable file"


class InvalidNotebook(InputError):
    reason = "invalid file"


class OtherLanguage(InputError):
    reason = "other kernel"


class NoNotebooks(InputError):
    reason = "no notebooks"


class NotOurFolder(InputError):
    reason = "output folder in use"


class NoScheduler(InputError):
    """`batch --scheduler`: dask.distributed is not installed, or its scheduler does not answer."""

    reason = "scheduler"


class BadReport(InputError):
    """A file given to `batch report merge` is not a shard of the same batch run."""

    reason = "bad report"


class BadInterpreter(InputError):
    """`--python` names no interpreter nb2pkg can ask what it has installed."""

    reason = "bad interpreter"


def _listed(files: list[str]) -> str:
    return ", ".join(files[:5]) + (f" and {len(files) - 5} more" if len(files) > 5 else "")


class Conflict(InputError):
    """Files in the way of the project; nothing was written (exit 1)."""

    exit_code = EXIT_DIFFERS
    reason = "files in the way"


class EditedFiles(Conflict):
    """Files nb2pkg wrote earlier and the user changed since."""

    reason = "edited files"

    def __init__(self, path: Path, files: list[str]) -> None:
        self.files = files
        it = "it" if len(files) == 1 else "them"
        super().__init__(
            path,
            f"you edited {_listed(files)} since nb2pkg wrote {it}",
            "nothing was written; pass --force to overwrite your edits",
        )


class ForeignFiles(Conflict):
    """Files nb2pkg did not write where it would write: never overwritten, not even with --force."""

    reason = "files nb2pkg did not write"

    def __init__(self, path: Path, files: list[str]) -> None:
        self.files = files
        super().__init__(
            path,
            f"nb2pkg did not write {_listed(files)}, where the project goes",
            "nothing was written; move them away or choose another --out "
            "(even --force overwrites only files nb2pkg wrote)",
        )


class SourceInTheWay(InputError):
    """The summary notebook would replace the notebook being converted."""

    reason = "source notebook in the way"


class FolderLocked(InputError):
    """Another run holds the output folder's lock."""

    reason = "output folder locked"


class DamagedRecord(InputError):
    """A project's `.nb2pkg.json` is not what nb2pkg writes: never partly believed."""

    reason = "damaged record"

    def __init__(self, path: Path | str, problem: str) -> None:
        super().__init__(
            path,
            f"damaged provenance record ({problem})",
            "nothing was written; pass --force to write into the folder as into one nb2pkg did not make "
            "(it then overwrites no file it did not write), or choose another --out",
        )


class CannotVerify(InputError):
    reason = "cannot verify"


class EnvironmentFault(InputError):
    """The file system refused an operation: not the notebook's fault, nor nb2pkg's."""

    reason = "environment"


class WriteFailed(EnvironmentFault):
    """Writing the project was refused (read-only, full, a file where a folder must be)."""


class TimedOut(InputError):
    reason = "timed out"


class InternalError(Nb2pkgError):
    """nb2pkg did something wrong; the user should report it."""

    def __init__(self, path: Path | str, what: str) -> None:
        self.path = str(path)
        super().__init__(one_line(f"{self.path}: nb2pkg failed ({what}); {BUG_ADVICE}"))

    @classmethod
    def of(cls, path: Path | str, error: BaseException) -> InternalError:
        """The report of an exception nb2pkg did not expect."""
        return cls(path, f"{type(error).__name__}: {error}")


# errno name -> (what happened, what to do). Only faults of the machine or of what the
# user pointed nb2pkg at; any other OSError stays a bug. Windows lacks some of the names.
_FAULT_NAMES = {
    "EACCES": ("permission denied", "check its permissions, or choose another path"),
    "EPERM": ("operation not permitted", "check its permissions, or choose another path"),
    "EROFS": ("read-only file system", "choose a folder on a writable disk"),
    "ENOSPC": ("no space left on the device", "free some space and run again"),
    "EDQUOT": ("disk quota exceeded", "free some space and run again"),
    "ENOTDIR": ("a part of the path is a file, not a folder", "choose another path"),
    "EISDIR": ("is a folder, not a file", "choose another path"),
    "ELOOP": ("too many levels of symbolic links (a link loop)", "repair or remove the link"),
    "EEXIST": ("exists and is not a folder (or is a dangling link)", "remove it or choose another path"),
    "ENAMETOOLONG": ("file name too long", "choose a shorter name or path"),
    "EIO": ("input/output error", "check the disk"),
    "EMFILE": ("too many open files", "raise the limit (ulimit -n) or use fewer --jobs"),
}
_FAULTS = {getattr(errno, name): text for name, text in _FAULT_NAMES.items() if hasattr(errno, name)}


def environment_fault(error: BaseException, fallback: Path | str) -> EnvironmentFault | None:
    """The one-line report of a file-system fault, or None when `error` is not one.
    `fallback` names the path when the error does not."""
    if isinstance(error, OSError) and error.errno in _FAULTS:
        problem, advice = _FAULTS[error.errno]
        path = error.filename if error.filename not in (None, "") else fallback
        return EnvironmentFault(_shown(path), problem, advice)
    # pathlib's resolve() before Python 3.13 reports a link loop as a RuntimeError
    loop = re.fullmatch(r"Symlink loop from '(.*)'", str(error)) if isinstance(error, RuntimeError) else None
    if loop is not None:
        problem, advice = _FAULT_NAMES["ELOOP"]
        return EnvironmentFault(loop.group(1), problem, advice)
    return None


def fault_text(error: OSError) -> str:
    """What the file system said, in the words `environment_fault` uses where it knows them."""
    known = _FAULTS.get(error.errno) if error.errno is not None else None
    return known[0] if known is not None else str(error.strerror or error)


def _shown(path: object) -> str:
    return path.decode(errors="replace") if isinstance(path, bytes) else str(path)


def one_line(text: str) -> str:
    """Names may hold newlines (a file called "a\\nb.ipynb"): the message stays one line."""
    return text.replace("\r", "\\r").replace("\n", "\\n")
