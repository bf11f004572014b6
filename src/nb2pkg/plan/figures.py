"""One figure is one function: the lines that finish a figure go with the code that
draws it, where that keeps what the notebook showed.

In a cell, a last line that finishes the figure and returns None (`plt.tight_layout()`,
`plt.show()`, `ax.grid(True)`, `fig.savefig(...)`) stays in the cell's step instead of
staying in the summary after the call: the same statements run on the same figure, in the
same cell. A last drawing line whose value the notebook showed (`plt.xlabel("Value")`
shows `Text(0.5, 0, 'Value')`, `ax.legend()` a `Legend`) stays in the summary after the
call instead, where it shows that value again: a step never returns the artist of its
last line.

Across cells, the inline backend shows and closes a figure when its cell ends, so the
next cell's `plt.tight_layout()` or `plt.grid()` draws on a new, empty figure, which the
notebook showed (`<Figure size 640x480 with 0 Axes>`): such cells stay as they are. Only
a next cell of `plt.show()` lines, which showed nothing there, joins the step before it,
when nothing was shown between.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable

import libcst as cst

from nb2pkg.analysis import code_of
from nb2pkg.plan.files import read_tree
from nb2pkg.plan.layout import draws
from nb2pkg.plan.model import Role

# Methods that finish a figure and return None.
_FINISHING = frozenset(
    {
        "show",
        "tight_layout",
        "grid",
        "savefig",
        "subplots_adjust",
        "autofmt_xdate",
        "despine",
        "tick_params",
        "minorticks_on",
        "minorticks_off",
        "set_axis_off",
        "invert_xaxis",
        "invert_yaxis",
        "set_size_inches",
        "set_figwidth",
        "set_figheight",
    }
)


def _call_parts(statement: cst.BaseStatement) -> tuple[str, ...]:
    """The dotted name of a statement that is one call (`plt.show()` -> ("plt", "show")), else ()."""
    try:
        tree = read_tree(_code(statement))
    except SyntaxError:
        return ()
    if len(tree.body) != 1 or not isinstance(tree.body[0], ast.Expr) or not isinstance(tree.body[0].value, ast.Call):
        return ()
    parts: list[str] = []
    func = tree.body[0].value.func
    while isinstance(func, (ast.Attribute, ast.Subscript)):
        if isinstance(func, ast.Attribute):
            parts.append(func.attr)
        func = func.value
    parts.append(func.id if isinstance(func, ast.Name) else "")
    return tuple(reversed(parts))


def finishes_figure(statement: cst.BaseStatement) -> bool:
    """A call on a figure, its axes or pyplot that finishes it and returns None."""
    parts = _call_parts(statement)
    return len(parts) > 1 and parts[-1] in _FINISHING


def shows_an_artist(statement: cst.BaseStatement) -> bool:
    """A method call that draws and returns what it drew (`plt.xlabel(...)`, `ax.legend()`)."""
    parts = _call_parts(statement)
    return len(parts) > 1 and parts[-1] not in _FINISHING


def only_shows_figures(statements: Iterable[cst.BaseStatement]) -> bool:
    """A cell of `plt.show()` lines only: after the inline backend closed the figure, it
    showed nothing where it was."""
    parts = [_call_parts(statement) for statement in statements]
    return bool(parts) and all(len(p) == 2 and p[1] == "show" and p[0] in ("plt", "pyplot") for p in parts)


def ends_figure(statement: cst.BaseStatement, before: list[tuple[Role, cst.BaseStatement]]) -> bool:
    """Whether the statement finishes a figure the code before it draws (`plt.show()`)."""
    return finishes_figure(statement) and any(role == "code" and draws(_code(s)) for role, s in before)


def shows_artist(statement: cst.BaseStatement, before: list[tuple[Role, cst.BaseStatement]], hidden: bool) -> bool:
    """Whether a cell's last statement draws on the figure the cell's code draws and the
    notebook showed the artist it returns (`Text(0.5, 0, 'Value')` for `plt.xlabel(...)`):
    it stays in the summary after the call, which draws the rest."""
    drawing = any(role == "code" and draws(_code(s)) for role, s in before)
    return drawing and not hidden and shows_an_artist(statement) and draws(_code(statement))


def _code(statement: cst.BaseStatement) -> str:
    return code_of(statement)
