"""Which cells still need to run in the notebook's folder once the input files come from
DATA_DIR (plan.data_paths): the code that uses a relative path other than those. While
any does, the summary and the pipeline keep working in that folder; when none does, they
run wherever they are started.

Conservative on purpose: a cell wrongly said to need the folder only keeps the chdir
nb2pkg always did; one wrongly said not to would read or write in the wrong folder.
"""

from __future__ import annotations

import ast
import posixpath
import re
from dataclasses import replace

from nb2pkg.ipython import Policy
from nb2pkg.plan.data_paths import import_origins, names_a_file, plan_segments, segment_tree, string_constants
from nb2pkg.plan.files import file_uses, in_a_folder, is_relative, nodes_of
from nb2pkg.plan.model import Plan, Segment

# Modules whose calls take folders and files by name (`os.listdir("data")`, `Path("x")`).
_PATH_MODULES = ("os", "glob", "shutil", "pathlib", "subprocess", "zipfile", "tarfile", "sqlite3")
# ... and the ones that work in the current folder with no argument.
_CWD_CALLS = frozenset({"getcwd", "listdir", "scandir", "cwd", "walk", "Path", "iterdir", "glob"})
# Magics that read or write files, run scripts, or move to another folder.
_FILE_MAGICS = frozenset(
    {
        "run", "load", "loadpy", "writefile", "file", "cd", "pushd", "popd", "bookmark", "ls", "ll",
        "cat", "mkdir", "rm", "rmdir", "cp", "mv", "less", "more", "pycat", "save", "logstart",
        "edit", "bash", "sh", "script", "system", "sx", "getoutput", "!", "sql", "pfile", "notebook",
    }
)  # fmt: skip
_EXTENSIONS = (  # noqa: SIM905 - a table of words
    "csv tsv txt json jsonl xlsx xls xlsm parquet pkl pickle npy npz h5 hdf5 hdf png jpg jpeg gif "
    "bmp tif tiff svg pdf mat feather zip gz bz2 xz tar sav dta xml yaml yml html db sqlite sqlite3 "
    "joblib pt pth ckpt bin dat data arff shp geojson mplstyle py ipynb mp3 mp4 wav avi dot model"
).split()
_PATH_LIKE = re.compile(r"^[\w.\-~/\\]+$")
# Text with a slash that names no file: a media type, a time zone.
_NOT_PATHS = re.compile(
    r"^(text|image|application|audio|video|font|multipart|message)/[\w.+-]+$"
    r"|^(Africa|America|Antarctica|Asia|Atlantic|Australia|Europe|Indian|Pacific|Etc|US)/\w+(/\w+)?$"
)
_QUOTED_PATH = re.compile(r"[\"'][^\"'\s%{}]*(/|\.(?:" + "|".join(_EXTENSIONS) + r"))[\"']")
_FILE_NAME = re.compile(rf"\.({'|'.join(_EXTENSIONS)})$", re.IGNORECASE)


def with_folder_needs(plan: Plan) -> Plan:
    """The plan with its folder needs worked out once, for every renderer that asks."""
    return replace(plan, folder=folder_needs(plan))


def folder_needs(plan: Plan) -> tuple[tuple[int, str], ...]:
    """(1-based cell, why it needs the notebook's folder), in cell order; empty when
    nothing needs it."""
    if plan.folder is not None:
        return plan.folder
    constants = string_constants(plan)  # the constants redefined from DATA_DIR are no strings now
    origins = import_origins(plan)
    written = _written(plan, constants)
    found: dict[tuple[int, str], None] = {}
    seen: set[tuple[int, int, str]] = set()
    for segment in plan_segments(plan):
        key = (*segment.key, segment.source)
        if key in seen:
            continue
        seen.add(key)
        for reason in _reasons(segment, constants, origins, written):
            found[(segment.cell.number, reason)] = None
    found.update(dict.fromkeys(_argument_reasons(plan)))
    return tuple(sorted(found, key=lambda item: item[0]))


def _written(plan: Plan, constants: dict[str, str]) -> set[str]:
    paths = set()
    for segment in plan_segments(plan):
        tree = segment_tree(segment)
        for use in file_uses(tree, constants) if tree else []:
            if use.kind == "write" and use.path:
                paths.add(posixpath.normpath(use.path))
    return paths


def _reasons(segment: Segment, constants: dict[str, str], origins: dict[str, str], written: set[str]) -> list[str]:
    reasons = _magic_reasons(segment)
    if segment.role == "markdown":
        return reasons
    tree = segment_tree(segment)
    if tree is None:
        if _QUOTED_PATH.search(segment.source):
            reasons.append("is kept as it is and names a relative path")
        return reasons
    judged: set[int] = set()
    for use in file_uses(tree, constants):
        judged |= {id(n) for n in nodes_of(use.node)} if use.node is not None else set()
        reason = _use_reason(use.kind, use.path, use.node, written)
        if reason and (use.path is None or names_a_file(use, origins)):
            reasons.append(reason)
    for node in nodes_of(tree):
        if isinstance(node, ast.Call) and id(node) not in judged:
            reason = _module_call_reason(node, constants, origins)
            if reason:
                reasons.append(reason)
                judged |= {id(n) for n in nodes_of(node)}
    judged |= _shown_only(tree)
    for node in nodes_of(tree):
        if id(node) in judged:
            continue
        value = _string(node, constants)
        if value is not None and _looks_like_path(value):
            reasons.append(f"uses the relative path `{value}`")
    return reasons


def _shown_only(tree: ast.AST) -> set[int]:
    """Strings only printed or formatted into text (`print(DATA_PATH)`, `f"{path}"`):
    showing a path needs no folder."""
    found: set[int] = set()
    for node in nodes_of(tree):
        if isinstance(node, ast.FormattedValue):
            found |= {id(n) for n in nodes_of(node)}
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("print", "display"):
            found |= {id(a) for a in node.args}
    return found


def _argument_reasons(plan: Plan) -> list[tuple[int, str]]:
    """A literal a shared function's call passes (plan.clones) that looks like a path."""
    found = []
    for step in plan.steps:
        for argument in step.arguments:
            value = argument.partition("=")[2]
            try:
                literal = ast.literal_eval(value)
            except (ValueError, SyntaxError, RecursionError):
                continue
            if isinstance(literal, str) and _looks_like_path(literal):
                found.append((step.segments[0].cell.number, f"passes the relative path `{literal}` to `{step.name}`"))
    return found


def _magic_reasons(segment: Segment) -> list[str]:
    reasons = []
    for magic in segment.facts.magics:
        if magic.name not in _FILE_MAGICS and magic.policy is not Policy.SHELL:
            continue
        if magic.packages and not re.search(r"(^|\s)(-r|-e|--requirement|--editable|\.|\S*/)", magic.argument):
            continue  # `!pip install pandas`: nothing of the folder's
        reasons.append(f"runs `{magic.label}`, which works in the current folder")
    return reasons


def _use_reason(kind: str, path: str | None, node: ast.expr | None, written: set[str]) -> str:
    verb = "reads" if kind == "read" else "writes"
    if path is None:
        if not isinstance(node, (ast.JoinedStr, ast.BinOp, ast.Call)) or not _builds_text(node):
            return ""  # a variable: where its value comes from is judged there
        return f"{verb} a file whose path it builds ({_shown(node)})"
    if not is_relative(path):
        return ""
    if in_a_folder(path):
        return f"{verb} `{path}`, a path relative to the notebook's folder"
    if kind == "read" and posixpath.normpath(path) not in written:
        return f"reads `{path}` from the notebook's folder"
    return ""  # a bare file name it writes, or writes and reads back: any folder will do


def _builds_text(node: ast.expr) -> bool:
    """`f"out/{name}.csv"`, `"out/" + name`, `"{}.csv".format(name)`, `"%s.csv" % name`:
    a path made of text at run time."""
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):
        return any(
            isinstance(n, (ast.Constant, ast.JoinedStr)) and isinstance(getattr(n, "value", ""), str)
            for n in (node.left, node.right)
        ) or any(isinstance(n, ast.JoinedStr) for n in (node.left, node.right))
    function = node.func if isinstance(node, ast.Call) else None
    return isinstance(function, ast.Attribute) and function.attr in ("format", "join")


def _module_call_reason(call: ast.Call, constants: dict[str, str], origins: dict[str, str]) -> str:
    try:
        dotted = ast.unparse(call.func)
    except (ValueError, RecursionError):
        return ""
    root, _, rest = dotted.partition(".")
    origin = origins.get(root, "")
    full = f"{origin}.{rest}" if rest and origin else origin
    if not full or full.split(".")[0] not in _PATH_MODULES or full.startswith(("os.environ", "os.getenv")):
        return ""
    arguments = [*call.args, *(k.value for k in call.keywords)]
    relative = [v for a in arguments if (v := _string(a, constants)) is not None and is_relative(v)]
    if relative:
        return f"calls `{dotted}` on the relative path `{relative[0]}`"
    if not call.args and full.rsplit(".", 1)[-1] in _CWD_CALLS:
        return f"calls `{dotted}()`, which works in the current folder"
    return ""


def _string(node: ast.AST, constants: dict[str, str]) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
        return constants.get(node.id)
    return None


def _looks_like_path(text: str) -> bool:
    """A relative file or folder name: `data/x.csv`, `model.pkl`, `../out`; not a label,
    a format (`%d/%m/%Y`) or a sentence."""
    if not is_relative(text) or not _PATH_LIKE.match(text) or _NOT_PATHS.match(text):
        return False
    return bool(_FILE_NAME.search(text)) or bool(re.search(r"\w/|/\w", text)) or text in (".", "..")


def _shown(node: ast.AST) -> str:
    try:
        text = ast.unparse(node)
    except (ValueError, RecursionError):
        return "an expression"
    return f"`{text}`" if len(text) <= 60 else f"`{text[:57]}...`"
