"""Step names and docstrings, one table row per rule (`plan.step_names`, `plan.vocabulary`,
`plan.docstrings`): the verb comes from what the code does, the rest from what it
produces; a heading names a step only when it names its code; a taken name gets a
distinguishing word before a number; `test_*` is never produced.

Each case is a small notebook: a string is a code cell, ("markdown", text) a markdown
cell. The assertions are about every step of the plan, in order."""

from __future__ import annotations

import json
import keyword
from pathlib import Path

import pytest

from nb2pkg.dataflow import build_dataflow
from nb2pkg.notebook import read_notebook_text
from nb2pkg.plan import Plan, build_plan, build_segments
from nb2pkg.plan.vocabulary import related
from nb2pkg.render import with_results_returned
from support import make_notebook

CellSpec = str | tuple[str, str]
PANDAS = "import pandas as pd"
SKLEARN = (
    "from sklearn.ensemble import RandomForestClassifier\nfrom sklearn.tree import DecisionTreeClassifier\n"
    "from sklearn.linear_model import LinearRegression\nfrom sklearn.metrics import recall_score"
)
PLT = "import matplotlib.pyplot as plt"
DATA = "X, y, X_test, y_test = list(range(4))  # not constants: they stay out of config"


def plan_of(cells: list[CellSpec]) -> Plan:
    notebook = read_notebook_text(Path("case.ipynb"), json.dumps(make_notebook(cells)))
    return with_results_returned(build_plan(build_segments(build_dataflow(notebook))))


def names_of(cells: list[CellSpec]) -> tuple[str, ...]:
    return tuple(step.name for step in plan_of(cells).steps)


# (id, cells, the name of every step in order)
NAMES = [
    ("a read names the value it produces", [PANDAS, "train_data = pd.read_csv('train.csv')"], ("load_train_data",)),
    (
        "a fit is named after the estimator's class",
        [SKLEARN, DATA, "model = RandomForestClassifier()\nmodel.fit(X, y)"],
        ("train_random_forest",),
    ),
    (
        "fitting and predicting is evaluating",
        [SKLEARN, DATA, "tree = DecisionTreeClassifier()\ntree.fit(X, y)\npreds = tree.predict(X_test)"],
        ("evaluate_decision_tree",),
    ),
    (
        "predicting with a model made earlier names the model",
        [SKLEARN, DATA, "model = LinearRegression()\nmodel.fit(X, y)", "preds = model.predict(X_test)"],
        ("train_linear_regression", "evaluate_model"),
    ),
    (
        "a figure is named by its title",
        [PLT, "fig, ax = plt.subplots()\nax.bar([0, 1], [2, 3])\nt = ax.set_title('Feature importances')"],
        ("plot_feature_importances",),
    ),
    (
        "a figure without a title by what it plots",
        [PANDAS, PLT, "df = pd.DataFrame({'a': [1]})", "ax = df.plot()"],
        ("create_df", "plot_df"),
    ),
    (
        "a scikit-learn display by what it displays",
        [
            "from sklearn.metrics import ConfusionMatrixDisplay",
            "y, p = [0, 1], [1, 1]",
            "shown = ConfusionMatrixDisplay.from_predictions(y, p)",
        ],
        ("compute_y", "plot_confusion_matrix"),
    ),
    (
        "a figure of nothing else by its kind",
        [PLT, "fig, ax = plt.subplots()\nbars = ax.bar([0, 1], [2, 3])"],
        ("plot_bars",),
    ),
    (
        "a walk over folders lists files",
        ["import os", "for d, _, fs in os.walk('in'):\n    print(d, fs)"],
        ("list_files",),
    ),
    ("an assert checks", ["import sys", "assert sys.version_info >= (3, 7)"], ("check_sys_version_info",)),
    (
        "a heading that says what the code does names it",
        [("markdown", "## Load the data"), PANDAS, "df = pd.read_csv('a.csv')"],
        ("load_data",),
    ),
    (
        "a heading verb of the code's kind names it",
        [PANDAS, "df = pd.read_csv('a.csv')\ndf", ("markdown", "## Cleaning"), "df = df.dropna()"],
        ("load_df", "clean_data"),
    ),
    (
        "a heading sharing a word with the code names it",
        [("markdown", "## Survival rate"), "survived = [1, 0]\nrate = sum(survived) / 2"],
        ("compute_survival_rate",),
    ),
    (
        "a heading that does not name the code does not name it",
        [
            ("markdown", "## Part 3: Improve your score"),
            "women = [1, 0]\nrate_women = sum(women) / len(women)\nprint(rate_women)",
        ],
        ("compute_rate_women",),
    ),
    (
        "a heading of generic words does not name it",
        [("markdown", "## So how well did we do?"), PLT, "fig, ax = plt.subplots()\nt = ax.set_title('Errors')"],
        ("plot_errors",),
    ),
    (
        "a heading whose verb contradicts the code does not name it",
        [("markdown", "## Train models"), SKLEARN, "y, p = list(range(2))", "r = recall_score(y, p)\nprint(r)"],
        ("evaluate_recall",),
    ),
    (
        "a heading fragment without a word of the code does not name it",
        [("markdown", "## Part 2: Your coding environment"), "import os", "names = os.listdir('.')"],
        ("list_files",),
    ),
    (
        "the words of a heading that name nothing are left out",
        [("markdown", "## Assign it to a variable called pokemon"), PANDAS, "pokemon = pd.DataFrame({'a': [1]})"],
        ("create_pokemon",),
    ),
    (
        "a taken name gets the distinguishing estimator, not a number",
        [
            SKLEARN,
            DATA,
            "model = RandomForestClassifier()\nmodel.fit(X, y)\ns = model.score(X, y)\ns",
            "model = DecisionTreeClassifier()\nmodel.fit(X, y)\ns = model.score(X, y)\ns",
        ],
        ("evaluate_random_forest", "evaluate_decision_tree"),
    ),
    (
        "a taken name gets the distinguishing string",
        [PANDAS, "train = pd.read_csv('train.csv')\ntrain", "train = pd.read_csv('other.csv')\ntrain"],
        ("load_train", "load_train_other_csv"),
    ),
    (
        "a number comes only when nothing distinguishes",
        ["xs = [1]\nxs", "xs = [1]\nxs"],
        ("compute_xs", "compute_xs_2"),
    ),
    ("a test heading never makes a test_ name", [("markdown", "## Test"), "n = 1 + 1\nassert n == 2"], ("check_n",)),
    (
        "a test verb over an evaluation is evaluate",
        [
            ("markdown", "## Testing the model"),
            SKLEARN,
            DATA,
            "model = LinearRegression().fit(X, y)\ns = model.score(X_test, y_test)\ns",
        ],
        ("evaluate_linear_regression",),
    ),
    ("a heading verb the code does not do names nothing", [("markdown", "## Load"), "xs = [1]"], ("compute_xs",)),
]


@pytest.mark.parametrize(("cells", "names"), [case[1:] for case in NAMES], ids=[case[0] for case in NAMES])
def test_step_names(cells: list[CellSpec], names: tuple[str, ...]) -> None:
    assert names_of(cells) == names


# (id, cells, the docstring of the step of the last cell)
DOCS = [
    ("a read", [PANDAS, "train_data = pd.read_csv('data/train.csv')"], "Read train.csv into train_data."),
    (
        "a fit",
        [SKLEARN, DATA, "model = RandomForestClassifier()\nmodel.fit(X, y)"],
        "Fit a RandomForestClassifier on X and y.",
    ),
    (
        "calls in the order the code makes them",
        [SKLEARN, DATA, "model = LinearRegression()\nmodel.fit(X, y)\npreds = model.predict(X_test)"],
        "Fit a LinearRegression on X and y and predict with model on X_test.",
    ),
    (
        "a figure",
        [PLT, "fig, ax = plt.subplots()\nax.scatter([1], [2])\nt = ax.set_title('Price')"],
        "Draw a scatter plot titled 'Price'.",
    ),
    ("what it computes when no operation is known", ["xs = [1]\nys = [x * 2 for x in xs]", "print(ys)"], "Compute ys."),
    (
        "the section's sentence when it describes the code",
        [
            PANDAS,
            "df = pd.read_csv('a.csv')\ndf",
            ("markdown", "## Cleaning\n\nRows without a price are dropped."),
            "df = df.dropna(subset=['price'])",
        ],
        "Drop missing values in df.\n\nRows without a price are dropped.",
    ),
    (
        "not the section's sentence that describes other code",
        [
            ("markdown", "## Women\n\nThe code above computes the rate of women."),
            "women = [1]\nrate_women = sum(women)",
        ],
        "Compute women and rate_women.",
    ),
]


@pytest.mark.parametrize(("cells", "doc"), [case[1:] for case in DOCS], ids=[case[0] for case in DOCS])
def test_step_docstrings(cells: list[CellSpec], doc: str) -> None:
    assert plan_of(cells).steps[-1].doc == doc


def test_a_section_sentence_that_describes_the_code_follows() -> None:
    cells: list[CellSpec] = [
        ("markdown", "## Load the data\n\nThe prices of the houses sold last year."),
        PANDAS,
        "houses = pd.read_csv('prices.csv')",
    ]
    assert plan_of(cells).steps[0].doc == "Read prices.csv into houses.\n\nThe prices of the houses sold last year."


def test_args_and_returns_when_more_than_one() -> None:
    cells: list[CellSpec] = [
        "a = list(range(2))\na",
        "b = list(range(3))\nb",
        "total, count = sum(a + b), len(a + b)",
        "print(total, count)",
    ]
    doc = plan_of(cells).steps[-1].doc
    assert doc == (
        "Compute total and count.\n\n"
        "Args:\n    a: returned by `compute_a`.\n    b: returned by `compute_b`.\n\n"
        "Returns:\n    total: the result of `sum(...)`.\n    count: the result of `len(...)`."
    )


def test_one_argument_and_one_return_have_no_sections() -> None:
    doc = plan_of(["a = [1]", "b = sum(a)", "print(b)"]).steps[-1].doc
    assert doc == "Compute b."


def test_returns_follow_what_the_renderer_returns() -> None:
    """The renderer also returns what nothing reads; the Returns section lists it too."""
    # `a`, `b` bound again later: not config constants (tests/test_unpacking.py), returned
    doc = plan_of(["a, b = 1, 2\nc = [a, b]", "print(a + b)", "a, b = 3, 4"]).steps[0].doc
    assert doc.endswith("Returns:\n    a: the literal `1`.\n    b: the literal `2`.\n    c: computed from `a`, `b`.")


CORPUS_LIKE = [
    [("markdown", "## Model"), SKLEARN, DATA, "m = RandomForestClassifier()\nm.fit(X, y)", "m.score(X_test, y_test)"],
    [("markdown", "## Plots"), PLT, "plt.plot([1])", "plt.plot([2])", "plt.plot([3])"],
    [("markdown", "## Utils"), "x = 1 + 1", "x = x + 1", "print(x)"],
    [("markdown", "# test"), "test = [1]", "test = test + [2]", "print(test)"],
    [("markdown", "## class"), "klass = 1 + 1", "print(klass)"],
]


@pytest.mark.parametrize("cells", CORPUS_LIKE)
def test_names_are_identifiers_unique_deterministic(cells: list[CellSpec]) -> None:
    names = names_of(cells)
    assert names == names_of(cells)
    assert len(set(names)) == len(names)
    for name in names:
        assert name.isidentifier() and not keyword.iskeyword(name)
        assert not name.startswith("test"), name  # pytest would collect it
        assert not name.endswith(("_plots", "_utils", "_preprocess", "_models")), name


@pytest.mark.parametrize(
    ("heading", "words", "kinds", "expected"),
    [
        ("Load the data", {"df", "read", "csv"}, {"load"}, True),
        ("Cleaning", {"df", "dropna"}, {"transform", "compute"}, True),
        ("Cleaning", {"xs"}, {"compute"}, False),
        ("Features", {"x", "get", "dummies"}, {"transform", "compute"}, True),
        ("Train models", {"recall", "score"}, {"evaluate"}, False),
        ("Part 3: Improve your score", {"women", "rate", "survived"}, {"compute"}, False),
        ("So how well did we do?", {"plt", "plot"}, {"plot"}, False),
        ("Survival rates", {"survived", "rate"}, {"compute"}, True),
        ("Introduction", {"reviews", "read", "csv"}, {"load"}, False),
    ],
)
def test_related(heading: str, words: set[str], kinds: set[str], expected: bool) -> None:
    assert related(heading, frozenset(words), frozenset(kinds)) is expected
