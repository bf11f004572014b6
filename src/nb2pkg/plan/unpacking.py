"""Statements written on one line, seen as the separate statements they are.

A cell's last line `x = 5; x` is `x = 5` and then `x`, whose value IPython shows as it
shows a value on a line of its own: the line is taken apart so that the value is shown
where the notebook showed it (`last_value_apart`).

Unpacking assignments of literals:

`t0, t1 = 5, 50` binds what `t0 = 5` then `t1 = 50` bind: every value is a literal, so
nothing is computed and the order of the two bindings cannot be seen. The statement is
split into those assignments wherever one of them would be a config constant, and each
then follows the constant rules on its own (never rebound, not bound twice in its cell):
`(a, b) = ...`, `[a, b] = ...` and a list of literals on the right (`a, b = [1, 2]`)
alike. Anything else (a starred target, a nested one, a name twice, a computed value, a
comment inside the statement) is left whole.
"""

from __future__ import annotations

import libcst as cst

from nb2pkg.analysis import visited_nodes
from nb2pkg.plan.literals import is_literal


def unpacked_literals(statement: cst.BaseStatement) -> tuple[cst.SimpleStatementLine, ...]:
    """`a, b = 1, 2` -> (`a = 1`, `b = 2`); () for any other statement. The statement's
    leading lines go before the first, and its end-of-line comment on a line of its own
    above it, where it speaks for every name."""
    pairs = _pairs(statement)
    if not pairs:
        return ()
    assert isinstance(statement, cst.SimpleStatementLine)
    leading = [*statement.leading_lines]
    comment = statement.trailing_whitespace.comment
    if comment is not None:
        leading.append(cst.EmptyLine(comment=comment))
    lines = [
        cst.SimpleStatementLine(body=[cst.Assign(targets=[cst.AssignTarget(cst.Name(name))], value=value)])
        for name, value in pairs
    ]
    lines[0] = lines[0].with_changes(leading_lines=leading)
    return tuple(lines)


def _pairs(statement: cst.BaseStatement) -> list[tuple[str, cst.BaseExpression]]:
    """(name, literal) for each name the unpacking binds, in order; [] when it is not one."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return []
    small = statement.body[0]
    if not isinstance(small, cst.Assign) or len(small.targets) != 1:
        return []
    target, value = small.targets[0].target, small.value
    if not isinstance(target, (cst.Tuple, cst.List)) or not isinstance(value, (cst.Tuple, cst.List)):
        return []
    if len(target.elements) != len(value.elements) or _has_comment(small):
        return []
    names = [
        e.value.value if isinstance(e, cst.Element) and isinstance(e.value, cst.Name) else "" for e in target.elements
    ]
    values = [e.value if isinstance(e, cst.Element) and is_literal(e.value) else None for e in value.elements]
    if not all(names) or len(set(names)) != len(names) or any(v is None for v in values):
        return []
    return [(name, value) for name, value in zip(names, values, strict=True) if value is not None]


def _has_comment(node: cst.CSTNode) -> bool:
    """Whether a comment sits inside the statement (`a, b = (1,  # rate`): splitting would lose it."""
    return bool(visited_nodes(node, cst.Comment))


def ends_in_value(statement: cst.BaseStatement) -> bool:
    """`a = f(); a`: statements on one line, the last an expression no `;` hides."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) < 2:
        return False
    last = statement.body[-1]
    return isinstance(last, cst.Expr) and not isinstance(last.semicolon, cst.Semicolon)


def last_value_apart(module: cst.Module) -> cst.Module:
    """The cell with its last line `a; b; value` as `a; b` and then `value`, when that line
    ends in an expression with no `;` after it (which would hide it)."""
    last = module.body[-1] if module.body else None
    if last is None or not ends_in_value(last):
        return module
    assert isinstance(last, cst.SimpleStatementLine)
    value = last.body[-1]
    *kept, final = last.body[:-1]
    first = last.with_changes(
        body=[*kept, final.with_changes(semicolon=cst.MaybeSentinel.DEFAULT)],
        trailing_whitespace=cst.TrailingWhitespace(),
    )
    shown = cst.SimpleStatementLine(body=[value], trailing_whitespace=last.trailing_whitespace)
    return module.with_changes(body=[*module.body[:-1], first, shown])
