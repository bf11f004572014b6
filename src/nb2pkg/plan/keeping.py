"""Segments whose meaning changes inside a function or a module, decided before
grouping: they stay in the notebook, or run inside a step instead of at import.

- Late binding: a lambda or generator kept for later reads notebook names when it
  runs; in a step it would close over the step's locals and keep their old values.
- Work at definition: a decorator, default value, annotation or class body runs when
  the definition runs; in a module that would be at import, out of the notebook's order.
"""

from __future__ import annotations

from dataclasses import replace

from nb2pkg.analysis import late_reads
from nb2pkg.analysis import definition_work
from nb2pkg.analysis import NOTEBOOK_BUILTINS
from nb2pkg.plan.segments import Segment


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
        later = set().union(*bound_by_code[position + 1:]) if reads else set()
        unbound = {n for n in reads - before - segment.facts.defines
                   if n not in everywhere and n not in NOTEBOOK_BUILTINS}
        stale = sorted((reads & later) | unbound)
        before |= segment.facts.defines
        if not stale:
            done.append(segment)
            continue
        listed = ", ".join(f"`{n}`" for n in stale)
        reason = (f"{LATE_BINDING}{listed} when it runs, and a later cell "
                  "binds it: in a function it would keep the value of the moment it was made")
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
