"""bench/refactor_quality.py and refactor_measures.py: each figure counted on small hand-written modules and
notebooks, then the whole script on the bundled example."""

from __future__ import annotations

import importlib.util
import json
import sys
import textwrap
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("refactor_quality", ROOT / "bench" / "refactor_quality.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


rq = _load_script()
import refactor_measures as measures  # noqa: E402  (on the path the script puts its folder on)


def notebook(*cells: str) -> str:
    return json.dumps(
        {
            "nbformat": 4,
            "nbformat_minor": 5,
            "metadata": {},
            "cells": [{"cell_type": "code", "source": source, "metadata": {}, "outputs": []} for source in cells],
        }
    )


EMPTY = notebook()


def measure(**modules: str):
    """The figures of a project made of these modules (name -> source)."""
    texts = [measures.Module(name, textwrap.dedent(text)) for name, text in modules.items()]
    return measures.measure_project(texts, EMPTY, EMPTY)


CLONE_PAIR = """
    import matplotlib.pyplot as plt

    def evaluate_tree(model, X_test, y_test):
        '''Evaluate the tree.'''
        score = model.score(X_test, y_test)
        print("tree", score, 1)
        return score

    def evaluate_forest(forest, X, y):
        score_2 = forest.score(X, y)
        print("forest", score_2, 2)
        return score_2
"""


def test_a_clone_pair_with_other_names_and_literals_leaves_one_clone() -> None:
    figures = measure(models=CLONE_PAIR)
    assert figures.functions == 2
    assert figures.clones == 1
    assert figures.clone_groups == [["models.evaluate_tree", "models.evaluate_forest"]]


def test_another_attribute_is_another_function() -> None:
    assert measure(models=CLONE_PAIR.replace("forest.score(X", "forest.predict(X")).clones == 0


def test_another_keyword_or_library_is_another_function() -> None:
    keyword = """
        import numpy as np

        def a(x):
            return np.sum(x, axis=0)

        def b(y):
            return np.sum(y, out=0)

        def c(y):
            return len(y, axis=1)
    """
    assert measure(utils=keyword).clones == 0


def test_nine_alike_leave_eight_clones_in_one_group() -> None:
    text = "".join(f"def step_{i}(df):\n    return df['c{i}'].mean() + {i}\n\n" for i in range(9))
    figures = measure(utils=text)
    assert (figures.clones, len(figures.clone_groups), len(figures.clone_groups[0])) == (8, 1, 9)


def test_clones_are_found_across_modules_but_not_in_scaffolding() -> None:
    body = "def f(a):\n    return a.mean()\n"
    figures = measure(data=body, plots=body.replace("f(", "g("), pipeline=body.replace("f(", "run("))
    assert (figures.functions, figures.clones) == (2, 1)


def test_numbered_names() -> None:
    text = "def train_models_3():\n    pass\n\ndef plot_2d():\n    pass\n\ndef compute_x2():\n    pass\n"
    assert measure(utils=text).numbered == 1


@pytest.mark.parametrize(
    ("body", "wrapper"),
    [
        ("return metrics.roc_auc_score(y, p)", True),
        ("print(y)", True),
        ("'''Docstring.'''\n    return f(y)", True),
        ("x = f(y)\n    return x", True),
        ("x = f(y)\n    return y", False),
        ("return df.merge(y).head()", False),  # two calls
        ("return df.head()", True),
        ("return y + 1", False),
        ("return f(lambda v: v)", False),
        ("x = f(y)\n    print(x)", False),
        ("return f([v for v in y])", False),
    ],
)
def test_one_call_wrappers(body: str, wrapper: bool) -> None:
    assert measure(utils=f"def w(y, p=None, df=None):\n    {body}\n").wrappers == int(wrapper)


def test_functions_over_six_parameters() -> None:
    text = "def six(a, b, c, d, e, f):\n    pass\n\ndef seven(a, b, c, d, e, f, *, g):\n    pass\n\ndef kw(a, *r, **k):\n    pass\n"
    assert measure(utils=text).many_parameters == 1


PLOTS = """
    import matplotlib.pyplot as plt
    import seaborn as sns
    from sklearn.tree import export_graphviz

    def plot_describe(df):
        return df.describe()

    def plot_crosstab(pd, df):
        return pd.crosstab(df.a, df.b)

    def plot_head(df):
        return df.head()

    def plot_hist(df):
        df.hist(bins=5)

    def plot_barh(s):
        s.plot.barh()

    def plot_axes(fig):
        ax = fig.add_subplot(1, 1, 1)
        ax.set_title("t")

    def plot_subplots(data):
        fig, axes = plt.subplots(2)
        axes[0].scatter(data.x, data.y)
        return fig

    def plot_heat(df):
        sns.heatmap(df.corr())

    def save_fig(name):
        plt.savefig(name)

    def plot_saved(df):
        df = df.dropna()
        save_fig("x.png")

    def plot_label():
        return plt.xlabel("x")

    def plot_title_later(ax):
        title = ax.set_title("t")
        return title

    def plot_graph(tree):
        return export_graphviz(tree)
"""


def test_plots_that_draw_nothing_and_plots_that_return_an_artist() -> None:
    figures = measure(plots=PLOTS)
    assert figures.plot_functions == 13
    # describe, crosstab, head, export_graphviz: nothing drawn (save_fig draws, so plot_saved does)
    assert figures.plots_not_drawing == 4
    assert figures.artist_returns == 2  # return plt.xlabel(...); title = ax.set_title(...); return title


def test_returning_a_figure_or_a_frame_method_is_not_an_artist() -> None:
    text = """
        import matplotlib.pyplot as plt

        def plot_a(df):
            fig = plt.figure()
            return fig

        def plot_b(df):
            return df.set_index("a")

        def plot_c(df):
            return df.plot()
    """
    assert measure(plots=text).artist_returns == 0


def test_drawing_outside_plots_modules_is_not_a_plot_function_but_is_counted() -> None:
    text = """
        import matplotlib.pyplot as plt

        def load(pd):
            return pd.read_csv('a')

        def prepare(df):
            df.hist()
            plt.tight_layout()

        def show(spark_df, pd):
            spark_df.show()
            pd.plotting.register_matplotlib_converters()

        def fonts():
            plt.rc("font", size=14)
            plt.style.use("ggplot")
    """
    figures = measure(data=text)
    assert (figures.plot_functions, figures.plots_not_drawing, figures.drawing_elsewhere) == (0, 0, 1)


SETTINGS = """
    import matplotlib as mpl
    import matplotlib.pyplot as plt
    import numpy
    import pandas as pd
    import random
    import seaborn
    import warnings

    def load(path):
        plt.style.use("ggplot")
        seaborn.set_theme()
        numpy.random.seed(0)
        random.seed(1)
        pd.set_option("display.max_rows", 5)
        warnings.filterwarnings("ignore")
        mpl.rcParams["figure.dpi"] = 90
        plt.rcParams["font.size"] = 9
        pd.options.display.width = 100
        return pd.read_csv(path)

    def setup():
        numpy.random.seed(0)

    def fine(df):
        df["a"] = 1
        return numpy.random.rand(3), df.set_index("a"), seaborn.load_dataset("tips")
"""


def test_settings_hidden_in_functions_but_not_in_setup() -> None:
    assert measure(data=SETTINGS).hidden_settings == 9
    assert measure(config=SETTINGS).hidden_settings == 9  # config's functions too, its setup() aside
    assert measure(data=SETTINGS).functions == 3


def test_functions_returning_a_preview() -> None:
    text = """
        import pandas as pd

        def merged(a, b):
            return pd.merge(a, b).head()

        def counts(df):
            if df.empty:
                return None
            return df.kind.value_counts()

        def frame(a, b):
            merged = pd.merge(a, b)
            merged.head()
            return merged
    """
    assert measure(preprocess=text).previews == 2


def test_code_lines_skip_blanks_comments_and_markdown_and_count_magics() -> None:
    text = notebook("# a comment\nimport pandas\n\n%matplotlib inline\n!ls", "x = 1  # kept\n   # indented comment")
    with_markdown = json.loads(text)
    with_markdown["cells"].append({"cell_type": "markdown", "source": "text\nmore", "metadata": {}})
    assert measures.code_lines(json.dumps(with_markdown)) == 4


def test_code_lines_of_a_version_3_notebook() -> None:
    v3 = {"nbformat": 3, "worksheets": [{"cells": [{"cell_type": "code", "input": ["a = 1\n", "b = 2"]}]}]}
    assert measures.code_lines(json.dumps(v3)) == 2


def test_the_summary_ratio_and_longer_summaries() -> None:
    short = measures.measure_project([], notebook("a = 1"), notebook("a = 1", "b = 2", "c = 3", "d = 4"))
    long = measures.measure_project([], notebook("a = 1\nb = 2"), notebook("a = 1"))
    results = [rq.Result("short", short), rq.Result("long", long), rq.Result("r", refused="Julia kernel")]
    total, extra = rq.totals(results)
    assert (total.summary_lines, total.original_lines) == (3, 5)
    assert extra["median_summary_ratio"] == pytest.approx((0.25 + 2.0) / 2)
    assert (extra["summaries_longer"], extra["refused"], extra["converted"]) == (1, 1, 2)
    assert (extra["large_notebooks"], extra["median_summary_ratio_large"]) == (0, None)
    big = measures.measure_project([], notebook("a = 1"), notebook("\n".join(f"x{i} = {i}" for i in range(40))))
    _, extra = rq.totals([*results, rq.Result("big", big)])
    assert (extra["large_notebooks"], extra["median_summary_ratio_large"]) == (1, pytest.approx(1 / 40))


def test_main_on_the_bundled_example_prints_the_totals(capsys: pytest.CaptureFixture[str]) -> None:
    rq.main([str(ROOT / "examples" / "explore.ipynb")])
    out = capsys.readouterr().out
    assert "explore" in out
    assert "notebooks: 1, 1 converted, 0 refused" in out
    assert "clones left: 0 of " in out
    rq.main([str(ROOT / "examples" / "explore.ipynb"), "--json"])
    totals = json.loads(capsys.readouterr().out)["totals"]
    assert totals["converted"] == 1 and totals["functions"] > 0 and totals["plot_functions"] > 0
