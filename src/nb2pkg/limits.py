"""How big and how deep a cell nb2pkg converts may be, and the guarded compile that
decides whether a cell is Python at all.

LibCST, nb2pkg's own tree walks and black recurse once (or more) per level of
nesting, and their time grows faster than the text. Past these limits a cell is not
analysed: it stays in the summary notebook as it is, with a warning naming it, so that
time and memory stay bounded and nothing crashes. Real notebooks are far below them:
on the corpus the deepest cell nests 15 levels, the longest line has 169 characters and
the largest cell 2,644 (1,009 nodes).

Each check runs before anything more expensive: sizes on the raw text, then CPython's
own parser (C, guarded against deep input), then a walk of its tree without recursion.
"""

from __future__ import annotations

import ast
import re
import warnings
from dataclasses import dataclass
from functools import cache

MAX_CELL_CHARS = 100_000  # characters in one cell
MAX_LINE_CHARS = 10_000  # characters in one line of a cell
MAX_NAME_CHARS = 1_000  # characters in one identifier
MAX_IPYTHON_WORK = 40_000  # lines with IPython syntax x lines of the cell (see check_size)
MAX_NODES = 10_000  # nodes of CPython's tree in one cell (converting costs ~1 ms a node)
MAX_DEPTH = 100  # nodes from the cell down to its deepest leaf (CPython's tree)
MAX_BLOCKS = 50  # nested compound statements (`if`, `for`, `def`, `with`, ...)
MAX_BRACKETS = 50  # nested calls, subscripts and displays (`f(`, `x[`, `[`, `{`, `(1,`)

# Exact node types (CPython's tree has no subclasses of them): a set lookup per node.
_BLOCKS = frozenset(
    {
        ast.FunctionDef,
        ast.AsyncFunctionDef,
        ast.ClassDef,
        ast.If,
        ast.For,
        ast.AsyncFor,
        ast.While,
        ast.With,
        ast.AsyncWith,
        ast.Try,
        ast.Match,
        ast.ExceptHandler,
        ast.match_case,
        *((ast.TryStar,) if hasattr(ast, "TryStar") else ()),
    }
)
_BRACKETS = frozenset(
    {
        ast.Call,
        ast.Subscript,
        ast.List,
        ast.Tuple,
        ast.Set,
        ast.Dict,
        ast.ListComp,
        ast.SetComp,
        ast.DictComp,
        ast.GeneratorExp,
        ast.JoinedStr,
    }
)
# The fields that hold identifiers, by node type.
_NAMES = {
    ast.Name: ("id",),
    ast.Attribute: ("attr",),
    ast.FunctionDef: ("name",),
    ast.AsyncFunctionDef: ("name",),
    ast.ClassDef: ("name",),
    ast.arg: ("arg",),
    ast.keyword: ("arg",),
    ast.alias: ("name", "asname"),
    ast.ImportFrom: ("module",),
    ast.ExceptHandler: ("name",),
    ast.MatchAs: ("name",),
    ast.MatchStar: ("name",),
    ast.MatchMapping: ("rest",),
}


@dataclass(frozen=True)
class Refusal:
    """Why CPython's compiler or nb2pkg's limits refuse a cell's Python."""

    kind: str  # "syntax" (CPython rejects it), "await" (top level await), "limit"
    line: int  # 1-based line of the Python text
    message: str


def check_size(text: str) -> Refusal | None:
    """The cell or one of its lines is longer than nb2pkg converts, or it has more IPython
    syntax than IPython's rewrite does in bounded time (checked on the raw cell)."""
    if len(text) > MAX_CELL_CHARS:
        return Refusal(
            "limit", 1, f"the cell has {len(text):,} characters, more than the {MAX_CELL_CHARS:,} nb2pkg converts"
        )
    lines = text.split("\n")
    for number, line in enumerate(lines, start=1):
        if len(line) > MAX_LINE_CHARS:
            return Refusal(
                "limit",
                number,
                f"the line has {len(line):,} characters, more than the {MAX_LINE_CHARS:,} nb2pkg converts",
            )
    # IPython's TransformerManager tokenizes the whole cell again for every line it
    # rewrites (up to 500 times), about 50 µs a line each time: 300 `%time` lines took 5 s,
    # 33,000 `x?` lines 7 minutes.
    special = sum(1 for line in lines if _IPYTHON_LINE.match(line))
    if special * len(lines) > MAX_IPYTHON_WORK:
        return Refusal(
            "limit",
            1,
            f"{special:,} of its {len(lines):,} lines have IPython syntax (`%`, `!`, "
            f"`?`); nb2pkg converts cells where the two multiplied are at most "
            f"{MAX_IPYTHON_WORK:,}",
        )
    return None


# Lines IPython may rewrite: an escape first (`%magic`, `!cmd`, `?obj`, autocall `/f`,
# `,f`, `;f`), an assignment from one (`x = !ls`), or a `?` at the end (`obj?`).
_IPYTHON_LINE = re.compile(r"[ \t]*(?:[%!?/,;]|[\w.,\[\]][\w.,\[\] \t]*=[ \t]*[%!])|.*\?[ \t]*(?:#.*)?$")


def check_python(python: str, limited: bool = True) -> Refusal | None:
    """Whether CPython compiles `python` as a module and (when `limited`) nb2pkg's size
    and nesting limits hold.

    Top-level `await`, `async for` and `async with` compile only in IPython's own mode;
    that is reported as its own kind: such a cell is code (its step an `async def`), but
    under a cell magic, which runs the body itself, it is kept with a precise reason."""
    if "\0" in python:  # CPython refuses it in source, even inside a string literal
        return Refusal(
            "syntax",
            python.count("\n", 0, python.index("\0")) + 1,
            "contains a NUL character, which Python does not accept in code",
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SyntaxWarning / DeprecationWarning of the user's code
        try:
            tree = python_tree(python)
        except SyntaxError as error:
            return Refusal("syntax", error.lineno or 1, error.msg)
        except ValueError as error:  # a lone surrogate (UnicodeEncodeError), a NUL
            return Refusal("syntax", 1, f"not text Python can read ({type(error).__name__})")
        except (RecursionError, MemoryError):
            return Refusal("limit", 1, "nested deeper than Python itself can parse")
        deep = check_tree(tree) if limited else None
        if deep is not None:
            return deep
        return _compile_tree(tree)


def parse_quietly(source: str) -> ast.Module:
    """`ast.parse(source)` without the warnings the parser gives of the user's code (an
    invalid escape such as `"\\d"`): nb2pkg parses a notebook's code many times, and each
    parse would warn again, of a file named `<unknown>`. The compile check of each
    generated module gives them, once, with the module's name (convert._check_compiles)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(source)


def python_tree(python: str) -> ast.Module:
    """`parse_quietly(python)`, parsed once for every text that differs from it only in
    the blanks it ends with (a cell's code and its segment's, which ends in a newline):
    their trees are the same, positions included. Shared, so never changed. A text that
    does not parse raises its own error (for some errors Python names the last line)."""
    key = python.rstrip(" \t\n")
    try:
        return _tree(key)
    except SyntaxError:
        if key == python:
            raise
        return parse_quietly(python)


# A cell's code: the check's, the analysis's (parsed.parse), the plan's. Every cell's, kept
# until the conversion ends: with a bound (1,024) a notebook of more cells was parsed again
# by each later stage (5,000 cells: 17,000 parses, now 10,000).
@cache
def _tree(python: str) -> ast.Module:
    return parse_quietly(python)


def forget_python_trees() -> None:
    """Drop the trees `python_tree` keeps (at the end of a notebook's conversion)."""
    _tree.cache_clear()


def check_tree(tree: ast.AST, look_first: bool = True) -> Refusal | None:
    """The first limit the tree breaks: size, depth, blocks, brackets or a name's length;
    an explicit stack, because recursion is what the limits protect against. Children
    are stacked as `ast.iter_child_nodes` gives them, and a node's limits are spelled
    out (`_over`) only when one of them breaks: most nodes cost a few comparisons
    (`look_first=False` spells out every node's, for the test of that shortcut)."""
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
        blocks += kind in _BLOCKS
        brackets += kind in _BRACKETS
        if not look_first or depth > MAX_DEPTH or blocks > MAX_BLOCKS or brackets > MAX_BRACKETS or kind in _NAMES:
            found = _over(node, depth, blocks, brackets)
            if found is not None:
                return Refusal("limit", getattr(node, "lineno", 1), found)
        depth += 1
        for name in node._fields:
            field = getattr(node, name, None)
            if isinstance(field, ast.AST):
                stack.append((field, depth, blocks, brackets))
            elif isinstance(field, list):
                stack.extend((item, depth, blocks, brackets) for item in field if isinstance(item, ast.AST))
    return None


def _over(node: ast.AST, depth: int, blocks: int, brackets: int) -> str | None:
    if depth > MAX_DEPTH:
        return f"the code is nested more than {MAX_DEPTH} levels deep"
    if blocks > MAX_BLOCKS:
        return f"more than {MAX_BLOCKS} blocks (`if`, `for`, `def`, ...) are nested in each other"
    if brackets > MAX_BRACKETS:
        return f"more than {MAX_BRACKETS} calls, subscripts or brackets are nested in each other"
    longest = _longest_name(node)
    if longest > MAX_NAME_CHARS:
        return f"a name has {longest:,} characters, more than the {MAX_NAME_CHARS:,} nb2pkg converts"
    return None


def _longest_name(node: ast.AST) -> int:
    """The longest identifier the node itself holds (`x`, `.attr`, `def name`, `import a as b`)."""
    fields = _NAMES.get(type(node), ())
    return max((len(getattr(node, field) or "") for field in fields), default=0)


def _compile_tree(tree: ast.Module) -> Refusal | None:
    """CPython's compiler proper: `return` outside a function, top-level `await`, ..."""
    try:
        compile(tree, "<cell>", "exec", dont_inherit=True)
    except SyntaxError as error:
        try:
            compile(tree, "<cell>", "exec", ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)
        except SyntaxError:
            return Refusal("syntax", error.lineno or 1, error.msg)
        except (RecursionError, MemoryError):
            return Refusal("limit", 1, "nested deeper than Python itself can compile")
        return Refusal(
            "await", error.lineno or 1, f"uses {_async_word(error.msg)} outside a function, which only IPython runs"
        )
    except (RecursionError, MemoryError):
        return Refusal("limit", 1, "nested deeper than Python itself can compile")
    return None


def _async_word(message: str) -> str:
    """`await`, `async for`, ... from CPython's "'async for' outside async function"."""
    for word in ("async for", "async with", "await"):
        if f"'{word}'" in message:
            return f"`{word}`"
    return "`async` code"


# Words without which code cannot await at the top level: most code is not compiled again.
_ASYNC_WORDS = re.compile(r"\b(?:await|async)\b")


def awaits_at_top_level(python: str) -> bool:
    """Whether `python` (code that compiles in IPython's mode) uses `await`, `async for` or
    `async with` outside a function: IPython's autoawait runs it, a step must be an
    `async def`. CPython's compiler decides, as it did for the cell."""
    if _ASYNC_WORDS.search(python) is None:
        return False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            compile(python, "<step>", "exec", dont_inherit=True)
            return False
        except SyntaxError:
            pass
        except (ValueError, RecursionError, MemoryError):
            return False
        try:
            compile(python, "<step>", "exec", ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return False
    return True
