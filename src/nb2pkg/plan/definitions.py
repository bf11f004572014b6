"""Which notebook functions and classes move to modules, lifting the notebook variables
a function reads into keyword parameters where every call can pass them.

A definition moves when its body reads only what modules can import (other moved
definitions, imports, constants). Otherwise it may still move lifted:

`def is_high(v): return v > cutoff` cannot move into a module as it is: `cutoff` is a
notebook variable. It can move as `def is_high(v, *, cutoff)` when every use of
`is_high` is a direct call in code that becomes a step, because then every call can
pass the value it sees at that moment (`is_high(x, cutoff=cutoff)`), which is what the
notebook's global lookup gave. Callbacks (`df.apply(is_high)`), calls from cells that
stay in the notebook or from other functions, and functions that rebind globals are
left alone. A function a later cell defines again with the same code (notebooks repeat
a helper after rebinding what it reads) moves once, lifted: each call passes what it
sees then. Defined again with other code, it stays: one module name cannot be both.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import libcst as cst

from nb2pkg.analysis import target_names, walk_nodes
from nb2pkg.diagnostics import Diagnostic
from nb2pkg.plan.layout import name_definition_module
from nb2pkg.plan.model import Definition, Segment, SegmentKey
from nb2pkg.plan.step_functions import step_definitions


def movable_definitions(
    segments: tuple[Segment, ...], module_names: set[str], warnings: list[Diagnostic]
) -> tuple[tuple[Definition, ...], dict[SegmentKey, str], set[SegmentKey]]:
    """Definitions whose bodies read only what modules can import, or notebook variables
    that can be lifted into parameters; then those defined in a step, as code (the keys
    returned last); the rest stay. A definition a later cell repeats word for word moves
    once: every call, before or after the repeat, runs the same code."""
    repeats = repeated_definitions(segments)
    candidates = [s for s in segments if s.role == "definition" and s.key not in repeats]
    single = _defined_once(segments, repeats)
    movable: dict[SegmentKey, Segment] = {}
    changed = True
    while changed:  # a definition may rely on another that moves
        changed = False
        available = module_names | {n for s in movable.values() for n in s.facts.defines}
        for segment in candidates:
            if segment.key in movable:
                continue
            needs = _needs(segment)
            name = next(iter(segment.facts.defines), "")
            if name in single and needs <= available | {name}:
                movable[segment.key] = segment
                changed = True
    available = module_names | {n for s in movable.values() for n in s.facts.defines}
    functions = {n for s in candidates for n, _ in s.facts.functions}
    rest = [s for s in candidates if s.key not in movable and next(iter(s.facts.defines), "") in single]
    lifted = liftable(rest, segments, available, functions, set(repeats))
    # used as values: defined in their step, where the notebook's values are (plan/step_functions.py)
    in_steps, not_in_steps = step_definitions([s for s in rest if s.key not in lifted], segments, available)
    kept: dict[SegmentKey, str] = {}  # -> why it stays
    found: list[Diagnostic] = []
    cell_numbers = {s.key: s.cell.number for s in segments}
    definitions = []
    for segment in candidates:
        again = tuple(k for k, first in repeats.items() if first == segment.key)
        if segment.key in in_steps:
            continue
        if segment.key in movable or segment.key in lifted:
            name = next(iter(segment.facts.defines))
            module = name_definition_module(segment)
            definitions.append(Definition(name, module, segment, lifted.get(segment.key, ()), again))
            continue
        name = next(iter(segment.facts.defines), "")
        reason = kept_definition_reason(segment, module_names, segments) if name in single else _ELSEWHERE
        if segment.key in not_in_steps:
            reason = f"{reason}, and {not_in_steps[segment.key]}"
        kept.update((k, reason) for k in (segment.key, *again))
        defined = ", ".join(f"`{n}`" for n in sorted(segment.facts.defines))
        # a repeat stays with its first, and its cell is named too, in notebook order
        cells = [segment.cell.number, *(cell_numbers[k] for k in again)]
        found += [Diagnostic(cell, None, f"{defined} stays in the notebook: this cell {reason}") for cell in cells]
    warnings += sorted(found, key=lambda warning: warning.cell or 0)
    return tuple(definitions), kept, in_steps


def repeated_definitions(segments: tuple[Segment, ...]) -> dict[SegmentKey, SegmentKey]:
    """Definition segment key -> the key of the first one, for a function a later cell
    defines again with the same code (`def rate(t): return t0 / (t + t1)` in two cells),
    when nothing else binds its name."""
    by_name: dict[str, list[Segment]] = {}
    for segment in segments:
        for name in segment.facts.defines:
            by_name.setdefault(name, []).append(segment)
    repeats: dict[SegmentKey, SegmentKey] = {}
    for found in by_name.values():
        first = found[0]
        if len(found) > 1 and all(_same_definition(first, s) for s in found[1:]):
            repeats.update((s.key, first.key) for s in found[1:])
    return repeats


def _same_definition(first: Segment, other: Segment) -> bool:
    if not all(s.role == "definition" and len(s.statements) == 1 for s in (first, other)):
        return False
    functions = [s.statements[0] for s in (first, other) if isinstance(s.statements[0], cst.FunctionDef)]
    if len(functions) != 2:
        return False
    # the same code, comments and blank lines around it aside
    code = [cst.Module(body=[f.with_changes(leading_lines=())]).code.strip() for f in functions]
    return code[0] == code[1] and first.facts.uses == other.facts.uses


def _defined_once(segments: tuple[Segment, ...], repeats: dict[SegmentKey, SegmentKey]) -> set[str]:
    """Names one segment binds, counting a repeated definition once."""
    counts: dict[str, int] = {}
    for segment in segments:
        if segment.key in repeats:
            continue
        for name in segment.facts.defines:
            counts[name] = counts.get(name, 0) + 1
    return {name for name, count in counts.items() if count == 1}


def _needs(segment: Segment) -> set[str]:
    """What a definition needs bound: at definition time, and when its body runs."""
    return set(segment.facts.uses) | {r for _, d in segment.facts.functions for r in d.reads}


def kept_definition_reason(segment: Segment, module_names: set[str], segments: tuple[Segment, ...]) -> str:
    names = sorted(_needs(segment) - module_names - segment.facts.defines)
    if any(d.writes for _, d in segment.facts.functions):
        return "defines a function that rebinds notebook names with `global`"
    if names and any(d.returns_callable for _, d in segment.facts.functions):
        listed = ", ".join(f"`{n}`" for n in names)
        return (
            f"defines a function that returns a closure or generator reading notebook variable(s) "
            f"{listed} when it runs later; as parameters they would keep the values of the call"
        )
    if names:
        listed = ", ".join(f"`{n}`" for n in names)
        unliftable = (
            _not_liftable(segment.statements[0], set(names), segments) if len(segment.statements) == 1 else None
        )
        if unliftable:
            return f"defines a function that reads notebook variable(s) {listed} and {unliftable}"
        return (
            f"defines a function that reads notebook variable(s) {listed} and is used "
            "other than by direct calls from converted code"
        )
    return _ELSEWHERE


def _not_liftable(statement: cst.BaseStatement, variables: set[str], segments: tuple[Segment, ...]) -> str | None:
    """Why the function's notebook `variables` cannot become its keyword parameters, if so:
    its decorator would see them as arguments (`lru_cache` would key its cache on them),
    a call's keyword of one of their names would bind it instead of going into the
    function's `**kwargs`, or the function passes itself on as a value."""
    if not isinstance(statement, cst.FunctionDef):
        return None
    name = statement.name.value
    if statement.decorators:
        return "is decorated: as parameters they would be arguments its decorator sees"
    if isinstance(statement.params.star_kwarg, cst.Param):
        given = sorted(variables & _keywords_passed(name, segments))
        if given:
            return f"takes `**kwargs`, which a call passes `{given[0]}=` to: as a parameter, `{given[0]}` would take it"
    if _references(name, (statement,))[1] > 1:  # its own name, and more
        return "passes itself on as a value, whose later calls could not pass them"
    return None


def _inner_bindings(name: str, segments: tuple[Segment, ...], definition: Segment) -> set[str]:
    """What the comprehensions, lambdas, functions and classes of the code that calls `name`
    (the steps' code, and its own body, whose calls of itself pass the lifted names on)
    bind of their own (loop targets, parameters, class attributes): there, a name passed
    to a lifted parameter would not be the notebook's."""
    found: set[str] = set()

    def enter(node: cst.CSTNode) -> None:
        if isinstance(node, cst.CompFor):
            found.update(target_names(node.target))
        elif isinstance(node, (cst.Lambda, cst.FunctionDef)):
            params = node.params
            every = [*params.posonly_params, *params.params, *params.kwonly_params]
            every += [p for p in (params.star_arg, params.star_kwarg) if isinstance(p, cst.Param)]
            found.update(p.name.value for p in every)
        elif isinstance(node, cst.ClassDef):
            for line in node.body.body:
                if isinstance(line, cst.SimpleStatementLine):
                    found.update(
                        n
                        for small in line.body
                        if isinstance(small, cst.Assign)
                        for t in small.targets
                        for n in target_names(t.target)
                    )

    for segment in segments:
        if (segment.role == "code" or segment is definition) and may_name(name, segment.source):
            for statement in segment.statements:
                walk_nodes(statement, enter)
    return found


def _keywords_passed(name: str, segments: tuple[Segment, ...]) -> set[str]:
    """The keywords the calls of `name` pass (`f(x, k=5)`: k)."""
    found: set[str] = set()

    def enter(node: cst.CSTNode) -> None:
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == name:
            found.update(arg.keyword.value for arg in node.args if arg.keyword is not None)

    for segment in segments:
        if may_name(name, segment.source):
            for statement in segment.statements:
                walk_nodes(statement, enter)
    return found


# A name bound by other code too, or defined again with other code: one module-level
# name cannot be each of them at its moment.
_ELSEWHERE = "defines a name that other cells define too"


def liftable(
    candidates: Iterable[Segment],
    segments: tuple[Segment, ...],
    available: set[str],
    notebook_functions: set[str],
    repeats: Iterable[SegmentKey] = (),
) -> dict[SegmentKey, tuple[str, ...]]:
    """Definition segment key -> the notebook variables to lift, for those that can be."""
    lifted: dict[SegmentKey, tuple[str, ...]] = {}
    for segment in candidates:
        statement = segment.statements[0] if len(segment.statements) == 1 else None
        if not isinstance(statement, cst.FunctionDef) or len(segment.facts.functions) != 1:
            continue
        name, deferred = segment.facts.functions[0]
        variables = deferred.reads - available - {name}
        # A generator or a returned closure reads the lifted names when it runs, later,
        # not at the call: as parameters they would keep the call's values.
        if (
            not variables or deferred.writes or variables & notebook_functions or segment.facts.uses - available
        ):  # decorators and defaults run at definition
            continue
        if deferred.returns_callable and _rebound_after_a_call(name, variables, segments):
            continue  # its closure or generator would keep the values of the call
        if _not_liftable(statement, set(variables), segments) or variables & _inner_bindings(name, segments, segment):
            continue  # `[f(0) for k in range(3)]`: `f(0, k=k)` there would pass the loop's k
        if _only_called_from_steps(name, {segment.key, *repeats}, segments):
            lifted[segment.key] = tuple(sorted(variables))
    return lifted


def _rebound_after_a_call(name: str, variables: frozenset[str], segments: tuple[Segment, ...]) -> bool:
    """Whether one of `variables` is unbound at the first call of `name`, or bound again
    after it: a closure it returned reads them later, in the notebook, and would see
    the new values (or none yet, where passing them at the call would fail)."""
    called = False
    bound: set[str] = set()
    for segment in segments:
        if called and (segment.facts.defines | segment.facts.deletes) & variables:
            return True  # `del total` after the call: the notebook's closure finds no value
        if not called and segment.role == "code" and re.search(rf"\b{re.escape(name)}\s*\(", segment.source):
            called = True
            if not variables <= bound:
                return True
        bound = (bound | segment.facts.defines) - segment.facts.deletes
    return False


def _only_called_from_steps(name: str, definitions: set[SegmentKey], segments: tuple[Segment, ...]) -> bool:
    for segment in segments:
        if segment.key in definitions or segment.role == "markdown":
            continue
        if not segment.statements:
            if re.search(rf"\b{re.escape(name)}\b", segment.source):
                return False  # a cell nb2pkg cannot read may use it
            continue
        if not may_name(name, segment.source):
            continue
        calls, other = _references(name, segment.statements)
        if other or (calls and segment.role != "code"):
            return False
    return True


def _references(name: str, statements: tuple[cst.BaseStatement, ...]) -> tuple[int, int]:
    """(direct calls of `name`, other loads of it) in `statements`: every `Name` of it but
    an attribute (`obj.name`) or a keyword (`f(name=...)`), less those that are called.
    Walked by `walk_nodes` (no rebuilding of the nodes, which a LibCST visit does)."""
    counts = [0, 0]

    def enter(node: cst.CSTNode) -> bool | None:
        if isinstance(node, cst.Name):
            counts[1] += node.value == name
        elif isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == name:
            counts[0] += 1
            counts[1] -= 1  # the callee's Name, met below, is this call
        elif isinstance(node, (cst.Attribute, cst.Arg)):
            walk_nodes(node.value, enter)  # not `.attr`, not the keyword
            return False
        return None

    for statement in statements:
        walk_nodes(statement, enter)
    return counts[0], counts[1]


def may_name(name: str, code: str) -> bool:
    """Whether `code` may hold `name` as a name (a call of it, a read of it): as a word not
    right after a dot, which would make it an attribute. Strings and comments count too,
    so a False is sure and a True only worth a look at the tree."""
    return re.search(rf"(?<![\w.]){re.escape(name)}(?!\w)", code) is not None


def with_parameters(function: cst.FunctionDef, names: tuple[str, ...]) -> cst.FunctionDef:
    """`def f(a)` -> `def f(a, *, x, y)`."""
    params = function.params
    added = [cst.Param(cst.Name(n)) for n in names]
    star = params.star_arg if isinstance(params.star_arg, cst.Param) else cst.ParamStar()
    return function.with_changes(
        params=params.with_changes(star_arg=star, kwonly_params=[*params.kwonly_params, *added])
    )


def pass_arguments(statement: cst.BaseStatement, lifted: dict[str, tuple[str, ...]]) -> cst.BaseStatement:
    """Calls of lifted functions pass the lifted values: `f(v)` -> `f(v, x=x)`."""
    if not lifted:
        return statement
    result = statement.visit(_Passing(lifted))
    assert isinstance(result, cst.BaseStatement)
    return result


class _Passing(cst.CSTTransformer):
    """`pass_arguments`' rewrite, one class for every call (tests/test_visitor_classes.py
    says why)."""

    def __init__(self, lifted: dict[str, tuple[str, ...]]) -> None:
        super().__init__()
        self.lifted = lifted

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.Call:
        if not (isinstance(updated.func, cst.Name) and updated.func.value in self.lifted):
            return updated
        given = {a.keyword.value for a in updated.args if a.keyword is not None}
        extra = [cst.Arg(cst.Name(n), keyword=cst.Name(n)) for n in self.lifted[updated.func.value] if n not in given]
        args = list(updated.args)
        if args:
            args[-1] = args[-1].with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        return updated.with_changes(args=[*args, *extra])
