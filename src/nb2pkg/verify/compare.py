"""The comparison at the heart of `verify`: what each cell showed in two runs of the
original and one of the summary notebook in, a verdict out. Pure: no kernel, no file.

Every code cell of the original is counted, whatever it showed, so the totals depend
only on the notebook (a cell that shows something in one run and nothing in another
cannot change them). A summary cell that raises because an earlier one failed is told
apart from a failure of its own: it names the cell whose failure it follows from.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from nb2pkg.shown import Item, group_cells, normalise

# Errors that mean the notebook cannot run here (a missing file, package or network),
# not that it behaves differently.
ENVIRONMENT_ERRORS = frozenset(
    {
        "FileNotFoundError",
        "ModuleNotFoundError",
        "ImportError",
        "URLError",
        "HTTPError",
        "ConnectionError",
        "ConnectionRefusedError",
        "ConnectionResetError",
        "gaierror",
    }
)

_MISSING_NAME = re.compile(r"^NameError: name '(\w+)' is not defined")

CellRef = str | int  # an original cell's id, or its 1-based number


@dataclass(frozen=True)
class Ran:
    """A cell after running: what it showed, and what the comparison needs to know of it."""

    items: tuple[Item, ...] = ()
    id: str | None = None
    sources: tuple[CellRef, ...] = ()  # summary cells: the original cells it stands for
    code: bool = True  # a code cell with code in it (original cells are counted by this)
    binds: frozenset[str] = frozenset()  # names the cell binds at top level
    saved_error: str | None = None  # original cells: the error name its saved outputs show


@dataclass(frozen=True)
class Failure:
    """A cell that raised: where, and the error as "Name: message"."""

    cell: int  # 1-based: a cell of the original, or of the summary notebook
    error: str
    as_saved: bool = False  # the original's saved outputs show the same error there

    @property
    def name(self) -> str:
        return self.error.split(":")[0]


@dataclass(frozen=True)
class CellResult:
    """One summary cell (or consecutive ones standing for overlapping original cells)."""

    summary_cell: int  # 1-based; 0 for an original cell that no summary cell stands for
    original_cells: tuple[int, ...]
    status: str  # "match", "differs", "unstable"
    diff: str = ""
    error: str = ""  # the summary cell's own error, "Name: message", if it raised
    after: int = 0  # the summary cell whose failure this one's error follows from
    cause: str = ""  # that cell's error


@dataclass(frozen=True)
class Comparison:
    cells: tuple[CellResult, ...]
    code_cells: tuple[int, ...]  # the original's code cells, by number: what is counted
    original_failures: tuple[Failure, ...]  # the cells of the original that raised

    @property
    def total(self) -> int:
        return len(self.code_cells)

    def status_of(self, number: int) -> str:
        """The status of the original's cell `number` (through the result standing for it)."""
        return next((c.status for c in self.cells if number in c.original_cells), "match")

    @property
    def matched(self) -> int:
        return sum(1 for n in self.code_cells if self.status_of(n) != "differs")

    @property
    def unstable(self) -> int:
        return sum(1 for n in self.code_cells if self.status_of(n) == "unstable")

    @property
    def environment_failure(self) -> Failure | None:
        """The first cell of the original that cannot run here (and did run for its author)."""
        return next((f for f in self.original_failures if f.name in ENVIRONMENT_ERRORS and not f.as_saved), None)

    @property
    def summary_failure(self) -> CellResult | None:
        """The first summary cell that fails of its own where the original did not."""
        return next((c for c in self.cells if c.status == "differs" and c.error and not c.after), None)

    @property
    def verdict(self) -> str:
        """ "match", "differs", or "cannot verify": the original itself cannot run here and
        nothing differs before that point (a setup cell of the summary that fails with
        another error than the original's counts as before it)."""
        blocked = self.environment_failure
        differing = [c for c in self.cells if c.status == "differs"]
        if blocked is not None and not any(
            max(c.original_cells) < blocked.cell if c.original_cells else c.error != blocked.error for c in differing
        ):
            return "cannot verify"
        return "differs" if differing else "match"


def compare(first: Sequence[Ran], second: Sequence[Ran], summary: Sequence[Ran]) -> Comparison:
    """Each summary cell against the original cells it stands for (by id, else number);
    original code cells no summary cell stands for must show nothing."""
    number_of = _numbering(first)
    failures = trace_failures(summary)
    results: list[CellResult] = []
    covered: set[int] = set()
    for position, members, numbers in _groups(summary, number_of):
        covered.update(numbers)
        shown = [i for m in members for i in summary[m - 1].items]
        failed = next((failures[m] for m in members if m in failures), None)
        error, root = failed if failed else ("", 0)
        after = root if failed and root not in members else 0
        cause = failures[after][0] if after else ""
        if not numbers:
            if error:  # the setup cells must run cleanly
                results.append(CellResult(position, (), "differs", _diff([], normalise(shown)), error, after, cause))
            continue
        status, diff = _status(_shown(first, numbers), _shown(second, numbers), normalise(shown))
        results.append(CellResult(position, numbers, status, diff, error, after, cause))
    for number, ran in enumerate(first, start=1):
        if ran.code and number not in covered:  # moved into the package: must show nothing
            status, diff = _status(_shown(first, (number,)), _shown(second, (number,)), [])
            results.append(CellResult(0, (number,), status, diff))
    codes = tuple(n for n, ran in enumerate(first, start=1) if ran.code)
    return Comparison(tuple(results), codes, _original_failures(first))


def trace_failures(cells: Sequence[Ran]) -> dict[int, tuple[str, int]]:
    """Each cell that raised -> (its error, the cell whose failure it follows from: itself,
    or an earlier failed cell that would have bound the name a NameError misses)."""
    unbound: dict[str, int] = {}  # names a failed cell did not bind -> the first failure
    found: dict[int, tuple[str, int]] = {}
    for position, ran in enumerate(cells, start=1):
        error = next((i.content for i in ran.items if i.kind == "error"), None)
        if error is None:
            for name in ran.binds:
                unbound.pop(name, None)
            continue
        missing = _MISSING_NAME.match(error)
        root = unbound.get(missing.group(1), position) if missing else position
        found[position] = (error, root)
        unbound.update(dict.fromkeys(ran.binds, root))
    return found


def _numbering(first: Sequence[Ran]) -> dict[CellRef, int]:
    number_of: dict[CellRef, int] = {}
    for number, ran in enumerate(first, start=1):
        number_of[number] = number
        if ran.id:
            number_of[ran.id] = number
    return number_of


def _groups(
    summary: Sequence[Ran], number_of: dict[CellRef, int]
) -> list[tuple[int, tuple[int, ...], tuple[int, ...]]]:
    """See `shown.group_cells` (the generated output tests group the same way)."""
    return group_cells([ran.sources for ran in summary], number_of)


def _shown(run: Sequence[Ran], numbers: Sequence[int]) -> list[Item]:
    return normalise([i for n in numbers for i in run[n - 1].items])


def _status(expected: list[Item], again: list[Item], actual: list[Item]) -> tuple[str, str]:
    if expected != again:
        return "unstable", ""
    if expected == actual:
        return "match", ""
    return "differs", _diff(expected, actual)


def _original_failures(first: Sequence[Ran]) -> tuple[Failure, ...]:
    failures = []
    for number, ran in enumerate(first, start=1):
        error = next((i.content for i in ran.items if i.kind == "error"), None)
        if error is not None:
            name = error.split(":")[0]
            failures.append(Failure(number, error, as_saved=ran.saved_error == name))
    return tuple(failures)


def _diff(expected: list[Item], actual: list[Item]) -> str:
    def lines(items: list[Item]) -> list[str]:
        return [f"[{i.kind}] {line}" for i in items for line in (i.content.splitlines() or [""])]

    diff = difflib.unified_diff(lines(expected), lines(actual), "original", "summary", lineterm="", n=1)
    return "\n".join(list(diff)[:40])
