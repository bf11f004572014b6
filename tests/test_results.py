"""What stays in the summary notebook as a result (plan/results.py, plan/purity.py): one
table row per rule, with the cases that must not change beside those that do."""

from __future__ import annotations

import libcst as cst
import pytest

from nb2pkg.plan import Kept, Step, build_plan
from nb2pkg.plan.purity import computes_only
from test_plan import segments_of

IMPORTS = "import matplotlib.pyplot as plt\nimport numpy as np\nimport pandas as pd\nimport random\nfrom sklearn import metrics"
LIBRARIES = {"np": "numpy", "pd": "pandas", "random": "random", "metrics": "sklearn.metrics"}

# (expression, whether it only computes)
PURITY = [
    ("metrics.roc_auc_score(y, p)", True),
    ("pd.merge(a, b).head()", True),
    ("df.groupby('a')['b'].mean()", True),
    ("round(df.age.mean())", True),
    ("np.round(p[:4], 2)", True),
    ("model.predict(X)", True),
    ("np.random.rand(3)", False),  # the generator's state moves on
    ("random.random()", False),
    ("xs.pop()", False),  # changes its receiver
    ("df.drop('a', inplace=True)", False),
    ("df.to_csv('out.csv')", False),  # writes a file
    ("helper(df)", False),  # a notebook function may do anything
    ("np.fill_diagonal(m, 0)", False),  # changes its argument
    ("pd.set_option('mode.chained_assignment', None)", False),  # a library setting
    ("w.add_(1)", False),  # in place, in PyTorch's spelling
    ("(n := len(xs))", False),  # binds a name
    ("open('f').read()", False),
    ("df.sample(3)", False),  # draws from NumPy's generator
    ("df.groupby('a').sample(1)", False),
    ("df.sample(3, random_state=0)", True),
]


@pytest.mark.parametrize(("source", "pure"), PURITY, ids=[case[0] for case in PURITY])
def test_computes_only(source: str, pure: bool) -> None:
    assert computes_only(cst.parse_expression(source), LIBRARIES, frozenset()) is pure


# (id, cells after the imports, the role of every segment after the imports' own)
ROLES = [
    ("a metric alone is a display", ["y, p = [0, 1], [0.2, 0.7]", "metrics.roc_auc_score(y, p)"], ("code", "display")),
    (
        "a print of a metric alone",
        ["y, p = [0, 1], [0.2, 0.7]", "print(metrics.roc_auc_score(y, p))"],
        ("code", "display"),
    ),
    ("a sample draws: a step of its own", ["df = pd.DataFrame({'a': [1, 2]})", "df.sample(1)"], ("code", "code")),
    (
        "a seeded sample only shows",
        ["df = pd.DataFrame({'a': [1, 2]})", "df.sample(1, random_state=0)"],
        ("code", "display"),
    ),
    (
        "a print after code stays in the step",
        ["y, p = [0, 1], [0.2, 0.7]\nprint(metrics.roc_auc_score(y, p))"],
        ("code",),
    ),
    (
        "a metric ending a cell is shown",
        ["y = [0, 1]\np = [0.2, 0.7]\nmetrics.roc_auc_score(y, p)"],
        ("code", "display"),
    ),
    ("random numbers are computation", ["xs = [1]\nnp.random.rand(3)"], ("code",)),
    ("a notebook function is computation", ["def f(v):\n    return v", "xs = [1]\nf(xs)"], ("definition", "code")),
    ("a hidden value is no result", ["xs = [1]", "np.mean(xs);"], ("code", "code")),
    ("a hidden drawing still draws", ["xs = [1]", "plt.plot(range(3), xs * 3);"], ("code", "display")),
    (
        "a long expression is computation",
        ["xs = [1]", "pd.DataFrame(\n    {\n        'a': xs,\n    }\n)"],
        ("code", "code"),
    ),
    (
        "a preview of a computed value splits",
        ["a = pd.DataFrame({'k': [1]})\npd.merge(a, a).head()"],
        ("code", "display"),
    ),
    ("a preview alone stays whole", ["a = pd.DataFrame({'k': [1]})", "pd.merge(a, a).head()"], ("code", "display")),
    ("a display setting", ["pd.set_option('display.max_rows', 10)"], ("display",)),
    ("a display option assigned", ["pd.options.display.precision = 2\nxs = [1]"], ("display", "code")),
    ("print options", ["np.set_printoptions(precision=3)"], ("display",)),
    (
        "another pandas option is a session setting (config.setup)",
        ["pd.set_option('mode.copy_on_write', True)"],
        ("session",),
    ),
    (
        "a timed metric stays a step",
        ["y, p = [0, 1], [0.2, 0.7]", "%time metrics.roc_auc_score(y, p)"],
        ("code", "code"),
    ),
]


@pytest.mark.parametrize(("cells", "roles"), [case[1:] for case in ROLES], ids=[case[0] for case in ROLES])
def test_roles(cells: list[str], roles: tuple[str, ...]) -> None:
    segments = segments_of(IMPORTS, *cells)
    assert tuple(s.role for s in segments[1:]) == roles


def test_a_preview_of_a_computed_value_is_returned_and_previewed() -> None:
    segments = segments_of(IMPORTS, "a = pd.DataFrame({'k': [1]})\nb = a.copy()\npd.merge(a, b).head(3)")
    assert [s.source for s in segments[1:]] == [
        "a = pd.DataFrame({'k': [1]})\nb = a.copy()\nmerged = pd.merge(a, b)\n",
        "merged.head(3)\n",
    ]
    step = build_plan(segments).steps[0]
    assert step.returns == ("merged",) and not step.shows_value
    assert [s.source for s in step.shows] == ["merged.head(3)\n"]


def test_the_preview_name_is_new_to_the_notebook() -> None:
    cells = ["merged = 1\nprint(merged)", "a = pd.DataFrame({'k': [1]})\npd.concat([a, a]).info()"]
    segments = segments_of(IMPORTS, *cells)
    assert segments[-1].source == "combined.info()\n"  # `.info()` prints: it is split too
    cells[1] = "a = pd.DataFrame({'k': [1]})\npd.merge(a, a).shape"
    assert segments_of(IMPORTS, *cells)[-1].source == "merged_2.shape\n"


def test_a_metric_cell_leaves_no_step_and_the_step_before_returns_what_it_reads() -> None:
    plan = build_plan(segments_of(IMPORTS, "y = [0, 1]\np = [0.2, 0.7]", "metrics.roc_auc_score(y, p)"))
    assert [type(item).__name__ for item in plan.items] == ["Step", "Kept"]
    step = plan.steps[0]
    assert isinstance(step, Step) and step.returns == ("y", "p")
    last = plan.items[-1]
    assert isinstance(last, Kept) and last.segment.role == "display"


def test_a_name_the_notebook_defines_is_not_a_library_function() -> None:
    """`from math import no_such as scaled`, then `def scaled(v)` when the import fails:
    `print(scaled(16))` calls the notebook's function, which may do anything."""
    cells = [
        "try:\n    from math import no_such as scaled\nexcept ImportError:\n    def scaled(v):\n        return v",
        "print(scaled(16))",
    ]
    assert [s.role for s in segments_of(*cells)][-1] == "code"


# (the cell's last line, the name its previewed value gets)
PREVIEW_NAMES = [
    ("pd.merge(a, a).head()", "merged"),
    ("pd.concat([a, a]).tail(2)", "combined"),
    ("a.groupby('k').sum().describe()", "grouped"),
    ("np.concatenate([a.k, a.k]).shape", "stacked"),
    ("a.assign(j=1).dtypes", "frame"),
]


@pytest.mark.parametrize(("line", "name"), PREVIEW_NAMES, ids=[case[0] for case in PREVIEW_NAMES])
def test_the_preview_name_says_what_was_computed(line: str, name: str) -> None:
    segments = segments_of(IMPORTS, f"a = pd.DataFrame({{'k': [1]}})\n{line}")
    assert segments[-1].source.split(".")[0] == name
