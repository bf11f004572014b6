"""Session settings: the statements that set up how the rest of the notebook runs
(styles, seeds, warnings filters, pandas' non-display options), which move out of the
steps into `config.setup()`. The summary notebook calls it once after its imports, and
`pipeline.run()` calls it first.

What counts: `plt.style.use`, `sns.set` / `set_theme` / `set_style` / `set_context` /
`set_palette`, `matplotlib.rc`, `rcParams[...] = ...` and `rcParams.update(...)`
(figures); `np.random.seed`, `random.seed`, `tf.random.set_seed`, `torch.manual_seed`
(random numbers); `warnings.filterwarnings` / `simplefilter`; `pd.set_option` of a
`mode.`, `future.` or `compute.` option and `pd.options.mode... = ...` (pandas). Display
options (`display.max_columns`) are not session settings here: they stay in the notebook.
Each is recognised through the notebook's imports (`np` is `numpy`), and only when its
arguments are literals, builtins, imported names or config constants.

The rule that keeps behaviour: `setup()` runs before every step, so a setting may move
there only if nothing it affects ran before it in the notebook. A seed or a style moves
while the code before it is only imports, constants, definitions, notebook settings and
reads that draw neither random numbers nor figures (`df = pd.read_csv(...)`, a
subscript); a warnings filter or a pandas option moves only while no computation at all
ran before it (a read can warn, and an option can change what it reads). The first
setting that cannot move, and everything after it, stays where it is, in its step: a
re-seed in the middle of the notebook re-seeds there, and the order of the random draws
never changes. A setting whose value the notebook showed (the last line of a cell, not
ended by `;`, of a call that returns something: `torch.manual_seed`) stays too, and so do
the settings of cells under `%%time` or `%time`, and of cells that read names dynamically.

`%env NAME=VALUE` (or `%set_env`) stays a notebook setting, run by the summary's first
cell, and sets the variable in `setup()` too (`os.environ`), so that `python -m` runs
with it; not when its value expands a notebook name (`$n`, `{n}`).
"""

from __future__ import annotations

import ast
import builtins
import re
from dataclasses import dataclass, replace

import libcst as cst

from nb2pkg.analysis import code_of, parse
from nb2pkg.plan.files import nodes_of, read_tree
from nb2pkg.plan.model import Role, Segment

_RANDOM = frozenset(
    {
        "numpy.random.seed",
        "random.seed",
        "tensorflow.random.set_seed",
        "tensorflow.set_random_seed",
        "tensorflow.keras.utils.set_random_seed",
        "keras.utils.set_random_seed",
    }
)
# Seeds that return a value the notebook may have shown (`<torch._C.Generator ...>`).
_RANDOM_WITH_VALUE = frozenset({"torch.manual_seed", "torch.cuda.manual_seed", "torch.cuda.manual_seed_all"})
_FIGURES = frozenset(
    {
        "matplotlib.pyplot.style.use",
        "matplotlib.style.use",
        "matplotlib.rc",
        "matplotlib.pyplot.rc",
        "matplotlib.rcParams.update",
        "matplotlib.pyplot.rcParams.update",
        "seaborn.set",
        "seaborn.set_theme",
        "seaborn.set_style",
        "seaborn.set_context",
        "seaborn.set_palette",
    }
)
_WARNINGS = frozenset({"warnings.filterwarnings", "warnings.simplefilter"})
_RC_PARAMS = frozenset({"matplotlib.rcParams", "matplotlib.pyplot.rcParams"})
_PANDAS_OPTION_PREFIXES = ("mode.", "future.", "compute.")
# Calls that neither draw random numbers nor make figures: reading files, a few builtins.
_INERT_CALLS = frozenset(
    {"open", "print", "len", "range", "list", "dict", "tuple", "set", "sorted", "str", "int", "float", "Path"}
    | {"parse", "mkdir", "makedirs"}  # version checks (`assert version.parse(...) >= ...`), output folders
)
_INERT_PREFIXES = ("read_", "os.path.", "load_dataset")


@dataclass(frozen=True)
class Opening:
    """What ran so far in the notebook, as far as moving a setting to `setup()` goes."""

    computed: bool = False  # any computation: warnings filters and pandas options stay
    drawn: bool = False  # computation that may draw random numbers or figures: seeds and styles stay
    constants: frozenset[str] = frozenset()  # config constants so far, which setup() may read

    def closed(self) -> Opening:
        return replace(self, computed=True, drawn=True)


def session_roles(
    parts: list[tuple[Role, cst.BaseStatement]],
    imports: dict[str, str],
    opening: Opening,
    hidden: bool,
) -> list[tuple[Role, cst.BaseStatement]]:
    """The cell's statement roles with its movable settings as "session". `hidden`: the
    cell's last value is not shown (`;`)."""
    done: list[tuple[Role, cst.BaseStatement]] = []
    last = len(parts) - 1
    for position, (role, statement) in enumerate(parts):
        code = code_of(statement)
        if role in ("code", "display"):
            kind = setting_kind(code, imports, opening.constants)
            shows = position == last and not hidden and kind == "random-value"
            if kind and not shows and not _blocked(kind, opening):
                role = "session"
        opening = advance(opening, role, code)
        done.append((role, statement))
    return done


def opening_after(opening: Opening, segments: list[Segment]) -> Opening:
    """What has run once a cell's segments have."""
    for segment in segments:
        if segment.role in ("display", "kept") and not segment.statements:
            opening = opening.closed()  # a whole cell shown or kept as it is: anything may run
        for statement in segment.statements:
            opening = advance(opening, segment.role, code_of(statement))
    return opening


def advance(opening: Opening, role: Role, code: str) -> Opening:
    """What has run after one more statement of the notebook, of that role."""
    if role == "constant":
        return replace(opening, constants=opening.constants | _assigned(code))
    if role in ("code", "display", "kept"):
        # a setting that stays sets where it is: the settings after it stay after it
        return replace(opening, computed=True, drawn=opening.drawn or not _inert(code))
    return opening  # imports, definitions, notebook settings, moved settings run nothing


def _blocked(kind: str, opening: Opening) -> bool:
    if kind in ("warnings", "pandas"):
        return opening.computed
    return opening.drawn


def setting_kind(code: str, imports: dict[str, str], constants: frozenset[str] = frozenset()) -> str:
    """ "random", "random-value", "figures", "warnings" or "pandas" for a session setting
    statement, "" for anything else."""
    try:
        tree = read_tree(code)
    except SyntaxError:
        return ""
    if len(tree.body) != 1:
        return ""
    node = tree.body[0]
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
        return _call_kind(node.value, imports, constants)
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and _plain(node.value, imports, constants):
        return _assignment_kind(node.targets[0], imports)
    return ""


def _call_kind(call: ast.Call, imports: dict[str, str], constants: frozenset[str]) -> str:
    name = _resolved(call.func, imports)
    values = [*call.args, *(k.value for k in call.keywords)]
    if not name or not all(_plain(v, imports, constants) for v in values):
        return ""
    if name in _RANDOM:
        return "random"
    if name in _RANDOM_WITH_VALUE:
        return "random-value"
    if name in _FIGURES:
        return "figures"
    if name in _WARNINGS:
        return "warnings"
    if name == "pandas.set_option" and call.args:
        first = call.args[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            return "pandas" if first.value.startswith(_PANDAS_OPTION_PREFIXES) else ""
    return ""


def _assignment_kind(target: ast.expr, imports: dict[str, str]) -> str:
    """`plt.rcParams["figure.figsize"] = (8, 4)`, `pd.options.mode.chained_assignment = None`."""
    if isinstance(target, ast.Subscript) and _resolved(target.value, imports) in _RC_PARAMS:
        key = target.slice
        return "figures" if isinstance(key, ast.Constant) and isinstance(key.value, str) else ""
    name = _resolved(target, imports) if isinstance(target, ast.Attribute) else ""
    if any(name.startswith(f"pandas.options.{prefix}") for prefix in _PANDAS_OPTION_PREFIXES):
        return "pandas"
    return ""


def _resolved(node: ast.expr, imports: dict[str, str]) -> str:
    """`np.random.seed` -> "numpy.random.seed", through the notebook's imports; "" when
    the name is not imported."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name) or node.id not in imports:
        return ""
    return ".".join([imports[node.id], *reversed(parts)])


def _plain(node: ast.expr, imports: dict[str, str], constants: frozenset[str]) -> bool:
    """Whether a value reads only literals, builtins, imported modules and constants."""
    names = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
    if any(isinstance(n, (ast.Call, ast.NamedExpr, ast.Lambda)) for n in ast.walk(node)):
        return False
    return all(n in imports or n in constants or hasattr(builtins, n) for n in names)


def _assigned(code: str) -> frozenset[str]:
    tree = read_tree(code)
    return frozenset(
        t.id for node in tree.body if isinstance(node, ast.Assign) for t in node.targets if isinstance(t, ast.Name)
    )


def _inert(code: str) -> bool:
    """Whether a statement surely draws no random number and makes no figure: a simple
    statement whose calls only read files or are harmless builtins (`df = pd.read_csv(p)`)."""
    try:
        tree = read_tree(code)
    except SyntaxError:
        return False
    if not all(isinstance(node, (ast.Assign, ast.Expr, ast.AnnAssign, ast.Assert)) for node in tree.body):
        return False
    for node in nodes_of(tree):
        if isinstance(node, ast.Call):
            name = _dotted(node.func)
            last = name.rsplit(".", 1)[-1]
            if last not in _INERT_CALLS and not last.startswith(_INERT_PREFIXES) and not name.startswith("os.path."):
                return False
    return True


def _dotted(node: ast.expr) -> str:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    parts.append(node.id if isinstance(node, ast.Name) else "")
    return ".".join(reversed(parts))


# `%env FOO=bar`, `%env FOO bar`, `%set_env FOO=bar`: split as IPython's `set_env` splits them.
_ENVIRONMENT = re.compile(r"%(?:set_)?env\s+(.*)")


def environment_setting(segment: Segment) -> Segment | None:
    """The notebook setting segment's `%env` lines as a session setting of `os.environ`,
    or None when it sets no variable that way."""
    assignments = []
    for line in segment.source.splitlines():
        found = _ENVIRONMENT.fullmatch(line.strip())
        if found is None or "$" in found.group(1) or "{" in found.group(1):
            continue
        parameter = found.group(1)
        name, _, value = (part.strip() for part in parameter.partition("=" if "=" in parameter else " "))
        if name.isidentifier() and value:
            assignments.append(f"os.environ[{name!r}] = {value!r}  # %env {name}={value}\n")
    if not assignments:
        return None
    code = "".join(assignments)  # setup() imports os for it (render.scaffold)
    return replace(segment, role="session", source=code, statements=tuple(parse(code).body))
