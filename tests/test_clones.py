"""Clone merging (plan.clones): copy-pasted steps become one function, called once per
copy in the original order, with what differs as arguments; what cannot be said as an
argument stays apart. Each case converts a small notebook in memory and reads the
module and the summary's calls."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nb2pkg.convert import Conversion, convert
from nb2pkg.dataflow import build_dataflow
from nb2pkg.notebook import read_notebook_text
from support import make_notebook

SETUP = "import pandas as pd\nfrom sklearn.metrics import accuracy_score"
FRAMES = "a = pd.DataFrame({'x': [1, 2, 3]})\nb = pd.DataFrame({'x': [4, 5, 6]})"


def converted(*cells: str) -> Conversion:
    """The notebook of `cells`, each after a markdown cell (a section: a step of its own)."""
    text = json.dumps(make_notebook(sections(cells)))
    return convert(build_dataflow(read_notebook_text(Path("case.ipynb"), text)), Path("out"), "case")


def sections(cells: tuple[str, ...]) -> list[str | tuple[str, str]]:
    return [part for number, cell in enumerate(cells) for part in (("markdown", f"## Part {number}"), cell)]


def functions(conversion: Conversion) -> dict[str, ast.FunctionDef]:
    """Every function of the package's modules (not the scaffolding)."""
    found = {}
    for name, text in conversion.files.items():
        if name.startswith("src/case/") and name.rsplit("/", 1)[1] not in ("pipeline.py", "__main__.py", "config.py"):
            found.update({n.name: n for n in ast.parse(text).body if isinstance(n, ast.FunctionDef)})
    return found


def summary_code(conversion: Conversion) -> list[str]:
    cells = json.loads(conversion.files["notebooks/case.ipynb"])["cells"]
    return ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]


def calls_of(conversion: Conversion, function: str) -> list[str]:
    return [line for cell in summary_code(conversion) for line in cell.splitlines() if f".{function}(" in line]


def test_copies_share_one_function_called_once_each_in_order() -> None:
    copy = "total_{0} = {0}['x'].sum()\nmean_{0} = total_{0} / len({0})\nprint('{0} mean', mean_{0})"
    conversion = converted(SETUP, FRAMES, copy.format("a"), copy.format("b"))
    merged = [f for f in functions(conversion).values() if "sum" in ast.unparse(f)]
    assert len(merged) == 1
    function = merged[0]
    # the frame each copy reads, then the label its print differs by
    assert [a.arg for a in function.args.args] == ["a", "label"]
    # the names the copies share at the start (`total_a`, `total_b` -> `total`)
    assert "total = a['x'].sum()" in ast.unparse(function) and "print(label, mean)" in ast.unparse(function)
    calls = calls_of(conversion, function.name)
    assert len(calls) == 2
    assert calls[0].endswith(f"{function.name}(a, label='a mean')")
    assert calls[1].endswith(f"{function.name}(b, label='b mean')")
    assert "_a" not in function.name  # named after what the copies share


def test_what_a_model_is_called_in_each_copy_becomes_model() -> None:
    fit = "from sklearn.tree import DecisionTreeClassifier\nX = [[0], [1]]\ny = [0, 1]\ntree = DecisionTreeClassifier().fit(X, y)\nstump = DecisionTreeClassifier(max_depth=1).fit(X, y)"
    copy = "pred_{0} = {0}.predict(X)\nacc_{0} = accuracy_score(y, pred_{0})\nprint(acc_{0})"
    conversion = converted(SETUP, fit, copy.format("tree"), copy.format("stump"))
    merged = [f for f in functions(conversion).values() if "predict" in ast.unparse(f)]
    assert len(merged) == 1
    parameters = [a.arg for a in merged[0].args.args]
    assert "model" in parameters and "tree" not in parameters
    assert "acc = accuracy_score(y, pred)" in ast.unparse(merged[0])


def test_the_class_each_copy_fits_is_passed_in() -> None:
    imports = "from sklearn.linear_model import LogisticRegression\nfrom sklearn.tree import DecisionTreeClassifier"
    data = "X = [[0], [1], [2], [3]]\ny = [0, 1, 0, 1]"
    copy = "model_{0} = {1}().fit(X, y)\nscore_{0} = accuracy_score(y, model_{0}.predict(X))\nprint({2!r}, score_{0})"
    conversion = converted(
        SETUP,
        imports,
        data,
        copy.format("lr", "LogisticRegression", "LR"),
        copy.format("dt", "DecisionTreeClassifier", "DT"),
    )
    merged = [f for f in functions(conversion).values() if "fit" in ast.unparse(f)]
    assert len(merged) == 1
    assert [a.arg for a in merged[0].args.args] == ["X", "y", "estimator", "label"]
    assert "model = estimator().fit(X, y)" in ast.unparse(merged[0])
    calls = calls_of(conversion, merged[0].name)
    assert [c.split("(", 1)[1] for c in calls] == [
        "X, y, estimator=LogisticRegression, label='LR')",
        "X, y, estimator=DecisionTreeClassifier, label='DT')",
    ]
    # the summary imports what it passes
    assert any("from sklearn.tree import DecisionTreeClassifier" in cell for cell in summary_code(conversion))


@pytest.mark.parametrize(
    ("first", "second", "why"),
    [
        (
            "s_a = a['x'].sum()\nprint(s_a)",
            "s_b = b['x'].max()\nprint(s_b)",
            "an attribute differs: another operation",
        ),
        (
            "s_a = sum(a['x'])\nprint(s_a)",
            "s_b = max(b['x'])\nprint(s_b)",
            "a builtin differs: another object",
        ),
        (
            "import math\nimport numpy as np\ns_a = np.sqrt(a['x'][0])\nprint(s_a)",
            "s_b = math.sqrt(b['x'][0])\nprint(s_b)",
            "a module differs: not one thing passed in",
        ),
        (
            "s_a = a['x'].sum()\nprint(s_a)",
            "s_b = b['x'].sum()\ns_b = s_b + 1\nprint(s_b)",
            "a near-clone: one more line",
        ),
        (
            "print(a['x'].sum() + 1 + 2 + 3 + 4)\nprint('done')",
            "print(b['x'].sum() + 5 + 6 + 7 + 8)\nprint('done')",
            "four literals differ: a flag soup",
        ),
        ("print(a['x'].sum())", "print(b['x'].sum())", "one statement: a call the summary shows as it is"),
    ],
    ids=lambda value: value if " " in value and "\n" not in value and "(" not in value else "",
)
def test_what_stays_apart(first: str, second: str, why: str) -> None:
    conversion = converted(SETUP, FRAMES, first, second)
    bodies = [ast.unparse(f) for f in functions(conversion).values()]
    # every copy is its own function, or summary code: none is called twice
    called = [line for cell in summary_code(conversion) for line in cell.splitlines() if "(a" in line or "(b" in line]
    names = [line.split("(")[0].split(".")[-1] for line in called if "." in line.split("(")[0]]
    assert len(names) == len(set(names)), why
    assert bodies or called


def test_literal_parameters_are_named_by_their_use() -> None:
    copy = "import matplotlib.pyplot as plt\nframe_{0} = pd.read_csv({1!r})\nplt.plot(frame_{0}['x'])\nplt.title({2!r})\nplt.close()"
    conversion = converted(SETUP, copy.format("a", "a.csv", "A"), copy.format("b", "b.csv", "B"))
    merged = [f for f in functions(conversion).values() if "read_csv" in ast.unparse(f)]
    assert len(merged) == 1
    assert [a.arg for a in merged[0].args.args] == ["path", "title"]
    assert "pd.read_csv(path)" in ast.unparse(merged[0]) and "plt.title(title)" in ast.unparse(merged[0])


def test_a_string_statement_stays_a_string() -> None:
    copy = "'''Sum the column.'''\nt_{0} = {0}['x'].sum()\nprint({1!r}, t_{0})"
    conversion = converted(SETUP, FRAMES, copy.format("a", "A"), copy.format("b", "B"))
    merged = [f for f in functions(conversion).values() if "sum" in ast.unparse(f)]
    assert len(merged) == 1
    assert "'Sum the column.'" in ast.unparse(merged[0])


def test_every_call_is_still_made() -> None:
    from support.quality import lost_calls

    copy = "total_{0} = {0}['x'].sum()\nmean_{0} = total_{0} / len({0})\nprint('{0} mean', mean_{0})"
    cells = (SETUP, FRAMES, copy.format("a"), copy.format("b"))
    conversion = converted(*cells)
    flow = build_dataflow(read_notebook_text(Path("case.ipynb"), json.dumps(make_notebook(sections(cells)))))
    assert lost_calls(conversion, flow)[1] == []


def test_a_list_of_literals_is_one_parameter_and_locals_match_by_use() -> None:
    # `women`/`men` sort differently from `rate_women`/`rate_men`: matched where the code uses them
    copy = "{0} = a.loc[a.x.isin({1})]['x']\nrate_{0} = sum({0}) / len({0})\nprint({2!r}, rate_{0})"
    conversion = converted(SETUP, FRAMES, copy.format("women", [0, 1], "women:"), copy.format("men", [2, 3], "men:"))
    merged = [f for f in functions(conversion).values() if "len(" in ast.unparse(f)]
    assert len(merged) == 1
    assert [a.arg for a in merged[0].args.args] == ["a", "values", "label"]
    assert [c.split("(", 1)[1] for c in calls_of(conversion, merged[0].name)] == [
        "a, values=[0, 1], label='women:')",
        "a, values=[2, 3], label='men:')",
    ]


def test_one_statement_copies_merge_only_when_nothing_but_names_differ() -> None:
    copy = "best_{0} = -{0}['x'].max()"
    conversion = converted(SETUP, FRAMES, copy.format("a"), "print(best_a)", copy.format("b"), "print(best_b)")
    merged = [f for f in functions(conversion).values() if "max()" in ast.unparse(f)]
    assert len(merged) == 1
    assert [c.split(" = ")[0] for c in calls_of(conversion, merged[0].name)] == ["best_a", "best_b"]


def test_functions_that_take_notebook_variables_are_not_passed_in() -> None:
    # `above` and `below` read `limit`, which each call passes (`above(v, limit=limit)`):
    # a parameter standing for either could not pass it
    helpers = "limit = int('2')\ndef above(v):\n    return v > limit\ndef below(v):\n    return v < limit"
    copy = "n_{0} = {1}(a['x'][0])\nm_{0} = not n_{0}\nprint('{0}', n_{0}, m_{0})"
    conversion = converted(SETUP, FRAMES, helpers, copy.format("a", "above"), copy.format("b", "below"))
    shared = [f for f in functions(conversion).values() if "print(" in ast.unparse(f)]
    assert len(shared) == 2  # one per copy
    assert all("limit=limit" in ast.unparse(f) for f in shared)


@pytest.mark.parametrize(
    "copy",
    [
        "total_{0} = 0\nfor x in[{1}, 2]:\n    total_{0} += x\nprint(total_{0})",  # a list right after `in`
        "total_{0} = 0\nfor x in({1}, 2):\n    total_{0} += x\nprint(total_{0})",
        "flag_{0} = not({1})\nprint(flag_{0})\nprint('done')",  # a number in parentheses after `not`
        "seen_{0} = {1} in[1, 2]\nok_{0} = not[seen_{0}]\nprint(ok_{0})",
    ],
    ids=["in-list", "in-tuple", "not-number", "not-list"],
)
def test_a_literal_right_after_a_word_is_shaped_and_passed_as_well(copy: str) -> None:
    """`in[1, 2]`, `not(0)`: the name put where the literal was had no space after the
    word, which LibCST refuses (the conversion failed with a bug report); it is put in
    parentheses there, so that the copies still merge, and black gives `in values`."""
    conversion = converted(copy.format("a", 1), copy.format("b", 3))
    merged = [function for function in functions(conversion).values() if function.args.args]
    assert len(merged) == 1, sorted(functions(conversion))
    function, (parameter,) = merged[0], [argument.arg for argument in merged[0].args.args]
    calls = calls_of(conversion, function.name)
    assert len(calls) == 2 and "1" in calls[0] and "3" in calls[1] and calls[0] != calls[1]
    assert parameter in {node.id for node in ast.walk(function) if isinstance(node, ast.Name)}


# Code with words glued to literals, brackets and lambdas (`not(0)`, `x in[1, 2]`,
# `1if a else 2`, `not(lambda: 1)`): where rewriting a copy, or LibCST itself, failed.
GLUED = [
    "not(0)",
    "not[{n}]",
    "{n}in[1, 2]",
    "(v)if(v)else[{n}]",
    "-{n}if v else+{n}",
    "'s{n}'in's'",
    "[q for q in({n}, 2)if q]",
    "not(lambda: {n})",
    "v or{n}",
    "{{{n}: 2}}if v else{{}}",
    "f(v, key=({n}))",
]
STATEMENTS = [
    "v = {e}\n",
    "print({e})\n",
    "for x in({e}, 2):\n    v = x\n",
    "if({e}):\n    v = 1\n",
    "while({e}):\n    break\n",
    "assert({e}) or True\n",
]


@st.composite
def glued_copies(draw: st.DrawFn) -> str:
    parts = draw(st.lists(st.tuples(st.sampled_from(STATEMENTS), st.sampled_from(GLUED)), min_size=1, max_size=3))
    return "".join(statement.format(e=expression) for statement, expression in parts)


@settings(max_examples=60, deadline=None)
@given(template=glued_copies())
def test_copies_of_glued_code_convert(template: str) -> None:
    setup = "v = 1\ndef f(a, key=None):\n    return a\n"
    copies = [template.replace("{n}", number).replace("{{", "{").replace("}}", "}") for number in ("1", "3")]
    conversion = converted(setup, *copies, "print(v)")
    assert any(name.endswith(".py") for name in conversion.files)  # converted: no InternalError raised
