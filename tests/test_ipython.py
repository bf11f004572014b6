"""IPython syntax: cell magics split off, policies, option parsing, shell expansions."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nb2pkg.ipython import (
    Magic,
    Policy,
    _ends_with_semicolon_token,
    hides_value,
    magic_policy,
    pip_install_targets,
    shell_expansions,
    split_code_argument,
    timed_statement,
    to_python,
    transform,
)


@pytest.mark.parametrize("source", ["x = 1", "def f():\n    return 2\n", "a = b % c", "s = 'what?'"])
def test_plain_python_is_unchanged(source: str) -> None:
    assert to_python(source).python.rstrip("\n") == source.rstrip("\n")


@pytest.mark.parametrize(
    ("source", "python"),
    [
        ("%matplotlib inline", "get_ipython().run_line_magic('matplotlib', 'inline')\n"),
        ("!pip install x", "get_ipython().system('pip install x')\n"),
        ("files = !ls", "files = get_ipython().getoutput('ls')\n"),
        ("df?", "get_ipython().run_line_magic('pinfo', 'df')\n"),
    ],
)
def test_ipython_syntax_becomes_calls(source: str, python: str) -> None:
    assert transform(source) == python


def test_code_cell_magic_keeps_its_body() -> None:
    result = to_python("%%time\nx = f(1)\n")
    assert result.python == "x = f(1)\n"
    assert result.cell_magic is not None and result.cell_magic.policy is Policy.CODE
    assert result.line_offset == 1


def test_foreign_cell_magic_is_not_python() -> None:
    result = to_python("\n%%bash\necho hi\n")
    assert result.python is None
    assert result.cell_magic is not None
    assert (result.cell_magic.name, result.cell_magic.policy, result.cell_magic.label) == (
        "bash",
        Policy.FOREIGN,
        "%%bash",
    )


@pytest.mark.parametrize(
    ("name", "cell", "policy"),
    [
        ("matplotlib", False, Policy.NOTEBOOK),
        ("load_ext", False, Policy.NOTEBOOK),
        ("autoreload", False, Policy.NOTEBOOK),
        ("config", False, Policy.NOTEBOOK),
        ("pinfo", False, Policy.NOTEBOOK),
        ("time", False, Policy.CODE),
        ("timeit", False, Policy.CODE),
        ("prun", False, Policy.CODE),
        ("time", True, Policy.CODE),
        ("capture", True, Policy.CODE),
        ("pip", False, Policy.SHELL),
        ("R", True, Policy.FOREIGN),
        ("bash", True, Policy.FOREIGN),
        ("writefile", True, Policy.FOREIGN),
        ("something_new", True, Policy.FOREIGN),
        ("something_new", False, Policy.NOTEBOOK),
    ],
)
def test_policies(name: str, cell: bool, policy: Policy) -> None:
    assert magic_policy(name, cell) is policy


@pytest.mark.parametrize(
    ("name", "argument", "code"),
    [
        ("timeit", "-n 3 -r 2 fit(X)", "fit(X)"),
        ("timeit", "-q -o f()", "f()"),
        ("prun", "-s cumulative -l 10 run()", "run()"),
        ("time", "x = -1", "x = -1"),
        ("capture", "--no-stderr out", "out"),
    ],
)
def test_code_argument_after_options(name: str, argument: str, code: str) -> None:
    assert split_code_argument(name, argument)[1] == code


def test_shell_expansions() -> None:
    assert shell_expansions("ls {folder} $name {{literal}} $$HOME {len(x)}") == ("folder", "name", "len(x)")


@pytest.mark.parametrize(
    ("command", "packages"),
    [
        ("pip install seaborn", ("seaborn",)),
        ("pip install -q 'pandas>=2' scikit-learn", ("pandas>=2", "scikit-learn")),
        ("python -m pip install -r requirements.txt xgboost", ("-r requirements.txt", "xgboost")),
        (
            "pip install -e . -i https://x.org/simple git+https://x.org/a.git {pkg}",
            ("-e .", "git+https://x.org/a.git", "{pkg}"),
        ),
        ("pip3 install --upgrade numpy && echo done", ("numpy",)),
        ("pip install --upgrade-strategy eager --no-binary :all: -q numpy", ("numpy",)),
        ("pip list", ()),
        ("ls -l", ()),
    ],
)
def test_pip_install_targets(command: str, packages: tuple[str, ...]) -> None:
    assert pip_install_targets(command) == packages


@pytest.mark.parametrize(
    ("source", "python"),
    [
        ("X[0] *= 10\n;", 'X[0] *= 10\n("")\n'),  # a lone `;`: IPython's quote escape, nothing after it
        (";f a b", 'f("a b")\n'),
        (",f a b", 'f("a", "b")\n'),
        ("/f a", "f(a)\n"),
        (">>> x = 1\n>>> y = x", "x = 1\ny = x\n"),
        ("In [3]: x = 1", "x = 1\n"),
        ("    x = 1\n    y = 2", "x = 1\ny = 2\n"),
        ("\n  x = 1", "x = 1\n"),
    ],
)
def test_ipython_syntax_without_magic_marks_is_transformed(source: str, python: str) -> None:
    assert transform(source) == python


@pytest.mark.parametrize("source", ["x = (a\n/ b)", "f(a,\n  b)", "s = ';'", "x = 1;", "def f():\n    return 1\n"])
def test_python_that_looks_like_an_escape_is_unchanged(source: str) -> None:
    assert transform(source).rstrip("\n") == source.rstrip("\n")


@pytest.mark.parametrize(
    ("python", "hidden"),
    [
        ("plt.plot(x);", True),
        ("x = 1\nx;  # quiet\n\n", True),
        ("x ;", True),
        ("plt.plot(x)", False),
        ('X[0] *= 10\n("")\n', False),  # a lone `;` line shows '' in Jupyter: its `;` is gone
        ("s = ';'", False),
        ("x; y", False),
        ("for a in b:\n    f(a);\n", False),
        ("", False),
        ("x = (", False),
    ],
)
def test_hides_value_is_ipythons_rule(python: str, hidden: bool) -> None:
    assert hides_value(python) is hidden
    from IPython.core.displayhook import DisplayHook

    try:
        expected = DisplayHook.semicolon_at_end_of_expression(python)
    except Exception:  # IPython cannot tell: it shows the value
        expected = False
    assert hides_value(python) is bool(expected)


@pytest.mark.corpus
def test_corpus_cells_transform_as_ipython_does() -> None:
    """The cheap test that skips IPython's tokenizer never skips a cell IPython changes."""
    import json

    from IPython.core.inputtransformer2 import TransformerManager

    from support import corpus_notebooks

    notebooks = corpus_notebooks()
    if not notebooks:
        pytest.skip("corpus not available")
    manager = TransformerManager()
    differ = []
    for path in notebooks:
        for cell in json.loads(path.read_text(encoding="utf-8")).get("cells", []):
            text = cell.get("source", "")
            source = "".join(text) if isinstance(text, list) else text
            if cell.get("cell_type") != "code" or source.lstrip().startswith("%%"):
                continue
            try:
                expected = manager.transform_cell(source)
            except Exception:
                continue
            lines = [line.rstrip() for line in transform(source).strip().splitlines()]
            if lines != [line.rstrip() for line in expected.strip().splitlines()]:
                differ.append(f"{path.name}: {source[:60]!r}")
    assert differ == []


def _summary_cells(tmp_path, cells: list[str]) -> tuple[list[str], dict[str, str]]:
    import json

    from nb2pkg.convert import convert
    from nb2pkg.dataflow import build_dataflow
    from nb2pkg.notebook import read_notebook
    from support import make_notebook, write_notebook

    path = write_notebook(tmp_path / "nb.ipynb", make_notebook(cells))
    conversion = convert(build_dataflow(read_notebook(path)), tmp_path / "out")
    notebook = json.loads(conversion.files["notebooks/nb.ipynb"])
    return ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code"], conversion.files


def test_a_cell_ending_in_a_semicolon_shows_nothing_in_the_summary(tmp_path) -> None:
    cells = [
        "import matplotlib.pyplot as plt\nfrom sklearn.linear_model import LinearRegression",
        "X = [[1], [2], [3]]\ny = [1, 2, 3]",
        "plt.plot(y);",
        "model = LinearRegression()\nmodel.fit(X, y);",
        "scores = [v * 2 for v in y]\nsum(scores);",
        "X[0][0] *= 10\n;",
    ]
    summary, files = _summary_cells(tmp_path, cells)
    # the figure cell as it was; the fitted model and the sum are not shown (nor returned),
    # and a lone `;` line shows '' in Jupyter, so the summary ends the same way
    assert summary[3:] == ["X, y = data.compute_x()", "plt.plot(y);", 'models.train_linear_regression(X, y)\n("")']
    assert not [line for line in files["src/nb/models.py"].splitlines() if line.strip().startswith("return")]


@pytest.mark.parametrize(
    ("name", "argument", "found"),
    [
        ("time", "total = sum(range(10))", ("%time", "total = sum(range(10))")),
        ("time", "fit(X)", ("%time", "fit(X)")),
        ("prun", "-s cumulative -l 5 -q model = fit(X)", ("%prun -s cumulative -l 5 -q", "model = fit(X)")),
        ("prun", "-r stats = fit(X)", None),  # returns the profile: the value is not the code's
        ("prun", "-D out.prof fit(X)", None),  # writes a file
        ("timeit", "x = f()", None),  # runs the code many times in a namespace of its own
        ("time", "", None),
        ("matplotlib", "inline", None),
    ],
)
def test_timed_statement_is_only_a_magic_that_reports_on_its_code(
    name: str, argument: str, found: tuple[str, str] | None
) -> None:
    assert timed_statement(Magic(name, False, argument, magic_policy(name, False))) == found


def test_a_timed_cell_magic_is_not_a_timed_statement() -> None:
    assert timed_statement(Magic("time", True, "", Policy.CODE)) is None


@pytest.mark.parametrize(
    ("cell", "summary", "module_code"),
    [
        ("%time total = sum(range(10))", "%time total = utils.compute_total()", "total = sum(range(10))"),
        ("# timing\n%time total = sum(range(10))", "%time total = utils.compute_total()", "# timing"),
        (
            "%prun -s cumulative total = sum(range(10))",
            "%prun -s cumulative total = utils.compute_total()",
            "total = sum(range(10))",
        ),
        ("%time total = 45", "%time total = utils.compute_total()", "total = 45"),  # timed: not a constant
        ("n = 10\n%time total = sum(range(n))", "%time total = utils.compute_total()", "total = sum(range(n))"),
    ],
    ids=["assignment", "comment", "prun", "literal", "beside a constant"],
)
def test_a_timed_statement_is_a_step_and_the_summary_times_its_call(
    tmp_path, cell: str, summary: str, module_code: str
) -> None:
    cells, files = _summary_cells(tmp_path, [cell, "print(total)"])
    assert summary in cells
    assert module_code in files["src/nb/utils.py"]
    assert not [name for name, text in files.items() if name.startswith("src/") and "get_ipython" in text]
    assert "utils.compute_total()" in files["src/nb/pipeline.py"]
    assert "run the summary notebook" not in files["src/nb/__main__.py"]  # python -m runs it


def test_a_timed_expression_shows_its_value_unless_silenced(tmp_path) -> None:
    cells, files = _summary_cells(
        tmp_path,
        [
            "def double(v):\n    return 2 * v",
            "values = [3, 1, 2]",
            "%time double(values[0])",
            "%time double(values[1]);",
        ],
    )
    assert cells[4:] == ["%time utils.compute_double(values)", "%time utils.compute_double_values(values)"]
    assert "return double(values[0])" in files["src/nb/utils.py"]  # shown: the call's value is the cell's
    assert "    double(values[1])\n" in files["src/nb/utils.py"]  # `;`: nothing shown, nothing returned


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("%time a = 1\n%time b = 2", "times more than one statement with `%time`"),
        ("%timeit y = sum(range(5))", "uses `%timeit`, which only runs in a notebook"),
        ("%prun sum(range(5))", "uses `%prun`"),  # prun shows no value: the step would
        ("%prun -r stats = sum(range(5))", "uses `%prun`"),
        ("for k in range(2):\n    %time y = k", "uses a magic inside a block"),
        ("%time y = sum(range(5))\nprint(y)", "runs code after its `%time` line"),  # would print before the time
    ],
    ids=["two timed lines", "timeit", "prun expression", "prun -r", "inside a block", "code after"],
)
def test_timing_magics_that_a_step_cannot_stand_for_stay(tmp_path, cell: str, reason: str) -> None:
    import json

    _, files = _summary_cells(tmp_path, [cell])
    kept = [c for c in json.loads(files["notebooks/nb.ipynb"])["cells"] if "kept" in c["metadata"].get("nb2pkg", {})]
    assert len(kept) == 1 and reason in kept[0]["metadata"]["nb2pkg"]["kept"]
    assert cell in "".join(kept[0]["source"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([*"x;#'\"\\( )\n\t1", "if x:\n    ", "f(a);", "%time "]), max_size=20).map("".join))
def test_hides_value_without_semicolon_skips_only_what_the_tokens_say_is_shown(python: str) -> None:
    """The shortcut (no `;`, no tokenizing) answers as the tokens of the whole cell do."""
    assert hides_value(python) is _ends_with_semicolon_token(python)
