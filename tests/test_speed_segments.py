"""The segments' shortcuts find what the full walks find (issue 16): `calls_anywhere`,
which reads the nodes' fields and skips punctuation, finds the calls LibCST's walk
(`calls_in`) finds, and `analysis.visit_fields` collects the names LibCST's walk of
`LocalBindings` collects, on generated code of every kind of expression and statement,
and on every statement of the corpus."""

from __future__ import annotations

import json

import libcst as cst
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nb2pkg.analysis import LocalBindings, paths, visit_fields
from nb2pkg.analysis.paths import path_facts
from nb2pkg.ipython import to_python
from nb2pkg.plan.displays import calls_anywhere, calls_in
from support import corpus_notebooks

# Each template holds one or two `{}`, where an expression goes.
EXPRESSIONS = (
    "f({})",
    "a.b({}, k={})",
    "{}[{}:{}]",
    "({}, {})",
    "[{} for i in {} if {}]",
    "{{}: {}}",
    "{{}, *{}}",
    "(lambda q=({}): {})",
    'f"{g(x)!r:>{w[h()]}}"',  # a leaf: f-strings in f-strings need other quotes
    "({} if {} else {})",
    "({} < {} <= {})",
    "(not {} or {})",
    "-({})",
    "(y := {})",
    "g(*{}, **{})",
    "({}).attr",
    "(await g({}))",
    "x",
    "1",
    "'s'",
)
STATEMENTS = (
    "{}",
    "x = {}",
    "x[{}] += {}",
    "del x[{}]",
    "@d({})\ndef h(p: {} = {}) -> {}:\n    return {}",
    "class K({}, metaclass={}):\n    v: {} = {}",
    "with {} as (u, w), {}:\n    pass",
    "for t in {}:\n    yield {}",
    "try:\n    {}\nexcept {} as e:\n    raise {} from {}",
    "assert {}, {}",
    "if {}:  # f(comment)\n    pass\nelif {}:\n    pass",
    "print({}); {}",
    "a, *b = c[0].d = {}",
    "n: int = {}",
    "m //= {}",
    "import os.path as op, sys",
    "from . import (x as y, z)",
    "global gl; nonlocal nl",
    "match {}:\n    case [1, *rest] | {'k': km, **other} if {}:\n        pass\n    case P(x=px) as whole:\n        pass",
    "async with {} as aw:\n    async for af in {}:\n        pass",
    "def inner(ip):\n    lv = {}",
    "class Inner:\n    cv = {}",
    "try:\n    pass\nexcept* E as eg:\n    del dv, dw[0]",
    "while (wl := {}):\n    break",
)


def _filled(template: str, draw: st.DrawFn, depth: int) -> str:
    pieces = template.split("{}")
    if len(pieces) == 1:
        return template
    return "".join(p + (_expression(draw, depth + 1) if i < len(pieces) - 1 else "") for i, p in enumerate(pieces))


def _expression(draw: st.DrawFn, depth: int) -> str:
    choices = EXPRESSIONS if depth < 3 else EXPRESSIONS[-3:]
    return _filled(draw(st.sampled_from(choices)), draw, depth)


@st.composite
def statements(draw: st.DrawFn) -> str:
    return _filled(draw(st.sampled_from(STATEMENTS)), draw, 0)


def _same_calls(node: cst.CSTNode) -> bool:
    return sorted(map(id, calls_anywhere(node))) == sorted(map(id, calls_in(node)))


def _same_bindings(node: cst.CSTNode) -> bool:
    walked, read = LocalBindings(), LocalBindings()
    node.visit(walked)
    visit_fields(node, read)
    found = (read.bound, read.declared_global, read.declared_nonlocal)
    return found == (walked.bound, walked.declared_global, walked.declared_nonlocal)


@settings(max_examples=150, deadline=None)
@given(st.lists(statements(), min_size=1, max_size=3))
def test_field_reads_find_what_the_walks_find(lines: list[str]) -> None:
    code = "async def outer():\n" + "".join(f"    {line}\n".replace("\n", "\n    ").rstrip() + "\n" for line in lines)
    module = cst.parse_module(code)
    inner = module.body[0].body.body  # type: ignore[attr-defined]
    assert _same_calls(module)
    assert all(_same_calls(s) for s in inner)
    assert all(_same_bindings(s) for s in inner)  # the function's own body, not its name


def _walked(node: cst.CSTNode, visitor: cst.CSTVisitor) -> None:
    node.visit(visitor)


@settings(max_examples=100, deadline=None)
@given(st.lists(statements(), min_size=1, max_size=4))
def test_path_facts_are_those_of_the_walks(lines: list[str]) -> None:
    """Partial bindings and first reads with every visitor of analysis/paths.py read from
    the fields, as with LibCST's walks."""
    code = "".join(line + "\n" for line in lines).replace("(await ", "(")
    code = code.replace("async ", "").replace("    yield", "    y =")
    body = cst.parse_module(code).body
    read = path_facts(body)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(paths, "visit_fields", _walked)
        assert read == path_facts(body)


@pytest.mark.slow
@pytest.mark.corpus
def test_field_reads_on_the_corpus() -> None:
    notebooks = corpus_notebooks()
    if not notebooks:
        pytest.skip("corpus not available")
    checked = 0
    for path in notebooks:
        for cell in json.loads(path.read_text(encoding="utf-8")).get("cells", []):
            text = cell.get("source", "")
            python = to_python("".join(text) if isinstance(text, list) else text).python
            if cell.get("cell_type") != "code" or python is None:
                continue
            try:
                module = cst.parse_module(python)
            except cst.ParserSyntaxError:
                continue
            assert all(_same_calls(statement) for statement in module.body), path.name
            assert all(_same_bindings(statement) for statement in module.body), path.name
            checked += 1
    assert checked > 100
