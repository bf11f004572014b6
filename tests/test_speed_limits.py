"""`limits.check_tree`, which spells a node's limits out only when one breaks, refuses
what the plain walk refuses, with the same message and line, on generated code near
and past every limit (its first refusal depends on the order of the walk): the same
walk asking every node's limits (`look_first=False`) is the reference."""

from __future__ import annotations

import ast

from hypothesis import given, settings
from hypothesis import strategies as st

from nb2pkg.limits import check_tree


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
    assert check_tree(tree) == check_tree(tree, look_first=False)
