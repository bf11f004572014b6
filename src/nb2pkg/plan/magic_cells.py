"""Magics whose code converts although a magic wraps it.

`%time STATEMENT` and `%prun STATEMENT` run one statement once, in the notebook's
namespace, and only report on it: the statement is code, and the summary keeps the magic
in front of its step call. `%%capture NAME` binds IPython's captured output; a later cell
that only replays it (`NAME()`, `NAME.show()`, `NAME.stdout`) is a display.
"""

from __future__ import annotations

from collections.abc import Iterable

import libcst as cst

from nb2pkg.analysis import CellFacts, parse
from nb2pkg.ipython import Magic, ipython_call, split_code_argument, timed_statement
from nb2pkg.limits import check_python
from nb2pkg.plan.unpacking import ends_in_value


def is_timed_line(magic: Magic) -> bool:
    """`%time STATEMENT` (or `%prun`) whose statement is one line of Python a step can run."""
    found = timed_statement(magic)
    if found is None or check_python(found[1]) is not None:  # LibCST only sees what passed the limits
        return False
    try:
        body = parse(found[1]).body
    except cst.ParserSyntaxError:
        return False
    # `%prun` shows no value for an expression, where a step's last expression would;
    # `%time x = f(); x` shows `x`, which the step's timed call would not.
    return len(body) == 1 and not (magic.name == "prun" and _is_expression(body[0]) or ends_in_value(body[0]))


def unwrap_timed_line(
    module: cst.Module, magics: tuple[Magic, ...]
) -> tuple[cst.Module, tuple[str, cst.BaseStatement] | None]:
    """The cell with its top-level `%time STATEMENT` line (at most one: more stay in the
    notebook) replaced by the statement, and (the magic line, the statement); the cell as it
    is when it has none at the top level (one inside a block keeps the cell)."""
    timed = next((m for m in magics if is_timed_line(m)), None)
    found = timed_statement(timed) if timed is not None else None
    if timed is None or found is None:
        return module, None
    prefix, code = found
    body = list(module.body)
    for position, statement in enumerate(body):
        if _runs_line_magic(statement, timed.name):
            replacement = parse(code).body[0].with_changes(leading_lines=statement.leading_lines)
            body[position] = replacement
            return module.with_changes(body=body), (prefix, replacement)
    return module, None


def captured_names(facts: Iterable[CellFacts | None]) -> frozenset[str]:
    """Names only `%%capture NAME` binds (no other cell binds them): what a later cell reads
    of them only shows the captured output again."""
    captured: set[str] = set()
    other: set[str] = set()
    for cell in facts:
        if cell is None:
            continue
        names = {_capture_target(m) for m in cell.magics if m.cell and m.name == "capture"} - {""}
        captured |= names
        other |= cell.defines - names
    return frozenset(captured - other)


def _capture_target(magic: Magic) -> str:
    _, rest = split_code_argument(magic.name, magic.argument)
    return rest.split()[0] if rest.split() else ""


def _is_expression(statement: cst.BaseStatement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
    )


def _runs_line_magic(statement: cst.BaseStatement, name: str) -> bool:
    """`get_ipython().run_line_magic('NAME', ...)` as a statement of its own."""
    if not _is_expression(statement):
        return False
    call = ipython_call(statement.body[0].value)  # type: ignore[attr-defined]
    return call is not None and call.method == "run_line_magic" and call.arguments[:1] == (name,)
