"""Split cells into segments by role: what moves to the package, what stays.

A code cell's top-level statements are sorted, in order, into imports, constants,
definitions (functions and classes), computation, and a trailing expression the
notebook displays. Cells nb2pkg cannot or must not convert (they do not parse, run
another language, carry `nb2pkg:keep`, use magics that are more than notebook
settings) are kept whole. Each segment is analysed again on its own, in notebook
order, so its facts are exact for the part it holds.
"""

from __future__ import annotations

import re
from dataclasses import replace

import libcst as cst

from nb2pkg.analysis import (
    Analysed,
    CellFacts,
    Context,
    Deferred,
    LocalBindings,
    analyse_cell,
    code_of,
    parse,
    partial_bindings,
    path_facts,
    shadowed_builtins,
    unreadable_writes,
    value_hidden,
)
from nb2pkg.dataflow import Dataflow
from nb2pkg.ipython import hides_value, ipython_call
from nb2pkg.notebook import Cell
from nb2pkg.plan.clone_rewrite import top
from nb2pkg.plan.displays import fitted_estimator, is_display_cell, plot_objects, shows_a_value
from nb2pkg.plan.figures import ends_figure, finishes_figure, shows_artist
from nb2pkg.plan.imports import import_modules
from nb2pkg.plan.keeping import keep_reason
from nb2pkg.plan.literals import assigned_name, is_literal_assignment, literal_line
from nb2pkg.plan.magic_cells import captured_names, unwrap_timed_line
from nb2pkg.plan.model import Role, Segment
from nb2pkg.plan.results import library_imports, split_previews, stays_in_summary, taken_names
from nb2pkg.plan.settings import Opening, opening_after, session_roles
from nb2pkg.plan.unpacking import last_value_apart, unpacked_literals


def build_segments(flow: Dataflow) -> tuple[Segment, ...]:
    """Segments of every cell in notebook order, each with its own facts."""
    imports = library_imports(import_modules(flow), flow.facts)  # what only imports bind
    rebound = _rebound_names(flow)
    functions = {name: d for facts in flow.facts if facts for name, d in facts.functions}
    captured = captured_names(flow.facts)
    taken = taken_names(flow.notebook.cells)
    rough: list[Segment] = []
    opening = Opening()  # what ran so far: which session settings may move to setup()
    for cell, facts in zip(flow.notebook.cells, flow.facts, strict=True):
        parts = split_previews(_split_cell(cell, facts, imports, rebound, functions, captured, opening), taken)
        opening = opening_after(opening, parts)
        rough.extend(replace(part, position=position) for position, part in enumerate(parts))
    return _reanalyse(rough, shadowed_builtins(flow.facts), flow.analysed)


def _rebound_names(flow: Dataflow) -> frozenset[str]:
    """Names bound by more than one cell, changed in place, or used before a cell binds
    them (hidden state, which must stay hidden in document order): never constants."""
    seen: set[str] = set()
    used: set[str] = set()
    rebound: set[str] = set()
    for cell, facts in zip(flow.notebook.cells, flow.facts, strict=True):
        if facts is None:
            continue
        if not facts.analysed:  # it runs in the notebook: what it may bind is not constant
            rebound |= unreadable_writes(cell.source)
        rebound |= (facts.defines & seen) | facts.mutates | facts.deletes
        rebound |= {n for n in facts.defines if n in used and n not in seen}  # not `used - seen`: linear
        used |= facts.uses
        seen |= facts.defines
    # A builtin the notebook rebinds (`type = "linear"`) is read as the builtin before
    # and as the value after: one config constant cannot be both.
    return frozenset(rebound) | shadowed_builtins(flow.facts)


def _bound_twice(module: cst.Module) -> frozenset[str]:
    """Names more than one top-level statement of the cell binds."""
    counts: dict[str, int] = {}
    for statement in module.body:
        collector = LocalBindings()
        collector.collect(statement)  # its fields walked: no LibCST visit rebuilding each node
        for name in collector.bound:
            counts[name] = counts.get(name, 0) + 1
    return frozenset(name for name, count in counts.items() if count > 1)


def _with_header_on_first_statement(module: cst.Module) -> cst.Module:
    """LibCST keeps a cell's opening comments in the module header; move them onto the
    first statement so that they travel with it."""
    if not module.body or not module.header:
        return module
    first = module.body[0]
    moved = first.with_changes(leading_lines=(*module.header, *first.leading_lines))
    return module.with_changes(header=(), body=(moved, *module.body[1:]))


def _split_cell(
    cell: Cell,
    facts: CellFacts | None,
    imports: dict[str, str],
    rebound: frozenset[str],
    functions: dict[str, Deferred],
    captured: frozenset[str] = frozenset(),
    opening: Opening = Opening(),
) -> list[Segment]:
    if facts is None:
        return [Segment(cell, "markdown", cell.source, CellFacts())]
    reason = keep_reason(cell, facts)
    if reason:
        return [Segment(cell, "kept", cell.source, facts, reason, partial=_partial_of_kept(facts))]
    assert facts.python is not None
    module, timed = unwrap_timed_line(_with_header_on_first_statement(parse(facts.python)), facts.magics)
    if not module.body:  # a cell of comments (`# 1. sepal_length (in cm)`) stays, as it is; an empty one goes
        return [Segment(cell, "display", cell.source, facts)] if "#" in cell.source else []
    if not timed and not any(m.cell for m in facts.magics):  # `%time a; b` times both, shows nothing
        module = last_value_apart(module)
    movable = not (timed or facts.dynamic or any(m.cell for m in facts.magics))  # they keep their settings
    hidden = value_hidden(facts.python)
    if is_display_cell(module, facts, imports, captured):
        shown: list[tuple[Role, cst.BaseStatement]] = [("display", s) for s in module.body]
        moved = session_roles(shown, imports, opening, hidden) if movable else shown
        if moved != shown:  # `plt.style.use("ggplot")`: a setting for setup(), not a figure
            return _merge(cell, module, moved)
        source = facts.python if facts.rewritten else cell.source  # what the notebook did
        return [Segment(cell, "display", source, facts, statements=tuple(module.body))]
    if any(not _is_magic_line(s) and "get_ipython()" in code_of(s, module) for s in module.body):
        reason = "uses a magic inside a block, which only runs in a notebook"
        return [Segment(cell, "kept", cell.source, facts, reason, partial=_partial_of_kept(facts))]
    parts = _statement_roles(module, facts, timed, imports, rebound, captured)
    if movable:
        parts = session_roles(parts, imports, opening, hidden)
    if timed and _runs_code_after(parts, timed[1]):
        # The summary times the step's call: what runs after the timed statement would print
        # before the time, not after it as in the notebook.
        reason = f"runs code after its `{timed[0].split()[0]}` line, and a step can only be timed whole"
        return [Segment(cell, "kept", cell.source, facts, reason)]
    segments = _with_cell_magic(_merge(cell, module, parts), facts, timed)
    return _with_footer(_with_shown_value(segments, module, facts.python, timed, imports, functions), module)


def _with_footer(segments: list[Segment], module: cst.Module) -> list[Segment]:
    """The comments after the cell's last statement go with the last segment: a step's
    function keeps them (`footer`), a part the summary or config shows as code ends with them."""
    footer = "".join(f"{line.comment.value}\n" for line in module.footer if line.comment is not None)
    if not footer or not segments:
        return segments
    last = segments[-1]
    done = replace(last, footer=footer) if last.role == "code" else replace(last, source=last.source + footer)
    return [*segments[:-1], done]


def _statement_roles(
    module: cst.Module,
    facts: CellFacts,
    timed: tuple[str, cst.BaseStatement] | None,
    imports: dict[str, str],
    rebound: frozenset[str],
    captured: frozenset[str],
) -> list[tuple[Role, cst.BaseStatement]]:
    """The role of each top-level statement of a cell that converts."""
    parts: list[tuple[Role, cst.BaseStatement]] = []
    # only a literal assignment asks whether its name is bound twice: most cells have none
    literal = any(literal_line(s) or unpacked_literals(s) for s in module.body)
    twice = _bound_twice(module) if literal else frozenset()
    body = _with_constants_unpacked(module, rebound, twice, timed) if literal else list(module.body)
    last_position = len(body) - 1
    plots = frozenset(plot_objects(module, imports)) | captured
    wrapped, alone = timed is not None or any(m.cell for m in facts.magics), True
    for position, statement in enumerate(body):
        role = _statement_role(statement, rebound, twice)
        if timed and statement is timed[1] and role == "constant":
            role = "code"  # `%time x = 5` still reports a time where the notebook did
        if facts.dynamic and _DYNAMIC.search(module.code_for_node(statement)):
            role = "kept"  # only this statement: the rest of the cell converts
        last = position == last_position
        if role != "code" or (last and ends_figure(statement, parts)):
            pass  # a figure's finishing line goes with it: plan/figures.py
        elif stays_in_summary(statement, imports, plots, last, alone, wrapped):
            role = "display"  # a shown value, a result, a display setting: see plan/results.py
        elif last and shows_artist(statement, parts, value_hidden(facts.python or "")):
            role = "display"  # `plt.xlabel(...)` whose `Text(...)` the notebook showed: plan/figures.py
        alone = alone and role not in ("code", "kept")
        parts.append((role, statement))
    return parts


def _with_constants_unpacked(
    module: cst.Module, rebound: frozenset[str], twice: frozenset[str], timed: tuple[str, cst.BaseStatement] | None
) -> list[cst.BaseStatement]:
    """The cell's statements, `t0, t1 = 5, 50` as `t0 = 5` and `t1 = 50` where one of them
    is a constant: each name is then what it would be on a line of its own (plan/unpacking.py)."""
    body: list[cst.BaseStatement] = []
    for statement in module.body:
        pieces = () if timed and statement is timed[1] else unpacked_literals(statement)
        constant = any(_statement_role(piece, rebound, twice) == "constant" for piece in pieces)
        body.extend(pieces if constant else (statement,))
    return body


def _with_cell_magic(
    segments: list[Segment], facts: CellFacts, timed: tuple[str, cst.BaseStatement] | None
) -> list[Segment]:
    """Each segment carries the magic line its cell ran under (`%%capture`, `%time`), for the summary."""
    wrapping = next((m for m in facts.magics if m.cell), None)
    if wrapping is not None:
        line = f"%%{wrapping.name} {wrapping.argument}".rstrip()
        return [replace(s, cell_magic=line) for s in segments]
    if timed:  # only the part holding the timed statement: a kept part between would time twice
        return [replace(s, cell_magic=timed[0]) if _holds(s, timed[1]) else s for s in segments]
    return segments


def _with_shown_value(
    segments: list[Segment],
    module: cst.Module,
    python: str,
    timed: tuple[str, cst.BaseStatement] | None,
    imports: dict[str, str],
    functions: dict[str, Deferred],
) -> list[Segment]:
    """The last code segment marked with what its final expression shows, unless the cell hides it."""
    hidden = value_hidden(python) or (  # `%time f(x);` shows nothing either
        timed is not None and timed[1] is module.body[-1] and hides_value(module.code_for_node(timed[1]))
    )
    if segments and segments[-1].role == "code" and not hidden:
        final = segments[-1].statements[-1]  # a cell ending in `;` shows nothing
        shown = fitted_estimator(module, final, imports)
        if finishes_figure(final):
            pass  # `sns.despine()`, `fig.set_size_inches(...)`: None, shown as nothing
        elif shown:
            segments[-1] = replace(segments[-1], shown=shown)
        elif shows_a_value(final, imports, functions):
            segments[-1] = replace(segments[-1], shows_value=True)
    return segments


def _holds(segment: Segment, statement: cst.BaseStatement) -> bool:
    return any(own is statement for own in segment.statements)


def _partial_of_kept(facts: CellFacts) -> frozenset[str]:
    if not facts.analysed:
        return frozenset()
    assert facts.python is not None
    return partial_bindings(parse(facts.python).body)


def _runs_code_after(parts: list[tuple[Role, cst.BaseStatement]], timed: cst.BaseStatement) -> bool:
    position = next(index for index, (_, statement) in enumerate(parts) if statement is timed)
    return any(role == "code" for role, _ in parts[position + 1 :])


def _statement_role(statement: cst.BaseStatement, rebound: frozenset[str], twice: frozenset[str]) -> Role:
    if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
        return "definition"
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return "code"
    small = statement.body[0]
    if isinstance(small, cst.ImportFrom) and isinstance(small.names, cst.ImportStar):
        return "kept"  # the names it binds are unknown: it stays in the notebook
    if isinstance(small, (cst.Import, cst.ImportFrom)):
        return "import"
    if _is_magic_call(small):
        # Only notebook-only magics get this far (see keep_reason); settings move to the
        # setup cell, the others (`df?`, `%who`) show something where they are.
        return "setting" if _magic_name(small) in SETUP_MAGICS else "display"
    # each set asked, not their union: `rebound` grows with the notebook
    if is_literal_assignment(small) and not any(assigned_name(small) in n for n in (rebound, twice, GENERATED_NAMES)):
        return "constant"
    return "code"


def _merge(cell: Cell, module: cst.Module, parts: list[tuple[Role, cst.BaseStatement]]) -> list[Segment]:
    segments: list[Segment] = []
    for role, statement in parts:
        if segments and segments[-1].role == role and role != "definition":
            previous = segments[-1]
            segments[-1] = replace(previous, statements=previous.statements + (statement,))
        else:
            segments.append(Segment(cell, role, "", CellFacts(), statements=(statement,)))
    done = [_with_paths(replace(s, source=_source_of(module, s))) for s in segments]
    return [
        replace(
            s,
            reason=DYNAMIC_REASON
            if _DYNAMIC.search(s.source)
            else "imports names with `*`, which nb2pkg cannot follow",
        )
        if s.role == "kept"
        else s
        for s in done
    ]


def _with_paths(segment: Segment) -> Segment:
    partial, reads = path_facts(segment.statements)
    # code reads; so does a kept statement, whose reads keep what earlier steps bind returned
    return replace(segment, partial=partial, reads=reads if segment.role in ("code", "kept") else frozenset())


def _kept_cell_paths(segment: Segment) -> Segment:
    """A whole cell kept in the notebook, with what it binds on some paths only and what it
    may read before binding (`if c: k = 13` then `k`): a step before it must return `k`."""
    assert segment.facts.python is not None
    partial, reads = path_facts(parse(segment.facts.python).body)
    return replace(segment, partial=partial, reads=reads)


# `exec`, `eval`, `globals()`, `locals()`, `vars()` called as the builtins (the cell's
# facts say the builtin is meant): the statement sees the notebook's namespace itself.
_DYNAMIC = re.compile(r"(?<![\w.])(exec|eval|globals|locals|vars)\s*\(")


DYNAMIC_REASON = (
    "reads or binds names dynamically (`exec`, `eval`, `globals()`), so it runs where the notebook's names are"
)


def _source_of(module: cst.Module, segment: Segment) -> str:
    """Python for code; for magic lines, the magic as the user wrote it (`df?`)."""
    code = _code(module, segment.statements)
    if all(_is_magic_line(s) for s in segment.statements):
        return "".join(line + "\n" for line in magic_lines(code))
    return code


def _is_magic_line(statement: cst.BaseStatement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and _is_magic_call(statement.body[0])
    )


def magic_lines(python: str) -> list[str]:
    """`get_ipython().run_line_magic('matplotlib', 'inline')` -> `%matplotlib inline`."""
    lines = []
    for name, argument in re.findall(r"run_line_magic\('([^']*)', '([^']*)'\)", python):
        if name in ("pinfo", "pinfo2"):
            lines.append(argument + ("?" if name == "pinfo" else "??"))
        else:
            lines.append(f"%{name} {argument}".rstrip())
    return lines


def _code(module: cst.Module, statements: tuple[cst.BaseStatement, ...]) -> str:
    return "".join(code_of(statement, module) for statement in statements)


def _reanalyse(
    segments: list[Segment], shadowed: frozenset[str] = frozenset(), analysed: tuple[Analysed | None, ...] = ()
) -> tuple[Segment, ...]:
    """Facts for each segment, analysed in order as if each were a cell of its own (a
    segment holding its whole cell, in the context the cell had, has the cell's facts)."""
    context = Context(shadowed=shadowed)
    done: list[Segment] = []
    for segment in segments:
        again = analysed[segment.cell.index] if segment.cell.index < len(analysed) else None
        if segment.role == "markdown" or (segment.role == "kept" and not segment.statements):
            if segment.role == "kept" and segment.facts.analysed:
                _, context = analyse_cell(segment.cell.source, context, again=again)
                segment = _kept_cell_paths(segment)
            done.append(segment)
            continue
        # the segment's own statements are walked: its code is not parsed again
        tree = cst.Module(body=[top(s) for s in segment.statements])
        facts, context = analyse_cell(segment.source, context, tree=tree, again=again)
        done.append(replace(segment, facts=facts))
    return tuple(done)


def _is_magic_call(small: cst.BaseSmallStatement) -> bool:
    return isinstance(small, cst.Expr) and ipython_call(small.value) is not None


# Names the generated code gives a meaning of its own where constants would land
# (`config.NOTEBOOK_DIR`; the summary's setup cell binds `config`, `os`, `warnings`):
# a notebook variable of that name stays a variable of the steps.
GENERATED_NAMES = frozenset({"NOTEBOOK_DIR", "config", "os", "warnings"})


SETUP_MAGICS = frozenset(
    {
        "matplotlib",
        "load_ext",
        "reload_ext",
        "autoreload",
        "aimport",
        "config",
        "precision",
        "xmode",
        "colors",
        "autoawait",
        "automagic",
        "autocall",
        "doctest_mode",
        "gui",
        "env",
        "set_env",
    }
)


def _magic_name(small: cst.BaseSmallStatement) -> str:
    assert isinstance(small, cst.Expr) and isinstance(small.value, cst.Call)
    first = small.value.args[0].value if small.value.args else None
    return first.evaluated_value if isinstance(first, cst.SimpleString) else ""  # type: ignore[return-value]
