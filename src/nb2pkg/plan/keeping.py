"""What stays in the notebook, and why.

- Whole cells nb2pkg cannot or must not convert: tagged `nb2pkg:keep` or
  `raises-exception`, saved with an error, not parsing, running another language or a
  magic that is more than a notebook setting, rebinding globals, reading IPython's
  history.
- Late binding: a lambda or generator kept for later reads notebook names when it
  runs; in a step it would close over the step's locals and keep their old values.
- Work at definition: a decorator, default value, annotation or class body runs when
  the definition runs; in a module that would be at import, out of the notebook's order.
"""

from __future__ import annotations

import re
from dataclasses import replace

from nb2pkg.analysis import NOTEBOOK_BUILTINS, CellFacts, definition_work, late_reads
from nb2pkg.ipython import Policy
from nb2pkg.notebook import Cell
from nb2pkg.plan.magic_cells import is_timed_line
from nb2pkg.plan.model import Segment

KEEP_TAG = "nb2pkg:keep"
# Jupyter's tag for a cell whose error is expected: nbclient runs past it, a step would stop.
EXPECTED_ERROR_TAG = "raises-exception"
# Cell magics that only wrap Python code (time it, capture its output): the code converts.
WRAPPING_CELL_MAGICS = frozenset({"time", "capture"})


def keep_reason(cell: Cell, facts: CellFacts) -> str:
    """Why the whole cell stays in the notebook as it is; "" when its code converts."""
    return _marked(cell) or _not_python(facts) or _magic_reason(facts) or _namespace_reason(facts)


def _marked(cell: Cell) -> str:
    """The cell's tags or saved outputs say it stays."""
    if KEEP_TAG in cell.tags:
        return f"tagged `{KEEP_TAG}`"
    if EXPECTED_ERROR_TAG in cell.tags:
        return f"is tagged `{EXPECTED_ERROR_TAG}`: its error is expected, and the notebook runs past it"
    if cell.error and cell.error != "KeyboardInterrupt":  # an interrupted cell runs through when run again
        return (
            f"shows a `{cell.error}` in its saved outputs, an error the notebook ran past (tag the "
            f"cell `{EXPECTED_ERROR_TAG}` to say so, or clear its outputs if it no longer raises)"
        )
    return ""


def _not_python(facts: CellFacts) -> str:
    """The cell does not parse, or a cell magic runs it as something other than Python."""
    if facts.parse_error is not None:
        return facts.parse_error.reason
    if facts.python is None:
        return f"runs `%%{facts.magics[0].name}`, which nb2pkg does not convert"
    return ""


def _magic_reason(facts: CellFacts) -> str:
    """A magic of the cell that only runs in a notebook, or times more than one statement."""
    for magic in facts.magics:
        if magic.cell and magic.name in WRAPPING_CELL_MAGICS:
            continue  # the body becomes a step; the summary cell keeps the magic line
        if is_timed_line(magic):
            if sum(is_timed_line(m) for m in facts.magics) > 1:
                return f"times more than one statement with `{magic.label}`; a step can be timed once"
            continue  # the statement becomes a step; the summary keeps the magic before its call
        if magic.policy is not Policy.NOTEBOOK or magic.cell:
            return f"uses `{magic.label}`, which only runs in a notebook"
    return ""


def _namespace_reason(facts: CellFacts) -> str:
    """The cell reaches into the notebook's namespace in a way a step cannot."""
    if facts.rebinds_globals:
        return "defines a function that rebinds notebook names with `global`"
    if _TOP_LEVEL_GLOBAL.search(facts.python or ""):
        return "declares `global` at its top level, which in a function would make the names the module's"
    written = sorted({(f, n) for f, _, writes in facts.through for n in writes})
    read = [(f, n) for f, n in written if re.search(rf"(?<![\w.]){re.escape(n)}\b", facts.python or "")]
    if read:
        function, name = read[0]
        return (
            f"calls `{function}`, a notebook function that rebinds `{name}` with `global`, and reads `{name}`: "
            "a step would read its own"
        )
    only = notebook_only_names(facts.builtin_reads)
    if only:
        return f"reads {only}, which only the notebook has (IPython's history, or `__name__` as `'__main__'`)"
    if facts.star_import and not _has_star_import_statement(facts.python or ""):
        return "binds names through a magic (`%pylab`, `%run`), which nb2pkg cannot follow"
    return ""


# `global x` at a cell's top level (a function's body is indented): a no-op in the notebook.
_TOP_LEVEL_GLOBAL = re.compile(r"^global\s", re.M)

# Names IPython gives the notebook that a module does not have, or has with another
# value: the output history, the input history, and the module's own dunder names.
_NOTEBOOK_ONLY = frozenset(
    {
        "_",
        "__",
        "___",
        "_i",
        "_ii",
        "_iii",
        "_ih",
        "_oh",
        "_dh",
        "In",
        "Out",
        "__name__",
        "__doc__",
        "__spec__",
        "__loader__",
        "__package__",
        "__file__",
    }
)


def notebook_only_names(reads: frozenset[str]) -> str:
    """The names among `reads` only the notebook's namespace has, as `a`, `b`."""
    found = sorted(n for n in reads if n in _NOTEBOOK_ONLY or re.fullmatch(r"_i?\d+", n))
    return ", ".join(f"`{n}`" for n in found)


def _has_star_import_statement(python: str) -> bool:
    return re.search(r"^from\s+\S+\s+import\s+\*", python, re.MULTILINE) is not None


# How the reasons of these rules start: the conversion warns about cells kept for them.
LATE_BINDING = "makes a lambda or generator that reads "


DEFINITION_WORK = "defines a name whose definition does work: "


def keep_late_binding(segments: tuple[Segment, ...]) -> tuple[tuple[Segment, ...], dict[str, frozenset[str]]]:
    """Code that makes a lambda or generator for later, reading notebook names that later
    code binds (or that nothing binds before): it stays in the notebook, where it reads
    the notebook's names when it runs, as it did. Returns the segments and, for each name
    such code binds, the names its functions read (a later step that binds one of those
    and then calls it would be stale)."""
    bound_by_code = [s.facts.defines if s.role in ("code", "kept", "display") else frozenset() for s in segments]
    everywhere = {n for s in segments for n in s.facts.defines}
    done: list[Segment] = []
    functions: dict[str, frozenset[str]] = {}
    before: set[str] = set()
    for position, segment in enumerate(segments):
        reads = late_reads(segment.statements) if segment.role == "code" else frozenset()
        later = set().union(*bound_by_code[position + 1 :]) if reads else set()
        unbound = {
            n for n in reads - before - segment.facts.defines if n not in everywhere and n not in NOTEBOOK_BUILTINS
        }
        stale = sorted((reads & later) | unbound)
        before |= segment.facts.defines
        if not stale:
            done.append(segment)
            continue
        listed = ", ".join(f"`{n}`" for n in stale)
        reason = (
            f"{LATE_BINDING}{listed} when it runs, and a later cell "
            "binds it: in a function it would keep the value of the moment it was made"
        )
        done.append(replace(segment, role="kept", reason=reason))
        functions.update({name: frozenset(reads) for name in segment.facts.defines})
    return tuple(done), functions


def keep_import_work(
    segments: tuple[Segment, ...], imported: frozenset[str]
) -> tuple[tuple[Segment, ...], dict[str, frozenset[str]]]:
    """Definitions that run code when defined (a decorator, a default value, a class
    body) stay in the notebook: in a module that code would run at import, out of the
    notebook's order. Returns the segments and what the kept functions read."""
    lazy = any("from __future__ import annotations" in s.source for s in segments if s.role == "import")
    variables = {n for s in segments if s.role in ("code", "kept", "display") for n in s.facts.defines}
    done: list[Segment] = []
    functions: dict[str, frozenset[str]] = {}
    for segment in segments:
        work = ""
        if segment.role == "definition" and len(segment.statements) == 1:
            work = definition_work(segment.statements[0], imported, lazy)
        if not work:
            done.append(segment)
            continue
        if not {r for _, d in segment.facts.functions for r in d.reads} & variables:
            # Its body reads no notebook variable: the definition can run inside a step,
            # in the notebook's order, and the step returns what it defines.
            done.append(replace(segment, role="code"))
            continue
        done.append(replace(segment, role="kept", reason=f"{DEFINITION_WORK}{work}"))
        functions.update((name, d.reads | d.writes) for name, d in segment.facts.functions)
    return tuple(done), functions
