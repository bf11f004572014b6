"""What bench/refactor_quality.py counts in a generated project, read off its files
with `ast` and JSON only (no nb2pkg import), so the figures check nb2pkg rather than
restate it. Pure functions: module texts and notebook texts in, counts out.

What is measured, and the rule for each:

- functions: top-level `def`/`async def` of the package modules `src/<package>/*.py`,
  less the scaffolding every project has (`__init__`, `__main__`, `pipeline`, `config`)
  and the user's local modules copied as they are. Methods are not counted.
- clones left: functions equal to an EARLIER function of the same project once
  normalized: the function's name and docstring dropped, every local name (parameters,
  assigned names, other functions, module constants) renamed to a placeholder in order
  of first occurrence, and every literal replaced by its type. Kept as they are:
  attribute names, keyword names at call sites, builtins and the names the module
  imports (`plt`, `pd`, `train_test_split`), so `plt.xlabel` vs `plt.ylabel` or `np.sum`
  vs `len` are different code. A group of 9 equal functions leaves 8 clones.
- numbered names: the name ends in `_<digits>`.
- one-call wrappers: the body (docstring excluded) is `return CALL`, `CALL` as an
  expression statement, `NAME = CALL` alone, or `NAME = CALL` then `return NAME`, where
  the statement holds exactly one call and no lambda or comprehension
  (`return metrics.roc_auc_score(y, p)` counts; `return df.merge(o).head()` does not).
- over 6 parameters: more than 6 parameters of any kind (`*args`, `**kw` included).
- plot modules: `plots`, `figures`, `plotting`, `viz`, `visualization`, `charts`.
- plots that draw nothing: a plot-module function none of whose calls draws. A call draws
  when its function is reached from a name imported from matplotlib, seaborn, plotly,
  bokeh or altair; or names an attribute of the drawing vocabulary below anywhere in its
  dotted path (`df.plot.barh`, `ax.set_title`, `housing.hist`); or calls a project
  function that draws (to a fixpoint); or is made on a name conventionally bound to
  axes or a figure; a settings call (below) does not draw. (`show` is not in the
  vocabulary: `spark_df.show()` prints.)
- drawing outside the plot modules: functions of the other modules that draw, by the
  same rule.
- plot functions returning an artist: a plot-module function that returns a call (or a
  name assigned from one just before) whose method is in the artist vocabulary below
  or starts with `set_`, made on a drawing library or on a name conventionally bound to
  axes or a figure (`ax`, `axes2`, `fig`, `train_ax`): `return plt.xlabel("x")`,
  `return ax.set_title(t)`; not `return fig` nor `return df.plot()` (an Axes).
- settings hidden in functions: calls, in any package function (config's included) other
  than one named `setup` (and config's `work_in_notebook_folder`, nb2pkg's own: it shows
  the package's deprecation warnings in the summary), to `style.use`, `seaborn.set*`, `numpy.random.seed`,
  `random.seed`, `pandas.set_option`, `warnings.filterwarnings`/`simplefilter`,
  `matplotlib.rc`/`pyplot.rc`, `rcParams.update`, `torch.manual_seed`,
  `tensorflow.random.set_seed`, `set_matplotlib_formats`; and assignments to
  `rcParams[...]` or `pandas.options.*`.
  Names are resolved through the module's imports (`sns` -> `seaborn`).
- previews returned: a function that returns `X.head()`, `.tail()`, `.describe()`,
  `.value_counts()`, `.sample()` or `.info()` (the preview belongs in the summary).
- code lines: non-blank lines of code cells that are not comments (magics count), of
  the summary notebook and of the original; the ratio per notebook, the median ratio,
  and how many summaries are longer than their notebooks.
"""

from __future__ import annotations

import ast
import builtins
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

# config functions nb2pkg writes for the summary, not the notebook's settings
CONFIG_SCAFFOLDING = frozenset({"setup", "work_in_notebook_folder"})
SCAFFOLDING = frozenset({"__init__", "__main__", "pipeline", "config"})
PLOT_MODULES = frozenset({"plots", "figures", "plotting", "viz", "visualization", "charts"})
DRAWING_LIBRARIES = ("matplotlib", "seaborn", "plotly", "bokeh", "altair")
CONVENTIONAL = {"plt": "matplotlib.pyplot", "mpl": "matplotlib", "sns": "seaborn", "np": "numpy", "pd": "pandas"}


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Artist-making calls: what `return plt.xlabel(...)` hands back is the label, not a figure.
ARTIST_METHODS = _words(
    "xlabel ylabel title suptitle legend plot scatter bar barh hist text annotate axhline axvline "
    "axhspan axvspan imshow matshow colorbar fill_between errorbar pie boxplot violinplot stem step "
    "contour contourf pcolormesh quiver hexbin stackplot xticks yticks grid figtext"
)
DRAWING_METHODS = ARTIST_METHODS | _words(
    "figure subplots subplot add_subplot savefig tight_layout xlim ylim xscale yscale "
    "heatmap pairplot countplot barplot boxenplot lineplot scatterplot histplot kdeplot displot "
    "distplot catplot relplot lmplot regplot jointplot stripplot swarmplot pointplot clustermap "
    "scatter_matrix area kde density line draw draw_networkx tick_params"
)
PREVIEW_METHODS = _words("head tail describe value_counts sample info")
SEED_CALLS = frozenset(
    {
        "numpy.random.seed",
        "random.seed",
        "pandas.set_option",
        "warnings.filterwarnings",
        "warnings.simplefilter",
        "matplotlib.rc",
        "matplotlib.pyplot.rc",
        "torch.manual_seed",
        "tensorflow.random.set_seed",
    }
)
NUMBERED = re.compile(r"_\d+$")
AXES_NAME = re.compile(r"^(ax|axs|axes|fig|figure)\d*$|_(ax|fig)$")


@dataclass(frozen=True)
class Module:
    """One generated module: its name (`plots`) and source text."""

    name: str
    text: str


@dataclass
class Figures:
    """What one project (or the corpus, added up) counts."""

    functions: int = 0
    clones: int = 0
    numbered: int = 0
    wrappers: int = 0
    many_parameters: int = 0
    plot_functions: int = 0
    plots_not_drawing: int = 0
    drawing_elsewhere: int = 0
    artist_returns: int = 0
    hidden_settings: int = 0
    previews: int = 0
    summary_lines: int = 0
    original_lines: int = 0
    clone_groups: list[list[str]] = field(default_factory=list)

    def add(self, other: Figures) -> None:
        for name, value in vars(other).items():
            if isinstance(value, int):
                setattr(self, name, getattr(self, name) + value)
        self.clone_groups.extend(other.clone_groups)


# --- names and calls ---------------------------------------------------------------


def import_table(tree: ast.Module) -> dict[str, str]:
    """Name bound by an import -> the dotted thing it names (`plt` -> `matplotlib.pyplot`)."""
    table: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                table[alias.asname or alias.name.split(".")[0]] = (
                    alias.name if alias.asname else alias.name.split(".")[0]
                )
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                table[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return table


def chain(node: ast.expr) -> tuple[str | None, list[str]]:
    """The root name and attribute names of a callee, looking through subscripts and
    calls: `axes[0].plot` -> ("axes", ["plot"]), `df.plot.barh` -> ("df", ["plot", "barh"])."""
    parts: list[str] = []
    while True:
        if isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Subscript):
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        else:
            return (node.id if isinstance(node, ast.Name) else None), parts[::-1]


def dotted(node: ast.expr, imports: dict[str, str]) -> str | None:
    """`plt.style.use` -> `matplotlib.pyplot.style.use`, through the module's imports
    (or the conventional aliases); None when the callee is not rooted at a name."""
    root, parts = chain(node)
    if root is None:
        return None
    return ".".join([imports.get(root) or CONVENTIONAL.get(root, root), *parts])


def is_drawing_root(root: str | None, imports: dict[str, str]) -> bool:
    """A name bound to a drawing library, or conventionally to a figure or axes."""
    if root is None:
        return False
    resolved = imports.get(root) or CONVENTIONAL.get(root, "")
    return resolved.split(".")[0] in DRAWING_LIBRARIES or bool(AXES_NAME.search(root))


def calls(node: ast.AST) -> Iterator[ast.Call]:
    return (child for child in ast.walk(node) if isinstance(child, ast.Call))


def functions(tree: ast.Module) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    return [node for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]


def body_without_docstring(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.stmt]:
    body = function.body
    first = body[0] if body else None
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
        return body[1:]
    return body


# --- the figures of one function or project ------------------------------------------


class _Normalizer(ast.NodeTransformer):
    """Renames local names to placeholders in order of first occurrence and literals to
    their type; builtins and imported names stay (they say which library is called)."""

    def __init__(self, keep: frozenset[str]) -> None:
        self.keep = keep
        self.names: dict[str, str] = {}

    def rename(self, name: str) -> str:
        return name if name in self.keep else self.names.setdefault(name, f"v{len(self.names)}")

    def visit_Name(self, node: ast.Name) -> ast.Name:
        node.id = self.rename(node.id)
        return node

    def visit_arg(self, node: ast.arg) -> ast.arg:
        node.arg = self.rename(node.arg)
        self.generic_visit(node)
        return node

    def visit_Constant(self, node: ast.Constant) -> ast.Constant:
        return ast.Constant(value=f"<{type(node.value).__name__}>")

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.FunctionDef:  # a nested def
        node.name = self.rename(node.name)
        self.generic_visit(node)
        return node

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.ClassDef:
        node.name = self.rename(node.name)
        self.generic_visit(node)
        return node

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> ast.ExceptHandler:
        node.name = node.name and self.rename(node.name)
        self.generic_visit(node)
        return node


def clone_key(function: ast.FunctionDef | ast.AsyncFunctionDef, imports: dict[str, str]) -> str:
    """The function's code up to names and literals (see the module docstring)."""
    copy = ast.parse(ast.unparse(function)).body[0]
    assert isinstance(copy, (ast.FunctionDef, ast.AsyncFunctionDef))
    copy.name = ""
    copy.body = body_without_docstring(copy) or [ast.Pass()]
    normalizer = _Normalizer(frozenset(dir(builtins)) | frozenset(imports))
    normalizer.generic_visit(copy)  # not visit(): the outer name is already gone
    return ast.dump(copy)


def clone_groups(named: list[tuple[str, str]]) -> list[list[str]]:
    """(label, key) in project order -> the groups of two or more with the same key."""
    groups: dict[str, list[str]] = {}
    for label, key in named:
        groups.setdefault(key, []).append(label)
    return [labels for labels in groups.values() if len(labels) > 1]


def is_one_call_wrapper(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    body = body_without_docstring(function)
    if len(body) == 2:
        first, last = body
        returns_it = (
            isinstance(first, ast.Assign)
            and len(first.targets) == 1
            and isinstance(first.targets[0], ast.Name)
            and isinstance(last, ast.Return)
            and isinstance(last.value, ast.Name)
            and last.value.id == first.targets[0].id
        )
        if not returns_it:
            return False
        body = [first]
    if len(body) != 1:
        return False
    statement = body[0]
    if isinstance(statement, ast.Assign) and not (
        len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name)
    ):
        return False
    if not isinstance(statement, (ast.Return, ast.Expr, ast.Assign)) or not isinstance(statement.value, ast.Call):
        return False
    nodes = list(ast.walk(statement))
    complex_parts = (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
    return sum(isinstance(node, ast.Call) for node in nodes) == 1 and not any(
        isinstance(n, complex_parts) for n in nodes
    )


def parameter_count(function: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    args = function.args
    return len(args.posonlyargs) + len(args.args) + len(args.kwonlyargs) + bool(args.vararg) + bool(args.kwarg)


def draws_itself(function: ast.AST, imports: dict[str, str]) -> bool:
    for call in calls(function):
        root, parts = chain(call.func)
        drawing = is_drawing_root(root, imports) or any(part in DRAWING_METHODS for part in parts)
        if drawing and not is_setting_call(call, imports):  # `plt.rc(...)` draws nothing
            return True
    return False


def drawing_functions(defined: dict[str, tuple[ast.AST, dict[str, str]]]) -> set[str]:
    """Project function names that draw, themselves or by calling one that does."""
    drawing = {name for name, (node, imports) in defined.items() if draws_itself(node, imports)}
    while True:
        more = {
            name
            for name, (node, _) in defined.items()
            if name not in drawing
            and any(isinstance(call.func, ast.Name) and call.func.id in drawing for call in calls(node))
        }
        if not more:
            return drawing
        drawing |= more


def is_artist_call(node: ast.expr | None, imports: dict[str, str]) -> bool:
    if not isinstance(node, ast.Call):
        return False
    root, parts = chain(node.func)
    if not parts or not is_drawing_root(root, imports):
        return False
    return parts[-1] in ARTIST_METHODS or parts[-1].startswith("set_")


def returns_artist(function: ast.FunctionDef | ast.AsyncFunctionDef, imports: dict[str, str]) -> bool:
    """`return plt.xlabel(...)`, anywhere in the body, or `x = ax.set_title(...); return x` at its end."""
    if any(isinstance(n, ast.Return) and is_artist_call(n.value, imports) for n in ast.walk(function)):
        return True
    body = function.body
    if len(body) >= 2 and isinstance(body[-1], ast.Return) and isinstance(body[-1].value, ast.Name):
        before = body[-2]
        return (
            isinstance(before, ast.Assign)
            and [ast.dump(target) for target in before.targets] == [ast.dump(ast.Name(body[-1].value.id, ast.Store()))]
            and is_artist_call(before.value, imports)
        )
    return False


def returns_preview(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """`return frame.head()` and the like: the summary should show the preview, the
    package return the frame."""
    return any(
        isinstance(node, ast.Return)
        and isinstance(node.value, ast.Call)
        and isinstance(node.value.func, ast.Attribute)
        and node.value.func.attr in PREVIEW_METHODS
        for node in ast.walk(function)
    )


def is_setting_call(call: ast.Call, imports: dict[str, str]) -> bool:
    path = dotted(call.func, imports) or ""
    library, _, rest = path.partition(".")
    return (
        path in SEED_CALLS
        or (library == "matplotlib" and (path.endswith(".style.use") or path.endswith("rcParams.update")))
        or (library == "seaborn" and rest.startswith("set") and "." not in rest)
        or path.endswith(".set_matplotlib_formats")  # IPython's inline figure format
    )


def hidden_settings(function: ast.AST, imports: dict[str, str]) -> int:
    """Session settings made inside `function` (see the module docstring)."""
    found = 0
    for node in ast.walk(function):
        if isinstance(node, ast.Call):
            found += is_setting_call(node, imports)
        elif isinstance(node, (ast.Assign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                path = dotted(target, imports) or ""
                found += (isinstance(target, ast.Subscript) and path.endswith("rcParams")) or (
                    isinstance(target, ast.Attribute) and path.startswith("pandas.options.")
                )
    return found


def code_lines(notebook_text: str) -> int:
    """Non-blank, non-comment lines of the code cells (a magic is a line). Read as JSON,
    not with nbformat, so that the v3 and slightly invalid notebooks nb2pkg accepts count."""
    notebook = json.loads(notebook_text)
    cells = notebook.get("cells") or [c for sheet in notebook.get("worksheets", []) for c in sheet.get("cells", [])]
    count = 0
    for cell in cells:
        if cell.get("cell_type") == "code":
            source = cell.get("source", cell.get("input", ""))
            text = "".join(source) if isinstance(source, list) else source
            count += sum(1 for line in text.splitlines() if line.strip() and not line.strip().startswith("#"))
    return count


def measure_project(modules: list[Module], summary: str, original: str) -> Figures:
    """The figures of one generated project: its package modules (scaffolding included:
    it is left out here), its summary notebook's text and the original notebook's."""
    figures = Figures(summary_lines=code_lines(summary), original_lines=code_lines(original))
    parsed = [(module.name, ast.parse(module.text)) for module in modules]
    defined: dict[str, tuple[ast.AST, dict[str, str]]] = {}
    keyed: list[tuple[str, str]] = []
    for name, tree in parsed:
        imports = import_table(tree)
        for function in functions(tree):
            if name == "config" and function.name not in CONFIG_SCAFFOLDING:
                figures.hidden_settings += hidden_settings(function, imports)
            if name in SCAFFOLDING:
                continue
            defined[function.name] = (function, imports)
            keyed.append((f"{name}.{function.name}", clone_key(function, imports)))
            figures.functions += 1
            figures.numbered += bool(NUMBERED.search(function.name))
            figures.wrappers += is_one_call_wrapper(function)
            figures.many_parameters += parameter_count(function) > 6
            figures.hidden_settings += hidden_settings(function, imports) if function.name != "setup" else 0
            figures.previews += returns_preview(function)
    drawing = drawing_functions(defined)
    for name, tree in parsed:
        if name in PLOT_MODULES:
            imports = import_table(tree)
            for function in functions(tree):
                figures.plot_functions += 1
                figures.plots_not_drawing += function.name not in drawing
                figures.artist_returns += returns_artist(function, imports)
        elif name not in SCAFFOLDING:
            figures.drawing_elsewhere += sum(function.name in drawing for function in functions(tree))
    figures.clone_groups = clone_groups(keyed)
    figures.clones = sum(len(group) - 1 for group in figures.clone_groups)
    return figures
