"""Whether an expression only computes: it binds nothing and changes nothing, as far as
nb2pkg knows, so the summary notebook may evaluate it where the notebook did and
`pipeline.run()` loses nothing by not evaluating it.

Known to compute: functions of libraries that return new values (NumPy without
`random`, pandas, SciPy, scikit-learn's metrics and model selection, statsmodels, the
standard library's maths), builtins that do, methods the analysis knows do not change
their receiver and the questions a fitted model answers (`predict`, `score`), drawing.
Anything else (a notebook function, a file written, a generator's state, `inplace=True`,
a library setting) may change something.
"""

from __future__ import annotations

from typing import cast

import libcst as cst

from nb2pkg.analysis import dotted_name, has_inplace_true, method_mutates_receiver, root_name, walk_nodes
from nb2pkg.plan.displays import DISPLAY_MODULES, FILE_WRITERS, call_name, calls_in, draws_random

# Libraries whose functions compute a new value from their arguments (module paths).
COMPUTING_MODULES = (
    "numpy",
    "pandas",
    "scipy",
    "sklearn.metrics",
    "sklearn.model_selection",
    "statsmodels",
    "math",
    "cmath",
    "statistics",
    "operator",
    "textwrap",
    "datetime",
)

# Functions of those libraries that change an argument or the library's state.
_CHANGES_STATE = frozenset(
    {
        "shuffle",
        "seed",
        "fill_diagonal",
        "copyto",
        "put",
        "place",
        "putmask",
        "seterr",
        "setbufsize",
        "register_matplotlib_converters",
        "option_context",
    }
)

# Builtins that compute a value and change nothing.
_PURE_BUILTINS = frozenset(
    {
        "abs",
        "all",
        "any",
        "bin",
        "bool",
        "chr",
        "dict",
        "dir",
        "divmod",
        "enumerate",
        "filter",
        "float",
        "format",
        "frozenset",
        "hex",
        "int",
        "isinstance",
        "issubclass",
        "len",
        "list",
        "map",
        "max",
        "min",
        "oct",
        "ord",
        "pow",
        "range",
        "repr",
        "reversed",
        "round",
        "set",
        "sorted",
        "str",
        "sum",
        "tuple",
        "type",
        "zip",
        "print",
        "display",
    }
)

# Methods that ask a value (or a fitted model) something, beyond the analysis's list.
_QUERY_METHODS = frozenset(
    {
        "predict",
        "predict_proba",
        "predict_log_proba",
        "decision_function",
        "score",
        "get_params",
        "tolist",
        "to_list",
        "to_numpy",
        "to_frame",
        "idxmax",
        "idxmin",
        "argmax",
        "argmin",
        "nlargest",
        "nsmallest",
        "quantile",
        "cumsum",
        "round",
        "abs",
        "keys",
        "values",
        "items",
        "get",
        "format",
        "upper",
        "lower",
        "split",
        "strip",
        "startswith",
        "endswith",
        "crosstab",
        "pivot_table",
        "reshape",
        "ravel",
        "flatten",
        # pandas and NumPy methods that return a new value (`inplace=True` aside)
        "toarray",
        "todense",
        "to_period",
        "to_timestamp",
        "tz_localize",
        "tz_convert",
        "to_string",
        "to_dict",
        "pct_change",
        "diff",
        "shift",
        "rolling",
        "expanding",
        "resample",
        "cumprod",
        "cummax",
        "cummin",
        "rank",
        "clip",
        "where",
        "mask",
        "isin",
        "between",
        "dot",
        "transpose",
        "melt",
        "stack",
        "unstack",
        "explode",
        "pivot",
        "query",
        "filter",
        "select_dtypes",
        "duplicated",
        "drop_duplicates",
        "equals",
        "corrwith",
    }
)


def computes_only(node: cst.BaseExpression, imports: dict[str, str], plot_objects: frozenset[str]) -> bool:
    """Whether evaluating `node` binds nothing and changes nothing: every call it makes
    computes a new value (or draws), as far as nb2pkg knows."""
    walk = _CallsAndBindings()  # one walk for both questions
    walk_nodes(node, walk.on_visit)
    if walk.binds:
        return False
    return all(_computes(call, imports, plot_objects) for call in walk.calls)


def _computes(call: cst.Call, imports: dict[str, str], plot_objects: frozenset[str]) -> bool:
    name = call_name(call)
    if name in FILE_WRITERS or name in _CHANGES_STATE or has_inplace_true(call):
        return False
    if name.endswith("_") and not name.startswith("_"):
        return False  # `w.add_(1)`: in place, in PyTorch's spelling
    if draws_random(call):
        return False
    root = root_name(call.func)
    if root is None:
        # a call on a call's result (`df.groupby("a").mean()`): a new value, unless the
        # method changes it (it is the call's own result: nothing else sees it)
        return isinstance(call.func, cst.Attribute)
    if root in imports:
        module = resolved(call.func, imports)
        if "random" in module.split("."):
            return False  # the generator's state moves on
        if (name.startswith(("set_", "reset_")) or name == "use") and not module.startswith(DISPLAY_MODULES):
            return False  # a library setting (`pd.set_option`), not a value
        return module.startswith(DISPLAY_MODULES) or any(
            module == m or module.startswith(m + ".") for m in COMPUTING_MODULES
        )
    if isinstance(call.func, cst.Name):
        return call.func.value in _PURE_BUILTINS or call.func.value in plot_objects
    if root in plot_objects:
        return True  # `ax.set_xlabel("day")` draws on a figure the cell made
    if not isinstance(call.func, cst.Attribute):
        return False  # `handlers[0](x)`: a value the notebook made, which may do anything
    return name in _QUERY_METHODS or not method_mutates_receiver(call)


def draws(node: cst.BaseExpression, imports: dict[str, str], plot_objects: frozenset[str]) -> bool:
    """Whether `node` calls a plotting or display library, or draws on a figure the cell made."""
    for call in calls_in(node):
        root = root_name(call.func)
        if root in plot_objects or (root in imports and imports[root].startswith(DISPLAY_MODULES)):
            return True
    return False


def resolved(node: cst.BaseExpression, imports: dict[str, str]) -> str:
    """`pd.set_option` -> `pandas.set_option`: the dotted name, its root made the module."""
    name = dotted_name(node)
    root, _, rest = name.partition(".")
    if root not in imports:
        return ""
    return f"{imports[root]}.{rest}" if rest else imports[root]


class _CallsAndBindings(cst.CSTVisitor):
    """The calls an expression makes, and whether it binds, awaits or yields anything
    (`:=`, `await`, `yield`). Walked by `walk_nodes`, not in source order: `computes_only`
    asks the same of every call."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[cst.Call] = []
        self.binds = False

    def on_visit(self, node: cst.CSTNode) -> bool:
        kind = type(node)  # classes nothing subclasses: `isinstance` costs more, asked of every node
        if kind is cst.Call:
            self.calls.append(cast(cst.Call, node))
        elif kind in _BINDING:
            self.binds = True
        return True


_BINDING = frozenset({cst.NamedExpr, cst.Await, cst.Yield})
