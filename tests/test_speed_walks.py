"""The plan's and the analysis's reading walks that moved from LibCST's visit to
`walk_nodes` (issue 16) answer what the visit answered: whether an expression only
computes (`computes_only`), whether a definition calls code (`import_time._calls`), the
free names of a lambda or generator (`free_names`), a cell's imports in source order
(`imports._imports_in`), on generated code and on every corpus cell. The visit is
reached by patching each module's `walk_nodes`, or is the visitor the walk replaced."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from types import ModuleType
from typing import TypeVar

import libcst as cst
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from nb2pkg.analysis import closures, import_time
from nb2pkg.plan import imports, purity
from support import corpus_cell_modules, corpus_notebooks

NOTEBOOKS = corpus_notebooks()
IMPORTS = {"np": "numpy", "pd": "pandas", "plt": "matplotlib.pyplot", "random": "random", "os": "os"}
PLOTS = frozenset({"ax", "fig"})
IMPORTED = frozenset({"np", "functools", "lru_cache", "dataclass"})

ATOMS = st.sampled_from(["a", "df", "np", "pd", "plt", "ax", "random", "lru_cache", "1", "'s'", "None"])
METHODS = st.sampled_from(["mean", "append", "plot", "set_title", "sort", "copy", "lru_cache", "seed", "to_csv"])


def _compound(parts: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(parts, parts).map(lambda p: f"{p[0]}({p[1]})"),
        st.tuples(parts, METHODS, parts, parts).map(lambda p: f"{p[0]}.{p[1]}({p[2]}, key={p[3]})"),
        st.tuples(parts, parts).map(lambda p: f"{p[0]}[{p[1]}]"),
        st.tuples(parts, parts).map(lambda p: f"({p[0]} + {p[1]})"),
        parts.map(lambda p: f"(z := {p})"),
        parts.map(lambda p: f"(lambda q, *r, k=a: {p} + q)"),
        st.tuples(parts, parts).map(lambda p: f"[q for q in {p[0]} if {p[1]}]"),
        st.tuples(parts, parts).map(lambda p: f"(q.b for q, w in {p[0]} for v in {p[1]})"),
        parts.map(lambda p: f"(yield {p})"),
        parts.map(lambda p: f"(await {p})"),
        parts.map(lambda p: f'f"{{{p}!r}}"'),
        st.tuples(parts, parts).map(lambda p: f"{{{p[0]}: {p[1]}}}"),
        st.tuples(parts, parts, parts).map(lambda p: f"({p[0]} if {p[1]} else {p[2]})"),
        st.tuples(parts, parts).map(lambda p: f"g(*{p[0]}, **{p[1]}, inplace=True)"),
    )


EXPRESSIONS = st.recursive(ATOMS, _compound, max_leaves=8)


def _expression(code: str) -> cst.BaseExpression:
    try:
        return cst.parse_expression(code)
    except cst.ParserSyntaxError:
        assume(False)
        raise


def _libcsts_visit(node: cst.CSTNode, enter: Callable[[cst.CSTNode], bool | None]) -> None:
    """`walk_nodes` as LibCST's visit: `enter` is a visitor's bound `on_visit`."""
    visitor = enter.__self__  # type: ignore[attr-defined]
    assert isinstance(visitor, cst.CSTVisitor)
    node.visit(visitor)


T = TypeVar("T")


def _both(module: ModuleType, answer: Callable[[], T]) -> tuple[T, T]:
    """`answer()` walked by `walk_nodes`, and by LibCST's visit."""
    fast = answer()
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(module, "walk_nodes", _libcsts_visit)
        return fast, answer()


def _calls_and_binds(node: cst.CSTNode) -> tuple[Counter[int], bool]:
    walk = purity._CallsAndBindings()
    purity.walk_nodes(node, walk.on_visit)
    return Counter(id(call) for call in walk.calls), walk.binds


def _same_answers(node: cst.BaseExpression) -> None:
    fast, visited = _both(purity, lambda: _calls_and_binds(node))
    assert fast == visited
    for plots in (PLOTS, frozenset()):
        fast, visited = _both(purity, partial(purity.computes_only, node, IMPORTS, plots))
        assert fast == visited
    fast, visited = _both(import_time, lambda: import_time._calls(node, IMPORTED))
    assert fast == visited
    if isinstance(node, (cst.Lambda, cst.GeneratorExp)):
        fast, visited = _both(closures, lambda: closures.free_names(node))
        assert fast == visited


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(EXPRESSIONS)
def test_the_walks_of_generated_expressions_are_libcsts_visit(code: str) -> None:
    node = _expression(code)
    _same_answers(node)
    for inner in _expressions_in(node):
        _same_answers(inner)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(EXPRESSIONS, EXPRESSIONS)
def test_free_names_of_generated_closures_are_those_of_libcsts_visit(body: str, iterable: str) -> None:
    for code in (f"lambda q, *r, k={iterable}: {body}", f"({body} for q in {iterable} if q for w in {body})"):
        node = _expression(code)
        assert isinstance(node, (cst.Lambda, cst.GeneratorExp))
        fast, visited = _both(closures, partial(closures.free_names, node))
        assert fast == visited


def test_free_names_skip_attributes_and_keywords_both_ways() -> None:
    node = _expression("lambda q: f(a.b, key=c, *q) + [w for w in d]")
    assert isinstance(node, cst.Lambda)
    assert _both(closures, lambda: closures.free_names(node)) == ({"f", "a", "c", "d"},) * 2


IMPORT_LINES = st.sampled_from(
    ["import np", "import os.path as np", "from a import (b as np,\n    c)", "from . import x", "np = 1"]
)


@st.composite
def blocks(draw: st.DrawFn, depth: int = 2) -> list[str]:
    """Lines of statements with imports in every place a statement goes."""
    line = draw(st.lists(IMPORT_LINES, min_size=1, max_size=3)).copy()
    simple = [line[0]] if "\n" in line[0] else ["; ".join(line)]
    if depth == 0:
        return simple

    def body() -> list[str]:
        return [f"    {ln}" for ln in draw(blocks(depth - 1))]

    compound = [
        ["if a:", *body(), "elif b:", *body(), "else:", *body()],
        ["try:", *body(), "except E:", *body(), "else:", *body(), "finally:", *body()],
        ["for x in y:", *body(), "else:", *body()],
        ["while a:", *body(), "else:", *body()],
        ["with f() as g:", *body()],
        ["@d", "def f(a=lambda: 1):", *body()],
        ["class C(B):", *body()],
        ["match a:", "    case [b]:", *[f"    {ln}" for ln in body()], "    case _:", *[f"    {ln}" for ln in body()]],
        ["if a: import np; import x"],
    ]
    return draw(st.sampled_from([simple, *compound]))


class _Imports(cst.CSTVisitor):
    """`imports._imports_in` as LibCST's visit."""

    def __init__(self) -> None:
        self.found: list[cst.CSTNode] = []

    def visit_Import(self, node: cst.Import) -> None:
        self.found.append(node)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        self.found.append(node)


def _same_imports(module: cst.Module) -> None:
    visitor = _Imports()
    module.visit(visitor)
    assert [id(n) for n in imports._imports_in(module)] == [id(n) for n in visitor.found]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(blocks(), min_size=1, max_size=3))
def test_the_imports_of_generated_modules_are_in_libcsts_order(parts: list[list[str]]) -> None:
    _same_imports(cst.parse_module("\n".join(line for part in parts for line in part) + "\n"))


def _expressions_in(node: cst.CSTNode) -> Iterator[cst.BaseExpression]:
    found: list[cst.BaseExpression] = []

    class Expressions(cst.CSTVisitor):
        def on_visit(self, node: cst.CSTNode) -> bool:
            if isinstance(node, cst.BaseExpression):
                found.append(node)
            return True

    node.visit(Expressions())
    return iter(found)


@pytest.mark.slow
@pytest.mark.corpus
@pytest.mark.skipif(not NOTEBOOKS, reason="the shared corpus is not beside the checkout")
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name[:60] for p in NOTEBOOKS])
def test_the_walks_of_corpus_cells_are_libcsts_visit(path: Path) -> None:
    for module in corpus_cell_modules(path):
        _same_imports(module)
        for node in _expressions_in(module):
            _same_answers(node)
