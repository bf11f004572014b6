"""What the summary notebook shows as it is: results, previews and display settings.

The package holds computation; the summary notebook shows results. These statements
stay summary code (role "display"), where the notebook had them:

1. **A shown result.** The last statement of a cell is an expression whose value the
   notebook showed, at most three lines long, that binds nothing and whose calls change
   nothing (functions of libraries that compute: NumPy without `random`, pandas, SciPy,
   scikit-learn's metrics and model selection, statsmodels, the standard library's
   maths; methods known not to change their receiver; `predict` and `score` of a fitted
   model; see plan/purity.py): `metrics.roc_auc_score(y_test, y_pred)`. The step
   before it returns what it reads. When it is the cell's only code (imports,
   constants and definitions move out), or the only code is a `print(...)` of such
   expressions, no step is left: no `def compute_x(y): return f(y)` around one call.
   A value hidden by `;` is no result (a drawing hidden so still draws), and in a cell
   a magic times or captures only what already only showed (`df.head()`) is summary code.
2. **A preview of a computed value.** A cell with more code that ends with a preview
   of a value it computes there (`pd.merge(a, b).head()`; `.head(n)`, `.tail()`,
   `.describe()`, `.info()`, `.value_counts()`, `.shape`, `.dtypes`,
   `.columns`): the step binds the value to a name taken from the call (`merged` for a
   merge, `frame` when nothing better says it), one no code of the notebook uses, and
   returns it; the summary shows the preview (`merged.head()`).
3. **Display settings.** `pd.set_option("display.…", …)`, `pd.options.display.… = …`,
   `np.set_printoptions(…)` change only how values show, wherever they are in a cell
   (not in a timed or captured cell, whose magic the summary repeats once).

Summary code runs in the summary, in the notebook's order, so the notebook shows what
it showed; `pipeline.run()` does not run it: it binds and changes nothing a later step
reads.
"""

from __future__ import annotations

import re
from dataclasses import replace

import libcst as cst

from nb2pkg.analysis import CellFacts, code_of, path_facts
from nb2pkg.naming import unique
from nb2pkg.notebook import Cell
from nb2pkg.plan.displays import call_name, calls_anywhere, calls_in, is_shown_value
from nb2pkg.plan.model import Segment
from nb2pkg.plan.purity import computes_only, draws, resolved

# A longer expression is computation worth a name: it stays in a step.
MAX_RESULT_LINES = 3

# Previews: a method or attribute that shows part or a summary of a value.
# (not `sample`, which draws random numbers: it is computation, in the step)
PREVIEW_METHODS = frozenset({"head", "tail", "describe", "info", "value_counts"})
PREVIEW_ATTRIBUTES = frozenset({"shape", "dtypes", "columns"})

# The name a previewed value gets, from the first of its calls (outermost first) found here.
_VALUE_NAMES = {
    "merge": "merged",
    "merge_asof": "merged",
    "merge_ordered": "merged",
    "join": "merged",
    "concat": "combined",
    "groupby": "grouped",
    "pivot_table": "table",
    "pivot": "table",
    "crosstab": "table",
    "resample": "resampled",
    "get_dummies": "encoded",
    "dropna": "cleaned",
    "fillna": "filled",
    "sort_values": "ordered",
    "sort_index": "ordered",
    "query": "selected",
    "Series": "series",
    "concatenate": "stacked",
    "vstack": "stacked",
    "hstack": "stacked",
    "array": "array",
    "arange": "array",
    "linspace": "array",
    "reshape": "reshaped",
}


def stays_in_summary(
    statement: cst.BaseStatement,
    imports: dict[str, str],
    plot_objects: frozenset[str],
    last: bool,
    alone: bool,
    wrapped: bool = False,
) -> bool:
    """Whether a statement of computation is summary code: `last` when it ends its cell,
    `alone` when no other code of the cell comes before it, `wrapped` when a magic times
    or captures the cell (then only what shows, as `df.head()`, is, as it always was)."""
    value = _expression(statement)
    previewed = value is not None and not alone and preview_of_computation(value) is not None
    if last and is_shown_value(statement, imports, plot_objects) and not previewed:
        return True  # it only reads, shows or draws (`df.head()`, `plt.show()`)
    if wrapped:
        return False
    if is_display_setting(statement, imports):
        return True
    if not last or value is None or len(_code(statement).strip().splitlines()) > MAX_RESULT_LINES:
        return False
    if _hidden(statement) and not draws(value, imports, plot_objects):
        return False  # `sum(scores);` shows nothing; `plt.plot(range(3));` still draws
    if _is_print(value):
        assert isinstance(value, cst.Call)
        return alone and all(computes_only(a.value, imports, plot_objects) for a in value.args)
    if previewed:
        return False  # rule 2: the step returns the value, the summary shows the preview
    return computes_only(value, imports, plot_objects)


def is_display_setting(statement: cst.BaseStatement, imports: dict[str, str]) -> bool:
    """`pd.set_option("display.max_rows", 10)`, `pd.options.display.precision = 2`,
    `np.set_printoptions(precision=3)`: only how values show changes."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return False
    small = statement.body[0]
    if isinstance(small, cst.Assign):
        return all(
            resolved(t.target, imports).startswith("pandas.options.display.") for t in small.targets
        ) and computes_only(small.value, imports, frozenset())
    if not isinstance(small, cst.Expr) or not isinstance(small.value, cst.Call):
        return False
    call = small.value
    function = resolved(call.func, imports)
    if function == "numpy.set_printoptions":
        return all(computes_only(a.value, imports, frozenset()) for a in call.args)
    if function != "pandas.set_option" or not call.args:
        return False
    keys = [a.value for a in call.args[::2]]
    return all(isinstance(k, cst.SimpleString) and str(k.evaluated_value).startswith("display.") for k in keys) and all(
        computes_only(a.value, imports, frozenset()) for a in call.args[1::2]
    )


def preview_of_computation(value: cst.BaseExpression) -> cst.BaseExpression | None:
    """`pd.merge(a, b)` for `pd.merge(a, b).head()`: the computed value a preview shows,
    or None when the expression is no preview, or previews a name (`df.head()`)."""
    inner: cst.BaseExpression | None = None
    if (
        isinstance(value, cst.Call)
        and isinstance(value.func, cst.Attribute)
        and value.func.attr.value in PREVIEW_METHODS
    ):
        inner = value.func.value
    elif isinstance(value, cst.Attribute) and value.attr.value in PREVIEW_ATTRIBUTES:
        inner = value.value
    if inner is None or not calls_anywhere(inner):
        return None
    if isinstance(inner, cst.Call) and call_name(inner) in PREVIEW_METHODS:
        return None  # `df.head().shape`: a preview of a preview
    return inner


def split_previews(segments: list[Segment], taken: frozenset[str]) -> list[Segment]:
    """Rule 2 on the segments of one cell: the last code statement, a preview of what it
    computes, becomes `name = value` in the step and `name.preview()` shown after it."""
    if not segments or segments[-1].role != "code" or segments[-1].cell_magic:
        return segments
    last = segments[-1]
    statement = last.statements[-1]
    value = _expression(statement)
    inner = preview_of_computation(value) if value is not None else None
    alone = len(last.statements) == 1 and not any(s.role in ("code", "kept") for s in segments[:-1])
    if value is None or inner is None or alone:
        return segments
    prints = isinstance(value, cst.Call) and call_name(value) == "info"
    if not (last.shows_value or prints):
        return segments  # hidden by `;`: nothing to show
    assert isinstance(statement, cst.SimpleStatementLine)
    name = unique(_value_name(inner), taken)
    bound = statement.with_changes(body=[cst.Assign([cst.AssignTarget(cst.Name(name))], inner)])
    shown = cst.SimpleStatementLine([cst.Expr(value.deep_replace(inner, cst.Name(name)))])
    statements = (*last.statements[:-1], bound)
    partial, reads = path_facts(statements)
    code = replace(
        last, statements=statements, source=_joined(statements), shows_value=False, partial=partial, reads=reads
    )
    display = Segment(last.cell, "display", _joined((shown,)), CellFacts(), statements=(shown,))
    return [*segments[:-1], code, display]


def taken_names(cells: tuple[Cell, ...]) -> frozenset[str]:
    """Every word the notebook's code cells hold (a name chosen here must be new to all
    of them, readable or not), and the names the generated code gives a meaning."""
    words = {w for c in cells if c.kind == "code" for w in re.findall(r"[A-Za-z_]\w*", c.source)}
    modules = {"data", "preprocess", "features", "models", "plots", "utils", "config", "pipeline"}
    return frozenset(words | modules | {"os", "warnings", "NOTEBOOK_DIR"})


def library_imports(imports: dict[str, str], facts: tuple[CellFacts | None, ...]) -> dict[str, str]:
    """The imported names the notebook binds only by imports: a name a definition or a
    cell without imports binds too (`from m import f as g`, then `def g(v): ...` when
    the import fails) may be the notebook's own code, which may do anything."""
    own = {name for f in facts if f for name, _ in f.functions}
    own |= {name for f in facts if f and not f.imports for name in f.defines}
    return {name: module for name, module in imports.items() if name not in own}


def _value_name(value: cst.BaseExpression) -> str:
    for call in calls_in(value):  # outermost first
        name = call_name(call)
        if name in _VALUE_NAMES:
            return _VALUE_NAMES[name]
        if name.startswith("read_"):
            return "frame"
    return "frame"


def _expression(statement: cst.BaseStatement) -> cst.BaseExpression | None:
    if (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
    ):
        return statement.body[0].value
    return None


def _hidden(statement: cst.BaseStatement) -> bool:
    """A statement ending in `;`, which hides its value."""
    return isinstance(statement, cst.SimpleStatementLine) and isinstance(statement.body[-1].semicolon, cst.Semicolon)


def _is_print(value: cst.BaseExpression) -> bool:
    return (
        isinstance(value, cst.Call)
        and isinstance(value.func, cst.Name)
        and value.func.value == "print"
        and all(a.keyword is None or a.keyword.value in ("sep", "end") for a in value.args)
        and all(a.star == "" for a in value.args)
    )


def _code(statement: cst.BaseStatement) -> str:
    """The statement's code without the blank and comment lines before it."""
    leading: tuple[cst.EmptyLine, ...] = tuple(getattr(statement, "leading_lines", ()))
    if all(line.newline.value is None for line in leading):  # each of them one "\n"-ended line
        return code_of(statement).split("\n", len(leading))[-1] if leading else code_of(statement)
    return cst.Module(body=[]).code_for_node(statement.with_changes(leading_lines=()))


def _joined(statements: tuple[cst.BaseStatement, ...]) -> str:
    code = cst.Module(body=[]).code_for_node
    return "".join(code(s) for s in statements)
