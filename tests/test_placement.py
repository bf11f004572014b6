"""Placement by content, one table row per rule: the module each step goes to follows
from what its code does (draws, fits, builds features, reads, transforms), not from its
section's heading or a word in a comment; and the figure test itself."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nb2pkg.notebook import read_notebook_text
from nb2pkg.plan import build_plan
from nb2pkg.plan.layout import draws
from nb2pkg.render import pipeline_module, render_config, render_module, summary_notebook
from test_plan import CellSpec, _cell, segments_of

# (id, cells, the module of every step in order)
MODULES = [
    (
        "a summary under a plotting heading is not a figure",
        [
            ("markdown", "## Visualization"),
            "import pandas as pd",
            "df = pd.DataFrame({'a': [1]})\nstats = df.groupby('a').sum()\nstats",
        ],
        ("preprocess",),
    ),
    (
        "a crosstab under a chart heading is not a figure",
        [
            ("markdown", "## Charts"),
            "import pandas as pd",
            "df = pd.DataFrame({'a': [1]})\nt = pd.crosstab(df.a, df.a)\nt",
        ],
        ("data",),  # it makes its table
    ),
    ("a comment that mentions plotting", ["xs = [1]  # xs.plot() later\nxs"], ("utils",)),
    ("a string that mentions fitting", ["label = 'model.fit(X)'\nlabels = [label]\nlabels"], ("utils",)),
    (
        "a figure's getter draws nothing",
        [
            "import matplotlib.pyplot as plt",
            "fig = plt.figure()",
            "kinds = fig.canvas.get_supported_filetypes()\nkinds",
        ],
        ("plots", "preprocess"),  # a method call: it may change `fig`, as far as nb2pkg knows
    ),
    (
        "a seaborn dataset is a read",
        ["import seaborn as sns", "tips = sns.load_dataset('tips')\ntips"],
        ("data",),
    ),
    (
        "drawing on axes is a figure",
        ["import matplotlib.pyplot as plt", "fig, axes = plt.subplots(2)\naxes[0].set_title('a')\nfig.tight_layout()"],
        ("plots",),
    ),
    (
        "fitting under a plotting heading is a model",
        [
            ("markdown", "## Plot the fit"),
            "from sklearn.linear_model import LinearRegression",
            "m = LinearRegression()\nm.fit([[1]], [1])",
        ],
        ("models",),
    ),
    ("a heading breaks a tie", [("markdown", "## Feature engineering"), "xs = [1, 2]\nxs"], ("features",)),
    (
        "a table written out is the data",
        ["raw = {'name': ['a', 'b'], 'hp': [1, 2]}\nrows = [[1, 2], [3, 4]]\nraw, rows"],
        ("data",),
    ),
    ("rows of records are the data", ["records = [{'a': 1}, {'a': 2}]\nrecords"], ("data",)),
    (
        "a pandas constructor makes the data",
        ["import pandas as pd", "raw = {'hp': [1, 2]}\nraw", "df = pd.DataFrame(raw)\ndf"],
        ("utils", "data"),  # one column of literals is not yet a table
    ),
    ("a dict of settings is not a table", ["grid = {'C': [0.1, 1], 'gamma': 'auto'}\ngrid"], ("utils",)),
    (
        "the heading says more than a constructor",
        [("markdown", "## Model scores"), "import pandas as pd", "scores = pd.Series([0.8, 0.9])\nscores"],
        ("models",),
    ),
    (
        "a frame narrowed to its own columns is changed",
        ["import pandas as pd", "df = pd.read_csv('a.csv')\ndf", ("markdown", "## Order"), "df = df[['b', 'a']]\ndf"],
        ("data", "preprocess"),
    ),
    ("a plotting heading does not", [("markdown", "## Plots"), "xs = [1, 2]\nxs"], ("utils",)),
]


@pytest.mark.parametrize(("cells", "modules"), [case[1:] for case in MODULES], ids=[case[0] for case in MODULES])
def test_module_from_content(cells: list[CellSpec], modules: tuple[str, ...]) -> None:
    assert tuple(s.module for s in build_plan(segments_of(*cells)).steps) == modules


def test_a_module_renamed_for_a_variable_says_what_it_holds() -> None:
    """A notebook variable named `data` renames the module to `loading`, which says what
    `data.py` would have said."""
    plan = build_plan(segments_of("import pandas as pd", "data = pd.read_csv('a.csv')\ndata"))
    (step,) = plan.steps
    assert step.module == "loading"
    assert render_module("loading", plan, "pkg", [step]).text.startswith('"""Loading and building the data."""')


def test_definitions_placed_by_content() -> None:
    plan = build_plan(
        segments_of(
            "import matplotlib.pyplot as plt",
            "def show_hist(xs):\n    '''Not a .plot( call.'''\n    return sorted(xs)",
            "def draw(xs):\n    plt.hist(xs)",
            "def tidy(df):\n    return df.dropna()",
            "def label(parts):\n    out = {}\n    out[0] = '+'.join(parts)\n    return out",
            "class Halver:\n    def fit(self, x):\n        return self\n    def transform(self, x):\n        return x / 2",
            "ys = show_hist([2, 1])\ndraw(ys)\ntidy, Halver, label",
        )
    )
    assert {d.name: d.module for d in plan.definitions} == {
        "label": "utils",
        "show_hist": "utils",
        "draw": "plots",
        "tidy": "preprocess",
        "Halver": "features",
    }


DRAWS = [
    ("plt.plot([1])", True),
    ("df.plot.bar()", True),
    ("df['a'].hist()", True),
    ("sns.histplot(df)", True),
    ("ax.set_xlabel('x')", True),
    ("axes[1].legend()", True),
    ("ConfusionMatrixDisplay.from_predictions(y, p)", True),
    ("RocCurveDisplay.from_estimator(model, X, y)", True),
    ("ConfusionMatrixDisplay(matrix)", False),
    ("fig.savefig('a.png')", True),
    ("fig.canvas.get_supported_filetypes()", False),
    ("ax.get_xlim()", False),
    ("sns.load_dataset('tips')", False),
    ("plt.style.use('ggplot')", False),
    ("plt.rcParams.update({'a': 1})", False),
    ("df.describe()", False),
    ("# plt.plot(x)\nx = 1", False),
    ("s = 'ax.plot(x)'", False),
    ("plot_tree(model)", True),
    ("fig.set_size_inches(5, 3)", True),
]


@pytest.mark.parametrize(("code", "expected"), DRAWS, ids=[c for c, _ in DRAWS])
def test_draws(code: str, expected: bool) -> None:
    assert draws(code) is expected


DRAWING = "import numpy as np\nimport matplotlib.pyplot as plt"


def _steps_and_shows(*cells: CellSpec) -> list[tuple[tuple[int, ...], str, tuple[str, ...]]]:
    """Each step: its cells, its last statement, and what the summary shows after the call."""
    items = build_plan(segments_of(*cells)).steps
    return [
        (step.cells, step.segments[-1].source.strip().splitlines()[-1], tuple(s.source for s in step.shows))
        for step in items
    ]


def test_a_figure_ends_in_its_function() -> None:
    """`plt.tight_layout()` after the drawing, in its cell, goes with it: the summary does
    not finish the figure."""
    steps = _steps_and_shows(DRAWING, "xs = np.arange(3)\nfig, ax = plt.subplots()\nax.plot(xs)\nplt.tight_layout()")
    assert steps == [((1,), "plt.tight_layout()", ())]


def test_a_finishing_line_shows_nothing() -> None:
    """`sns.despine()` ends the cell and returns None: the function does not return it."""
    plan = build_plan(
        segments_of(DRAWING + "\nimport seaborn as sns", "xs = np.arange(3)\nplt.plot(xs)\nsns.despine()")
    )
    (step,) = plan.steps
    assert not step.shows_value and not step.shows and step.segments[-1].source.endswith("sns.despine()\n")


def test_a_shown_artist_stays_in_the_summary() -> None:
    """The notebook showed `Text(...)` for the last line: the summary shows it after the
    call, and the function does not return it."""
    cell = "xs = np.arange(3)\nfig = plt.figure()\naxes = fig.subplots(2)\naxes[0].plot(xs)\naxes[1].set_title('b')"
    plan = build_plan(segments_of(DRAWING, cell))
    (step,) = plan.steps
    assert [s.source.strip() for s in step.shows] == ["axes[1].set_title('b')"]
    assert not step.value and "axes" in step.returns


def test_plt_show_in_the_next_cell_joins_the_figure() -> None:
    steps = _steps_and_shows(DRAWING, "xs = np.arange(3)\nfig, ax = plt.subplots()\nlines = ax.plot(xs)", "plt.show()")
    assert steps == [((1, 2), "plt.show()", ())]


def test_finishing_in_the_next_cell_draws_a_new_figure() -> None:
    """After the inline backend closed the figure, `plt.tight_layout()` in the next cell
    shows a new, empty one: that cell stays as it was."""
    plan = build_plan(
        segments_of(DRAWING, "xs = np.arange(3)\nfig, ax = plt.subplots()\nlines = ax.plot(xs)", "plt.tight_layout()")
    )
    assert [s.cells for s in plan.steps] == [(1,)]
    assert [item.segment.source for item in plan.items if not hasattr(item, "segments")][-1] == "plt.tight_layout()"


IMPORTS = "from pathlib import Path\nfrom packaging import version\nimport warnings\nimport numpy as np\nimport pandas as pd\nimport matplotlib.pyplot as plt\nimport seaborn as sns"

# (id, cells after the imports, the role of every segment after the imports)
SESSION = [
    (
        "a style and a seed after a read move",
        ["df = pd.read_csv('a.csv')\nplt.style.use('ggplot')\nnp.random.seed(0)"],
        ("code", "session"),
    ),
    ("a seaborn theme alone moves", ["sns.set_theme()"], ("session",)),
    ("rcParams move", ["plt.rcParams['figure.figsize'] = (8, 4)\nplt.rcParams.update({'font.size': 9})"], ("session",)),
    ("a filter before any code moves", ["warnings.filterwarnings('ignore')"], ("session",)),
    (
        "a filter after a read stays: the read may warn",
        ["df = pd.read_csv('a.csv')\nwarnings.simplefilter('ignore')"],
        ("code",),
    ),
    ("a pandas mode option moves", ["pd.set_option('mode.copy_on_write', True)"], ("session",)),
    (
        "a display option is no session setting: it stays in the summary",
        ["pd.set_option('display.max_columns', 5)\nx = [1]"],
        ("display", "code"),
    ),
    ("a seed after a random draw stays", ["x = np.random.rand()\nnp.random.seed(0)"], ("code",)),
    (
        "a re-seed stays",
        ["np.random.seed(0)", "x = np.random.rand()\nx", "np.random.seed(1)\ny = np.random.rand()"],
        ("session", "code", "display", "code"),
    ),
    ("a seed from a variable stays", ["s = [0][0]\nnp.random.seed(s)"], ("code",)),
    ("a seed from a constant moves", ["SEED = 42", "np.random.seed(SEED)"], ("constant", "session")),
    (
        "nothing moves past a setting that stays",
        ["x = np.random.rand()\nnp.random.seed(0)", "plt.style.use('ggplot')"],
        ("code", "display"),
    ),
    ("a timed cell keeps its settings", ["%time np.random.seed(0)"], ("code",)),
    (
        "version checks and an output folder draw nothing",
        [
            "assert version.parse(np.__version__) >= version.parse('1.0')",
            "Path('images').mkdir(exist_ok=True)",
            "plt.rc('font', size=14)",
        ],
        ("code", "code", "session"),
    ),
]


@pytest.mark.parametrize(("cells", "roles"), [case[1:] for case in SESSION], ids=[case[0] for case in SESSION])
def test_session_settings(cells: list[CellSpec], roles: tuple[str, ...]) -> None:
    segments = segments_of(IMPORTS, *cells)
    assert tuple(s.role for s in segments[1:]) == roles


def test_setup_runs_first_in_the_pipeline_and_after_the_summary_imports() -> None:
    cells = (IMPORTS, "df = pd.read_csv('a.csv')\nplt.style.use('ggplot')\nnp.random.seed(0)\nx = np.random.rand()\nx")
    plan = build_plan(segments_of(*cells))
    config = render_config(plan, "pkg", ".", "case.ipynb")
    assert config.index("def setup() -> None:") < config.index("import matplotlib.pyplot as plt")  # when it runs
    pipeline, _ = pipeline_module(plan, "pkg")
    assert "from pkg.config import NOTEBOOK_DIR, setup" in pipeline
    run = pipeline[pipeline.index("def run(") :]
    assert run.index("setup()") < run.index("data.")
    data = {
        "cells": [_cell(position, spec) for position, spec in enumerate(cells)],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    summary = json.loads(summary_notebook(read_notebook_text(Path("case.ipynb"), json.dumps(data)), plan, "pkg"))
    sources = ["".join(cell["source"]) for cell in summary["cells"]]
    setup = next(position for position, source in enumerate(sources) if source.endswith("config.setup()"))
    assert "from pkg import data" in sources[setup - 1]  # after the imports, before the first step
    assert "= data." in sources[setup + 1]
