"""Group segments into the plan of a package: steps (functions), definitions that
move to modules, constants for `config.py`, and what stays in the notebook.

Order is the contract: steps are runs of consecutive computation, cut wherever the
notebook shows something, says something (markdown), or keeps a cell as it is, so the
summary notebook calls them in the original order. A step's parameters are the names it
uses that earlier code provides; it returns the names it binds that later code reads.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

import libcst as cst

from nb2pkg.analysis import conditional_deletes
from nb2pkg.plan.kept import kept_imports
from nb2pkg.plan.layout import choose_module, draws, name_definition_module, step_name
from nb2pkg.plan.lifting import liftable
from nb2pkg.notebook import HEADING, heading_of
from nb2pkg.naming import unique
from nb2pkg.plan.keeping import DEFINITION_WORK, LATE_BINDING, keep_import_work, keep_late_binding
from nb2pkg.plan.segments import Segment, SegmentKey, import_bindings


@dataclass(frozen=True)
class Step:
    """Consecutive computation turned into one function."""

    name: str
    module: str
    segments: tuple[Segment, ...]
    params: tuple[str, ...]
    returns: tuple[str, ...]
    doc: str
    shows: tuple[Segment, ...] = ()  # displays the summary cell ends with, after the call
    value: str = ""  # the name the shown value of the last expression is returned as
    # returned names bound on some paths only, that nothing had bound before: set to
    # None first, so that returning them never fails where the notebook went on
    initialised: tuple[str, ...] = ()

    @property
    def shows_value(self) -> bool:
        return self.segments[-1].shows_value

    @property
    def cells(self) -> tuple[int, ...]:
        return tuple(dict.fromkeys(s.cell.index for s in (*self.segments, *self.shows)))


@dataclass(frozen=True)
class Definition:
    """A notebook function or class that moves to a module."""

    name: str
    module: str
    segment: Segment
    lifted: tuple[str, ...] = ()  # notebook variables it now takes as keyword arguments


@dataclass(frozen=True)
class Kept:
    """A cell (or a part of one) that stays in the summary notebook."""

    segment: Segment


@dataclass(frozen=True)
class Plan:
    """Everything the renderers need, in notebook order."""

    items: tuple[Step | Kept, ...]  # steps and kept parts, in order (markdown included)
    definitions: tuple[Definition, ...]
    constants: tuple[Segment, ...]
    imports: dict[str, cst.Import | cst.ImportFrom] = field(default_factory=dict)  # name -> its import
    settings: tuple[Segment, ...] = ()  # notebook-only magic lines
    warnings: tuple[tuple[int, str], ...] = ()  # (1-based cell, message)
    names: frozenset[str] = frozenset()  # every name the notebook binds or reads

    @property
    def steps(self) -> tuple[Step, ...]:
        return tuple(item for item in self.items if isinstance(item, Step))

    def lifted(self) -> dict[str, tuple[str, ...]]:
        """Functions that take notebook variables as keyword arguments -> those names."""
        return {d.name: d.lifted for d in self.definitions if d.lifted}

    def provided(self) -> dict[str, str]:
        """Names the package provides at module level -> the module that holds them."""
        names = {name: "config" for s in self.constants for name in s.facts.defines}
        names.update((d.name, d.module) for d in self.definitions)
        return names


def build_plan(segments: tuple[Segment, ...]) -> Plan:
    """The plan of the package. A cell the grouping keeps in the notebook (a stale read,
    say) runs as written there, so a function it calls cannot take lifted arguments: plan
    again with that cell kept from the start, until no kept cell calls a lifted function."""
    for _ in range(len(segments) + 1):
        plan = _plan(segments)
        lifted = {d.name for d in plan.definitions if d.lifted}
        calling = {(item.segment.cell.index, item.segment.source) for item in plan.items
                   if isinstance(item, Kept) and item.segment.facts.uses & lifted}
        if not calling:
            return plan
        segments = tuple(replace(s, role="kept", reason=next(
            item.segment.reason for item in plan.items if isinstance(item, Kept)
            and (item.segment.cell.index, item.segment.source) == (s.cell.index, s.source)))
            if (s.cell.index, s.source) in calling else s for s in segments)
    return plan


def _plan(segments: tuple[Segment, ...]) -> Plan:
    segments, late_functions = keep_late_binding(segments)
    imports = _import_table(segments)
    segments, working = keep_import_work(segments, frozenset(imports))
    late_functions = late_functions | working
    constants = tuple(s for s in segments if s.role == "constant")
    warnings: list[tuple[int, str]] = []
    module_names = set(imports) | {n for s in constants for n in s.facts.defines}
    definitions, kept_definitions = _movable_definitions(segments, module_names, warnings)
    module_names |= {d.name for d in definitions}
    moved = {d.segment.key for d in definitions}
    kept_functions = {
        name: frozenset(r for _, d in s.facts.functions for r in d.reads | d.writes)
        for s in segments if s.key in kept_definitions for name in s.facts.defines
    } | late_functions
    segments = tuple(
        replace(s, role="kept", reason=_kept_definition_reason(s, module_names))
        if s.key in kept_definitions else s
        for s in segments
    )
    items = _items(segments, moved, kept_functions, module_names, {d.name: d.lifted for d in definitions if d.lifted})
    warnings += [(item.segment.cell.number, f"stays in the notebook: this cell {item.segment.reason}")
                 for item in items
                 if isinstance(item, Kept) and item.segment.reason.startswith((_LATE, LATE_BINDING, DEFINITION_WORK))]
    warnings += [(item.segments[0].cell.number, _unbound_warning(item)) for item in items
                 if isinstance(item, Step) and item.initialised]
    settings = tuple(s for s in segments if s.role == "setting")
    names = frozenset(n for s in segments for n in s.facts.defines | s.facts.uses)
    plan = Plan(tuple(items), definitions, constants, imports, settings, tuple(warnings), names)
    return _without_module_clashes(plan, {n for s in segments for n in s.facts.defines})


# Second names for modules whose first name the notebook uses for a variable: the
# summary notebook and the pipeline import the modules by name, so they must differ.
_ALTERNATIVES = {
    "data": "loading", "preprocess": "preprocessing", "features": "featurize",
    "models": "modelling", "plots": "figures", "utils": "helpers", "config": "settings",
}


def _without_module_clashes(plan: Plan, notebook_names: set[str]) -> Plan:
    clashes = {m: _ALTERNATIVES[m] for m in _ALTERNATIVES if m in notebook_names and m != "config"}
    if not clashes:
        return plan
    items = tuple(
        replace(item, module=clashes.get(item.module, item.module)) if isinstance(item, Step) else item
        for item in plan.items
    )
    definitions = tuple(replace(d, module=clashes.get(d.module, d.module)) for d in plan.definitions)
    return replace(plan, items=items, definitions=definitions)


def _import_table(segments: tuple[Segment, ...]) -> dict[str, cst.Import | cst.ImportFrom]:
    table: dict[str, cst.Import | cst.ImportFrom] = {}
    for segment in segments:
        if segment.role == "kept":
            nodes = kept_imports(segment)  # the modules must import these themselves
        elif segment.role == "import":
            nodes = [statement.body[0] for statement in segment.statements
                     if isinstance(statement, cst.SimpleStatementLine)]
        else:
            continue
        for node in nodes:
            assert isinstance(node, (cst.Import, cst.ImportFrom))
            for name in import_bindings(node):
                table[name] = _single_import(node, name)
    return table


def _single_import(node: cst.Import | cst.ImportFrom, name: str) -> cst.Import | cst.ImportFrom:
    """The part of an import statement that binds `name`, as a statement of its own."""
    from nb2pkg.analysis import import_binding

    assert not isinstance(node.names, cst.ImportStar)
    alias = next(a for a in node.names if import_binding(a) == name)
    single = node.with_changes(names=[alias.with_changes(comma=cst.MaybeSentinel.DEFAULT)])
    if isinstance(single, cst.ImportFrom):  # `from m import (\n a,\n)`: one line, no parentheses
        single = single.with_changes(lpar=None, rpar=None)
    return single


def _movable_definitions(
    segments: tuple[Segment, ...], module_names: set[str], warnings: list[tuple[int, str]]
) -> tuple[tuple[Definition, ...], set[SegmentKey]]:
    """Definitions whose bodies read only what modules can import, or notebook variables
    that can be lifted into parameters; the rest stay."""
    candidates = [s for s in segments if s.role == "definition"]
    counts: dict[str, int] = {}
    for segment in segments:
        for name in segment.facts.defines:
            counts[name] = counts.get(name, 0) + 1
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
            if counts.get(name, 0) == 1 and needs <= available | {name}:
                movable[segment.key] = segment
                changed = True
    available = module_names | {n for s in movable.values() for n in s.facts.defines}
    functions = {n for s in candidates for n, _ in s.facts.functions}
    rest = [s for s in candidates if s.key not in movable and counts.get(next(iter(s.facts.defines), ""), 0) == 1]
    lifted = liftable(rest, segments, available, functions)
    kept: set[SegmentKey] = set()
    definitions = []
    for segment in candidates:
        if segment.key in movable or segment.key in lifted:
            name = next(iter(segment.facts.defines))
            definitions.append(
                Definition(name, name_definition_module(segment), segment, lifted.get(segment.key, ()))
            )
            continue
        kept.add(segment.key)
        defined = ", ".join(f"`{n}`" for n in sorted(segment.facts.defines))
        warnings.append((segment.cell.number, f"{defined} stays in the notebook: this cell "
                                              f"{_kept_definition_reason(segment, module_names)}"))
    return tuple(definitions), kept


def _needs(segment: Segment) -> set[str]:
    """What a definition needs bound: at definition time, and when its body runs."""
    return set(segment.facts.uses) | {r for _, d in segment.facts.functions for r in d.reads}


def _kept_definition_reason(segment: Segment, module_names: set[str]) -> str:
    names = sorted(_needs(segment) - module_names - segment.facts.defines)
    if any(d.writes for _, d in segment.facts.functions):
        return "defines a function that rebinds notebook names with `global`"
    if names and any(d.returns_callable for _, d in segment.facts.functions):
        listed = ", ".join(f"`{n}`" for n in names)
        return (f"defines a function that returns a closure or generator reading notebook variable(s) "
                f"{listed} when it runs later; as parameters they would keep the values of the call")
    if names:
        listed = ", ".join(f"`{n}`" for n in names)
        return (f"defines a function that reads notebook variable(s) {listed} and is used "
                "other than by direct calls from converted code")
    return "defines a name that other cells define too"


def _items(
    segments: tuple[Segment, ...], moved: set[SegmentKey], kept_functions: dict[str, frozenset[str]],
    module_names: set[str], lifted: dict[str, tuple[str, ...]],
) -> list[Step | Kept]:
    runs: list[list[Segment] | Segment] = []
    current: list[Segment] = []
    kept_ids: set[SegmentKey] = set()

    def close() -> None:
        if current:
            runs.append(list(current))
            current.clear()

    defined: set[str] = set(module_names)
    for position, segment in enumerate(segments):
        role = segment.role
        defined = defined | segment.facts.defines
        if role in ("import", "constant", "setting") or segment.key in moved:
            continue  # they move out of the flow: modules and the setup cell hold them
        if role == "code":
            late = sorted({r for _, d in segment.facts.functions for r in d.reads} - defined)
            if late:
                close()
                reason = (f"{_LATE}{_listed(n for n, _ in segment.facts.functions)}, which reads "
                          f"{_listed(late)}, bound only by later cells: the notebook finds "
                          "it when the function runs, a package function would not")
                runs.append(replace(segment, role="kept", reason=reason))
                kept_functions = {**kept_functions, **{n: d.reads | d.writes for n, d in segment.facts.functions}}
                continue
            shadowing = _reads_then_shadows(segment)
            if shadowing:
                close()
                reason = (f"reads the builtin {shadowing} and then rebinds it: in a function "
                          "both would be the new local value")
                runs.append(replace(segment, role="kept", reason=reason))
                continue
            if current and segment.facts.defines & {n for s in current for n in s.facts.builtin_reads}:
                close()  # in one function the builtin read before would be the local bound here
            stale = _stale_reads(segment, current, kept_functions,
                                 _kept_values(runs) | _notebook_values(segments[:position], moved, lifted))
            if stale:
                close()
                reason = (f"calls `{stale[0]}`, a function that stays in the notebook and reads "
                          f"{', '.join(f'`{n}`' for n in stale[1])}, which this code binds first")
                runs.append(replace(segment, role="kept", reason=reason))
                continue
            tagged = _has_layout_tag(segment) or bool(segment.cell_magic)
            if current and current[-1].cell != segment.cell and (
                draws(segment.source) or draws(current[-1].source) or tagged
                or _has_layout_tag(current[-1]) or bool(current[-1].cell_magic)
            ):
                close()  # a figure, or a cell tagged with its module or name, is a step of its own
            current.append(segment)
            if segment.shown or segment.shows_value:
                close()  # the notebook shows something here: the step ends
            continue
        close()
        runs.append(segment)
    close()
    return _steps_and_kept(runs, segments, module_names, kept_ids, lifted)


def _steps_and_kept(
    runs: list[list[Segment] | Segment],
    segments: tuple[Segment, ...],
    module_names: set[str],
    kept_definitions: set[SegmentKey],
    lifted: dict[str, tuple[str, ...]],
) -> list[Step | Kept]:
    items: list[Step | Kept] = []
    taken: set[str] = set(module_names)
    all_names = {n for s in segments for n in s.facts.defines | s.facts.uses}
    heading: str | None = None
    section = ""
    heading_used = False
    order = {s.key: position for position, s in enumerate(segments)}
    for run in runs:
        if isinstance(run, Segment):
            if run.role == "markdown":
                found = heading_of(run.source)
                if found:
                    heading, section, heading_used = found, run.source, False
            if run.role == "display" and items and isinstance(items[-1], Step) and run.cell in {
                s.cell for s in items[-1].segments
            }:
                last = items[-1]
                items[-1] = replace(last, shows=last.shows + (run,))
                continue
            items.append(Kept(run))
            continue
        later = segments[order[run[-1].key] + 1 :]
        earlier = {n for s in segments[: order[run[0].key]] for n in s.facts.defines} | module_names
        values = _rebound_imports(segments, order[run[0].key], module_names)
        params, returns = _interface(run, later, module_names - values, earlier, lifted)
        shown = run[-1].shown
        if shown and shown not in returns:
            returns += (shown,)
        value = ""
        if run[-1].shows_value and returns:
            value = unique("result", all_names)  # returned with the others, then shown
            returns += (value,)
        module = choose_module(run, heading)
        name_from_heading = heading is not None and not heading_used
        name = unique(step_name(heading if name_from_heading else None, run, returns, module), taken)
        taken.add(name)
        heading_used = True
        doc = _doc(heading if name_from_heading else None, section, name)
        unbound = _unbound_returns(run, params, returns)
        items.append(Step(name, module, tuple(run), params, returns, doc, value=value, initialised=unbound))
    return items


def _interface(
    run: list[Segment], later: tuple[Segment, ...], module_names: set[str], earlier: set[str],
    lifted: dict[str, tuple[str, ...]],
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Parameters: what the step's own code reads first. Reads and `global` writes
    inside functions defined elsewhere happen in those functions' namespaces."""
    bound: set[str] = set()
    uses: set[str] = set()
    carried: set[str] = set()  # bound on some paths by the segments so far, never on all
    killed: set[str] = set()  # bound or deleted on every path by the segments so far
    defined_here: set[str] = set()
    for segment in run:
        own = set(segment.facts.direct_uses)
        elsewhere: set[str] = set()
        for function, reads, writes in segment.facts.through:
            if function in defined_here:
                own |= reads & segment.facts.uses  # the walker knows what was bound before the call
            else:
                # the call passes them now (what the segment bound before the call is its own)
                own |= set(lifted.get(function, ())) & segment.facts.uses
                elsewhere |= writes
        own |= _closure_reads(segment, earlier)
        uses |= own - bound
        # compound code may read a name before binding it on the path it takes (`if c: k
        # = 1` then `del k`): when earlier code bound it, that value must come in
        uses |= (segment.reads - bound) & earlier
        # what an earlier segment bound on some paths only may still hold the value from
        # before the step: a read of it here needs that value
        carried |= segment.partial - killed
        uses |= (own | segment.reads | segment.facts.uses) & carried & earlier
        # a name deleted on some paths only (`if c: del x`) may still be bound after
        bound |= (segment.facts.defines | segment.partial) - elsewhere
        definite = (segment.facts.defines | segment.facts.deletes) - segment.partial
        carried -= definite
        killed |= definite
        defined_here |= {n for n, _ in segment.facts.functions} | (segment.facts.defines & _callables(segment))
    # A module-level name the step also binds is local to the whole function: what the
    # step reads of it before binding must come in as an argument.
    params = uses - (module_names - bound)
    # A function or lambda the step defines reads the notebook's globals when called;
    # in the module those are the step's own names (closures), or they must come in.
    params |= {r for s in run for _, d in s.facts.functions for r in d.reads} - bound - module_names
    returns = {name for name in bound if _is_live(name, later)}
    # A name bound only on some paths (a loop that may run zero times, an `if` without
    # `else`, a `try`) keeps the value it had before when the path is not taken: that
    # value must come in, to be returned or read after the loop as the notebook did.
    partial = partial_through(run) & earlier
    if partial:
        params |= partial & (returns | {n for s in run for n in s.reads})
    text = "".join(s.source for s in run)
    return _in_text_order(params, text), _in_text_order(returns, text)


def _unbound_returns(run: list[Segment], params: tuple[str, ...], returns: tuple[str, ...]) -> tuple[str, ...]:
    """Returned names that some path leaves unbound and no argument gives a value to:
    None first keeps the return from failing where the notebook went on. Not functions
    (a `def` in a loop) nor names deleted on some paths, where None would change nothing."""
    through = partial_through(run)
    candidates = [n for n in returns if n in through and n not in params]
    if not candidates:
        return ()
    excluded = {n for s in run for n, _ in s.facts.functions}
    excluded |= {n for s in run for n in conditional_deletes(s.statements)}
    return tuple(n for n in candidates if n not in excluded)


def partial_through(run: list[Segment] | tuple[Segment, ...]) -> set[str]:
    """Names whose value before the run may still be theirs after it: bound or deleted
    on some paths by some segment, and on every path by none."""
    partial = {n for s in run for n in s.partial}
    if not partial:
        return partial
    killed = {n for s in run for n in (s.facts.defines | s.facts.deletes) - s.partial}
    return partial - killed


_LATE = "defines a function or lambda "


def _unbound_warning(step: Step) -> str:
    names = _listed(step.initialised)
    one = len(step.initialised) == 1
    it, verb = ("it", "is") if one else ("them", "are")
    return (f"{names} {verb} bound on some paths only (a loop that may not run, an `if`, a `try`), and no "
            f"earlier cell binds {it}: `{step.name}` sets {it} to None first, so where the notebook "
            f"would raise NameError on reading {it}, the package sees None")


def _listed(names: Iterable[str]) -> str:
    return ", ".join(f"`{n}`" for n in names)


def _closure_reads(segment: Segment, earlier: set[str]) -> set[str]:
    """Notebook names a lambda or generator the segment keeps for later reads: the step
    must have them (as arguments) for the closure to see them."""
    from nb2pkg.analysis import late_reads

    if "lambda" not in segment.source and " for " not in segment.source:
        return set()  # most segments: no need to look
    return set(late_reads(segment.statements)) & earlier


def _reads_then_shadows(segment: Segment) -> str:
    """`names = list(x); list = [1]` in one segment: the builtin it reads, if any."""
    both = sorted(segment.facts.builtin_reads & segment.facts.defines)
    return ", ".join(f"`{n}`" for n in both)


def _rebound_imports(segments: tuple[Segment, ...], position: int, imported: set[str]) -> set[str]:
    """Imported names whose latest binding before `position` is not the import
    (`os = "posix"` after `import os`): steps read them as values, not modules."""
    latest: dict[str, str] = {}
    for segment in segments[:position]:
        # a kept cell's own import lines are imports: the modules repeat them
        imports = ({n for node in kept_imports(segment) for n in import_bindings(node)}
                   if segment.role == "kept" else set())
        for name in segment.facts.defines & imported:
            latest[name] = "import" if name in imports else segment.role
    return {name for name, role in latest.items() if role in ("code", "kept", "display")}


def _has_layout_tag(segment: Segment) -> bool:
    return any(tag.startswith(("nb2pkg:module=", "nb2pkg:name=")) for tag in segment.cell.tags)


def _callables(segment: Segment) -> set[str]:
    """Names the segment binds to lambdas or other callables it defines inline."""
    return {name for name in segment.facts.defines if re.search(rf"\b{re.escape(name)}\s*=\s*lambda\b", segment.source)}


def _notebook_values(
    earlier: tuple[Segment, ...], moved: set[SegmentKey], lifted: dict[str, tuple[str, ...]]
) -> frozenset[str]:
    """Callables that code (not a module) bound: `g1 = make_g1(1)` in a step, where
    `make_g1` stays in the notebook, reads the notebook's names when it runs."""
    return frozenset(n for s in earlier if s.role == "code" and s.key not in moved
                     for n in s.facts.defines if n not in lifted)


def _kept_values(runs: list[list[Segment] | Segment]) -> frozenset[str]:
    """Names bound so far by cells that stay in the notebook."""
    return frozenset(n for run in runs if isinstance(run, Segment) and run.role == "kept"
                     for n in run.facts.defines)


def _stale_reads(
    segment: Segment, current: list[Segment], kept_functions: dict[str, frozenset[str]],
    kept_values: frozenset[str] = frozenset(),
) -> tuple[str, list[str]] | None:
    """A function kept in the notebook reads notebook names; if the step binds one of
    them before calling it, the function would see the notebook's old value."""
    run = [*current, segment]
    # names only a notebook function's `global` rebinds are rebound where it lives
    written = {n for s in run for _, _, writes in s.facts.through for n in writes}
    bound = {n for s in run for n in s.facts.defines} - written
    for function, reads, _ in segment.facts.through:
        # A value bound by a cell kept in the notebook (`add = make_adder(1)` there) runs
        # the notebook's code, which reads the notebook's names, as a kept function does.
        known = kept_functions.get(function) or (reads if function in kept_values else frozenset())
        stale = sorted(known & bound)
        if stale:
            return function, stale
    return None


def _is_live(name: str, later: tuple[Segment, ...]) -> bool:
    """Whether code after the step reads `name` before binding it again."""
    for segment in later:
        if segment.role == "markdown":
            continue
        if segment.role == "kept" and not segment.facts.analysed:
            if re.search(rf"\b{re.escape(name)}\b", segment.source):
                return True  # code nb2pkg cannot read might use it
            continue
        if name in segment.facts.uses:
            return True
        if name in segment.partial and name in segment.reads:
            return True  # read after a loop or branch that may not have bound it
        if name in (segment.facts.defines | segment.facts.deletes) and name not in segment.partial:
            return False  # rebound on every path: the value before is not read
        for _, deferred in segment.facts.functions:
            if name in deferred.reads:
                return True  # a function defined later reads it when called
    return False


def _in_text_order(names: set[str], text: str) -> tuple[str, ...]:
    def first(name: str) -> tuple[int, str]:
        match = re.search(rf"(?<![\w.]){re.escape(name)}\b", text)
        return (match.start() if match else len(text), name)

    return tuple(sorted(names, key=first))


def _doc(heading: str | None, section: str, name: str) -> str:
    """The section's heading and first sentence; a bare one-word heading, or a later
    step of the section, is described by the function's own name."""
    purpose = name.replace("_", " ").capitalize() + "."
    if not heading:
        return purpose
    title = _sentence(heading).rstrip(".:")
    body = HEADING.sub("", section, count=1).strip()
    first = _sentence(body.split("\n\n")[0]) if body else ""
    if first:
        return f"{title}.\n\n{first}"
    return f"{title}." if len(title.split()) > 2 else purpose


def _sentence(markdown: str) -> str:
    """Plain text of the first sentence, without markdown marks, at most 200 characters."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", markdown)  # links and images
    text = " ".join(re.sub(r"[*`#>\\]", "", text).split())
    match = re.match(r"(.+?[.!?])(\s|$)", text)
    sentence = match.group(1) if match else text
    if len(sentence) > 200:
        sentence = sentence[:197].rstrip() + "..."
    return (sentence[:1].upper() + sentence[1:]).replace('"', "'")
