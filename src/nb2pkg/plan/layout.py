"""Where each step and definition goes (`data`, `preprocess`, `features`, `models`,
`plots`, `utils`)

The module follows from what the code does, read from its calls (comments and strings
do not count): it draws -> plots; it fits, predicts or scores -> models; it builds
features (encoders, scalers, dummies) -> features; it reads -> data; it transforms,
changes data in place or narrows a frame to part of itself (`df = df[cols]`) ->
preprocess. A heading breaks a tie only when the code says nothing (`## Feature
engineering` over `X = df[cols]`), and never puts code in `plots`: a step that draws
nothing is not a figure, whatever its section is called. A step the heading says nothing
of either makes data when it writes out a table of literals or calls a pandas
constructor, else it is a helper (`utils`). The cell tag
`nb2pkg:module=NAME` decides instead, when present; a tagged module may have any name
`nb2pkg.tags` accepts. What a step is called: `plan.step_names`.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from functools import lru_cache

from nb2pkg.analysis import CACHED_PER_NOTEBOOK
from nb2pkg.limits import parse_quietly
from nb2pkg.plan.files import nodes_of, read_tree
from nb2pkg.plan.model import Segment
from nb2pkg.tags import module_tag

# Modules whose functions draw, called by their usual names; and those of their functions
# that do not draw (a dataset, a palette, a session setting).
_PLOT_MODULES = frozenset({"plt", "pyplot", "matplotlib", "mpl", "sns", "seaborn", "px", "plotly", "go"})
_NOT_DRAWING = frozenset(
    {
        "load_dataset",
        "get_dataset_names",
        "color_palette",
        "get_cmap",
        "set",
        "set_theme",
        "set_style",
        "set_context",
        "set_palette",
        "rc",
        "rcdefaults",
        "use",
        "ion",
        "ioff",
        "isinteractive",
    }
)
# Names a notebook gives its figures and axes: their methods draw, except the getters.
_FIGURE_NAMES = re.compile(r"(ax|axes|axs|ax\d+|ax_\w+|\w+_ax|fig|figure|fig\d+|fig_\w+)$")
# Methods that draw whatever they are called on (`df.plot()`, `axes[0].set_title(...)`).
_DRAWING_METHODS = frozenset(
    {
        "plot",
        "hist",
        "boxplot",
        "scatter",
        "imshow",
        "bar",
        "barh",
        "pie",
        "contour",
        "contourf",
        "pcolormesh",
        "fill_between",
        "errorbar",
        "set_title",
        "set_xlabel",
        "set_ylabel",
        "set_xlim",
        "set_ylim",
        "set_xticks",
        "set_yticks",
        "set_xticklabels",
        "set_yticklabels",
        "legend",
        "tight_layout",
        "savefig",
        "suptitle",
        "add_subplot",
        "subplots_adjust",
        "axhline",
        "axvline",
        "annotate",
        "colorbar",
        "heatmap",
    }
)
# Bare calls of names imported from pyplot (`from matplotlib.pyplot import plot`).
_DRAWING_FUNCTIONS = frozenset({"plot", "hist", "scatter", "imshow", "subplots", "figure", "show", "bar"})
_MODELS = re.compile(
    r"\.(fit|predict|predict_proba|score|partial_fit|decision_function)\(|\bcross_val\w*\(|\b\w*Search\w*CV\(|"
    r"\btrain_test_split\(|\b(mean_\w+_error|\w+_score|confusion_matrix|classification_report)\("
)
_FEATURES = re.compile(
    r"\bget_dummies\(|\w+(Encoder|Scaler|Vectorizer|Imputer|Transformer|Features|Binarizer|Discretizer)\(|"
    r"\.fit_transform\(|\bPCA\("
)
_LOADS = re.compile(
    r"\bread_\w+\(|\bopen\(|\bload\w*\(|\bloadtxt\(|\bgenfromtxt\(|\bfetch_\w+\(|\.read_text\(|\.read_bytes\("
)
_TRANSFORMS = re.compile(
    r"\.(dropna|fillna|drop|drop_duplicates|merge|join|rename|astype|replace|apply|map|groupby|pivot\w*|melt|"
    r"query|assign|sort_values|reset_index|set_index|concat|str\.\w+)\(|\bconcat\(|\]\s*="
)

_DEFINITION_TRANSFORMS = re.compile(_TRANSFORMS.pattern.removesuffix(r"|\]\s*="))
# A step that rebinds a frame to part of itself (`df = df[df.a > 0]`, `df = df[["a", "b"]]`).
_NARROWS = re.compile(r"^(\w+) = \1\[", re.M)
# What makes a table: a pandas constructor (`pd.DataFrame(raw_data)`).
_TABLES = re.compile(r"\b(DataFrame|Series)(\.from_\w+)?\(")

_HEADING_MODULES = (
    (("feature", "encod", "engineer"), "features"),
    (("model", "train", "fit", "predict", "evaluat", "score", "metric"), "models"),
    (("load", "read", "download", "dataset"), "data"),
    (("clean", "prepar", "preprocess", "transform", "wrangl", "filter"), "preprocess"),
)


@lru_cache(maxsize=CACHED_PER_NOTEBOOK)  # a segment's code is asked by its name, its step, its module
def draws(code: str) -> bool:
    """Whether code makes or changes a figure: a call of a plotting module (`plt.bar`,
    `sns.histplot`), a method of a figure or its axes (`ax.set_title`, not the getters
    `fig.canvas.get_supported_filetypes()`), or a drawing method of anything (`df.plot()`)."""
    return any(_draws(parts) for parts in _calls(code))


def _draws(parts: tuple[str, ...]) -> bool:
    head, last = parts[0], parts[-1]
    if last.startswith("plot_"):
        return True  # `plot_tree(model)`, `plot_confusion_matrix(...)`, a notebook's `plot_history(h)`
    if len(parts) == 1:
        return head in _DRAWING_FUNCTIONS
    if head.endswith("Display") and last.startswith("from_"):
        return True  # scikit-learn's `ConfusionMatrixDisplay.from_predictions(...)`, `RocCurveDisplay...`
    if head in _PLOT_MODULES:
        return not (set(parts[1:]) & _NOT_DRAWING or "rcParams" in parts or "style" in parts)
    if _FIGURE_NAMES.match(head) and not last.startswith("get_") and "canvas" not in parts:
        return True
    return last in _DRAWING_METHODS


def _calls(code: str) -> list[tuple[str, ...]]:
    """Each call's dotted name: `plt.plot` -> ("plt", "plot"), `axes[0].set_title` ->
    ("axes", "set_title"), `df.groupby(k).plot()` -> ("", "plot")."""
    try:
        tree = read_tree(code)
    except SyntaxError:
        return []
    found = []
    for node in nodes_of(tree):
        if isinstance(node, ast.Call):
            parts: list[str] = []
            func = node.func
            while isinstance(func, (ast.Attribute, ast.Subscript)):
                if isinstance(func, ast.Attribute):
                    parts.append(func.attr)
                func = func.value
            parts.append(func.id if isinstance(func, ast.Name) else "")
            found.append(tuple(reversed(parts)))
    return found


@lru_cache(maxsize=16)  # asked by content, then by what a step makes (`_builds_data`), of one code
def _code_only(code: str) -> str:
    """The code without its comments and the text of its strings, which say nothing of
    what it does (`# we .plot( later`, `"fit("`)."""
    try:
        tree = parse_quietly(code)
    except SyntaxError:
        return code
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            node.value = ""
    return ast.unparse(tree)


def choose_module(run: Iterable[Segment], heading: str | None) -> str:
    """The module a step belongs in: by what its code does, the heading breaking a tie."""
    segments = list(run)
    tagged = cell_tag(segments, "module")
    if tagged:
        return tagged
    code = "".join(s.source for s in segments)
    by_content = _content_module(code)
    if by_content:
        return by_content
    if any(s.facts.mutates for s in segments):
        return "preprocess"
    return _heading_module(heading) or ("data" if _builds_data(code) else "utils")


def name_definition_module(segment: Segment) -> str:
    """The module a notebook function or class moves to (by what it does, else `utils`)."""
    tagged = cell_tag([segment], "module")
    if tagged:
        return tagged
    return _estimator_module(segment.source) or _content_module(segment.source, definition=True) or "utils"


def _estimator_module(code: str) -> str | None:
    """A class written as a scikit-learn transformer (`fit` and `transform`) builds
    features; one with `fit` and `predict` is a model."""
    try:
        tree = read_tree(code)
    except SyntaxError:
        return None
    classes = [node for node in tree.body if isinstance(node, ast.ClassDef)]
    methods = {item.name for node in classes for item in node.body if isinstance(item, ast.FunctionDef)}
    if {"fit", "transform"} <= methods:
        return "features"
    if {"fit", "predict"} <= methods:
        return "models"
    return None


def _content_module(code: str, definition: bool = False) -> str | None:
    """By what the code does. A helper's `out[i] = v` fills its own array: only steps
    count a subscript assignment as changing the data (`df["a"] = ...`)."""
    if draws(code):
        return "plots"
    text = _code_only(code).replace("''.join(", "(")  # joining strings transforms no data
    transforms = _DEFINITION_TRANSFORMS if definition else _TRANSFORMS
    for pattern, module in (
        (_MODELS, "models"),
        (_FEATURES, "features"),
        (_LOADS, "data"),
        (transforms, "preprocess"),
    ):
        if pattern.search(text):
            return module
    return None if definition or not _NARROWS.search(text) else "preprocess"


def _builds_data(code: str) -> bool:
    """Whether a step that reads and changes nothing makes the notebook's data: a table
    written out as literals and bound to a name (`raw = {"name": [...], "hp": [...]}`,
    rows of lists or dicts) or a pandas constructor (`pd.DataFrame(raw)`)."""
    try:
        tree = read_tree(code)
    except SyntaxError:
        return False
    tables = (
        node.value
        for node in tree.body
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
    )
    return any(map(_is_table, tables)) or bool(_TABLES.search(_code_only(code)))


def _is_table(node: ast.expr) -> bool:
    """Two columns or more of literals, of one length of at least two (a dict of lists), or
    two rows or more of literals (a list of lists or dicts)."""
    if isinstance(node, ast.Dict):
        columns = [v for k, v in zip(node.keys, node.values, strict=True) if isinstance(k, ast.Constant)]
        lengths = {len(c.elts) if isinstance(c, (ast.List, ast.Tuple)) else -1 for c in columns}
        return len(columns) == len(node.keys) >= 2 and len(lengths) == 1 and min(lengths) >= 2 and _literal(node)
    if isinstance(node, (ast.List, ast.Tuple)):
        rows = node.elts
        return (
            len(rows) >= 2 and all(isinstance(row, (ast.List, ast.Tuple, ast.Dict)) for row in rows) and _literal(node)
        )
    return False


def _literal(node: ast.expr) -> bool:
    """Whether the display holds only literals (`-1` and `None` included)."""
    try:
        ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


def _heading_module(heading: str | None) -> str | None:
    """The module a heading names (never `plots`: only drawing makes a figure)."""
    if not heading:
        return None
    lowered = heading.lower()
    for stems, module in _HEADING_MODULES:
        if any(stem in lowered for stem in stems):
            return module
    return None


def cell_tag(segments: list[Segment], key: str) -> str | None:
    """`nb2pkg:module=NAME` / `nb2pkg:name=FUNC` on any of the step's cells; module names
    are taken as they are (the analysis checked them, see `nb2pkg.tags`)."""
    if key == "module":
        return next((name for s in segments if (name := module_tag(s.cell)) is not None), None)
    prefix = f"nb2pkg:{key}="
    for segment in segments:
        for tag in segment.cell.tags:
            if tag.startswith(prefix) and tag[len(prefix) :].strip():
                return tag[len(prefix) :].strip()
    return None
