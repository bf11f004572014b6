"""The analysis's reading walks over LibCST trees (analysis.scopes.walk_nodes, issue 16)
see what LibCST's own visit sees: the names a function body binds
(`LocalBindings.collect`), whether it makes functions (`_makes_functions`), and so the
names every rendered module imports, on generated code and on every corpus cell."""

from __future__ import annotations

import inspect
from pathlib import Path

import libcst as cst
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from nb2pkg.analysis import LocalBindings, derives
from nb2pkg.analysis.expressions import _KINDS, _makes_functions
from nb2pkg.analysis.facts import Deferred
from nb2pkg.dataflow import build_dataflow
from nb2pkg.errors import InputError
from nb2pkg.notebook import read_notebook
from nb2pkg.plan import build_plan, build_segments
from nb2pkg.plan.clone_rewrite import LITERALS
from nb2pkg.render.modules import _import_code, lazy_annotations, needed_names, step_function
from support import corpus_cell_modules, corpus_notebooks

NOTEBOOKS = corpus_notebooks()
NAMES = st.sampled_from(["a", "b", "df", "f", "g", "x", "print"])
EXPRESSIONS = st.sampled_from(
    [
        "a",
        "f(b, k=x)",
        "[y for y in a if y]",
        "(z := b)",
        "lambda q: q + a",
        "{k: v for k, v in df}",
        "(w for w in g)",
        "a.b[x]",
        'f"{df}"',
        "yield a",
        "g(*a, **df)",
    ]
)


@st.composite
def statements(draw: st.DrawFn, depth: int = 2) -> list[str]:
    """Lines of one statement, of every kind that binds, reads or opens a scope."""
    name, other, value = draw(NAMES), draw(NAMES), draw(EXPRESSIONS)
    simple = [
        f"{name} = {value}",
        f"{name}, *{other} = {value}",
        f"{name} += {value}",
        f"{name}: int = {value}",
        f"{name}.attr = {value}",
        f"{value}",
        f"del {name}",
        f"import os.path as {name}",
        f"from m import {name}, {other} as c",
        f"global {name}",
        f"nonlocal {other}",
        f"return {value}",
    ]
    if depth == 0:
        return [draw(st.sampled_from(simple))]
    body = [f"    {line}" for _ in range(draw(st.integers(1, 2))) for line in draw(statements(depth - 1))]
    compound = [
        [f"for {name} in {value}:", *body],
        [f"with {value} as {name}, f() as ({other}, c):", *body],
        ["try:", *body, f"except E as {name}:", "    pass"],
        [f"@{other}", f"def {name}(p, *r, s={value}, **t) -> {other}:", *body],
        [f"class {name}({other}):", *body],
        [f"if {value}:", *body, "else:", *body],
        [f"match {value}:", f"    case [{name}, *{other}]:", *[f"    {line}" for line in body]],
    ]
    return draw(st.sampled_from([[line] for line in simple] + compound))


@st.composite
def bodies(draw: st.DrawFn) -> cst.IndentedBlock:
    lines = [f"    {line}" for _ in range(draw(st.integers(1, 4))) for line in draw(statements())]
    try:
        function = cst.parse_statement("def step(a, *, b=1):\n" + "\n".join(lines) + "\n")
    except cst.ParserSyntaxError:  # `with yield a as x:`: not Python
        assume(False)
    assert isinstance(function, cst.FunctionDef) and isinstance(function.body, cst.IndentedBlock)
    return function.body


def _visited(node: cst.CSTNode) -> tuple[set[str], set[str], set[str]]:
    collector = LocalBindings()
    node.visit(collector)
    return collector.bound, collector.declared_global, collector.declared_nonlocal


def _collected(node: cst.CSTNode) -> tuple[set[str], set[str], set[str]]:
    collector = LocalBindings()
    collector.collect(node)
    return collector.bound, collector.declared_global, collector.declared_nonlocal


MAKERS = ({}, {"f": Deferred(returns_callable=True), "g": Deferred(is_class=True)})


class Maker(cst.CSTVisitor):
    """`_makes_functions` as LibCST's visit with `isinstance` checks."""

    def __init__(self, functions: dict[str, Deferred]) -> None:
        self.functions = functions
        self.found = False

    def on_visit(self, node: cst.CSTNode) -> bool:
        making = (cst.FunctionDef, cst.Lambda, cst.ClassDef, cst.GeneratorExp, cst.Yield)
        called = (
            self.functions.get(node.func.value)
            if isinstance(node, cst.Call) and isinstance(node.func, cst.Name)
            else None
        )
        maker = called is not None and (called.returns_callable or called.is_class)
        self.found = self.found or isinstance(node, making) or maker
        return not self.found


def _same_walks(node: cst.CSTNode) -> None:
    assert _collected(node) == _visited(node)
    if isinstance(node, cst.BaseSuite):
        for functions in MAKERS:
            maker = Maker(functions)
            node.visit(maker)
            assert _makes_functions(node, functions) == maker.found


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bodies())
def test_the_walk_of_generated_bodies_is_libcsts_visit(body: cst.IndentedBlock) -> None:
    _same_walks(body)
    for statement in body.body:
        _same_walks(statement)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(bodies(), min_size=1, max_size=3), st.booleans())
def test_needed_names_of_generated_modules_are_those_of_libcsts_visit(
    blocks: list[cst.IndentedBlock], lazy: bool
) -> None:
    functions = [cst.parse_statement(f"def step_{i}(a):\n    pass\n") for i in range(len(blocks))]
    tree = cst.Module(body=[f.with_changes(body=b) for f, b in zip(functions, blocks, strict=True)])
    code = tree.code
    fast = needed_names(code, lazy, tree)
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(LocalBindings, "collect", _libcsts_visit)
        assert needed_names(code, lazy, tree) == fast


def _function_bodies(module: cst.Module) -> list[cst.CSTNode]:
    found: list[cst.CSTNode] = [module]

    class Bodies(cst.CSTVisitor):
        def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
            found.append(node.body)

        def visit_Lambda(self, node: cst.Lambda) -> None:
            found.append(node.body)

        def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
            found.append(node)

    module.visit(Bodies())
    return found


@pytest.mark.slow
@pytest.mark.corpus
@pytest.mark.skipif(not NOTEBOOKS, reason="the shared corpus is not beside the checkout")
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name[:60] for p in NOTEBOOKS])
def test_the_walk_of_corpus_cells_is_libcsts_visit(path: Path) -> None:
    for module in corpus_cell_modules(path):
        for node in _function_bodies(module):
            _same_walks(node)


@pytest.mark.parametrize(
    "code",
    ["import a; import b\n", "from a import (b,\n  c)  # x\n", "import a.b as c  # c\n", "from . import x as y;\n"],
)
def test_an_imports_line_is_the_import_printed_alone(code: str) -> None:
    for statement in cst.parse_module(code).body:
        assert isinstance(statement, cst.SimpleStatementLine)
        for node in statement.body:
            assert isinstance(node, (cst.Import, cst.ImportFrom))
            line = cst.Module(body=[cst.SimpleStatementLine([node])]).code.strip()
            assert _import_code(node) == line


def _libcsts_visit(self: LocalBindings, node: cst.CSTNode) -> None:
    node.visit(self)


@pytest.mark.slow
@pytest.mark.corpus
@pytest.mark.skipif(not NOTEBOOKS, reason="the shared corpus is not beside the checkout")
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name[:60] for p in NOTEBOOKS])
def test_needed_names_of_corpus_steps_are_those_of_libcsts_visit(path: Path) -> None:
    try:
        plan = build_plan(build_segments(build_dataflow(read_notebook(path))))
    except InputError:
        return
    lifted, lazy = plan.lifted(), lazy_annotations(plan)
    for step in plan.steps:
        tree = cst.Module(body=[step_function(step, lifted)])
        code = tree.code
        fast = needed_names(code, lazy, tree)
        with pytest.MonkeyPatch.context() as patched:
            patched.setattr(LocalBindings, "collect", _libcsts_visit)
            assert needed_names(code, lazy, tree) == fast, (path.name, step.name)


def test_derives_answers_as_issubclass_for_every_libcst_class() -> None:
    """`derives` reads the method resolution order where `issubclass` asks the abstract
    classes: the same answer for every LibCST class, and for other classes a field holds,
    against every base the analysis and the plan ask about."""
    classes = [c for _, c in inspect.getmembers(cst, inspect.isclass)]
    classes += [str, int, tuple, list, type(None), cst.MaybeSentinel]
    bases = [b for _, b in _KINDS] + [cst.CSTNode, cst.BaseExpression, cst.BaseStatement, LITERALS]
    assert len(classes) > 200
    assert [(c, b) for c in classes for b in bases if derives(c, b) != issubclass(c, b)] == []
