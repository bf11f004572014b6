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

_MASKS = (
    (re.compile(r"0x[0-9a-fA-F]{4,}"), "0x…"),
    (re.compile(r"^(CPU times|Wall time):.*$", re.MULTILINE), "<time>"),
    (re.compile(r"^.* per loop \(mean ± std\. dev\. of .*$", re.MULTILINE), "<timeit>"),
    # %timeit adds this line on a busy machine only: it says nothing of the code
    (re.compile(r"^The slowest run took .*\n?", re.MULTILINE), ""),
    (re.compile(r"^\S+\.py:\d+: (\w+Warning): ", re.MULTILINE), r"<file>: \1: "),
    # the source line a warning echoes: black may have re-quoted or re-wrapped it
    (re.compile(r"^  \S.*$", re.MULTILINE), "  <source line>"),
    (re.compile(r"(/tmp|/var/folders)/[^\s'\"]+"), "<tmp>"),
    (re.compile(r"<ipython-input-\d+-[0-9a-f]+>"), "<cell>"),
)
_MISSING_NAME = re.compile(r"^NameError: name '(\w+)' is not defined")

CellRef = str | int  # an original cell's id, or its 1-based number


@dataclass(frozen=True)
class Item:
    """One thing a reader sees: printed "text", "stderr", a shown "value", a "figure"
    (its pixel size), an "error" ("Name: message")."""

    kind: str
    content: str


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


def normalise(items: Sequence[Item]) -> list[Item]:
    """Printed text merged (stderr apart: when it shows between prints depends only on
    when each stream was flushed), error messages cut to the error's name (they carry
    paths and ids), and the legitimately varying parts masked."""
    errors = "".join(i.content for i in items if i.kind == "stderr")
    ordered = [i for i in items if i.kind != "stderr"] + ([Item("stderr", errors)] if errors else [])
    merged: list[Item] = []
    for item in ordered:
        content = item.content.split(":")[0] if item.kind == "error" else item.content
        for pattern, replacement in _MASKS:
            content = pattern.sub(replacement, content)
        if item.kind == "text" and merged and merged[-1].kind == "text":
            merged[-1] = Item("text", merged[-1].content + content)
        elif not (item.kind == "text" and not content):
            merged.append(Item(item.kind, content))
    return merged


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
    """Consecutive summary cells that stand for overlapping original cells (a cell split
    into a kept definition and a step) compare as one: (first position, the summary
    cells, the original cells)."""
    groups: list[tuple[int, tuple[int, ...], tuple[int, ...]]] = []
    for position, ran in enumerate(summary, start=1):
        numbers = tuple(number_of[s] for s in ran.sources if s in number_of)
        if groups and numbers and set(numbers) & set(groups[-1][2]):
            start, members, previous = groups[-1]
            groups[-1] = (start, (*members, position), tuple(sorted(set(previous) | set(numbers))))
        else:
            groups.append((position, (position,), numbers))
    return groups


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
