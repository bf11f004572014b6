"""Group segments into the plan of a package: steps (functions), definitions that
move to modules, constants for `config.py`, and what stays in the notebook.

Order is the contract: steps are runs of consecutive computation, cut wherever the
notebook shows something, says something (markdown), or keeps a cell as it is, so the
summary notebook calls them in the original order. A step's parameters are the names it
uses that earlier code provides; it returns the names it binds that later code reads.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Collection, Iterable
from dataclasses import replace

from nb2pkg.analysis import NOTEBOOK_BUILTINS
from nb2pkg.diagnostics import Diagnostic
from nb2pkg.limits import parse_quietly
from nb2pkg.naming import unique
from nb2pkg.notebook import heading_of
from nb2pkg.plan.before import Before, GrowingUnion
from nb2pkg.plan.definitions import movable_definitions
from nb2pkg.plan.docstrings import step_doc
from nb2pkg.plan.figures import only_shows_figures
from nb2pkg.plan.imports import import_table
from nb2pkg.plan.interface import Liveness, deleted_by, step_interface, unbound_returns
from nb2pkg.plan.keeping import DEFINITION_WORK, LATE_BINDING, keep_import_work, keep_late_binding
from nb2pkg.plan.layout import choose_module, draws
from nb2pkg.plan.model import Kept, Plan, Segment, SegmentKey, Step
from nb2pkg.plan.settings import environment_setting
from nb2pkg.plan.step_functions import closure_values
from nb2pkg.plan.step_names import step_name


def build_plan(segments: tuple[Segment, ...]) -> Plan:
    """The plan of the package. A cell the grouping keeps in the notebook (a stale read,
    say) runs as written there, so a function it calls cannot take lifted arguments: plan
    again with that cell kept from the start, until no kept cell calls a lifted function."""
    for _ in range(len(segments) + 1):
        plan = _plan(segments)
        lifted = {d.name for d in plan.definitions if d.lifted}
        calling = {
            (item.segment.cell.index, item.segment.source)
            for item in plan.items
            if isinstance(item, Kept) and item.segment.facts.uses & lifted
        }
        if not calling:
            return plan
        segments = tuple(
            replace(
                s,
                role="kept",
                reason=next(
                    item.segment.reason
                    for item in plan.items
                    if isinstance(item, Kept)
                    and (item.segment.cell.index, item.segment.source) == (s.cell.index, s.source)
                ),
            )
            if (s.cell.index, s.source) in calling
            else s
            for s in segments
        )
    return plan


def _plan(segments: tuple[Segment, ...]) -> Plan:
    segments, late_functions = keep_late_binding(segments)
    imports = import_table(segments)
    segments, working = keep_import_work(segments, frozenset(imports))
    late_functions = late_functions | working
    constants = tuple(s for s in segments if s.role == "constant")
    warnings: list[Diagnostic] = []
    module_names = set(imports) | {n for s in constants for n in s.facts.defines}
    definitions, kept_definitions, in_steps = movable_definitions(segments, module_names, warnings)
    module_names |= {d.name for d in definitions}
    moved = {d.segment.key for d in definitions} | {k for d in definitions for k in d.repeats}
    kept_functions = {
        name: frozenset(r for _, d in s.facts.functions for r in d.reads | d.writes)
        for s in segments
        if s.key in kept_definitions
        for name in s.facts.defines
    } | late_functions
    segments = tuple(
        replace(s, role="kept", reason=kept_definitions[s.key])
        if s.key in kept_definitions
        else replace(s, role="code")
        if s.key in in_steps
        else s
        for s in segments
    )
    lifted = {d.name: d.lifted for d in definitions if d.lifted}
    stepped = {n for s in segments if s.key in in_steps for n in s.facts.defines}
    closures = closure_values(segments, stepped | {d.name for d in definitions}) if stepped else frozenset()
    items = _items(segments, moved, kept_functions, module_names, lifted, closures)
    warnings += [
        Diagnostic(item.segment.cell.number, None, f"stays in the notebook: this cell {item.segment.reason}")
        for item in items
        if isinstance(item, Kept) and item.segment.reason.startswith((_LATE, LATE_BINDING, DEFINITION_WORK))
    ]
    warnings += [
        Diagnostic(item.segments[0].cell.number, None, _unbound_warning(item))
        for item in items
        if isinstance(item, Step) and item.initialised
    ]
    settings = tuple(s for s in segments if s.role == "setting")
    names = frozenset(n for s in segments for n in s.facts.defines | s.facts.uses)
    # `%env FOO=bar` sets FOO in setup() too, in the notebook's order
    found = (s if s.role == "session" else environment_setting(s) for s in segments if s.role in ("session", "setting"))
    session = tuple(s for s in found if s is not None)
    plan = Plan(tuple(items), definitions, constants, imports, settings, tuple(warnings), names, session)
    return _without_module_clashes(plan, {n for s in segments for n in s.facts.defines})


# Second names for modules whose first name the notebook uses for a variable: the
# summary notebook and the pipeline import the modules by name, so they must differ.
MODULE_ALTERNATIVES = {
    "data": "loading",
    "preprocess": "preprocessing",
    "features": "featurize",
    "models": "modelling",
    "plots": "figures",
    "utils": "helpers",
    "config": "settings",
}


def _without_module_clashes(plan: Plan, notebook_names: set[str]) -> Plan:
    clashes = {m: MODULE_ALTERNATIVES[m] for m in MODULE_ALTERNATIVES if m in notebook_names and m != "config"}
    if not clashes:
        return plan
    items = tuple(
        replace(item, module=clashes.get(item.module, item.module)) if isinstance(item, Step) else item
        for item in plan.items
    )
    definitions = tuple(replace(d, module=clashes.get(d.module, d.module)) for d in plan.definitions)
    return replace(plan, items=items, definitions=definitions)


def _items(
    segments: tuple[Segment, ...],
    moved: set[SegmentKey],
    kept_functions: dict[str, frozenset[str]],
    module_names: set[str],
    lifted: dict[str, tuple[str, ...]],
    closures: frozenset[str] = frozenset(),
) -> list[Step | Kept]:
    runs: list[list[Segment] | Segment] = []
    current: list[Segment] = []

    def close() -> None:
        if current:
            runs.append(list(current))
            current.clear()

    defined: set[str] = set(module_names)
    # names of cells kept so far, and callables code bound before: each counted once
    kept_values: GrowingUnion[list[Segment] | Segment] = GrowingUnion(_kept_names)
    notebook_values: GrowingUnion[Segment] = GrowingUnion(lambda s: _notebook_names(s, moved, lifted, closures))
    for position, segment in enumerate(segments):
        segment = _as_figure_end(current, segment)
        role = segment.role
        defined = (defined - (segment.facts.deletes - segment.partial)) | segment.facts.defines  # `del n` unbinds
        if role == "import" and any(segment.facts.defines & s.facts.defines for s in current):
            close()  # `time = 3` ... `import time`: in one function the module would be the value
        if role in ("import", "constant", "setting", "session") or segment.key in moved:
            continue  # they move out of the flow: modules and the setup cell hold them
        if role == "code":
            reason = _late_reason(segment, defined) or _builtin_reason(segment)
            if reason:
                close()
                runs.append(replace(segment, role="kept", reason=reason))
                # the functions it defines stay with it, reading the notebook's names
                kept_functions = {**kept_functions, **{n: d.reads | d.writes for n, d in segment.facts.functions}}
                continue
            if _builtin_clash(current, segment):
                close()
            # only calls of notebook functions read them (`through`): most segments need none
            values = kept_values.upto(runs) | notebook_values.upto(segments, position) if segment.facts.through else ()
            stale = _stale_reads(segment, current, kept_functions, values)
            if stale:
                close()
                reason = (
                    f"calls `{stale[0]}`, a function that stays in the notebook and reads "
                    f"{', '.join(f'`{n}`' for n in stale[1])}, which this code binds first"
                )
                runs.append(replace(segment, role="kept", reason=reason))
                continue
            if _starts_step(current, segment):
                close()  # a figure, or a cell tagged with its module or name, is a step of its own
            current.append(segment)
            if segment.shown or segment.shows_value:
                close()  # the notebook shows something here: the step ends
            continue
        close()
        runs.append(segment)
    close()
    return _steps_and_kept(runs, segments, module_names, lifted)


def _steps_and_kept(
    runs: list[list[Segment] | Segment],
    segments: tuple[Segment, ...],
    module_names: set[str],
    lifted: dict[str, tuple[str, ...]],
) -> list[Step | Kept]:
    items: list[Step | Kept] = []
    taken: set[str] = set(module_names)
    all_names = {n for s in segments for n in s.facts.defines | s.facts.uses}
    heading: str | None = None
    section = ""
    heading_used = False
    order = {s.key: position for position, s in enumerate(segments)}
    imported = frozenset(n for s in segments if s.role == "import" for n in s.facts.defines)
    sources: dict[str, str] = {}  # name -> where a step's parameter comes from, for its docstring
    before = Before(segments, module_names)  # what the segments before each run bound
    liveness = Liveness.of(segments)  # what the code after each run reads, indexed once
    for run in runs:
        if isinstance(run, Segment):
            sources.update((n, f"bound in cell {run.cell.number} of the notebook") for n in run.facts.defines)
            if run.role == "markdown":
                found = heading_of(run.source)
                if found:
                    heading, section, heading_used = found, run.source, False
            if (
                run.role == "display"
                and items
                and isinstance(items[-1], Step)
                and run.cell in {s.cell for s in items[-1].segments}
            ):
                last = items[-1]
                items[-1] = replace(last, shows=last.shows + (run,))
                continue
            items.append(Kept(run))
            continue
        later = liveness.after(order[run[-1].key] + 1)
        before.advance(order[run[0].key])
        earlier = _bound_before(before, run) | module_names
        values = before.rebound_imports()
        params, returns = step_interface(run, later, module_names - values, earlier, lifted)
        shown = run[-1].shown
        if shown and shown not in returns:
            returns += (shown,)
        value = ""
        if run[-1].shows_value and returns:
            value = unique("result", all_names)  # returned with the others, then shown
            returns += (value,)
        module = choose_module(run, heading)
        name_from_heading = heading is not None and not heading_used
        name = step_name(heading if name_from_heading else None, run, returns, taken, imported)
        taken.add(name)
        heading_used = True
        doc = step_doc(heading if name_from_heading else None, section, run, params, returns, sources, imported)
        sources.update((n, f"returned by `{name}`") for n in returns)
        unbound = unbound_returns(run, params, returns)
        gone = tuple(n for n in params if n in deleted_by(run))
        items.append(
            Step(name, module, tuple(run), params, returns, doc, value=value, initialised=unbound, deletes=gone)
        )
    return items


_LATE = "defines a function or lambda "


def _late_reason(segment: Segment, defined: set[str]) -> str:
    """Why a segment defining functions that read names only later cells bind stays."""
    late = sorted({r for _, d in segment.facts.functions for r in d.reads} - defined)
    if not late:
        return ""
    return (
        f"{_LATE}{_listed(n for n, _ in segment.facts.functions)}, which reads "
        f"{_listed(late)}, bound only by later cells: the notebook finds "
        "it when the function runs, a package function would not"
    )


def _unbound_warning(step: Step) -> str:
    names = _listed(step.initialised)
    one = len(step.initialised) == 1
    it, verb = ("it", "is") if one else ("them", "are")
    return (
        f"{names} {verb} bound on some paths only (a loop that may not run, an `if`, a `try`), and no "
        f"earlier cell binds {it}: `{step.name}` sets {it} to None first, so where the notebook "
        f"would raise NameError on reading {it}, the package sees None"
    )


def _listed(names: Iterable[str]) -> str:
    return ", ".join(f"`{n}`" for n in names)


def _bound_before(before: Before, run: list[Segment]) -> set[str]:
    """What code before the run may have bound: what it binds, and what `exec(...)` or
    `globals()[...] = ...` may have bound of the names the run may read first, those its
    text names (`exec('n = 2')`, then `if c: n = 3` and `print(n)`): the summary has the
    value, the step must take it."""
    bound = set(before.bound)
    dynamic = before.dynamic
    if dynamic:
        reads = {n for s in run for n in s.reads | s.facts.uses} - NOTEBOOK_BUILTINS - bound
        bound |= {n for n in reads if re.search(rf"\b{re.escape(n)}\b", dynamic)}
    return bound


def _builtin_clash(current: list[Segment], segment: Segment) -> bool:
    """Whether `segment` must start a new function because of a builtin: in one function
    the builtin read before would be the local it binds (`n = len(x)`, then `len = 3`),
    and the builtin read after `del sum` would be the deleted local (UnboundLocalError)."""
    read = {n for s in current for n in s.facts.builtin_reads}
    deleted = {n for s in current for n in s.facts.deletes}
    return bool(segment.facts.defines & read or segment.facts.builtin_reads & deleted)


def _builtin_reason(segment: Segment) -> str:
    """Why one function cannot hold the segment, because of a builtin it reads and binds
    or deletes: in a function the name is local throughout. "" when it can."""
    both = sorted(segment.facts.builtin_reads & segment.facts.defines)  # `n = len(x); len = 3`
    if both:
        return f"reads the builtin {_listed(both)} and then rebinds it: in a function both would be the new local value"
    after = _read_after_delete(segment, segment.facts.deletes & NOTEBOOK_BUILTINS)  # `del sum; sum(x)`
    if after:
        return (
            f"deletes {_listed(after)} and then reads the builtin: in a function the name would be "
            "the deleted local (UnboundLocalError)"
        )
    return ""


def _read_after_delete(segment: Segment, deleted: frozenset[str]) -> list[str]:
    """The names of `deleted` the segment reads after its first `del` of them."""
    if not deleted:
        return []
    first: dict[str, tuple[int, int]] = {}
    loads: list[tuple[str, tuple[int, int]]] = []
    for node in ast.walk(parse_quietly(segment.source)):
        if isinstance(node, ast.Name) and node.id in deleted:
            where = (node.lineno, node.col_offset)
            if isinstance(node.ctx, ast.Del):
                first[node.id] = min(first.get(node.id, where), where)
            elif isinstance(node.ctx, ast.Load):
                loads.append((node.id, where))
    return sorted({name for name, where in loads if name in first and where > first[name]})


def _as_figure_end(current: list[Segment], segment: Segment) -> Segment:
    """A cell of `plt.show()` after a figure's step, with nothing shown between, is code
    of that step: the figure's own end (see `plan.figures`)."""
    if segment.role == "display" and current and draws(current[-1].source) and only_shows_figures(segment.statements):
        return replace(segment, role="code")
    return segment


def _starts_step(current: list[Segment], segment: Segment) -> bool:
    """Whether a code segment of a new cell starts a step: a figure starts and ends one,
    and so does a cell tagged with its module or name, or timed; a cell that calls a
    notebook function rebinding notebook names with `global` ends one (what reads them
    then takes the notebook's new values as arguments)."""
    if not current or current[-1].cell == segment.cell:
        return False
    if any(writes for _, _, writes in current[-1].facts.through):
        return True
    if current[-1].role == "code" and only_shows_figures(segment.statements) and draws(current[-1].source):
        return False  # the end of the figure before
    tagged = _has_layout_tag(segment) or bool(segment.cell_magic)
    return (
        draws(segment.source)
        or draws(current[-1].source)
        or tagged
        or _has_layout_tag(current[-1])
        or bool(current[-1].cell_magic)
    )


def _has_layout_tag(segment: Segment) -> bool:
    return any(tag.startswith(("nb2pkg:module=", "nb2pkg:name=")) for tag in segment.cell.tags)


def _notebook_names(
    segment: Segment, moved: set[SegmentKey], lifted: dict[str, tuple[str, ...]], closures: frozenset[str]
) -> Iterable[str]:
    """Callables that code (not a module) bound: `g1 = make_g1(1)` in a step, where
    `make_g1` stays in the notebook, reads the notebook's names when it runs (not those
    made only with closures defined in steps: plan/step_functions.py)."""
    if segment.role != "code" or segment.key in moved:
        return ()
    return (n for n in segment.facts.defines if n not in lifted and n not in closures)


def _kept_names(run: list[Segment] | Segment) -> Iterable[str]:
    """Names bound by a cell that stays in the notebook."""
    return run.facts.defines if isinstance(run, Segment) and run.role == "kept" else ()


def _stale_reads(
    segment: Segment,
    current: list[Segment],
    kept_functions: dict[str, frozenset[str]],
    kept_values: Collection[str] = (),
) -> tuple[str, list[str]] | None:
    """A function kept in the notebook reads notebook names; if the step binds one of
    them before calling it, the function would see the notebook's old value."""
    run = [*current, segment]
    # names only a notebook function's `global` rebinds are rebound where it lives
    written = {n for s in run for _, _, writes in s.facts.through for n in writes}
    bound = {n for s in run for n in s.facts.defines} - written
    # a function this step itself defines is a closure over the step's own names
    own = {n for s in run for n, _ in s.facts.functions}
    for function, reads, _ in segment.facts.through:
        if function in own and function not in kept_functions:
            continue
        # A value bound by a cell kept in the notebook (`add = make_adder(1)` there) runs
        # the notebook's code, which reads the notebook's names, as a kept function does.
        known = kept_functions.get(function) or (reads if function in kept_values else frozenset())
        stale = sorted(known & bound)
        if stale:
            return function, stale
    return None
