"""The analysis contract (DESIGN.md, "Analysis rules"), one table row per rule.

Each case gives the earlier cells, the cell under test, and what that cell defines,
uses and mutates. Earlier cells provide context only (which names exist, which are
notebook functions, imports or aliases); the assertions are about the last cell.
"""

from __future__ import annotations

import pytest

from nb2pkg.analysis import CellFacts, Context, analyse_cell
from nb2pkg.diagnostics import Diagnostic


def facts_of(*cells: str) -> CellFacts:
    context = Context()
    facts = CellFacts()
    for source in cells:
        facts, context = analyse_cell(source, context)
    return facts


# (id, earlier cells, cell, defines, uses, mutates)
CASES = [
    # the DESIGN.md example notebook, cell by cell
    ("import", [], "import pandas as pd", {"pd"}, set(), set()),
    ("read", ["import pandas as pd"], "raw = pd.read_csv(PATH)", {"raw"}, {"pd", "PATH"}, set()),
    ("inplace", ["raw = 1"], "raw.dropna(inplace=True)", set(), {"raw"}, {"raw"}),
    ("setitem", ["raw = 1"], 'raw["ratio"] = raw.a / raw.b', set(), {"raw"}, {"raw"}),
    ("comprehension", [], "clean = [r for r in rows if r]", {"clean"}, {"rows"}, set()),
    ("def defers reads", [], "def scale(v): return v * FACTOR", {"scale"}, set(), set()),
    (
        "call pulls deferred reads",
        ["def scale(v): return v * FACTOR"],
        "out = scale(3)",
        {"out"},
        {"scale", "FACTOR"},
        set(),
    ),
    # bindings
    ("unpacking", [], "a, (b, *c) = f()", {"a", "b", "c"}, {"f"}, set()),
    ("chained assignment", [], "a = b = 0", {"a", "b"}, set(), set()),
    ("annotated with value", [], "n: int = 3", {"n"}, set(), set()),
    ("annotated without value binds nothing", [], "n: int", set(), set(), set()),
    ("augmented reads then writes", [], "total += 1", {"total"}, {"total"}, set()),
    ("augmented after own binding", [], "total = 0\ntotal += 1", {"total"}, set(), set()),
    ("for target leaks", [], "for i in range(3):\n    pass", {"i"}, set(), set()),
    ("with as", [], "with open(p) as fh:\n    text = fh.read()", {"fh", "text"}, {"p"}, set()),
    ("walrus", [], "if (n := len(xs)) > 3:\n    pass", {"n"}, {"xs"}, set()),
    ("walrus in comprehension binds outside", [], "[y := v for v in data]", {"y"}, {"data"}, set()),
    ("comprehension variable does not leak", [], "sq = [k * k for k in ks]", {"sq"}, {"ks"}, set()),
    ("import dotted binds the top", [], "import os.path", {"os"}, set(), set()),
    ("import dotted as", [], "import os.path as osp", {"osp"}, set(), set()),
    ("from import", [], "from a.b import c as d, e", {"d", "e"}, set(), set()),
    ("def and class names", [], "def f():\n    pass\nclass C:\n    pass", {"f", "C"}, set(), set()),
    ("except name is deleted", [], "try:\n    x = 1\nexcept ValueError as err:\n    print(err)", {"x"}, set(), set()),
    (
        "match captures",
        [],
        "match cmd:\n    case [name, *rest]:\n        pass\n    case {'k': v, **kw}:\n        pass",
        {"name", "rest", "v", "kw"},
        {"cmd"},
        set(),
    ),
    (
        "match class and value patterns read",
        [],
        "match p:\n    case Point(x=0):\n        pass\n    case Color.RED:\n        pass",
        set(),
        {"p", "Point", "Color"},
        set(),
    ),
    # uses and evaluation order
    ("value before target", [], "x = x + 1", {"x"}, {"x"}, set()),
    ("read after own binding", [], "x = 1\ny = x", {"x", "y"}, set(), set()),
    ("builtins are not uses", [], "n = len(range(3))\nprint(n)", {"n"}, set(), set()),
    ("rebound builtin is a use", ["list = [1]"], "y = list", {"y"}, {"list"}, set()),
    ("IPython names are not uses", [], "display(1)\nget_ipython()", set(), set(), set()),
    ("first comprehension iterable is outside", [], "[a for a in xs for b in a]", set(), {"xs"}, set()),
    ("comprehension condition", [], "[a for a in xs if a > lim]", set(), {"xs", "lim"}, set()),
    ("dict comprehension", [], "d = {k: w[k] for k in ks}", {"d"}, {"w", "ks"}, set()),
    ("generator", [], "s = sum(v * f for v in vs)", {"s"}, {"vs", "f"}, set()),
    ("inline lambda runs now", [], "df2 = df.apply(lambda r: r * K)", {"df2"}, {"df", "K"}, set()),
    ("lambda parameter is local", [], "g = sorted(xs, key=lambda t: t[1])", {"g"}, {"xs"}, set()),
    ("bound lambda defers", [], "keep = lambda v: v > THRESH", {"keep"}, set(), set()),
    ("bound lambda called", ["keep = lambda v: v > THRESH"], "ok = keep(3)", {"ok"}, {"keep", "THRESH"}, set()),
    (
        "decorator and default are evaluated",
        [],
        "@register(REG)\ndef f(a=DEFAULT):\n    return a",
        {"f"},
        {"register", "REG", "DEFAULT"},
        set(),
    ),
    (
        "postponed annotations are not",
        ["from __future__ import annotations"],
        "def f(a: Frame) -> Result:\n    x: Local = 1\n    return a",
        {"f"},
        set(),
        set(),
    ),
    (
        "__class__ in a method is not a global",
        ["class P:\n    def m(self):\n        return __class__"],
        "p = P()",
        {"p"},
        {"P"},
        set(),
    ),
    (
        "except name bound before stays defined",
        [],
        "e = 1\ntry:\n    pass\nexcept ValueError as e:\n    pass",
        {"e"},
        set(),
        set(),
    ),
    ("annotations are evaluated", [], "def f(a: Frame) -> Result:\n    return a", {"f"}, {"Frame", "Result"}, set()),
    (
        "class body runs now, methods later",
        [],
        "class C(Base):\n    k = K\n    def m(self):\n        return G",
        {"C"},
        {"Base", "K"},
        set(),
    ),
    (
        "class instance runs methods",
        ["class C:\n    def m(self):\n        return G"],
        "c = C()\nc.m()",
        {"c"},
        {"C", "G"},
        set(),
    ),
    ("class body names are local to the class", [], "class C:\n    a = 1\n    b = a + 1", {"C"}, set(), set()),
    (
        "class names invisible to methods",
        [],
        "class C:\n    a = 1\n    def m(self):\n        return a",
        {"C"},
        set(),
        set(),
    ),
    (
        "inherited methods run",
        ["class A:\n    def f(self):\n        return K", "class B(A):\n    pass"],
        "B().f()",
        set(),
        {"B", "K"},
        set(),
    ),
    ("function held in a container", ["def f():\n    return K", "fs = [f]"], "fs[0]()", set(), {"fs", "K"}, set()),
    (
        "function passed to partial",
        ["def f(x):\n    return x + K", "import functools\np = functools.partial(f, 1)"],
        "p()",
        set(),
        {"p", "K"},
        set(),
    ),
    ("returned closure", ["def make():\n    return lambda: K", "h = make()"], "h()", set(), {"h", "K"}, set()),
    ("generator consumed later", ["def gen():\n    yield K", "it = gen()"], "list(it)", set(), {"it", "K"}, set()),
    ("plain call results carry nothing", ["def f():\n    return K", "n = f()"], "m = n + 1", {"m"}, {"n"}, set()),
    ("query reads @names", [], "df.query('a > @lim')", set(), {"df", "lim"}, set()),
    (
        "transitive deferred reads",
        ["def g():\n    return K", "def f():\n    return g()"],
        "f()",
        set(),
        {"f", "g", "K"},
        set(),
    ),
    (
        "function passed as callback",
        ["def keep(v):\n    return v > T"],
        "r = list(filter(keep, xs))",
        {"r"},
        {"keep", "T", "xs"},
        set(),
    ),
    ("deferred read bound earlier in cell", ["def f():\n    return K"], "K = 1\nf()", {"K"}, {"f"}, set()),
    ("function local shadows global", [], "def f():\n    x = 1\n    return x", {"f"}, set(), set()),
    (
        "nested function closure",
        ["def outer():\n    k = 1\n    def inner():\n        return k + G\n    return inner()"],
        "outer()",
        set(),
        {"outer", "G"},
        set(),
    ),
    ("del needs the name", [], "del tmp", set(), {"tmp"}, set()),
    ("del of own binding", [], "tmp = 1\ndel tmp", set(), set(), set()),
    ("del item mutates", [], "del d['k']", set(), {"d"}, {"d"}),
    ("star import", [], "from math import *", set(), set(), set()),
    ("names after a star import come from it", [], "from math import *\nr = sqrt(2)", {"r"}, set(), set()),
    ("known names after a star import are uses", ["sqrt = 1"], "from math import *\nr = sqrt", {"r"}, {"sqrt"}, set()),
    # magics and shell lines
    ("time runs code", ["def fit(v):\n    return v"], "%time model = fit(X)", {"model"}, {"fit", "X"}, set()),
    ("timeit has its own namespace", [], "%timeit -n 3 tmp = work(X)", set(), {"work", "X"}, set()),
    ("cell time", [], "%%time\nres = go(Y)", {"res"}, {"go", "Y"}, set()),
    ("capture binds its name", [], "%%capture out\nprint(q)", {"out"}, {"q"}, set()),
    ("getoutput binds", [], "files = !ls", {"files"}, set(), set()),
    ("shell expansion of a known name", ["folder = 'x'"], "!ls {folder} $HOME", set(), {"folder"}, set()),
    ("notebook-only magic", [], "%matplotlib inline", set(), set(), set()),
    ("help is not a use", [], "df?", set(), set(), set()),
    ("foreign cell magic", [], "%%bash\necho $x", set(), set(), set()),
    ("magic inside a function body", [], "def f():\n    %time g()", {"f"}, set(), set()),
    # mutation
    ("attribute assignment", [], "obj.attr = 1", set(), {"obj"}, {"obj"}),
    ("augmented item", [], "counts[k] += 1", set(), {"counts", "k"}, {"counts"}),
    ("method call mutates", [], "items.append(1)", set(), {"items"}, {"items"}),
    ("fit mutates the model", [], "model.fit(X, y)", set(), {"model", "X", "y"}, {"model"}),
    ("non-mutating method", [], "df.head()", set(), {"df"}, set()),
    ("sort_values returns new", [], "s = df.sort_values('a')", {"s"}, {"df"}, set()),
    ("sort_values inplace", [], "df.sort_values('a', inplace=True)", set(), {"df"}, {"df"}),
    ("chain through subscript", [], "df['a'].fillna(0, inplace=True)", set(), {"df"}, {"df"}),
    ("loc assignment", [], "df.loc[mask, 'a'] = 0", set(), {"df", "mask"}, {"df"}),
    ("call result is a new object", [], "df.groupby('a').mean()", set(), {"df"}, set()),
    ("imported modules are never mutated", ["import numpy as np"], "np.random.seed(0)", set(), {"np"}, set()),
    ("shuffle mutates its argument", ["import random"], "random.shuffle(deck)", set(), {"random", "deck"}, {"deck"}),
    ("own object is not listed", [], "xs = []\nxs.append(1)", {"xs"}, set(), set()),
    ("rebinding then mutation", [], "df = df.copy()\ndf['a'] = 1", {"df"}, {"df"}, set()),
    ("mutation then rebinding", [], "df['a'] = 1\ndf = df[df.a > 0]", {"df"}, {"df"}, {"df"}),
    ("alias in the same cell", [], "b = a\nb.append(1)", {"b"}, {"a"}, {"a"}),
    ("alias from an earlier cell", ["a = []", "b = a"], "b.append(1)", set(), {"b"}, {"a", "b"}),
    ("alias broken by rebinding", ["a = []", "b = a", "a = [0]"], "b.append(1)", set(), {"b"}, {"b"}),
    ("loop variable aliases items", [], "for d in frames:\n    d.dropna(inplace=True)", {"d"}, {"frames"}, {"frames"}),
    (
        "function mutating its parameter",
        ["def clean(d):\n    d.dropna(inplace=True)"],
        "clean(raw)",
        set(),
        {"clean", "raw"},
        {"raw"},
    ),
    (
        "function mutating a keyword parameter",
        ["def clean(d, how):\n    d[how] = 0"],
        "clean(how='a', d=raw)",
        set(),
        {"clean", "raw"},
        {"raw"},
    ),
    ("function mutating a global", ["def log(v):\n    seen.append(v)"], "log(1)", set(), {"log", "seen"}, {"seen"}),
    (
        "global rebinding through a call",
        ["def bump():\n    global counter\n    counter += 1"],
        "bump()",
        {"counter"},
        {"bump", "counter"},
        set(),
    ),
]


@pytest.mark.parametrize(
    ("earlier", "cell", "defines", "uses", "mutates"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_cell_facts(earlier: list[str], cell: str, defines: set[str], uses: set[str], mutates: set[str]) -> None:
    facts = facts_of(*earlier, cell)
    assert facts.parse_error is None
    assert (set(facts.defines), set(facts.uses), set(facts.mutates)) == (defines, uses, mutates)


def test_mutates_only_names_bound_before_the_cell() -> None:
    facts = facts_of("frame = load()\nframe.dropna(inplace=True)\nframe['x'] = 1")
    assert facts.mutates == frozenset()
    assert facts.defines == {"frame"}


def test_deletes_are_recorded_and_undefine() -> None:
    facts = facts_of("x = 1", "y = x\ndel x")
    assert facts.deletes == {"x"}
    assert "x" not in facts.defines


def test_imports_lists_modules() -> None:
    facts = facts_of(
        "from __future__ import annotations\nimport os.path\n"
        "from sklearn.linear_model import LinearRegression\nimport numpy as np\nfrom . import local"
    )
    assert facts.imports == {"os.path", "sklearn.linear_model", "numpy", "."}


def test_deferred_facts_of_defined_functions() -> None:
    facts = facts_of("def f(d, k=1):\n    d[k] = LIMIT\n    seen.append(k)\n    return helper(d)")
    ((name, deferred),) = facts.functions
    assert name == "f"
    assert deferred.reads == {"LIMIT", "seen", "helper"}
    assert deferred.mutates == {"seen"}
    assert deferred.mutated_params == {"d"}
    assert deferred.params == ("d", "k")


def test_magic_labels_and_policies() -> None:
    facts = facts_of("%matplotlib inline\n!pip install seaborn\nx = %time f()\nfiles = !ls\ndf?")
    assert [m.label for m in facts.magics] == ["%matplotlib", "!pip", "%time", "!ls", "?"]
    assert [m.policy.value for m in facts.magics] == ["notebook", "shell", "code", "shell", "notebook"]
    assert facts.magics[1].packages == ("seaborn",)


def test_cell_magic_label() -> None:
    facts = facts_of("%%writefile out.txt\nhello")
    assert [m.label for m in facts.magics] == ["%%writefile"]
    assert facts.python is None and not facts.warnings


def test_python2_cell_reports_line_and_is_not_analysed() -> None:
    facts = facts_of("x = 1\nprint x")
    assert facts.parse_error is not None
    assert facts.parse_error.line == 2
    assert "print" in facts.parse_error.message
    assert facts.defines == frozenset()
    assert any(w.line == 2 and w.message.startswith("does not parse") for w in facts.warnings)


def test_parse_error_line_counts_the_cell_magic_line() -> None:
    facts = facts_of("%%time\nx = 1\ny = (")
    assert facts.parse_error is not None and facts.parse_error.line == 3


@pytest.mark.parametrize(
    ("cell", "fragment"),
    [
        ("def f():\n    global g\n    g = 1", "`global g` in notebook function `f`"),
        ("from os import *", "`from os import *`"),
        ("exec('x = 1')", "uses `exec`"),
        ("y = eval('1')", "uses `eval`"),
        ("names = globals()", "uses `globals`"),
        ("%cd data", "`%cd` changes the working folder"),
        ("%mystery arg", "unknown magic `%mystery`"),
        ("%%mystery\nbody", "unknown cell magic `%%mystery`"),
        ("x = 1\n%time y = (", "the code of `%time` does not parse"),
    ],
)
def test_warnings(cell: str, fragment: str) -> None:
    assert any(fragment in warning.message for warning in facts_of(cell).warnings), facts_of(cell).warnings


@pytest.mark.parametrize(
    "cell",
    ["x = 1", "print('hi')", "def f():\n    return 1", "import os", "%matplotlib inline", "df = df.copy()"],
)
def test_no_warnings_for_plain_code(cell: str) -> None:
    assert facts_of(cell).warnings == ()


def test_warning_names_the_statement_line() -> None:
    facts = facts_of("a = 1\n\n# comment\nexec('b = 2')")
    assert facts.warnings == (Diagnostic(None, 4, "uses `exec`: names it reads or binds are invisible to nb2pkg"),)
