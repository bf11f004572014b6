"""`if __name__ == "__main__":` at the top level of a cell, as what it does in a notebook.

A notebook's `__name__` is `"__main__"`, so the guard is always true there: its body
runs, and an `else:` or `elif` branch never does. A step runs in a module, whose
`__name__` is not `"__main__"`, so the guard cannot move as it is; its body can, and
does exactly what the notebook did. Only the top level of a cell is rewritten, only a
guard that compares `__name__` to `"__main__"` and nothing else, and never in a notebook
that binds `__name__` itself: any other read of `__name__` keeps the cell in the notebook.
"""

from __future__ import annotations

import libcst as cst


def unguarded(python: str, module: cst.Module) -> cst.Module | None:
    """`module` (the tree of `python`) with each top-level main guard replaced by its
    body; None when it has none. The guard's comments go with the body."""
    if "__main__" not in python:  # most cells: not parsed again, nothing walked
        return None
    body: list[cst.BaseStatement] = []
    after: list[cst.EmptyLine] = []  # a guard's closing comments, before what follows it
    for position, statement in enumerate(module.body):
        if after:
            statement = statement.with_changes(leading_lines=[*after, *statement.leading_lines])
            after = []
        if is_main_guard(statement):
            statements, after = _body_of(statement)
            if position == len(module.body) - 1:
                statements[-1] = _hidden(statements[-1])
            body.extend(statements)
        else:
            body.append(statement)
    if len(body) == len(module.body) and all(a is b for a, b in zip(body, module.body, strict=True)):
        return None
    return module.with_changes(body=body, footer=[*after, *module.footer])


def is_main_guard(statement: cst.CSTNode) -> bool:
    """`if __name__ == "__main__":` (either way round, any quotes)."""
    if not isinstance(statement, cst.If) or not isinstance(statement.test, cst.Comparison):
        return False
    test = statement.test
    if len(test.comparisons) != 1 or not isinstance(test.comparisons[0].operator, cst.Equal):
        return False
    sides = (test.left, test.comparisons[0].comparator)
    return any(_is_name(a) and _is_main(b) for a, b in (sides, sides[::-1]))


def _is_name(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "__name__" and not node.lpar


def _is_main(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.SimpleString) and node.evaluated_value == "__main__"


def _hidden(statement: cst.BaseStatement) -> cst.BaseStatement:
    """`total` -> `total;`: an expression ending a guard's block ended no cell, so the
    notebook showed nothing; ended by `;`, the cell it now ends shows nothing either."""
    if not isinstance(statement, cst.SimpleStatementLine) or not isinstance(statement.body[-1], cst.Expr):
        return statement
    value = statement.body[-1].value
    if isinstance(value, cst.Call) and isinstance(value.func, cst.Name) and value.func.value == "print":
        return statement  # None: nothing to hide
    last = statement.body[-1].with_changes(semicolon=cst.Semicolon())
    return statement.with_changes(body=[*statement.body[:-1], last])


def _body_of(guard: cst.CSTNode) -> tuple[list[cst.BaseStatement], list[cst.EmptyLine]]:
    """The guard's statements, at the cell's top level, with the lines above the guard
    and the comment on its line before them; and the comments that close its block."""
    assert isinstance(guard, cst.If)
    suite = guard.body
    footer: list[cst.EmptyLine] = []
    if isinstance(suite, cst.SimpleStatementSuite):  # `if __name__ == "__main__": main()`
        statements: list[cst.BaseStatement] = [cst.SimpleStatementLine(body=suite.body)]
        comment = suite.trailing_whitespace.comment
    else:
        assert isinstance(suite, cst.IndentedBlock)
        statements, comment, footer = list(suite.body), suite.header.comment, list(suite.footer)
    leading = [*guard.leading_lines, *([cst.EmptyLine(comment=comment)] if comment else [])]
    first = statements[0]
    assert isinstance(first, (cst.SimpleStatementLine, cst.BaseCompoundStatement))  # a block's statements
    statements[0] = first.with_changes(leading_lines=[*leading, *first.leading_lines])
    return statements, footer
