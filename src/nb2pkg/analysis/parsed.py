"""A cell's code parsed (and tokenized) once, and a statement's code printed once,
however many stages ask for them: LibCST trees are immutable, so one tree serves them all, and one statement
always prints the same in modules of the same indentation and newline."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import libcst as cst

from nb2pkg.ipython import hides_value
from nb2pkg.limits import python_tree

# Room for every cell and statement of one notebook, however large: the stages ask in
# notebook order, so a cache smaller than the notebook would have dropped each entry
# before the next stage asks again. A conversion empties the caches when it ends
# (`cells.forget_code`).
CACHED_PER_NOTEBOOK = 1 << 16

_PLAIN = cst.Module(body=[])  # four-space indents, "\n" newlines: most cells


@lru_cache(maxsize=CACHED_PER_NOTEBOOK)
def parse(python: str) -> cst.Module:
    """LibCST's tree of `python`, parsed once however often the stages ask for it (trees
    are immutable, so sharing one is safe); a syntax error is raised each time, and so is
    code LibCST cannot read although Python can (as `ParserSyntaxError`, the error every
    caller handles). The code of each of its statements is taken from `python` for
    `printed` (`_statement_codes`)."""
    try:
        try:
            module = cst.parse_module(python)
        except TypeError:  # LibCST's own fault on some valid code: mended, then parsed again
            if not _mend_libcst():
                raise
            module = cst.parse_module(python)
    except cst.CSTValidationError as error:  # LibCST built a node it then refused (valid Python)
        lines = python.splitlines(keepends=True) or [""]
        raise cst.ParserSyntaxError(f"LibCST cannot read it ({error})", lines=lines, raw_line=1, raw_column=0) from None
    if len(_KNOWN) > CACHED_PER_NOTEBOOK:  # a program that only reads notebooks never forgets
        _KNOWN.clear()  # (printed prints what it does not find: the same code)
    _KNOWN.update(_statement_codes(module, python))
    return module


def _mend_libcst() -> bool:
    """Whether LibCST's node classes needed the mend this makes, once a process. Its
    `@add_slots` makes each node class anew, but the methods it copies keep the
    `__class__` cell of the class they were written in, so one calling `super()` without
    arguments raises TypeError: `return(lambda x: x)` and `not(lambda: 0)` did not parse
    (LibCST issue 1448, open at 1.9). Each such cell now names the class its method is
    on, as Python's own `dataclass(slots=True)` makes it; a method that names its class in
    `super(...)` reads no cell and is unchanged."""
    mended = False
    for name in dir(cst):
        kind = getattr(cst, name)
        if not isinstance(kind, type):
            continue
        for function in vars(kind).values():
            code = getattr(function, "__code__", None)
            if code is None or "__class__" not in code.co_freevars:
                continue
            cell = function.__closure__[code.co_freevars.index("__class__")]
            written = cell.cell_contents
            if written is not kind and (written.__module__, written.__qualname__) == (
                kind.__module__,
                kind.__qualname__,
            ):
                cell.cell_contents = kind
                mended = True
    return mended


# Statement -> its code, cut from the cell it was parsed from (`parse`): what `printed`
# gives without printing. Emptied with the caches (`cells.forget_code`), and when it
# holds more statements than a notebook has.
_KNOWN: dict[cst.CSTNode, str] = {}


def _statement_codes(module: cst.Module, python: str) -> Sequence[tuple[cst.BaseStatement, str]]:
    """Each top-level statement of `module` (parsed from `python`) with its code: the
    lines from its leading lines (comments, blank lines) to those of the next statement,
    the lines LibCST prints it as. Where a statement's lines are found from Python's tree
    (where it starts, where a simple one ends), LibCST's own count of the lines between
    statements must agree at every seam, or nothing is taken."""
    if module.default_indent != _PLAIN.default_indent or module.default_newline != _PLAIN.default_newline:
        return []  # printed with four spaces and "\n", not as the cell has them
    if "\r" in python or "\f" in python:
        return []  # line breaks Python and LibCST may count otherwise
    try:
        tree = python_tree(python)  # the limits check's parse of the same code, as a rule
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    nodes = iter(tree.body)
    starts: list[int] = []  # each statement's first line (0-based), its leading lines included
    ends: list[int | None] = []  # the line after a simple statement; None for a block
    for statement in module.body:
        parts = [next(nodes, None) for _ in (statement.body if isinstance(statement, cst.SimpleStatementLine) else [0])]
        first = parts[0]
        if first is None or None in parts:
            return []
        decorators = getattr(first, "decorator_list", None)
        line = (decorators[0] if decorators else first).lineno - 1
        leading = len(statement.leading_lines)
        if isinstance(statement, (cst.FunctionDef, cst.ClassDef)) and statement.decorators:
            leading += len(statement.decorators[0].leading_lines)  # comments before the first `@`
        starts.append(line - leading)
        last = parts[-1]
        ends.append(last.end_lineno if isinstance(statement, cst.SimpleStatementLine) and last is not None else None)
    lines = (python if python.endswith("\n") else python + "\n").split("\n")[:-1]
    footer_start = len(lines) - len(module.footer)
    if next(nodes, None) is not None or not starts or starts[0] != len(module.header):
        return []
    bounds = [*starts[1:], footer_start]
    if any(end is not None and end != bound for end, bound in zip(ends, bounds, strict=True)):
        return []  # a seam where the two counts differ
    cut = [
        (statement, "".join(line + "\n" for line in lines[start:end]))
        for statement, start, end in zip(module.body, starts, bounds, strict=True)
    ]
    # LibCST loses lines of comments after a block that ends the cell (its print is not
    # the cell's text there): such a last statement is printed
    if ends[-1] is None and any(line.strip() for line in lines[tree.body[-1].end_lineno or 0 :]):
        return cut[:-1]
    return cut


def code_of(statement: cst.CSTNode, module: cst.Module = _PLAIN) -> str:
    """`module.code_for_node(statement)`."""
    if module.default_indent == _PLAIN.default_indent and module.default_newline == _PLAIN.default_newline:
        return printed(statement)
    return module.code_for_node(statement)


@lru_cache(maxsize=CACHED_PER_NOTEBOOK)
def printed(statement: cst.CSTNode) -> str:
    """The node's code in a module of four-space indents and "\n" newlines."""
    # nodes hash by identity, and the cache holds the nodes it knows: no id is reused
    known = _KNOWN.get(statement)
    return known if known is not None else _PLAIN.code_for_node(statement)


def forget_statement_codes() -> None:
    _KNOWN.clear()


@lru_cache(maxsize=CACHED_PER_NOTEBOOK)
def value_hidden(python: str) -> bool:
    """`ipython.hides_value(python)`, the code tokenized once: the analysis of `_` and
    the cell's segments each ask of the same cell."""
    return hides_value(python)
