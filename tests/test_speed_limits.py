"""`limits.check_tree`, which spells a node's limits out only when one breaks, refuses
what the plain walk refuses, with the same message and line, on generated code near
and past every limit (its first refusal depends on the order of the walk)."""

from __future__ import annotations

import ast

from hypothesis import given, settings
from hypothesis import strategies as st

from nb2pkg.limits import MAX_NODES, Refusal, _over, check_tree


def plain_check_tree(tree: ast.AST) -> Refusal | None:
    """The walk as it was: every node's limits asked of `_over`."""
    stack: list[tuple[ast.AST, int, int, int]] = [(tree, 1, 0, 0)]
    nodes = 0
    while stack:
        node, depth, blocks, brackets = stack.pop()
        nodes += 1
        if nodes > MAX_NODES:
            return Refusal(
                "limit", 1, f"the cell has more than {MAX_NODES:,} syntax-tree nodes (about 25,000 characters of code)"
            )
        kind = type(node)
        blocks += kind in _BLOCK_KINDS
        brackets += kind in _BRACKET_KINDS
        found = _over(node, depth, blocks, brackets)
        if found is not None:
            return Refusal("limit", getattr(node, "lineno", 1), found)
        stack.extend((child, depth + 1, blocks, brackets) for child in ast.iter_child_nodes(node))
    return None


_BLOCK_KINDS = frozenset({ast.FunctionDef, ast.ClassDef, ast.If, ast.For, ast.While, ast.With, ast.Try})
_BLOCK_KINDS |= {ast.AsyncFunctionDef, ast.AsyncFor, ast.AsyncWith, ast.Match, ast.ExceptHandler, ast.match_case}
_BLOCK_KINDS |= {ast.TryStar} if hasattr(ast, "TryStar") else set()
_BRACKET_KINDS = frozenset({ast.Call, ast.Subscript, ast.List, ast.Tuple, ast.Set, ast.Dict, ast.ListComp})
_BRACKET_KINDS |= {ast.SetComp, ast.DictComp, ast.GeneratorExp, ast.JoinedStr}


def _calls(n: int) -> str:
    return "y = " + "f(" * n + "x" + ")" * n


def _blocks(n: int) -> str:
    return (
        "".join("    " * level + ("if x:\n" if level % 2 else "for i in y:\n") for level in range(n))
        + "    " * n
        + "z = 1"
    )


def _sum(n: int) -> str:
    return "s = " + "+".join(["a"] * (n + 1))


def _name(n: int) -> str:
    return f"{'v' * n}.{'a' * n} = g(k{'w' * n}=1)"


def _list(n: int) -> str:
    return "values = [" + ", ".join(["(1, q)"] * n) + "]"


PIECES = st.one_of(
    st.integers(40, 60).map(_calls),
    st.integers(45, 55).map(_blocks),
    st.integers(80, 110).map(_sum),
    st.integers(990, 1010).map(_name),
    st.integers(1_500, 2_600).map(_list),
    st.sampled_from(["x = 1", "def f(a, *b, c=2, **d):\n    return a", "class C(B, metaclass=M):\n    pass"]),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(PIECES, min_size=1, max_size=4))
def test_check_tree_refuses_as_the_plain_walk(pieces: list[str]) -> None:
    tree = ast.parse("\n".join(pieces) + "\n")
    assert check_tree(tree) == plain_check_tree(tree)


def test_the_kinds_here_are_the_limits_own() -> None:
    from nb2pkg import limits

    assert (_BLOCK_KINDS, _BRACKET_KINDS) == (limits._BLOCKS, limits._BRACKETS)
