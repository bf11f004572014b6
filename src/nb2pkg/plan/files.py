"""What the notebook's code does with files: the calls that read or write one, the path
each is given (a literal, a constant holding one, `os.path.join` of them) and where that
path stands in the call, so that plan.data_paths can make it a parameter."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from functools import lru_cache

from nb2pkg.analysis import CACHED_PER_NOTEBOOK
from nb2pkg.limits import parse_quietly, python_tree

# `%cd`, `%pushd`, `os.chdir(...)`: relative paths after it are from another folder (the
# magics as IPython's rewrite writes them, and as the notebook wrote them).
CHANGES_FOLDER = re.compile(r"\bchdir\(|run_line_magic\('(cd|pushd)'|^\s*%(cd|pushd)\b", re.M)

# Calls whose first argument (or path keyword) is a file the call reads, a file it writes.
_READ_FUNCTIONS = frozenset(
    {
        "load",
        "loadtxt",
        "genfromtxt",
        "fromfile",
        "imread",
        "loadmat",
        "load_workbook",
        "read_file",
        "read_text",
        "read_bytes",
    }
)
_NOT_FILES = frozenset({"read_sql", "read_sql_query", "read_sql_table", "read_clipboard", "read_gbq"})
_WRITE_FUNCTIONS = frozenset(
    {
        "savefig",
        "save",
        "savez",
        "savez_compressed",
        "savetxt",
        "dump",
        "imsave",
        "export_graphviz",
        "write_text",
        "write_bytes",
        "write",
    }
)
_PATH_KEYWORDS = ("filepath_or_buffer", "path_or_buf", "path", "fname", "file", "filename", "io", "out_file")
_RECEIVER_METHODS = ("read_text", "read_bytes", "write_text", "write_bytes")


@dataclass(frozen=True)
class FileUse:
    """A call that reads or writes a file: the path it is given (None: not a literal the
    code names) and the expression that gives it."""

    kind: str  # "read" | "write"
    path: str | None
    node: ast.expr | None  # the path argument (`"data/x.csv"`, `PATH`, `os.path.join(...)`)
    call: ast.Call


def file_uses(tree: ast.AST, constants: dict[str, str]) -> list[FileUse]:
    """Each call of `tree` that reads or writes a file, in the order of the code."""
    uses = []
    for kind, call in file_calls(tree):
        argument = path_node(call, constants)
        uses.append(FileUse(kind, literal_path(argument, constants), argument, call))
    return uses


@lru_cache(maxsize=CACHED_PER_NOTEBOOK)
def file_calls(tree: ast.AST) -> tuple[tuple[str, ast.Call], ...]:
    """The calls of `tree` that read or write a file, each with its kind, in the order of
    the code (whatever the constants: the stages that ask hold different ones)."""
    found = [(node, kind) for node in nodes_of(tree) if isinstance(node, ast.Call) and (kind := call_kind(node))]
    found.sort(key=lambda item: (item[0].lineno, item[0].col_offset))
    return tuple((kind, node) for node, kind in found)


@lru_cache(maxsize=CACHED_PER_NOTEBOOK)
def nodes_of(tree: ast.AST) -> tuple[ast.AST, ...]:
    """`ast.walk(tree)`, walked once however many passes ask: the trees they share
    (`tree_of`) are never changed."""
    return tuple(ast.walk(tree))


def call_name(call: ast.Call) -> str:
    function = call.func
    return (
        function.attr if isinstance(function, ast.Attribute) else function.id if isinstance(function, ast.Name) else ""
    )


def call_kind(call: ast.Call) -> str | None:
    """ "read", "write", or None for a call that is no file use nb2pkg knows."""
    name = call_name(call)
    if name == "open":
        mode = call.args[1] if len(call.args) > 1 else next((k.value for k in call.keywords if k.arg == "mode"), None)
        text = mode.value if isinstance(mode, ast.Constant) and isinstance(mode.value, str) else "r"
        return "write" if set(text) & set("wax") else "read"
    if name in _NOT_FILES:
        return None
    if name.startswith("read_") or name in _READ_FUNCTIONS:
        return "read"
    if name.startswith("to_") or name in _WRITE_FUNCTIONS:
        return "write"
    return None


def path_node(call: ast.Call, constants: dict[str, str]) -> ast.expr | None:
    """The argument that names the file: the first one (or a path keyword), the one that
    holds a path for `np.save(path, a)` / `joblib.dump(v, path)`, and the `Path(...)`'s for
    `Path("x").read_text()`."""
    function = call.func
    name = function.attr if isinstance(function, ast.Attribute) else ""
    if name in _RECEIVER_METHODS or (name == "open" and not call.args):
        target = function.value if isinstance(function, ast.Attribute) else None  # Path("x").read_text()
        return target.args[0] if isinstance(target, ast.Call) and target.args else None
    keyword = next((k.value for k in call.keywords if k.arg in _PATH_KEYWORDS), None)
    if name in ("dump", "save", "savez", "savez_compressed", "savetxt") and keyword is None:
        # np.save(path, array), joblib.dump(value, path), pickle.dump(value, file)
        return next((a for a in call.args if literal_path(a, constants)), None)
    if keyword is not None:
        return keyword
    return call.args[0] if call.args and not isinstance(call.args[0], ast.Starred) else None


def literal_path(node: ast.AST | None, constants: dict[str, str]) -> str | None:
    """The path `node` names when the code says it: a string, a constant holding one,
    `os.path.join` of those."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name):
        return constants.get(node.id)
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "join"
        and isinstance(node.func.value, ast.Attribute)
        and node.func.value.attr == "path"
        and not node.keywords
    ):
        parts = [literal_path(a, constants) for a in node.args]  # os.path.join("data", "x.csv")
        return "/".join(parts) if parts and all(parts) else None  # type: ignore[arg-type]
    return None


def is_relative(path: str) -> bool:
    """A relative file name: not absolute, not a URL, not text that is no file name."""
    return (
        bool(path)
        and "\n" not in path
        and "://" not in path
        and not path.startswith(("/", "~", "\\"))
        and not (len(path) > 1 and path[1] == ":")  # C:\data
        and len(path) < 300
    )


def in_a_folder(path: str) -> bool:
    """A relative path below or above the folder it resolves from (`out/x.csv`, `../x`),
    not a bare file name (`x.csv`, `./x.csv`), which resolves the same in any folder
    the code both writes and reads it in."""
    parts = [p for p in path.replace("\\", "/").split("/") if p not in ("", ".")]
    return len(parts) != 1


def parse(python: str) -> ast.Module | None:
    try:
        return python_tree(python)  # the cell's own tree when the code is all of a cell
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


@lru_cache(maxsize=CACHED_PER_NOTEBOOK)
def tree_of(python: str) -> ast.Module | None:
    """`parse(python)`, parsed once however many passes ask (a segment's reads and writes,
    its operations, its figures, its settings): they read the tree, none changes it."""
    return parse(python)


def read_tree(python: str) -> ast.Module:
    """`ast.parse(python)`, from `tree_of`: code that does not parse raises as it would."""
    tree = tree_of(python)
    return tree if tree is not None else parse_quietly(python)
