"""Lifting notebook variables into parameters: when it applies, and when the function
must stay in the notebook instead."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import libcst as cst
import pytest

from nb2pkg.analysis import parse
from nb2pkg.convert import convert
from nb2pkg.dataflow import build_dataflow
from nb2pkg.notebook import read_notebook
from nb2pkg.plan.definitions import _references
from support import analysed_corpus_code, corpus_notebooks, make_notebook, write_notebook

NOTEBOOKS = corpus_notebooks()

HELPER = "def above(value):\n    return value > limit"


def converted(tmp_path: Path, cells: list[str]) -> str:
    path = write_notebook(tmp_path / "nb.ipynb", make_notebook(["limit = len('abc')", *cells]))
    files = convert(build_dataflow(read_notebook(path)), tmp_path / "out").files
    return "\n".join(text for name, text in files.items() if name.endswith(".py"))


def test_direct_calls_lift_the_variable(tmp_path: Path) -> None:
    code = converted(tmp_path, [HELPER, "flags = [above(x) for x in range(5)]\nprint(flags)"])
    assert "def above(value, *, limit):" in code
    assert "flags = [above(x, limit=limit) for x in range(5)]" in code


def test_only_the_calls_get_the_variable_beside_an_attribute_of_the_same_name(tmp_path: Path) -> None:
    # one cell of several statements: each statement is rewritten only if it names the function
    cell = (
        "import types\nfirst = above(1)\nobj = types.SimpleNamespace(above=abs)\n"
        "second = obj.above(-2)\nthird = [above(v) for v in (first, second)]\nprint(third)"
    )
    code = converted(tmp_path, [HELPER, cell])
    assert "first = above(1, limit=limit)" in code
    assert "second = obj.above(-2)" in code
    assert "third = [above(v, limit=limit) for v in (first, second)]" in code


@pytest.mark.parametrize(
    "cells",
    [
        [HELPER, "import pandas as pd\nkept = pd.Series([1, 5]).apply(above)\nprint(kept)"],  # a callback
        [HELPER, "%timeit above(3)"],  # called from a cell kept as written (a magic)
        ["def above(value):\n    global limit\n    limit += 1\n    return value > limit", "above(3)"],
        ["def above(value, floor=limit):\n    return value > floor", "print(above(3))"],  # default
        [HELPER, "def twice(v):\n    return above(v) and above(v + 1)", "print(twice(2))"],  # from a function
        # its decorator would see `limit` as an argument: the cache would key on it
        ["import functools", "@functools.lru_cache\ndef above(value):\n    return value > limit", "flag = above(3)"],
        # `above(3, limit=1)` would bind the lifted parameter, not go into `**options`
        ["def above(value, **options):\n    return value > limit", "flag = above(3, limit=1)"],
        # `map(above, ...)` inside it could not pass `limit`
        ["def above(value):\n    return value > limit or any(map(above, []))", "flag = above(3)"],
        # there `limit=limit` would pass the comprehension's, the lambda's, the class's own
        [HELPER, "flags = [above(0) for limit in range(3)]"],
        [HELPER, "check = lambda limit: above(limit)\nflag = check(2)"],
        [HELPER, "class Bounds:\n    limit = 100\n    flag = above(5)"],
        # its own call of itself would pass the comprehension's `limit` on
        ["def above(n):\n    return limit if n == 0 else sum([above(n - 1) for limit in range(2)])", "flag = above(2)"],
    ],
    ids=[
        "callback",
        "kept cell",
        "global",
        "default value",
        "called by a function",
        "decorated",
        "kwargs",
        "itself",
        "comprehension",
        "lambda",
        "class",
        "itself in a comprehension",
    ],
)
def test_no_lifting(tmp_path: Path, cells: list[str]) -> None:
    code = converted(tmp_path, cells)
    assert "*, limit" not in code


def test_a_function_that_calls_itself_passes_the_variable_on(tmp_path: Path) -> None:
    cells = ["def depth(n):\n    return limit if n == 0 else depth(n - 1)", "levels = depth(2)"]
    code = converted(tmp_path, cells)
    assert "def depth(n, *, limit):\n    return limit if n == 0 else depth(n - 1, limit=limit)" in code
    assert "levels = depth(2, limit=limit)" in code


class _VisitedReferences(cst.CSTVisitor):
    """What `_references` counted by a LibCST visit, before it walked the fields."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name, self.calls, self.other = name, 0, 0

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name) and node.func.value == self.name:
            self.calls, self.other = self.calls + 1, self.other - 1

    def visit_Name(self, node: cst.Name) -> None:
        self.other += node.value == self.name

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        node.value.visit(self)
        return False

    def visit_Arg(self, node: cst.Arg) -> bool:
        node.value.visit(self)
        return False


def _visited(name: str, statements: Sequence[cst.BaseStatement]) -> tuple[int, int]:
    visitor = _VisitedReferences(name)
    for statement in statements:
        statement.visit(visitor)
    return visitor.calls, visitor.other


# Every place a name can stand: called, read, an attribute, a keyword, bound, imported,
# declared, a parameter, a pattern, a decorator, inside f-strings and comprehensions.
REFERENCE_CELLS = [
    "f(x)\nf(f(1))\nobj.f(f)\ng(f=1)\ng(f=f)\nf.attr(1)\n(f)(2)\nf[0](3)",
    "def f(f=f, *f_, **k): return f\nclass f(f): f = 1\n@f\n@f.x(f)\ndef g(): pass",
    "import f\nimport f.g as h\nimport x.f\nfrom f import g\nfrom m import f as f2, f\nfrom .f import f",
    "global f\nx = [f(i) for f in y if f]\ny = lambda f: f(1)\nprint(f'{f(1)} {f!r}')\ndel f",
    "try:\n    pass\nexcept f as f:\n    pass\nwith f() as f, g(f) as (a, f): pass\nfor f in f(): f += 1",
    "match x:\n    case {'a': f, **f}: pass\n    case C(f=f, x=[*f]): pass\n    case f.y | f: pass",
    "async def g():\n    await f()\n    async for f in f(): pass\nf: f = f\nx = f if f else f()",
]


@pytest.mark.parametrize("code", REFERENCE_CELLS)
def test_references_are_counted_as_a_libcst_visit_counts_them(code: str) -> None:
    statements = cst.parse_module(code).body
    for name in ("f", "g", "x", "y", "k", "h", "missing"):
        assert _references(name, tuple(statements)) == _visited(name, statements), (name, code)


@pytest.mark.slow
@pytest.mark.corpus
@pytest.mark.skipif(not NOTEBOOKS, reason="the shared corpus is not beside the checkout")
def test_corpus_references_are_counted_as_a_libcst_visit_counts_them() -> None:
    compared = 0
    for path, python in analysed_corpus_code():
        statements = parse(python).body
        for name in sorted(set(re.findall(r"[A-Za-z_]\w*", python)))[:40]:
            assert _references(name, tuple(statements)) == _visited(name, statements), (path.name, name)
            compared += 1
    assert compared > 1000
