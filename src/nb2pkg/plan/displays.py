"""Whether code only shows something, and what the notebook showed after it.

A cell of expressions that read, print, draw or show changes nothing: it stays in the
notebook as a display. A cell's last expression may show a value (`df.head()`), a
fitted estimator (`model.fit(X, y)` shows `model`), or nothing (`print(x)`,
`plt.show()`, a call that returns None): the step returns what the summary shows.
"""

from __future__ import annotations

import libcst as cst

from nb2pkg.analysis import (
    CellFacts,
    Deferred,
    has_inplace_true,
    method_mutates_receiver,
    root_name,
    target_names,
    visited_nodes,
    walk_nodes,
)

# Calls that write files: a cell making them is computation, never a mere display.
FILE_WRITERS = frozenset(
    {
        "to_csv",
        "to_json",
        "to_excel",
        "to_parquet",
        "to_pickle",
        "to_feather",
        "to_hdf",
        "to_sql",
        "to_stata",
        "savefig",
        "save",
        "savez",
        "savetxt",
        "dump",
        "write",
        "write_text",
        "write_bytes",
        "writelines",
        "mkdir",
        "makedirs",
        "touch",
        "unlink",
        "remove",
        "rmtree",
        "copy",
        "copyfile",
        "rename",
        "open",
    }
)


# Modules whose calls only draw or show: a cell of such calls is a display.
DISPLAY_MODULES = ("matplotlib", "seaborn", "plotly", "IPython.display", "altair", "bokeh")


_DISPLAY_BUILTINS = frozenset({"print", "display", "len", "type", "repr", "str", "sorted", "list"})


def is_display_cell(
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


def is_shown_value(statement: cst.BaseStatement, imports: dict[str, str], plot_objects: frozenset[str]) -> bool:
    """A last expression that only reads or shows (`df.head()`, `X.shape`, `plt.show()`)."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return False
    small = statement.body[0]
    if not isinstance(small, cst.Expr) or isinstance(small.value, cst.Yield):
        return False
    if isinstance(small.value, cst.Call) and call_name(small.value) in ("print", "display"):
        return False  # prints while the step runs; nothing is shown as a value
    return _only_shows(small.value, imports, plot_objects)


def draws_random(call: cst.Call) -> bool:
    """`df.sample(3)`: pandas draws from NumPy's generator unless given a `random_state`, and
    the random numbers drawn after it are then others: computation, never a mere display."""
    return call_name(call) == "sample" and not any(
        arg.keyword is not None and arg.keyword.value == "random_state" for arg in call.args
    )


def _only_shows(node: cst.BaseExpression, imports: dict[str, str], plot_objects: frozenset[str] = frozenset()) -> bool:
    for call in calls_anywhere(node):  # any order: each call is asked on its own
        if _is_effect_call(call) or draws_random(call):
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
        elif not isinstance(call.func, cst.Attribute):
            return False  # `fs[0](4)`: a callable the notebook holds may do anything
        elif method_mutates_receiver(call):
            return False  # `model.fit(X, y)`
    return True


# Libraries whose estimators return themselves from `fit`, as scikit-learn's do.
_ESTIMATOR_LIBRARIES = ("sklearn", "xgboost", "lightgbm", "catboost", "imblearn")


def fitted_estimator(module: cst.Module, last: cst.BaseStatement, imports: dict[str, str]) -> str:
    """`model` when the cell ends with `model.fit(...)` and the cell made `model` with a
    scikit-learn-style class: the notebook showed the fitted estimator (fit returns it)."""
    if not (isinstance(last, cst.SimpleStatementLine) and len(last.body) == 1 and isinstance(last.body[0], cst.Expr)):
        return ""
    call = last.body[0].value
    if not (
        isinstance(call, cst.Call)
        and isinstance(call.func, cst.Attribute)
        and call.func.attr.value == "fit"
        and isinstance(call.func.value, cst.Name)
    ):
        return ""
    receiver = call.func.value.value
    for statement in module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if (
                isinstance(small, cst.Assign)
                and len(small.targets) == 1
                and isinstance(small.targets[0].target, cst.Name)
                and small.targets[0].target.value == receiver
                and isinstance(small.value, cst.Call)
            ):
                root = root_name(small.value.func)
                if root in imports and imports[root].startswith(_ESTIMATOR_LIBRARIES):
                    return receiver
    return ""


def plot_objects(module: cst.Module, imports: dict[str, str]) -> set[str]:
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
    {
        "print",
        "display",
        "seed",
        "shuffle",
        "show",
        "close",
        "tight_layout",
        "clf",
        "cla",
        "sleep",
        "savefig",
        "info",
        "warn",
        "filterwarnings",
        "simplefilter",
        "chdir",
        "exit",
        "append",
        "extend",
        "insert",
        "remove",
        "clear",
        "sort",
        "reverse",
        "update",
        "add",
        "discard",
    }
)


def shows_a_value(statement: cst.BaseStatement, imports: dict[str, str], functions: dict[str, Deferred]) -> bool:
    """A bare expression at the end of a cell whose value Jupyter shows (None shows nothing)."""
    if not (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
    ):
        return False
    value = statement.body[0].value
    if not isinstance(value, cst.Call):
        return not isinstance(value, cst.Yield)
    name = call_name(value)
    if has_inplace_true(value) or _returns_none(value, name, imports):
        return False
    if isinstance(value.func, cst.Name) and value.func.value in functions:
        called = functions[value.func.value]  # an instance, a generator or a function are values too
        return called.returns_value or called.is_class or called.returns_callable
    return True


# Methods of lists, dicts and sets that return None (`xs.sort()`); numpy's functions of
# those names return arrays (`np.sort(a)`, `np.append(a, 1)`).
_CONTAINER_METHODS = frozenset({"append", "extend", "insert", "clear", "sort", "reverse", "update", "add"})
# Writers that return what they wrote, or made: `f.write(...)` the count, `shutil.copy` the
# copy's path, `df.copy()` and `df.rename(...)` a new frame, `open(...)` the file.
_WRITERS_WITH_VALUES = frozenset({"write", "write_text", "write_bytes", "copy", "copyfile", "open", "to_sql"})
# pandas' writers give the text when no file is given (`df.to_csv()`); `os.rename`
# returns None, `df.rename(...)` a frame; `json.dump(obj, f)` None, `yaml.dump(obj)` text.
_TEXT_WITHOUT_FILE = frozenset({"to_csv", "to_json", "to_parquet"})
_NONE_FROM = {"rename": ("os",), "dump": ("json", "pickle")}


def _returns_none(call: cst.Call, name: str, imports: dict[str, str]) -> bool:
    """Whether a call surely returns None (a shown None shows nothing): known by its name,
    where the name says it, else by what it is called on and with."""
    root = root_name(call.func) if isinstance(call.func, cst.Attribute) else None
    module = imports.get(root, "").split(".")[0] if root is not None else ""
    if name in _CONTAINER_METHODS:
        return not module
    if name in _RETURNS_NONE:
        return True
    if name not in FILE_WRITERS or name in _WRITERS_WITH_VALUES:
        return False
    if name in _TEXT_WITHOUT_FILE:
        return any(arg.keyword is None or arg.keyword.value in ("path_or_buf", "path") for arg in call.args)
    return module in _NONE_FROM.get(name, (module,))


def calls_in(node: cst.CSTNode) -> list[cst.Call]:
    """The calls `node` makes, outermost first."""
    return visited_nodes(node, cst.Call)


def calls_anywhere(node: cst.CSTNode) -> list[cst.Call]:
    """The calls of `calls_in(node)`, in no promised order, found by `walk_nodes` (LibCST's
    walk builds every node again, and none of its callbacks is needed here)."""
    found: list[cst.Call] = []
    walk_nodes(node, lambda current: found.append(current) if isinstance(current, cst.Call) else None)
    return found


def call_name(call: cst.Call) -> str:
    """`f` for `f(x)` and `m.f(x)`; "" for `fs[0](x)`."""
    func = call.func
    if isinstance(func, cst.Name):
        return func.value
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return ""


def _is_effect_call(call: cst.Call) -> bool:
    return call_name(call) in FILE_WRITERS
