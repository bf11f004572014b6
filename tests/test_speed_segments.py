"""The segments' shortcuts find what the full walks find (issue 16): `calls_anywhere`,
which reads the nodes' fields and skips punctuation, finds the calls LibCST's walk
(`calls_in`) finds, on generated code of every kind of expression and statement, and on
every statement of the corpus."""

from __future__ import annotations

import json

import libcst as cst
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
    "(await {})",
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


@settings(max_examples=300, deadline=None)
@given(st.lists(statements(), min_size=1, max_size=3))
def test_calls_anywhere_finds_the_calls_of_the_walk(lines: list[str]) -> None:
    code = "async def outer():\n" + "".join(f"    {line}\n".replace("\n", "\n    ").rstrip() + "\n" for line in lines)
    module = cst.parse_module(code)
    assert _same_calls(module)
    assert all(_same_calls(s) for s in module.body[0].body.body)  # type: ignore[attr-defined]


@pytest.mark.slow
@pytest.mark.corpus
def test_calls_anywhere_on_the_corpus() -> None:
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
            checked += 1
    assert checked > 100
