"""Notebook functions that read notebook variables and are used as values, defined in
the step where the notebook defined them.

`def schedule(t): return t0 / (t + t1)` with `t0` computed by the notebook cannot move
into a module (the module has no `t0`), and when the function is passed as a value
(`apply(schedule, 3)`, `df.apply(schedule)`, `FunctionTransformer(schedule)`) no call
can pass `t0` as an argument (plan/definitions.py lifts only direct calls). It can still
be defined where the notebook defined it, inside a step: the step receives `t0`, and the
function reads it, as a closure, when it is called, as the notebook's function read its
global. The two agree as long as the value the closure holds is the notebook's at every
call, that is, when every name the function reads is bound before the definition and
never bound again, nor deleted, after it (a change in place, `t0.append(1)`, is the same
object in both). Otherwise the function stays in the notebook, and the warning says which
name is bound again and where.

Two things still differ, and keep the rule out where they could show: pickle finds a
function by its module and name, which a function defined in a step does not have (a
notebook that pickles, or uses joblib or multiprocessing, is left as it was), and its
`__qualname__` names the step (`define_f.<locals>.f`), which its repr shows. Classes are
left alone: their instances pickle by name too, and outlive the step.
"""

from __future__ import annotations

import re

import libcst as cst

from nb2pkg.plan.model import Segment, SegmentKey


def step_definitions(
    candidates: list[Segment], segments: tuple[Segment, ...], available: set[str]
) -> tuple[set[SegmentKey], dict[SegmentKey, str]]:
    """(keys of the definitions that can run in a step, a reason for each that cannot,
    naming the variable): for functions that read notebook variables and may be used
    other than by direct calls."""
    if any(_PICKLES.search(s.source) for s in segments if s.role != "markdown"):
        return set(), {}  # a function defined in a step does not pickle by name, as the notebook's does
    order = {s.key: position for position, s in enumerate(segments)}
    fits: set[SegmentKey] = set()
    reasons: dict[SegmentKey, str] = {}
    for segment in candidates:
        if len(segment.facts.functions) != 1 or len(segment.statements) != 1:
            continue
        if not isinstance(segment.statements[0], cst.FunctionDef):
            continue  # a class: its instances would not pickle either, and live longer
        name, deferred = segment.facts.functions[0]
        variables = deferred.reads - available - {name}
        if not variables or deferred.writes:
            continue
        position = order[segment.key]
        problem = _unbound_before(variables, segments[:position]) or _bound_after(variables, segments[position + 1 :])
        if problem:
            reasons[segment.key] = problem
        else:
            fits.add(segment.key)
    return fits, reasons


# Code that may pickle what the notebook holds (or send it to other processes): pickle
# finds a function by its name in its module, which a function defined in a step has not.
_PICKLES = re.compile(r"\b(pickle|joblib|dill|multiprocessing|ProcessPoolExecutor|Pool)\b|\.dump\(|to_pickle")


def _unbound_before(variables: frozenset[str], before: tuple[Segment, ...]) -> str:
    bound = {n for s in before for n in s.facts.defines}
    missing = sorted(variables - bound)
    if not missing:
        return ""
    verb = "is" if len(missing) == 1 else "are"
    return f"{_listed(missing)} {verb} bound only after it: a step defining it could not give it the notebook's value"


def _bound_after(variables: frozenset[str], after: tuple[Segment, ...]) -> str:
    for segment in after:
        if segment.role == "markdown":
            continue
        if segment.role == "kept" and not segment.facts.analysed:
            again = sorted(n for n in variables if re.search(rf"\b{re.escape(n)}\b", segment.source))
        else:
            again = sorted(variables & (segment.facts.defines | segment.facts.deletes))
        if not again:
            continue
        if set(again) <= segment.facts.deletes:
            return (
                f"cell {segment.cell.number} deletes {_listed(again)} after it: the notebook's function "
                "then finds no value, one defined in a step would keep the old one"
            )
        return (
            f"cell {segment.cell.number} binds {_listed(again)} again after it: the notebook's function "
            "then reads the new value, one defined in a step would keep the old one"
        )
    return ""


def _listed(names: list[str]) -> str:
    return ", ".join(f"`{n}`" for n in names)


def closure_values(segments: tuple[Segment, ...], functions: set[str]) -> frozenset[str]:
    """Names code binds only to values made with `functions` (defined in steps, or in
    modules) and with other such values: `result = apply(schedule, 3)` may hold `schedule`,
    a closure whose names are never bound again (see above), so calling it later reads no
    stale value, unlike a value a function kept in the notebook made."""
    safe, other = set(functions), set[str]()
    for segment in segments:
        called = {function for function, _, _ in segment.facts.through}
        if segment.role == "code" and called and called <= safe:
            safe |= segment.facts.defines
        else:
            other |= segment.facts.defines
    return frozenset(safe - other - functions)


def defined_only(segments: list[Segment]) -> tuple[str, ...]:
    """The functions a step defines, when defining them is all it does (its name and its
    docstring say so, not what their bodies do when called later); () otherwise."""
    statements = [statement for segment in segments for statement in segment.statements]
    if not statements or not all(isinstance(s, cst.FunctionDef) for s in statements):
        return ()
    return tuple(s.name.value for s in statements if isinstance(s, cst.FunctionDef))
