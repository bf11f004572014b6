"""Modules and packages the notebook imports from its own folder (or from a folder it puts
on `sys.path`): they go into the project under `src/`, beside the package, instead of
being taken for distributions to install.

Reading them is the one part of conversion besides the notebook that reads files, so it
happens here, before the pure conversion, which gets their text. Only files inside the
notebook's folder tree, or inside a folder a cell adds with a literal
`sys.path.append(...)`/`sys.path.insert(...)`, are read; symbolic links are not followed.
"""

from __future__ import annotations

import ast
import itertools
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from nb2pkg.dataflow import Dataflow
from nb2pkg.diagnostics import Diagnostic
from nb2pkg.limits import parse_quietly
from nb2pkg.render.dependencies import distribution_table

# Beyond these a folder is a project of its own, not a helper module: it is not copied.
MAX_FILE_BYTES = 1_000_000
MAX_MODULE_BYTES = 5_000_000
MAX_MODULE_FILES = 200
_SKIPPED_SUFFIXES = (".pyc", ".pyo")


@dataclass(frozen=True)
class LocalModule:
    """A module or package found beside the notebook, with the text of its files."""

    name: str  # the import name: `mylib`, `helpers`
    origin: str  # where it is, relative to the notebook's folder: `mylib.py`, `../lib/helpers`
    files: tuple[tuple[str, str], ...]  # (path under src/, text): `mylib.py`, `helpers/io.py`
    imports: tuple[str, ...]  # absolute imports of its Python files (`numpy`, `sklearn.base`)
    optional: tuple[str, ...] = ()  # imports it can do without (`try: import ujson`): no dependency

    @property
    def top(self) -> str:
        """Its file or folder under src/: `mylib.py`, `helpers`."""
        return self.files[0][0].split("/")[0]


@dataclass(frozen=True)
class LocalModules:
    """What `read_local_modules` found, and what it skipped, as warnings."""

    modules: tuple[LocalModule, ...] = ()
    warnings: tuple[Diagnostic, ...] = ()

    @property
    def names(self) -> frozenset[str]:
        return frozenset(module.name for module in self.modules)

    def files(self) -> dict[str, str]:
        """Their files as the project holds them (`src/mylib.py`)."""
        return {f"src/{path}": text for module in self.modules for path, text in module.files}

    def imports(self) -> tuple[str, ...]:
        """What their files import from outside them: the project's dependencies too."""
        return tuple(
            sorted({name for module in self.modules for name in module.imports if name.split(".")[0] not in self.names})
        )


@dataclass(frozen=True)
class _Root:
    """A folder the notebook imports from: its own, or one a cell adds to `sys.path`."""

    path: Path
    cell: int | None  # the 1-based cell that adds it (None: the notebook's folder)


def read_local_modules(notebook: Path, flow: Dataflow, package: str) -> LocalModules:
    """The local modules `flow`'s notebook imports, read from its folder (and the folders
    it adds to `sys.path`), and warnings for those that cannot be taken as they are."""
    home = notebook.resolve().parent
    roots = [_Root(home, None)] + [_Root((home / text).resolve(), cell) for cell, text in path_additions(flow)]
    warnings: list[Diagnostic] = []
    for root in roots[1:]:
        if not root.path.is_dir():
            warnings.append(
                Diagnostic(
                    root.cell,
                    None,
                    f"adds `{_shown(root.path, home)}` to sys.path, which is not a "
                    "folder here; modules imported from it are taken as dependencies",
                )
            )
    found: dict[str, LocalModule] = {}
    searched: set[str] = set()
    wanted = sorted(notebook_imports(flow).items())  # (name, the first cell importing it)
    while wanted:
        name, cell = wanted.pop(0)
        if name in searched:
            continue
        searched.add(name)
        try:
            module = _find(name, [r for r in roots if r.path.is_dir()], home, package, cell, warnings)
        except OSError as error:  # a folder nb2pkg may not list, a file it may not read
            warnings.append(
                Diagnostic(
                    cell,
                    None,
                    f"`{name}` beside the notebook cannot be read ({error.strerror}); it is "
                    "not copied: check its permissions",
                )
            )
            continue
        if module is not None:
            found[name] = module
            wanted.extend((top, cell) for top in sorted({top_name(m) for m in module.imports + module.optional}))
    return LocalModules(tuple(found[n] for n in sorted(found)), tuple(warnings))


def notebook_imports(flow: Dataflow) -> dict[str, int]:
    """Top-level names of the notebook's absolute imports (`helpers` for `helpers.io`),
    each with the 1-based cell that first imports it."""
    first: dict[str, int] = {}
    for index, facts in enumerate(flow.facts):
        for module in sorted(facts.imports) if facts else ():
            if not module.startswith("."):
                first.setdefault(top_name(module), index + 1)
    return first


def top_name(module: str) -> str:
    return module.split(".")[0]


def path_additions(flow: Dataflow) -> list[tuple[int, str]]:
    """(1-based cell, path) for each `sys.path.append(P)`, `sys.path.insert(i, P)`,
    `sys.path.extend([P])` and `sys.path += [P]` whose path is literal (`"../lib"`,
    `os.path.abspath("..")`, `Path("src")`, `os.path.join("..", "lib")`)."""
    found: list[tuple[int, str]] = []
    for index, facts in enumerate(flow.facts):
        if facts is None or not facts.analysed or "path" not in (facts.python or ""):
            continue
        try:
            tree = parse_quietly(facts.python or "")
        except (SyntaxError, ValueError):
            continue
        arguments = [argument for node in ast.walk(tree) for argument in _sys_path_arguments(node)]
        for argument in sorted(arguments, key=lambda node: (node.lineno, node.col_offset)):
            text = literal_path(argument)
            if text is not None:
                found.append((index + 1, text))
    return found


def _sys_path_arguments(node: ast.AST) -> Iterator[ast.expr]:
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and _is_sys_path(node.func.value):
        method, args = node.func.attr, node.args
        if method == "append" and len(args) == 1:
            yield args[0]
        elif method == "insert" and len(args) == 2:
            yield args[1]
        elif method == "extend" and len(args) == 1 and isinstance(args[0], (ast.List, ast.Tuple)):
            yield from args[0].elts
    elif (
        isinstance(node, ast.AugAssign)
        and isinstance(node.op, ast.Add)
        and _is_sys_path(node.target)
        and isinstance(node.value, (ast.List, ast.Tuple))
    ):
        yield from node.value.elts


def _is_sys_path(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "path"
        and isinstance(node.value, ast.Name)
        and node.value.id == "sys"
    )


# Calls that keep a literal path a literal path: their result is that path again.
_SAME_PATH = frozenset({"abspath", "realpath", "normpath", "str", "Path", "PurePath", "fspath", "resolve", "absolute"})
_CURRENT_FOLDER = frozenset({"getcwd", "cwd"})


def literal_path(node: ast.expr) -> str | None:
    """The path an expression names when it is built from literals only, else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value or "."
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):  # Path("..") / "lib"
        left, right = literal_path(node.left), literal_path(node.right)
        return None if left is None or right is None else os.path.join(left, right)
    if isinstance(node, ast.Attribute) and node.attr == "parent":
        inner = literal_path(node.value)
        return None if inner is None else os.path.join(inner, "..")
    if not isinstance(node, ast.Call) or node.keywords:
        return None
    name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
    if name in _CURRENT_FOLDER and not node.args:
        return "."
    parts = [literal_path(arg) for arg in node.args]
    if isinstance(node.func, ast.Attribute) and name in ("resolve", "absolute") and not node.args:
        return literal_path(node.func.value)
    if any(part is None for part in parts) or not parts:
        return "." if name in ("Path", "PurePath") and not node.args else None
    if name == "join":
        return os.path.join(*parts)  # type: ignore[arg-type]
    if name == "dirname" and len(parts) == 1:
        return os.path.join(parts[0], "..")  # type: ignore[arg-type]
    return parts[0] if name in _SAME_PATH and len(parts) == 1 else None


def _find(
    name: str, roots: list[_Root], home: Path, package: str, cell: int | None, warnings: list[Diagnostic]
) -> LocalModule | None:
    """The module `name` in the first root that has it, read; None when none has it or it
    cannot be taken (with a warning saying why)."""
    for root in roots:
        candidate = _candidate(root.path, name)
        if candidate is None:
            continue
        shown = _shown(candidate, home)
        if candidate.is_symlink():
            warnings.append(
                Diagnostic(
                    cell,
                    None,
                    f"`{shown}` is a symbolic link, which nb2pkg does not follow; it is not "
                    "copied: copy the module into the notebook's folder",
                )
            )
            return None
        if name in sys.stdlib_module_names:
            warnings.append(
                Diagnostic(
                    cell,
                    None,
                    f"`{shown}` has the name of the standard module `{name}`; an "
                    "installed package cannot take its place, so it is not copied: rename it",
                )
            )
            return None
        if name == package:
            warnings.append(
                Diagnostic(
                    cell,
                    None,
                    f"`{shown}` has the package's name `{package}`; it is not copied: "
                    "convert with --name OTHER to keep both",
                )
            )
            return None
        installed = distribution_table(None)().get(name)
        if installed:  # (a namespace folder of that name is not a candidate: the installed one wins)
            warnings.append(
                Diagnostic(
                    cell,
                    None,
                    f"`{shown}` has the name of a module of the installed `{installed[0]}`; "
                    "the notebook imported the file, and so does the project, but "
                    "installed beside it one of them breaks: rename the file",
                )
            )
        return _read_module(name, candidate, shown, cell, warnings)
    return None


def _candidate(root: Path, name: str) -> Path | None:
    """`root/name.py`, or the package folder `root/name/` (with `__init__.py`, or a folder
    of Python files Python imports as a namespace package); never through a link."""
    file = root / f"{name}.py"
    if file.is_file():
        return file
    folder = root / name
    if not folder.is_dir():
        return None
    if folder.is_symlink():
        return folder  # refused by the caller, with a warning
    if (folder / "__init__.py").is_file():
        return folder
    # A folder without `__init__.py` is imported only when no installed distribution
    # provides the name (namespace packages come last): `data/` with scripts in it is data.
    python = any(p.is_file() and not p.is_symlink() for p in folder.glob("*.py"))
    return folder if python and name not in distribution_table(None)() else None


def _read_module(
    name: str, found: Path, shown: str, cell: int | None, warnings: list[Diagnostic]
) -> LocalModule | None:
    # a walk that stops past the limit: a huge folder is refused without listing it all
    paths = [found] if found.is_file() else sorted(itertools.islice(_package_files(found), MAX_MODULE_FILES + 1))
    total = sum(path.lstat().st_size for path in paths)
    if len(paths) > MAX_MODULE_FILES or total > MAX_MODULE_BYTES:
        size = f"over {MAX_MODULE_FILES} files" if len(paths) > MAX_MODULE_FILES else f"{total // 1000} kB"
        warnings.append(
            Diagnostic(
                cell,
                None,
                f"`{shown}` is too large to copy into the project ({size}); install it "
                "yourself and add it to the dependencies",
            )
        )
        return None
    files: list[tuple[str, str]] = []
    imports: set[str] = set()
    optional: set[str] = set()
    for path in paths:
        relative = path.relative_to(found.parent).as_posix()
        where = str(PurePosixPath(shown).parent / relative)  # as the notebook's folder sees it
        text = _read_text(path, where, cell, warnings)
        if text is None:
            continue
        files.append((relative, text))
        if path.suffix == ".py":
            required, maybe = module_imports(text, where, cell, warnings)
            imports |= set(required)
            optional |= set(maybe)
    if not any(path.endswith(".py") for path, _ in files):
        return None  # nothing importable was read: the import stays a dependency to check
    return LocalModule(name, shown, tuple(files), tuple(sorted(imports)), tuple(sorted(optional - imports)))


def _package_files(folder: Path) -> Iterator[Path]:
    """The files of a package folder, without caches or hidden files; links are listed
    (and refused when read), never followed."""
    for path in folder.iterdir():
        if path.name.startswith(".") or path.name == "__pycache__" or path.name.endswith(_SKIPPED_SUFFIXES):
            continue
        if path.is_symlink() or path.is_file():
            yield path
        elif path.is_dir():
            yield from _package_files(path)


def _read_text(path: Path, shown: str, cell: int | None, warnings: list[Diagnostic]) -> str | None:
    if not path.is_symlink() and path.stat().st_size > MAX_FILE_BYTES:
        warnings.append(
            Diagnostic(
                cell,
                None,
                f"`{shown}` is over {MAX_FILE_BYTES // 1_000_000} MB; not copied into the "
                "project: copy it by hand if the module needs it",
            )
        )
        return None
    problem = "is a symbolic link, which nb2pkg does not follow" if path.is_symlink() else ""
    text = ""
    if not problem:
        try:
            text = path.read_bytes().decode("utf-8")
            problem = "is binary, not text" if "\x00" in text else ""
        except UnicodeDecodeError:
            problem = "is not UTF-8 text"
        except OSError as error:
            problem = f"cannot be read ({error.strerror})"
    if problem:
        warnings.append(
            Diagnostic(
                cell, None, f"`{shown}` {problem}; not copied into the project: copy it by hand if the module needs it"
            )
        )
        return None
    return text


def module_imports(
    text: str, name: str = "", cell: int | None = None, warnings: list[Diagnostic] | None = None
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The absolute imports anywhere in a module's text (a function's imports run too):
    (required, optional), optional ones in a `try` that catches ImportError."""
    try:
        tree = parse_quietly(text)
    except (SyntaxError, ValueError):
        if warnings is not None:
            warnings.append(
                Diagnostic(
                    cell, None, f"`{name}` does not parse as Python 3; its imports are not counted as dependencies"
                )
            )
        return (), ()
    optional = {
        module
        for node in ast.walk(tree)
        if isinstance(node, ast.Try) and _catches_import_error(node)
        for statement in node.body
        for module in _imported(statement)
    }
    required = set(_imported(tree)) - optional
    return tuple(sorted(required)), tuple(sorted(optional))


def _imported(tree: ast.AST) -> Iterator[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


def _catches_import_error(node: ast.Try) -> bool:
    """`except ImportError:` (or ModuleNotFoundError, or a bare `except:`)."""

    def names(kind: ast.expr | None) -> set[str]:
        if kind is None:
            return {"ImportError"}
        elements = kind.elts if isinstance(kind, ast.Tuple) else [kind]
        return {e.id for e in elements if isinstance(e, ast.Name)}

    return any(names(handler.type) & {"ImportError", "ModuleNotFoundError"} for handler in node.handlers)


def _shown(path: Path, home: Path) -> str:
    """A path as the notebook's folder sees it, `/`-separated (`../lib/helpers`)."""
    return Path(os.path.relpath(path, home)).as_posix()
