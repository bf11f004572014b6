"""Which variables of a step's function pyflakes calls unused (render.modules returns
them: a notebook shows such values or keeps them for later), found in one pyflakes run
over every step, and only those of the step function's own scope."""

from __future__ import annotations

import ast
from bisect import bisect_right
from typing import Any

from nb2pkg.limits import parse_quietly


def unused_per_function(codes: list[str]) -> list[list[str]]:
    """`_unused_variables` of each code (one function definition each), from one pyflakes
    run over them all (a run per step cost more than the checking): pyflakes reports an
    unused variable in the scope of its function, and a function's scopes close in the
    same order with others beside it, so each one's list is what it gives alone."""
    from pyflakes import checker  # imported when a step is checked

    try:
        tree = parse_quietly("".join(codes))
    except SyntaxError:  # one of them does not parse: its own error, alone
        return [_unused_variables(code) for code in codes]
    functions = (ast.FunctionDef, ast.AsyncFunctionDef)
    if len(tree.body) != len(codes) or not all(isinstance(n, functions) for n in tree.body):
        return [_unused_variables(code) for code in codes]
    starts = [node.lineno for node in tree.body]
    messages_of: list[list[Any]] = [[] for _ in codes]
    for message in checker.Checker(tree).messages:
        messages_of[bisect_right(starts, message.lineno) - 1].append(message)
    return [_own_unused(function, found) for function, found in zip(tree.body, messages_of, strict=True)]


def _unused_variables(code: str) -> list[str]:
    from pyflakes import checker

    tree = parse_quietly(code)
    function = tree.body[0] if len(tree.body) == 1 else None
    return _own_unused(function, checker.Checker(tree).messages)


def _own_unused(function: ast.stmt | None, messages: list[Any]) -> list[str]:
    """The variables pyflakes calls unused in `function`'s own scope (all of them for code
    that is not one function): not those of the functions and lambdas in it
    (`lambda: (w := 1)` binds `w` in the lambda), which the step cannot return."""
    from pyflakes import messages as kinds

    inner = []
    if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
        inner = [_body_span(node) for node in ast.walk(function) if node is not function and isinstance(node, _SCOPES)]
    names = [
        message.message_args[0]
        for message in messages
        if isinstance(message, kinds.UnusedVariable)
        and not any(start <= (message.lineno, message.col) < end for start, end in inner)
    ]
    return list(dict.fromkeys(names))


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


def _body_span(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> tuple[tuple[int, int], tuple[int, int]]:
    """Where the body of a function or lambda is (its defaults are the enclosing scope's)."""
    first, last = (node.body, node.body) if isinstance(node, ast.Lambda) else (node.body[0], node.body[-1])
    return (first.lineno, first.col_offset), (last.end_lineno or last.lineno, last.end_col_offset or 0)
