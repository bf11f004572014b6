"""Placement by content, one table row per rule: the module each step goes to follows
from what its code does (draws, fits, builds features, reads, transforms), not from its
section's heading or a word in a comment; and the figure test itself."""

from __future__ import annotations

import pytest

from nb2pkg.plan import build_plan
from nb2pkg.plan.layout import draws
from test_plan import CellSpec, segments_of

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
        ("utils",),
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
    ("a plotting heading does not", [("markdown", "## Plots"), "xs = [1, 2]\nxs"], ("utils",)),
]


@pytest.mark.parametrize(("cells", "modules"), [case[1:] for case in MODULES], ids=[case[0] for case in MODULES])
def test_module_from_content(cells: list[CellSpec], modules: tuple[str, ...]) -> None:
    assert tuple(s.module for s in build_plan(segments_of(*cells)).steps) == modules


def test_definitions_placed_by_content() -> None:
    plan = build_plan(
        segments_of(
            "import matplotlib.pyplot as plt",
            "def show_hist(xs):\n    '''Not a .plot( call.'''\n    return sorted(xs)",
            "def draw(xs):\n    plt.hist(xs)",
            "def tidy(df):\n    return df.dropna()",
            "class Halver:\n    def fit(self, x):\n        return self\n    def transform(self, x):\n        return x / 2",
            "ys = show_hist([2, 1])\ndraw(ys)\ntidy, Halver",
        )
    )
    assert {d.name: d.module for d in plan.definitions} == {
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
    ("fig.savefig('a.png')", True),
    ("fig.canvas.get_supported_filetypes()", False),
    ("ax.get_xlim()", False),
    ("sns.load_dataset('tips')", False),
    ("plt.style.use('ggplot')", False),
    ("plt.rcParams.update({'a': 1})", False),
    ("df.describe()", False),
    ("# plt.plot(x)\nx = 1", False),
    ("s = 'ax.plot(x)'", False),
]


@pytest.mark.parametrize(("code", "expected"), DRAWS, ids=[c for c, _ in DRAWS])
def test_draws(code: str, expected: bool) -> None:
    assert draws(code) is expected
