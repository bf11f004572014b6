"""Errors nb2pkg raises on purpose.

`InputError` and its subclasses are the user's to fix: each carries the file, the
1-based cell where it applies, what is wrong and what to do, and renders as one line.
`InternalError` is nb2pkg's own fault and asks for a report.
"""

from __future__ import annotations

from pathlib import Path


class Nb2pkgError(Exception):
    """Base of every error nb2pkg raises on purpose."""


class InputError(Nb2pkgError):
    """The user's input cannot be used as it is."""

    reason = "invalid input"

    def __init__(
        self, path: Path | str, problem: str, advice: str, cell: int | None = None
    ) -> None:
        self.path = str(path)
        self.problem = problem
        self.advice = advice
        self.cell = cell
        super().__init__(self.message)

    @property
    def message(self) -> str:
        where = self.path if self.cell is None else f"{self.path}: cell {self.cell}"
        return f"{where}: {self.problem}; {self.advice}"


class NotebookNotFound(InputError):
    reason = "not found"


class UnreadableNotebook(InputError):
    reason = "unreadable file"


class InvalidNotebook(InputError):
    reason = "invalid file"


class OtherLanguage(InputError):
    reason = "other kernel"


class InternalError(Nb2pkgError):
    """nb2pkg did something wrong; the user should report it."""

    def __init__(self, path: Path | str, what: str) -> None:
        self.path = str(path)
        super().__init__(
            f"{self.path}: nb2pkg failed ({what}); this is a bug in nb2pkg, "
            "please report it with the notebook attached"
        )
