"""Which calls and statements change an object in place.

A method call on a name is taken to change it unless the method is known not to: a
curated list of pandas, NumPy, scikit-learn and builtin methods that return new values.
A call with `inplace=True` always changes its receiver.
"""

from __future__ import annotations

import libcst as cst

NON_MUTATING_METHODS = frozenset(
    {
        # pandas / NumPy: inspection and new objects
        "head", "tail", "describe", "info", "copy", "mean", "median", "mode", "sum",
        "prod", "min", "max", "std", "var", "sem", "count", "nunique", "unique",
        "value_counts", "groupby", "sort_values", "sort_index", "reset_index",
        "set_index", "drop", "dropna", "fillna", "rename", "replace", "merge", "join",
        "apply", "applymap", "map", "agg", "aggregate", "transform", "astype",
        "isnull", "isna", "notnull", "notna", "any", "all", "corr", "cov", "query",
        "pivot", "pivot_table", "melt", "stack", "unstack", "explode", "plot", "hist",
        "boxplot", "to_csv", "to_json", "to_excel", "to_parquet", "to_pickle",
        "to_numpy", "to_frame", "to_dict", "to_list", "tolist", "to_string",
        "to_markdown", "to_html", "to_latex", "to_records", "to_datetime", "items",
        "iterrows", "itertuples", "keys", "values", "get", "round", "abs", "clip",
        "cumsum", "cumprod", "cummax", "cummin", "shift", "diff", "pct_change",
        "rolling", "resample", "expanding", "ewm", "sample", "nlargest", "nsmallest",
        "idxmax", "idxmin", "argmax", "argmin", "argsort", "dot", "reshape", "ravel",
        "flatten", "squeeze", "swapaxes", "transpose", "where", "mask", "filter",
        "select_dtypes", "memory_usage", "duplicated", "drop_duplicates", "between",
        "isin", "nsmallest", "quantile", "rank", "add", "sub", "mul", "div",
        "truediv", "floordiv", "mod", "pow", "eq", "ne", "lt", "le", "gt", "ge",
        "combine", "combine_first", "align", "reindex", "reindex_like", "assign",
        "pipe", "equals", "interpolate", "bfill", "ffill", "asfreq", "tz_localize",
        "tz_convert", "dt", "str", "cat", "first", "last", "nth", "size", "ngroups",
        "get_group", "describe_option", "xs", "loc", "iloc", "at", "iat", "any",
        "argwhere", "nonzero", "searchsorted", "repeat", "take", "compress", "trace",
        "conj", "view", "item", "tobytes", "astype", "cumcount", "crosstab", "cut",
        "qcut", "convert_dtypes", "infer_objects", "factorize", "style", "hvplot",
        # scikit-learn: inference
        "predict", "predict_proba", "predict_log_proba", "decision_function", "score",
        "score_samples", "get_params", "get_feature_names_out", "inverse_transform",
        "kneighbors", "staged_predict",
        # builtins: str, bytes, dict, list, set, tuple
        "format", "format_map", "split", "rsplit", "splitlines", "strip", "lstrip",
        "rstrip", "lower", "upper", "title", "capitalize", "casefold", "swapcase",
        "startswith", "endswith", "find", "rfind", "index", "rindex", "encode",
        "decode", "isdigit", "isalpha", "isalnum", "isspace", "isupper", "islower",
        "isnumeric", "isdecimal", "isidentifier", "zfill", "center", "ljust", "rjust",
        "partition", "rpartition", "expandtabs", "translate", "maketrans",
        "removeprefix", "removesuffix", "union", "intersection", "difference",
        "symmetric_difference", "issubset", "issuperset", "isdisjoint", "fromkeys",
        "hex", "bit_length", "conjugate", "is_integer", "as_integer_ratio",
        # pathlib, re, datetime
        "exists", "is_file", "is_dir", "glob", "rglob", "read_text", "read_bytes",
        "with_suffix", "with_name", "joinpath", "resolve", "relative_to", "stat",
        "match", "fullmatch", "search", "findall", "finditer", "group", "groups",
        "groupdict", "span", "start", "end", "strftime", "isoformat", "timestamp",
        "date", "time", "weekday", "isoweekday", "total_seconds",
        # matplotlib queries
        "get_xlim", "get_ylim", "get_legend_handles_labels", "get_figure", "savefig",
    }
)

# Functions that change their first argument in place (`random.shuffle(x)`).
MUTATES_FIRST_ARGUMENT = frozenset(
    {
        "shuffle", "heappush", "heappop", "heapify", "heappushpop", "heapreplace",
        "insort", "insort_left", "insort_right", "fill_diagonal", "copyto", "put",
        "place", "putmask",
    }
)


def root_name(node: cst.BaseExpression) -> str | None:
    """The name an attribute or subscript chain starts from: `df` for `df.a["b"].c`."""
    while True:
        if isinstance(node, cst.Name):
            return node.value
        if isinstance(node, (cst.Attribute, cst.Subscript)):
            node = node.value
        else:
            return None


def has_inplace_true(call: cst.Call) -> bool:
    return any(
        arg.keyword is not None
        and arg.keyword.value == "inplace"
        and isinstance(arg.value, cst.Name)
        and arg.value.value == "True"
        for arg in call.args
    )


def method_mutates_receiver(call: cst.Call) -> bool:
    """Whether `receiver.method(...)` may change the receiver."""
    assert isinstance(call.func, cst.Attribute)
    return has_inplace_true(call) or call.func.attr.value not in NON_MUTATING_METHODS
