"""Where `pipeline.run()` cannot be what the notebook did.

The pipeline calls the steps alone; the cells kept in the notebook never run there.
When a kept cell binds, changes or deletes a name that a later step reads, the step
would get another value than in the notebook: the pipeline says so (in the warnings,
in `__main__`, which refuses to run, and in the README) instead of printing a
different result as if it were the notebook's.
"""

from __future__ import annotations

from dataclasses import dataclass

from nb2pkg.analysis import unreadable_writes
from nb2pkg.diagnostics import Diagnostic
from nb2pkg.plan.files import CHANGES_FOLDER
from nb2pkg.plan.model import Kept, Plan, Step
from nb2pkg.plan.notebook_folder import folder_needs

# How a kept cell touches a name
BINDS, CHANGES, DELETES, MAY_CHANGE = "binds", "changes", "deletes", "may change"


@dataclass(frozen=True)
class KeptWrite:
    """A kept cell that sets what a later step reads."""

    cell: int  # 1-based
    name: str
    how: str  # BINDS, CHANGES, DELETES or MAY_CHANGE
    step: str  # the first step that reads it afterwards
    where: str = "which stays in the notebook"  # what of the cell the package does not run


@dataclass(frozen=True)
class Gaps:
    """What `run()` needs from outside, and where it departs from the notebook."""

    loose: tuple[str, ...] = ()  # names no earlier step provides: keyword arguments of run()
    writes: tuple[KeptWrite, ...] = ()  # kept cells that set what later steps read
    unbound: tuple[str, ...] = ()  # loose names no cell binds at all (hidden state)

    def __bool__(self) -> bool:
        return bool(self.loose or self.writes)

    def reasons(self) -> list[str]:
        """One sentence per kept cell that sets what later steps read, naming the names."""
        found = [f"cell {cell}, {where}, {what}" for cell, where, what in self._by_cell()]
        found += [f"`{name}` is read before any cell binds it (hidden state)" for name in self.unbound]
        return found

    def warnings(self, package: str) -> list[Diagnostic]:
        tail = (
            f": `pipeline.run()` cannot be what the notebook did, and `python -m {package}` "
            "refuses to run; run the summary notebook"
        )
        found = [Diagnostic(cell, None, f"this cell, {where}, {what}{tail}") for cell, where, what in self._by_cell()]
        found += [
            Diagnostic(None, None, f"`{name}` is read before any cell binds it (hidden state){tail}")
            for name in self.unbound
        ]
        return found

    def _by_cell(self) -> list[tuple[int, str, str]]:
        """`binds `a`, which `f` reads, and changes `b`, which `g` reads`, per cell."""
        cells: dict[tuple[int, str], list[str]] = {}
        for w in self.writes:
            cells.setdefault((w.cell, w.where), []).append(f"{w.how} `{w.name}`, which `{w.step}` reads")
        return [(cell, where, ", and ".join(parts)) for (cell, where), parts in sorted(cells.items())]


def pipeline_gaps(plan: Plan) -> Gaps:
    """Follow which code last set each name, in notebook order: a step or a kept cell.
    A kept `%cd` (or `os.chdir`) sets the folder the steps after it find relative paths in."""
    module_level = set(plan.imports) | set(plan.provided())
    origin: dict[str, KeptWrite | None] = {}  # None: a step returned it
    returned: set[str] = set()
    star: KeptWrite | None = None  # a kept `from m import *` may bind any name
    folder: KeptWrite | None = None  # the last kept change of the working folder
    relative = {cell for cell, _ in folder_needs(plan)} if any(_changes_folder(i) for i in plan.items) else set()
    loose: set[str] = set()
    writes: dict[tuple[int, str], KeptWrite] = {}
    for item in plan.items:
        if isinstance(item, Step):
            for name in item.params:
                if name in module_level:
                    continue
                if name not in returned:
                    loose.add(name)
                write = origin.get(name, star)
                if write is not None and (write.cell, name) not in writes:
                    writes[(write.cell, name)] = KeptWrite(write.cell, name, write.how, item.name)
            if folder is not None and relative & {s.cell.number for s in item.segments}:
                writes.setdefault((folder.cell, _FOLDER), KeptWrite(folder.cell, _FOLDER, CHANGES, item.name))
            origin.update((name, None) for name in item.returns)
            returned.update(item.returns)
            origin.update(_magic_writes(item))
        else:
            origin.update(_kept_writes(item, origin))
            if item.segment.role == "kept" and item.segment.facts.star_import:
                star = KeptWrite(item.segment.cell.number, "*", "may bind", "")
            if _changes_folder(item):
                folder = KeptWrite(item.segment.cell.number, _FOLDER, CHANGES, "")
    seen = {w.name for w in writes.values()}
    unbound = tuple(sorted(n for n in loose if n not in seen))
    return Gaps(tuple(sorted(loose)), tuple(writes[k] for k in sorted(writes)), unbound)


def _changes_folder(item: Step | Kept) -> bool:
    return (
        isinstance(item, Kept) and item.segment.role != "markdown" and bool(CHANGES_FOLDER.search(item.segment.source))
    )


# What a kept `%cd` or `os.chdir` changes: the folder the steps after it run in.
_FOLDER = "os.getcwd()"


def _magic_writes(step: Step) -> dict[str, KeptWrite]:
    """`%%capture out` binds `out` in the summary cell, around the step's call."""
    words = step.segments[0].cell_magic.split()
    if words[:1] != ["%%capture"]:
        return {}
    names = [w for w in words[1:] if not w.startswith("-")][:1]
    cell = step.segments[0].cell.number
    return {n: KeptWrite(cell, n, BINDS, "", "whose `%%capture` only the notebook runs") for n in names}


def _kept_writes(item: Kept, origin: dict[str, KeptWrite | None]) -> dict[str, KeptWrite]:
    segment = item.segment
    if segment.role != "kept":
        return {}  # markdown, displays: they change nothing
    number = segment.cell.number
    facts = segment.facts
    if not facts.analysed:
        return {n: KeptWrite(number, n, MAY_CHANGE, "") for n in unreadable_writes(segment.source)}
    found = {n: KeptWrite(number, n, BINDS, "") for n in facts.defines}
    found.update((n, KeptWrite(number, n, CHANGES, "")) for n in facts.mutates if n in origin)
    found.update((n, KeptWrite(number, n, DELETES, "")) for n in facts.deletes)
    return found
