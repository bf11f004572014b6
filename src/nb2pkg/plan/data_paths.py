"""The notebook's input files become inputs of the package: found from one `DATA_DIR` in
config, each held by a constant (`HOUSES_CSV = DATA_DIR / "houses.csv"`), and each step
that reads one takes its path as a parameter with that default (`def load_data(path=
HOUSES_CSV)`), so that the package reads its data from any folder.

An input file is a relative path a step reads (a literal, a constant holding one,
`os.path.join` of those) that no code of the notebook writes: a file it writes and reads
back stays where the code puts it. A path read once the notebook changed its working
folder (`%cd ..`, `os.chdir(...)`, in that step or before) is from that folder, and stays
as it is written. A constant of the notebook used only as such a read
path is redefined in place (`DATA_PATH = DATA_DIR / "houses.csv"`); one used otherwise
too (printed, joined) stays as it was, beside the new one. A call that may take only a
str (`cv2.imread`, any call nb2pkg does not know) gets `str(DATA_DIR / ...)`.
"""

from __future__ import annotations

import ast
import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace

import libcst as cst

from nb2pkg.analysis import code_of, dotted_name
from nb2pkg.naming import identifier, unique
from nb2pkg.plan.files import (
    CHANGES_FOLDER,
    FileUse,
    call_name,
    file_calls,
    file_uses,
    is_relative,
    nodes_of,
    parse,
    tree_of,
)
from nb2pkg.plan.model import DataFile, DataFiles, Kept, Plan, Segment, Step

# Reading calls known to take an os.PathLike (pathlib.Path) as well as a str.
_PATHLIKE_PREFIXES = ("pandas.read_", "polars.read_", "imageio.")
_PATHLIKE = frozenset(
    {
        "numpy.load",
        "numpy.loadtxt",
        "numpy.genfromtxt",
        "numpy.fromfile",
        "matplotlib.pyplot.imread",
        "matplotlib.image.imread",
        "PIL.Image.open",
        "joblib.load",
        "open",
        "io.open",
        "builtins.open",
    }
)


@dataclass(frozen=True)
class _Reads:
    """What the notebook does with its input files."""

    inputs: dict[str, bool]  # path -> some call reading it takes only a str
    redefined: dict[str, str]  # the notebook's constants used only as input read paths -> path


def with_data_paths(plan: Plan) -> Plan:
    """The plan with its input files read from config's DATA_DIR (see the module)."""
    constants = string_constants(plan)
    origins = import_origins(plan)
    reads = _reads(plan, constants, origins)
    if not reads.inputs:
        return plan
    data = _data_files(plan, reads)
    names = {f.path: f.name for f in data.files}
    rewritten: dict[int, Step] = {}  # a shared function (plan.clones) is rewritten once, kept one object
    items: list[Step | Kept] = []
    for item in plan.items:
        if isinstance(item, Step):
            item = _step_with_paths(item, plan, constants, names, rewritten)
        items.append(item)
    constant_segments = tuple(_redefined(s, reads.redefined, data) for s in plan.constants)
    return replace(plan, items=tuple(items), constants=constant_segments, data=data)


def string_constants(plan: Plan) -> dict[str, str]:
    """The notebook's constants that hold a string: name -> the string."""
    found: dict[str, str] = {}
    for segment in plan.constants:
        tree = parse(_code(segment))
        for node in tree.body if tree else []:
            value = node.value if isinstance(node, ast.Assign) else None
            if isinstance(node, ast.Assign) and isinstance(value, ast.Constant) and isinstance(value.value, str):
                found.update({t.id: value.value for t in node.targets if isinstance(t, ast.Name)})
    return found


def import_origins(plan: Plan) -> dict[str, str]:
    """Imported name -> what it stands for: `pd` -> `pandas`, `Image` -> `PIL.Image`."""
    origins: dict[str, str] = {}
    for name, node in plan.imports.items():
        for alias in node.names if isinstance(node.names, (list, tuple)) else ():
            full = dotted_name(alias.name)
            bound = dotted_name(alias.asname.name) if alias.asname else full.split(".")[0]
            if bound != name:
                continue
            if isinstance(node, cst.Import):
                origins[name] = full if alias.asname else bound
            else:
                module = dotted_name(node.module) if node.module else ""
                origins[name] = f"{module}.{full}" if module else full
    return origins


def plan_segments(plan: Plan, copies: bool = False) -> Iterator[Segment]:
    """Every segment whose code runs: the steps' (a shared function's once per call; with
    `copies`, each copy's own code too), the summary's, the definitions', config.setup()'s
    and the notebook-only settings'."""
    for item in plan.items:
        if isinstance(item, Step):
            yield from item.defined.segments
            if copies and item.function is not None:
                yield from item.segments
            yield from item.shows
        else:
            yield item.segment
    yield from (d.segment for d in plan.definitions)
    yield from plan.session
    yield from plan.settings


def segment_tree(segment: Segment) -> ast.Module | None:
    """The segment's code as an ast (None: markdown, or code nb2pkg cannot read)."""
    if segment.role == "markdown" or not segment.facts.analysed:
        return None
    if not segment.statements and segment.facts.python:  # a whole cell kept as it is
        return tree_of(segment.facts.python)
    return tree_of(_code(segment))


def forget_trees() -> None:
    """Empty the cache of segment trees (a conversion calls it when it ends)."""
    tree_of.cache_clear()
    nodes_of.cache_clear()
    file_calls.cache_clear()


def takes_pathlike(use: FileUse, origins: dict[str, str]) -> bool:
    """Whether the reading call takes a pathlib.Path: `pd.read_csv`, `open`, `np.load`,
    `Path(...).read_text()`; not `cv2.imread`, nor a call nb2pkg does not know."""
    function = use.call.func
    receiver = function.value if isinstance(function, ast.Attribute) else None
    if use.node is not None and isinstance(receiver, ast.Call) and use.node in receiver.args:
        return True  # Path(x).read_text(): Path() takes a Path
    try:
        dotted = ast.unparse(function)
    except (ValueError, RecursionError):
        return False
    root, _, rest = dotted.partition(".")
    origin = origins.get(root, "" if root in origins or root != dotted else root)
    full = f"{origin}.{rest}" if rest and origin else origin or dotted
    return full in _PATHLIKE or full.startswith(_PATHLIKE_PREFIXES)


def _reads(plan: Plan, constants: dict[str, str], origins: dict[str, str]) -> _Reads:
    written: set[str] = set()
    step_reads: dict[str, bool] = {}
    every_read: dict[str, bool] = {}
    found: dict[ast.Module, list[FileUse]] = {}  # each tree's uses, for both passes (trees hash by identity)

    def uses_in(tree: ast.Module) -> list[FileUse]:
        if tree not in found:
            found[tree] = file_uses(tree, constants)
        return found[tree]

    for segment in plan_segments(plan, copies=True):
        tree = segment_tree(segment)
        for use in uses_in(tree) if tree else []:
            if use.path is None:
                continue
            if use.kind == "write":
                written.add(posixpath.normpath(use.path))
                continue
            every_read[use.path] = every_read.get(use.path, False) or not takes_pathlike(use, origins)
    moved = False  # the notebook changed its working folder (`%cd ..`): later paths are from there
    for item in plan.items:
        for segment in item.segments if isinstance(item, Step) else (item.segment,):
            moved = moved or (segment.role != "markdown" and CHANGES_FOLDER.search(segment.source) is not None)
            tree = segment_tree(segment) if isinstance(item, Step) and not moved else None
            for use in uses_in(tree) if tree else []:
                if use.kind == "read" and use.path and is_relative(use.path) and names_a_file(use, origins):
                    step_reads[use.path] = every_read[use.path]
    inputs = {p: text for p, text in step_reads.items() if posixpath.normpath(p) not in written}
    return _Reads(inputs, _only_read(plan, constants, set(inputs)))


def names_a_file(use: FileUse, origins: dict[str, str]) -> bool:
    """A known file reader's path, or one that looks like a file's (`x.csv`, `data/x`):
    `spacy.load("en_core_web_sm")` names a model, not a file beside the notebook."""
    path = use.path or ""
    if takes_pathlike(use, origins) or call_name(use.call).startswith("read_"):
        return True
    return " " not in path and bool(re.search(r"/|\.\w{1,8}$", path))


def _only_read(plan: Plan, constants: dict[str, str], inputs: set[str]) -> dict[str, str]:
    """The constants holding an input path that the code uses only as that read path."""
    candidates = {name: path for name, path in constants.items() if path in inputs}
    uses = dict.fromkeys(candidates, 0)
    read = dict.fromkeys(candidates, 0)
    for segment in plan_segments(plan):
        tree = segment_tree(segment)
        if tree is None:
            for name in candidates:  # code nb2pkg cannot read: any mention is another use
                uses[name] += int(name in segment.source)
            continue
        for node in nodes_of(tree):
            if isinstance(node, ast.Name) and node.id in candidates:
                uses[node.id] += 1
        for use in file_uses(tree, constants):
            if use.kind == "read" and isinstance(use.node, ast.Name) and use.node.id in candidates:
                read[use.node.id] += 1
    return {name: path for name, path in candidates.items() if uses[name] and uses[name] == read[name]}


def _data_files(plan: Plan, reads: _Reads) -> DataFiles:
    paths = sorted(reads.inputs)
    # the deepest folder holding them all, `..` included: worked out under a stand-in root
    root = "/" + "/".join(["r"] * 64)
    folders = [posixpath.dirname(posixpath.normpath(f"{root}/{p.replace(chr(92), '/')}")) for p in paths]
    folder = posixpath.relpath(posixpath.commonpath(folders), root)
    by_path = {path: name for name, path in sorted(reads.redefined.items(), reverse=True)}
    taken = set(plan.names) | set(plan.provided()) | set(plan.imports) | {"NOTEBOOK_DIR"}
    variable = "DATA_DIR" if "DATA_DIR" not in taken else unique("INPUT_DATA_DIR", taken)
    taken.add(variable)
    files = []
    for path in paths:
        normal = posixpath.normpath(path.replace("\\", "/"))
        relative = posixpath.relpath(normal, folder or ".")
        name = by_path.get(path)
        if name is None:
            name = _constant_name(normal, taken)
            taken.add(name)
        files.append(DataFile(path, name, relative, reads.inputs[path], added=path not in by_path))
    return DataFiles(folder or ".", tuple(files), variable)


def _constant_name(path: str, taken: set[str]) -> str:
    """HOUSES_CSV for `data/houses.csv`; RAW_HOUSES_CSV when HOUSES_CSV is taken."""
    parts = path.split("/")
    name = identifier(parts[-1].replace(".", " "), "file").upper()
    if name in taken and len(parts) > 1:
        name = identifier(f"{parts[-2]} {parts[-1]}".replace(".", " "), "file").upper()
    return unique(name, taken)


def _step_with_paths(
    step: Step,
    plan: Plan,
    constants: dict[str, str],
    names: dict[str, str],
    rewritten: dict[int, Step],
) -> Step:
    function = step.function
    if function is None:
        return _with_defaults(step, plan, constants, names)
    if id(function) not in rewritten:
        rewritten[id(function)] = _with_defaults(function, plan, constants, names)
    shared = rewritten[id(function)]
    arguments = tuple(_argument(a, shared, constants, names) for a in step.arguments)
    return replace(step, function=shared, arguments=arguments)


def _argument(argument: str, function: Step, constants: dict[str, str], names: dict[str, str]) -> str:
    """`path='data/a.csv'` -> `path=A_CSV`, when the shared function uses `path` only as
    the file it reads (plan.clones made it a parameter)."""
    keyword, _, value = argument.partition("=")
    try:
        literal = ast.literal_eval(value)
    except (ValueError, SyntaxError, RecursionError):
        return argument
    if not isinstance(literal, str) or literal not in names:
        return argument
    uses = reads = 0
    for segment in function.segments:
        tree = segment_tree(segment)
        if tree is None:
            return argument
        uses += sum(isinstance(n, ast.Name) and n.id == keyword for n in nodes_of(tree))
        reads += sum(
            u.kind == "read" and isinstance(u.node, ast.Name) and u.node.id == keyword
            for u in file_uses(tree, constants)
        )
    return f"{keyword}={names[literal]}" if uses and uses == reads else argument


def _with_defaults(step: Step, plan: Plan, constants: dict[str, str], names: dict[str, str]) -> Step:
    """The step reading each of its input files from a parameter, defaulting to config."""
    found: list[tuple[str, FileUse, Segment]] = []
    for segment in step.segments:
        tree = segment_tree(segment)
        for use in file_uses(tree, constants) if tree else []:
            if use.kind == "read" and use.path in names and use.node is not None:
                found.append((use.path, use, segment))
    if not found:
        return step
    paths = list(dict.fromkeys(path for path, _, _ in found))
    taken = _step_names(step) | set(plan.provided()) | set(plan.imports) | set(names.values())
    params: dict[str, str] = {}
    for path in paths:
        stem = posixpath.basename(path).rsplit(".", 1)[0]
        wanted = "path" if len(paths) == 1 else f"{identifier(stem, 'file')}_path"
        params[path] = unique(wanted, taken)
        taken.add(params[path])
    segments = tuple(
        _spliced(segment, [(_position(u.node), params[p]) for p, u, s in found if s is segment])
        for segment in step.segments
    )
    defaults = tuple((params[p], names[p]) for p in paths)
    return replace(step, segments=segments, defaults=step.defaults + defaults)


def _step_names(step: Step) -> set[str]:
    names = {*step.params, *step.returns, *step.initialised, step.name}
    for segment in step.segments:
        tree = segment_tree(segment)
        for node in nodes_of(tree) if tree else []:
            if isinstance(node, ast.Name):
                names.add(node.id)
            elif isinstance(node, ast.arg):
                names.add(node.arg)
    return names


def _spliced(segment: Segment, edits: list[tuple[tuple[int, int, int, int], str]]) -> Segment:
    """The segment with the code at each (ast) position replaced by a text."""
    if not edits:
        return segment
    code = _code(segment).encode("utf-8")  # ast columns count UTF-8 bytes
    starts = [0]
    for text_line in code.splitlines(keepends=True):
        starts.append(starts[-1] + len(text_line))
    for (line, column, end_line, end_column), text in sorted(edits, reverse=True):
        first, last = starts[line - 1] + column, starts[end_line - 1] + end_column
        code = code[:first] + text.encode("utf-8") + code[last:]
    python = code.decode("utf-8")
    return replace(segment, statements=tuple(cst.parse_module(python).body), source=python)


def _redefined(segment: Segment, redefined: dict[str, str], data: DataFiles) -> Segment:
    """A constant segment with each constant used only as an input path holding it from
    DATA_DIR: `DATA_PATH = DATA_DIR / "houses.csv"`, its comment kept."""
    tree = parse(_code(segment))
    files = {f.name: f for f in data.files if not f.added}
    edits = []
    for node in tree.body if tree else []:
        target = node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else None
        if isinstance(node, ast.Assign) and isinstance(target, ast.Name) and target.id in redefined.keys() & files:
            edits.append((_position(node.value), data.value(files[target.id])))
    return _spliced(segment, edits)


def _code(segment: Segment) -> str:
    if not segment.statements:
        return segment.source
    # a module of the statements prints as each statement printed alone, one after the other
    return "".join(code_of(statement) for statement in segment.statements)


def _position(node: ast.AST | None) -> tuple[int, int, int, int]:
    return (
        getattr(node, "lineno", 0),
        getattr(node, "col_offset", 0),
        getattr(node, "end_lineno", 0) or 0,
        getattr(node, "end_col_offset", 0) or 0,
    )
