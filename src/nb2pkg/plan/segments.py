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
from dataclasses import dataclass, replace
from typing import Literal

import libcst as cst

from nb2pkg.analysis import CellFacts, Context, Deferred, analyse_cell, parse
from nb2pkg.analysis import shadowed_builtins
from nb2pkg.analysis import has_inplace_true, method_mutates_receiver, root_name
from nb2pkg.analysis import partial_bindings, path_facts
from nb2pkg.analysis import target_names
from nb2pkg.analysis import unreadable_writes
from nb2pkg.dataflow import Dataflow
from nb2pkg.ipython import Policy, hides_value, ipython_call
from nb2pkg.plan.magic_cells import captured_names, is_timed_line, unwrap_timed_line
from nb2pkg.notebook import Cell

Role = Literal[
    "markdown",  # markdown or raw cell, kept in place
    "setting",  # notebook-only magic line (`%matplotlib inline`), kept in the notebook
    "import",  # import statements, which the modules and the notebook repeat as needed
    "constant",  # literal assignment never rebound: goes to config.py
    "definition",  # def / class: goes to a module
    "code",  # computation: grouped into steps
    "display",  # shows something and changes nothing: stays in the notebook
    "kept",  # stays in the notebook as it is (see `reason`)
]

# What identifies a segment: see `Segment.key`.
SegmentKey = tuple[int, int]

KEEP_TAG = "nb2pkg:keep"
# Jupyter's tag for a cell whose error is expected: nbclient runs past it, a step would stop.
EXPECTED_ERROR_TAG = "raises-exception"

# Calls that write files: a cell making them is computation, never a mere display.
FILE_WRITERS = frozenset(
    {
        "to_csv", "to_json", "to_excel", "to_parquet", "to_pickle", "to_feather",
        "to_hdf", "to_sql", "to_stata", "savefig", "save", "savez", "savetxt", "dump",
        "write", "write_text", "write_bytes", "writelines", "mkdir", "makedirs",
        "touch", "unlink", "remove", "rmtree", "copy", "copyfile", "rename", "open",
    }
)
# Modules whose calls only draw or show: a cell of such calls is a display.
DISPLAY_MODULES = ("matplotlib", "seaborn", "plotly", "IPython.display", "altair", "bokeh")
_DISPLAY_BUILTINS = frozenset({"print", "display", "len", "type", "repr", "str", "sorted", "list"})


@dataclass(frozen=True)
class Segment:
    """A run of statements of one cell that share a role (or a whole cell)."""

    cell: Cell
    role: Role
    source: str  # Python for converted roles; the cell's own text for kept ones
    facts: CellFacts
    reason: str = ""  # why a kept cell stays in the notebook
    statements: tuple[cst.BaseStatement, ...] = ()  # the parsed statements
    shown: str = ""  # a name the notebook showed after this code (`model` for `model.fit(...)`)
    shows_value: bool = False  # the cell ends with an expression whose value the notebook showed
    cell_magic: str = ""  # `%%time`: the summary cell's first line; `%time`: before its call
    # names bound or deleted on some paths only (a loop, an `if` without `else`, a
    # handler's `as` name): the value they had before may still be theirs after
    partial: frozenset[str] = frozenset()
    # names compound code may read before binding them on every path (analysis.paths);
    # empty for straight-line code, whose facts.uses say it
    reads: frozenset[str] = frozenset()
    position: int = 0  # its place among the segments of its cell (see `key`)

    @property
    def key(self) -> SegmentKey:
        """(cell index, position in the cell): the same for every `replace` of this segment,
        and unique among the segments of one notebook, unlike `id()`, which Python reuses."""
        return (self.cell.index, self.position)


def build_segments(flow: Dataflow) -> tuple[Segment, ...]:
    """Segments of every cell in notebook order, each with its own facts."""
    imports = _import_modules(flow)
    rebound = _rebound_names(flow)
    functions = {name: d for facts in flow.facts if facts for name, d in facts.functions}
    captured = captured_names(flow.facts)
    rough: list[Segment] = []
    for cell, facts in zip(flow.notebook.cells, flow.facts):
        parts = _split_cell(cell, facts, imports, rebound, functions, captured)
        rough.extend(replace(part, position=position) for position, part in enumerate(parts))
    return _reanalyse(rough, shadowed_builtins(flow.facts))


def _rebound_names(flow: Dataflow) -> frozenset[str]:
    """Names bound by more than one cell, changed in place, or used before a cell binds
    them (hidden state, which must stay hidden in document order): never constants."""
    seen: set[str] = set()
    used: set[str] = set()
    rebound: set[str] = set()
    for cell, facts in zip(flow.notebook.cells, flow.facts):
        if facts is None:
            continue
        if not facts.analysed:  # it runs in the notebook: what it may bind is not constant
            rebound |= unreadable_writes(cell.source)
        rebound |= (facts.defines & seen) | facts.mutates | facts.deletes
        rebound |= facts.defines & (used - seen)
        used |= facts.uses
        seen |= facts.defines
    # A builtin the notebook rebinds (`type = "linear"`) is read as the builtin before
    # and as the value after: one config constant cannot be both.
    return frozenset(rebound) | shadowed_builtins(flow.facts)


def _bound_twice(module: cst.Module) -> frozenset[str]:
    """Names more than one top-level statement of the cell binds."""
    from nb2pkg.analysis import LocalBindings

    counts: dict[str, int] = {}
    for statement in module.body:
        collector = LocalBindings()
        statement.visit(collector)
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
    cell: Cell, facts: CellFacts | None, imports: dict[str, str], rebound: frozenset[str],
    functions: dict[str, Deferred], captured: frozenset[str] = frozenset(),
) -> list[Segment]:
    if facts is None:
        return [Segment(cell, "markdown", cell.source, CellFacts())]
    reason = _keep_reason(cell, facts)
    if reason:
        return [Segment(cell, "kept", cell.source, facts, reason, partial=_partial_of_kept(facts))]
    assert facts.python is not None
    module, timed = unwrap_timed_line(_with_header_on_first_statement(parse(facts.python)), facts.magics)
    if not module.body:
        return []
    if _is_display_cell(module, facts, imports, captured):
        return [Segment(cell, "display", cell.source, facts, statements=tuple(module.body))]
    parts: list[tuple[Role, cst.BaseStatement]] = []
    last = len(module.body) - 1
    twice = _bound_twice(module)
    plots = frozenset(_plot_objects(module, imports)) | captured
    for position, statement in enumerate(module.body):
        role = _statement_role(statement, rebound | twice)
        if timed and statement is timed[1] and role == "constant":
            role = "code"  # `%time x = 5` still reports a time where the notebook did
        if facts.dynamic and _DYNAMIC.search(module.code_for_node(statement)):
            role = "kept"  # only this statement: the rest of the cell converts
        if not _is_magic_line(statement) and "get_ipython()" in module.code_for_node(statement):
            reason = "uses a magic inside a block, which only runs in a notebook"
            return [Segment(cell, "kept", cell.source, facts, reason, partial=_partial_of_kept(facts))]
        if role == "code" and position == last and _is_shown_value(statement, imports, plots):
            role = "display"
        parts.append((role, statement))
    if timed and _runs_code_after(parts, timed[1]):
        # The summary times the step's call: what runs after the timed statement would print
        # before the time, not after it as in the notebook.
        reason = f"runs code after its `{timed[0].split()[0]}` line, and a step can only be timed whole"
        return [Segment(cell, "kept", cell.source, facts, reason)]
    segments = _merge(cell, module, parts)
    wrapping = next((m for m in facts.magics if m.cell), None)
    if wrapping is not None:
        line = f"%%{wrapping.name} {wrapping.argument}".rstrip()
        segments = [replace(s, cell_magic=line) for s in segments]
    elif timed:
        segments = [replace(s, cell_magic=timed[0]) for s in segments]
    hidden = hides_value(facts.python) or (  # `%time f(x);` shows nothing either
        timed is not None and timed[1] is module.body[-1] and hides_value(module.code_for_node(timed[1])))
    if segments and segments[-1].role == "code" and not hidden:
        last = segments[-1].statements[-1]  # a cell ending in `;` shows nothing
        shown = _fitted_estimator(module, last, imports)
        if shown:
            segments[-1] = replace(segments[-1], shown=shown)
        elif _shows_a_value(last, imports, functions):
            segments[-1] = replace(segments[-1], shows_value=True)
    return segments


def _partial_of_kept(facts: CellFacts) -> frozenset[str]:
    if not facts.analysed:
        return frozenset()
    assert facts.python is not None
    return partial_bindings(parse(facts.python).body)


def _keep_reason(cell: Cell, facts: CellFacts) -> str:
    if KEEP_TAG in cell.tags:
        return f"tagged `{KEEP_TAG}`"
    if EXPECTED_ERROR_TAG in cell.tags:
        return f"is tagged `{EXPECTED_ERROR_TAG}`: its error is expected, and the notebook runs past it"
    if cell.error and cell.error != "KeyboardInterrupt":  # an interrupted cell runs through when run again
        return (f"shows a `{cell.error}` in its saved outputs, an error the notebook ran past (tag the "
                f"cell `{EXPECTED_ERROR_TAG}` to say so, or clear its outputs if it no longer raises)")
    if facts.parse_error is not None:
        return facts.parse_error.reason
    if facts.python is None:
        return f"runs `%%{facts.magics[0].name}`, which nb2pkg does not convert"
    for magic in facts.magics:
        if magic.cell and magic.name in WRAPPING_CELL_MAGICS:
            continue  # the body becomes a step; the summary cell keeps the magic line
        if is_timed_line(magic):
            if sum(is_timed_line(m) for m in facts.magics) > 1:
                return f"times more than one statement with `{magic.label}`; a step can be timed once"
            continue  # the statement becomes a step; the summary keeps the magic before its call
        if magic.policy is not Policy.NOTEBOOK or magic.cell:
            return f"uses `{magic.label}`, which only runs in a notebook"
    if facts.rebinds_globals:
        return "defines a function that rebinds notebook names with `global`"
    only = notebook_only_names(facts.builtin_reads)
    if only:
        return f"reads {only}, which only the notebook has (IPython's history, or `__name__` as `'__main__'`)"
    if facts.star_import and not _has_star_import_statement(facts.python or ""):
        return "binds names through a magic (`%pylab`, `%run`), which nb2pkg cannot follow"
    return ""


def _runs_code_after(parts: list[tuple[Role, cst.BaseStatement]], timed: cst.BaseStatement) -> bool:
    position = next(index for index, (_, statement) in enumerate(parts) if statement is timed)
    return any(role == "code" for role, _ in parts[position + 1:])


# Names IPython gives the notebook that a module does not have, or has with another
# value: the output history, the input history, and the module's own dunder names.
_NOTEBOOK_ONLY = frozenset({"_", "__", "___", "_i", "_ii", "_iii", "_ih", "_oh", "_dh", "In", "Out",
                            "__name__", "__doc__", "__spec__", "__loader__", "__package__", "__file__"})


def notebook_only_names(reads: frozenset[str]) -> str:
    """The names among `reads` only the notebook's namespace has, as `a`, `b`."""
    found = sorted(n for n in reads if n in _NOTEBOOK_ONLY or re.fullmatch(r"_i?\d+", n))
    return ", ".join(f"`{n}`" for n in found)


def _has_star_import_statement(python: str) -> bool:
    return re.search(r"^from\s+\S+\s+import\s+\*", python, re.MULTILINE) is not None


def _statement_role(statement: cst.BaseStatement, rebound: frozenset[str]) -> Role:
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
        # Only notebook-only magics get this far (see _keep_reason); settings move to the
        # setup cell, the others (`df?`, `%who`) show something where they are.
        return "setting" if _magic_name(small) in SETUP_MAGICS else "display"
    if _is_literal_assignment(small) and _target(small) not in rebound | GENERATED_NAMES:
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
    return [replace(s, reason=DYNAMIC_REASON if _DYNAMIC.search(s.source) else
                    "imports names with `*`, which nb2pkg cannot follow")
            if s.role == "kept" else s for s in done]


def _with_paths(segment: Segment) -> Segment:
    partial, reads = path_facts(segment.statements)
    return replace(segment, partial=partial, reads=reads if segment.role == "code" else frozenset())


# `exec`, `eval`, `globals()`, `locals()`, `vars()` called as the builtins (the cell's
# facts say the builtin is meant): the statement sees the notebook's namespace itself.
_DYNAMIC = re.compile(r"(?<![\w.])(exec|eval|globals|locals|vars)\s*\(")
DYNAMIC_REASON = ("reads or binds names dynamically (`exec`, `eval`, `globals()`), "
                  "so it runs where the notebook's names are")


def _source_of(module: cst.Module, segment: Segment) -> str:
    """Python for code; for magic lines, the magic as the user wrote it (`df?`)."""
    code = _code(module, segment.statements)
    if all(_is_magic_line(s) for s in segment.statements):
        return "".join(line + "\n" for line in magic_lines(code))
    return code


def _is_magic_line(statement: cst.BaseStatement) -> bool:
    return (isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1
            and _is_magic_call(statement.body[0]))


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
    return "".join(module.code_for_node(statement) for statement in statements)


def _reanalyse(segments: list[Segment], shadowed: frozenset[str] = frozenset()) -> tuple[Segment, ...]:
    """Facts for each segment, analysed in order as if each were a cell of its own."""
    context = Context(shadowed=shadowed)
    done: list[Segment] = []
    for segment in segments:
        if segment.role == "markdown" or (segment.role == "kept" and not segment.statements):
            done.append(segment)
            if segment.role == "kept" and segment.facts.analysed:
                _, context = analyse_cell(segment.cell.source, context)
            continue
        facts, context = analyse_cell(segment.source, context)
        done.append(replace(segment, facts=facts))
    return tuple(done)


def _is_magic_call(small: cst.BaseSmallStatement) -> bool:
    return isinstance(small, cst.Expr) and ipython_call(small.value) is not None


def _target(small: cst.BaseSmallStatement) -> str:
    assert isinstance(small, cst.Assign) and isinstance(small.targets[0].target, cst.Name)
    return small.targets[0].target.value


# Names the generated code gives a meaning of its own where constants would land
# (`config.NOTEBOOK_DIR`; the summary's setup cell binds `config`, `os`, `warnings`):
# a notebook variable of that name stays a variable of the steps.
GENERATED_NAMES = frozenset({"NOTEBOOK_DIR", "config", "os", "warnings"})

# Cell magics that only wrap Python code (time it, capture its output): the code converts.
WRAPPING_CELL_MAGICS = frozenset({"time", "capture"})

SETUP_MAGICS = frozenset(
    {"matplotlib", "load_ext", "reload_ext", "autoreload", "aimport", "config", "precision",
     "xmode", "colors", "autoawait", "automagic", "autocall", "doctest_mode", "gui", "env", "set_env"}
)


def _magic_name(small: cst.BaseSmallStatement) -> str:
    assert isinstance(small, cst.Expr) and isinstance(small.value, cst.Call)
    first = small.value.args[0].value if small.value.args else None
    return first.evaluated_value if isinstance(first, cst.SimpleString) else ""  # type: ignore[return-value]


def _is_literal_assignment(small: cst.BaseSmallStatement) -> bool:
    if not isinstance(small, cst.Assign) or len(small.targets) != 1:
        return False
    return isinstance(small.targets[0].target, cst.Name) and is_literal(small.value)


def is_literal(node: cst.BaseExpression) -> bool:
    """Numbers, strings, booleans, None, and tuples of them: values nothing can change."""
    if isinstance(node, (cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString)):
        return True
    if isinstance(node, cst.ConcatenatedString):  # `"run-" f"{n}"` computes: not a constant
        return is_literal(node.left) and is_literal(node.right)
    if isinstance(node, cst.Name):
        return node.value in ("True", "False", "None")
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        return isinstance(node.expression, (cst.Integer, cst.Float))
    if isinstance(node, cst.Tuple):
        return all(isinstance(e, cst.Element) and is_literal(e.value) for e in node.elements)
    return False  # lists, dicts and sets are often filled later: not constants


def _is_shown_value(statement: cst.BaseStatement, imports: dict[str, str], plot_objects: frozenset[str]) -> bool:
    """A last expression that only reads or shows (`df.head()`, `X.shape`, `plt.show()`)."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return False
    small = statement.body[0]
    if not isinstance(small, cst.Expr) or isinstance(small.value, (cst.Await, cst.Yield)):
        return False
    if isinstance(small.value, cst.Call) and _call_name(small.value) in ("print", "display"):
        return False  # prints while the step runs; nothing is shown as a value
    return _only_shows(small.value, imports, plot_objects)


# Libraries whose estimators return themselves from `fit`, as scikit-learn's do.
_ESTIMATOR_LIBRARIES = ("sklearn", "xgboost", "lightgbm", "catboost", "imblearn")


def _fitted_estimator(module: cst.Module, last: cst.BaseStatement, imports: dict[str, str]) -> str:
    """`model` when the cell ends with `model.fit(...)` and the cell made `model` with a
    scikit-learn-style class: the notebook showed the fitted estimator (fit returns it)."""
    if not (isinstance(last, cst.SimpleStatementLine) and len(last.body) == 1
            and isinstance(last.body[0], cst.Expr)):
        return ""
    call = last.body[0].value
    if not (isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute)
            and call.func.attr.value == "fit" and isinstance(call.func.value, cst.Name)):
        return ""
    receiver = call.func.value.value
    for statement in module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if (isinstance(small, cst.Assign) and len(small.targets) == 1
                    and isinstance(small.targets[0].target, cst.Name)
                    and small.targets[0].target.value == receiver
                    and isinstance(small.value, cst.Call)):
                root = root_name(small.value.func)
                if root in imports and imports[root].startswith(_ESTIMATOR_LIBRARIES):
                    return receiver
    return ""


def _plot_objects(module: cst.Module, imports: dict[str, str]) -> set[str]:
    """Names the cell binds to what a plotting library returns (`fig, ax = plt.subplots()`)."""
    found: set[str] = set()
    for statement in module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.Assign) and isinstance(small.value, cst.Call):
                root = root_name(small.value.func)
                if root in imports and imports[root].startswith(DISPLAY_MODULES):
                    for target in small.targets:
                        found.update(target_names(target.target))
    return found


# Functions and methods that return None: a cell ending with one shows nothing.
_RETURNS_NONE = frozenset(
    {"print", "display", "seed", "shuffle", "show", "close", "tight_layout", "clf", "cla", "sleep",
     "savefig", "info", "warn", "filterwarnings", "simplefilter", "chdir", "exit", "append",
     "extend", "insert", "remove", "clear", "sort", "reverse", "update", "add", "discard"}
)


def _shows_a_value(statement: cst.BaseStatement, imports: dict[str, str], functions: dict[str, Deferred]) -> bool:
    """A bare expression at the end of a cell whose value Jupyter shows (None shows nothing)."""
    if not (isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1
            and isinstance(statement.body[0], cst.Expr)):
        return False
    value = statement.body[0].value
    if not isinstance(value, cst.Call):
        return not isinstance(value, (cst.Await, cst.Yield))
    name = _call_name(value)
    if name in _RETURNS_NONE or name in FILE_WRITERS or has_inplace_true(value):
        return False
    if isinstance(value.func, cst.Name) and value.func.value in functions:
        return functions[value.func.value].returns_value
    return True


def _is_display_cell(
    module: cst.Module, facts: CellFacts, imports: dict[str, str], captured: frozenset[str] = frozenset()
) -> bool:
    """Only expression statements that read, print, draw or show (`out()` replays what
    `%%capture out` caught); nothing changes."""
    if facts.defines or facts.mutates - captured or facts.deletes:
        return False  # a method call on a capture (`out.show()`) looks like a change: it only shows
    for statement in module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            return False
        for small in statement.body:
            if not isinstance(small, cst.Expr) or not _only_shows(small.value, imports, captured):
                return False
    return True


def _only_shows(node: cst.BaseExpression, imports: dict[str, str], plot_objects: frozenset[str] = frozenset()) -> bool:
    for call in _calls_in(node):
        if _is_effect_call(call):
            return False
        root = root_name(call.func)
        if root is None:
            continue  # a call on a call's result (`df.groupby("a").mean()`)
        if root in imports:
            if not imports[root].startswith(DISPLAY_MODULES):
                return False  # `np.random.seed(0)` changes module state
        elif isinstance(call.func, cst.Name):
            if call.func.value not in _DISPLAY_BUILTINS | plot_objects:
                return False  # a notebook function may do anything; `out()` replays a capture
        elif root in plot_objects:
            continue  # `ax.set_xlabel("day")` draws on a figure; `out.show()` replays a capture
        elif method_mutates_receiver(call):
            return False  # `model.fit(X, y)`
    return True


def _calls_in(node: cst.CSTNode) -> list[cst.Call]:
    found: list[cst.Call] = []

    class Calls(cst.CSTVisitor):
        def visit_Call(self, call: cst.Call) -> None:
            found.append(call)

    node.visit(Calls())
    return found


def _call_name(call: cst.Call) -> str:
    func = call.func
    if isinstance(func, cst.Name):
        return func.value
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return ""


def _is_effect_call(call: cst.Call) -> bool:
    return _call_name(call) in FILE_WRITERS


def _import_modules(flow: Dataflow) -> dict[str, str]:
    """Name bound by an import -> the module it stands for (`plt` -> `matplotlib.pyplot`)."""
    names: dict[str, str] = {}
    for facts in flow.facts:
        if facts is None or not facts.analysed or not facts.imports:
            continue
        assert facts.python is not None
        module = parse(facts.python)
        for node in _imports_in(module):
            names.update(import_bindings(node))
    return names


def _imports_in(module: cst.Module) -> list[cst.Import | cst.ImportFrom]:
    found: list[cst.Import | cst.ImportFrom] = []

    class Imports(cst.CSTVisitor):
        def visit_Import(self, node: cst.Import) -> None:
            found.append(node)

        def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
            found.append(node)

    module.visit(Imports())
    return found


def import_bindings(node: cst.Import | cst.ImportFrom) -> dict[str, str]:
    """`import a.b as c` -> {"c": "a.b"}; `from a import b` -> {"b": "a.b"}."""
    from nb2pkg.analysis import dotted_name, import_binding

    bound: dict[str, str] = {}
    if isinstance(node, cst.Import):
        for alias in node.names:
            full = dotted_name(alias.name)
            bound[import_binding(alias)] = full if alias.asname else full.split(".")[0]
        return bound
    if isinstance(node.names, cst.ImportStar):
        return bound
    base = "." * len(node.relative) + (dotted_name(node.module) if node.module else "")
    for alias in node.names:
        bound[import_binding(alias)] = f"{base}.{dotted_name(alias.name)}"
    return bound
