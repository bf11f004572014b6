"""Literal assignments: the statements whose names may become config constants."""

from __future__ import annotations

import libcst as cst


def literal_line(statement: cst.BaseStatement) -> bool:
    """A line `_statement_role` may find a constant (`N = 5`)."""
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and is_literal_assignment(statement.body[0])
    )


def is_literal_assignment(small: cst.BaseSmallStatement) -> bool:
    if not isinstance(small, cst.Assign) or len(small.targets) != 1:
        return False
    return isinstance(small.targets[0].target, cst.Name) and is_literal(small.value)


def is_literal(node: cst.BaseExpression) -> bool:
    """Numbers, strings, booleans, None, and tuples of them: values nothing can change."""
    if isinstance(node, (cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString)):
        return True
    if isinstance(node, cst.ConcatenatedString):  # `"run-" f"{n}"` computes: not a constant
        return is_literal(node.left) and is_literal(node.right)
    if isinstance(node, cst.Name):
        return node.value in ("True", "False", "None")
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        return isinstance(node.expression, (cst.Integer, cst.Float))
    if isinstance(node, cst.Tuple):
        return all(isinstance(e, cst.Element) and is_literal(e.value) for e in node.elements)
    return False  # lists, dicts and sets are often filled later: not constants


def assigned_name(small: cst.BaseSmallStatement) -> str:
    assert isinstance(small, cst.Assign) and isinstance(small.targets[0].target, cst.Name)
    return small.targets[0].target.value
