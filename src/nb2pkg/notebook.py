"""Read a notebook file into a `Notebook`: cells, ids, tags, kernel language.

nbformat 4 is read as it is; nbformat 2 and 3 are upgraded with nbformat's own
converters. A notebook whose cells are usable is read even when it breaks the schema
(the problem becomes a warning), because legacy notebooks often do.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from nb2pkg.diagnostics import Diagnostic
from nb2pkg.errors import (
    InvalidNotebook,
    NotebookNotFound,
    OtherLanguage,
    UnreadableNotebook,
)
from nb2pkg.nbschema import surely_valid
from nb2pkg.shown import Item, read_items

CellKind = Literal["code", "markdown", "raw"]

# Kernel language names as Jupyter records them -> how a person writes them.
_LANGUAGE_NAMES = {
    "r": "R",
    "ir": "R",
    "julia": "Julia",
    "bash": "bash",
    "sh": "bash",
    "scala": "Scala",
    "javascript": "JavaScript",
    "typescript": "TypeScript",
    "c++": "C++",
    "cpp": "C++",
    "java": "Java",
    "go": "Go",
    "rust": "Rust",
    "matlab": "MATLAB",
    "octave": "Octave",
    "sas": "SAS",
    "sql": "SQL",
    "haskell": "Haskell",
    "ruby": "Ruby",
    "plaintext": "plain-text",
}


@dataclass(frozen=True)
class Cell:
    """One cell as the notebook holds it; `index` is its 0-based position."""

    index: int
    kind: CellKind
    source: str
    id: str | None = None
    tags: tuple[str, ...] = ()
    execution_count: int | None = None
    error: str = ""  # the error its saved outputs show (`TypeError`): the notebook ran past it
    # what its saved outputs show (not compared: two cells are the same cell by their code)
    outputs: tuple[Item, ...] = field(default=(), compare=False, repr=False)

    @property
    def number(self) -> int:
        """The 1-based number used in every message to the user."""
        return self.index + 1


@dataclass(frozen=True)
class Notebook:
    """A notebook's cells and what nb2pkg needs of its metadata."""

    path: Path
    cells: tuple[Cell, ...]
    language: str = "python"
    kernel_name: str | None = None
    warnings: tuple[Diagnostic, ...] = ()  # about the notebook as a whole
    nbformat: int = 4  # the file's own version, before any upgrade
    # The file's JSON as read (`recorded` reads its versions from it); None when not read
    # from a file without a byte-order mark (the versions were never read from those).
    data: Any = field(default=None, compare=False, repr=False)

    @property
    def code_cells(self) -> tuple[Cell, ...]:
        return tuple(cell for cell in self.cells if cell.kind == "code")


# One whole heading line; no two quantifiers may compete for the same characters (the
# closing `#`s are stripped afterwards), or a heading of spaces takes hours to match.
HEADING = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+(\S[^\n]*)$", re.MULTILINE)
_CLOSING = re.compile(r"[ \t]#+\Z")


def heading_of(markdown: str) -> str | None:
    """The text of the first markdown heading (`## Load the data ##` -> `Load the data`)."""
    match = HEADING.search(markdown)
    if match is None:
        return None
    text = match.group(1).rstrip()
    closing = _CLOSING.search(text)
    return (text[: closing.start()] if closing else text).strip() or text.strip()


def read_notebook(path: Path) -> Notebook:
    """Read and check `path`; raise an `InputError` subclass the user can act on."""
    text, bom = _read_text(path)
    return _read(path, text, keep=not bom)


def read_notebook_text(path: Path, text: str) -> Notebook:
    """Like `read_notebook`, for text already in memory (tests, stdin)."""
    return _read(path, text, keep=False)


def _read(path: Path, text: str, keep: bool) -> Notebook:
    data = _parse_json(path, text)
    original = data
    major = _version(path, data)
    data, warnings = _as_version_4(path, data)
    if not isinstance(data.get("metadata", {}), dict):
        warnings.append(
            f"the notebook's metadata is {_kind_of(data['metadata'])}, not an object; "
            "read as if it had none (a Python kernel)"
        )
        data = {**data, "metadata": {}}
    language, kernel_name = _language(path, data)
    cells = tuple(_cell(path, index, raw) for index, raw in enumerate(data["cells"]))
    whole = tuple(Diagnostic(None, None, message) for message in warnings)
    return Notebook(path, cells, language, kernel_name, whole, major, original if keep else None)


def _read_text(path: Path) -> tuple[str, bool]:
    """The file's text, and whether it starts with a UTF-8 byte-order mark."""
    if not path.exists():
        raise NotebookNotFound(path, "no such file", "check the path")
    if path.is_dir():
        raise UnreadableNotebook(
            path, "is a folder, not a notebook", "name an .ipynb file (or use `nb2pkg batch` for folders)"
        )
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise UnreadableNotebook(path, f"cannot be read ({error.strerror or error})", "check its permissions") from None
    try:
        return raw.decode("utf-8-sig"), raw.startswith(b"\xef\xbb\xbf")
    except UnicodeDecodeError as error:
        raise InvalidNotebook(
            path,
            f"is not UTF-8 text (byte {error.start})",
            "a notebook is a JSON file; save it again from Jupyter",
        ) from None


def _parse_json(path: Path, text: str) -> dict[str, Any]:
    if not text.strip():
        raise InvalidNotebook(path, "is empty", "save the notebook again from Jupyter")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidNotebook(
            path,
            f"is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})",
            "repair the file or save it again from Jupyter",
        ) from None
    except RecursionError:  # Python's JSON reader recurses once per level of nesting
        raise InvalidNotebook(
            path,
            "is JSON nested too deeply to read (no notebook nests that far)",
            "repair the file or save it again from Jupyter",
        ) from None
    except ValueError as error:  # a number longer than Python converts (4,300 digits)
        raise InvalidNotebook(
            path,
            f"is JSON nb2pkg cannot read ({_first_line(error)})",
            "repair the file or save it again from Jupyter",
        ) from None
    if not isinstance(data, dict) or "nbformat" not in data:
        raise InvalidNotebook(
            path,
            "is JSON but not a Jupyter notebook (no `nbformat` field)",
            "name an .ipynb file saved by Jupyter",
        )
    return data


def _version(path: Path, data: dict[str, Any]) -> int:
    """The file's nbformat major version, a whole number from 1 up."""
    major = data.get("nbformat")
    if not isinstance(major, int) or isinstance(major, bool) or major < 1:
        raise InvalidNotebook(
            path, f"has an unknown nbformat version {json.dumps(major)}", "save it again from Jupyter"
        )
    return major


def _as_version_4(path: Path, data: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    major = _version(path, data)
    if major > 4:
        raise InvalidNotebook(
            path,
            f"uses nbformat {major}, newer than nb2pkg understands",
            "save it as nbformat 4 (File > Save As in Jupyter) or upgrade nb2pkg",
        )
    warnings: list[str] = []
    if major < 4:
        data = _upgrade(path, data, major, warnings)
    if not isinstance(data.get("cells"), list):
        raise InvalidNotebook(path, "has no list of cells", "save it again from Jupyter")
    for index, cell in enumerate(data["cells"]):
        if not isinstance(cell, dict) or not isinstance(cell.get("cell_type"), str):
            what = "no `cell_type`" if isinstance(cell, dict) else f"{_kind_of(cell)}, not an object"
            raise InvalidNotebook(
                path,
                f"is not a readable cell ({what})",
                "repair the cell or save the notebook again from Jupyter",
                cell=index + 1,
            )
    problem = _schema_problem(data)
    if problem:
        warnings.append(f"the notebook breaks the nbformat schema ({problem}); read anyway")
    return data, warnings


def _upgrade(path: Path, data: dict[str, Any], major: int, warnings: list[str]) -> dict[str, Any]:
    import nbformat

    if major == 3 and "worksheets" not in data:
        warnings.append("nbformat 3 file without worksheets: read as an empty notebook")
        return {"cells": [], "metadata": data.get("metadata") or {}, "nbformat": 4}
    try:
        node = nbformat.reader.reads(json.dumps(data))
        upgraded = nbformat.converter.convert(node, 4)
    except Exception as error:  # nbformat raises many kinds on legacy files
        raise InvalidNotebook(
            path,
            f"is an nbformat {major} file nb2pkg cannot upgrade ({_first_line(error)})",
            "open it in Jupyter and save it again",
        ) from None
    # The upgrade invents random cell ids; ids the file did not have stay absent so
    # that converting the same file twice gives the same output.
    for cell in upgraded.get("cells", []):
        cell.pop("id", None)
    upgraded["nbformat_minor"] = 4  # the last minor version without required ids
    warnings.append(f"nbformat {major} notebook upgraded to nbformat 4")
    return upgraded


def _schema_problem(data: dict[str, Any]) -> str | None:
    if surely_valid(data):  # most notebooks: nbformat and its validators are not imported
        return None
    import copy
    import warnings

    import nbformat
    from nbformat import ValidationError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # nbformat warns about ids of 4.5 files
            # on a copy: nbformat's validate gives a 4.5 cell without an id a random one,
            # in place, and the same file must convert to the same project every time
            nbformat.validate(copy.deepcopy(data), version=4)
    except ValidationError as error:
        return _first_line(error)
    except Exception as error:  # a broken schema lookup is still only a warning
        return _first_line(error)
    return None


def _first_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0][:200]


def _language(path: Path, data: dict[str, Any]) -> tuple[str, str | None]:
    metadata = data.get("metadata") or {}
    kernelspec = metadata.get("kernelspec") or {}
    language_info = metadata.get("language_info") or {}
    kernel_name = kernelspec.get("name") if isinstance(kernelspec, dict) else None
    candidates = [
        kernelspec.get("language") if isinstance(kernelspec, dict) else None,
        language_info.get("name") if isinstance(language_info, dict) else None,
        metadata.get("language"),
    ]
    language = next((c for c in candidates if isinstance(c, str) and c), None)
    if language is None and isinstance(kernel_name, str):
        language = _language_from_kernel_name(kernel_name)
    if language is None or language.lower().startswith("python"):
        return "python", kernel_name if isinstance(kernel_name, str) else None
    shown = _LANGUAGE_NAMES.get(language.lower(), language)
    raise OtherLanguage(
        path,
        f"{shown} kernel",
        "nb2pkg converts Python notebooks",
    )


def _language_from_kernel_name(name: str) -> str | None:
    lowered = name.lower()
    if lowered.startswith(("python", "py")):
        return "python"
    for prefix in ("ir", "julia", "bash", "scala"):
        if lowered == prefix or lowered.startswith(prefix + "-"):
            return prefix
    return None


_KINDS: tuple[CellKind, ...] = ("code", "markdown", "raw")


def _kind(cell_type: object) -> CellKind:
    """The cell's kind; "raw" for any other type (nbformat 3 "heading" cells were converted already)."""
    return next((kind for kind in _KINDS if kind == cell_type), "raw")


def _cell(path: Path, index: int, raw: dict[str, Any]) -> Cell:
    kind = _kind(raw.get("cell_type"))
    metadata = raw.get("metadata") or {}
    tags = metadata.get("tags") if isinstance(metadata, dict) else None
    count = raw.get("execution_count")
    cell = Cell(
        index=index,
        kind=kind,
        source=_source(path, index, raw.get("source")),
        id=raw.get("id") if isinstance(raw.get("id"), str) else None,
        tags=tuple(t for t in tags if isinstance(t, str)) if isinstance(tags, list) else (),
        execution_count=count if isinstance(count, int) and not isinstance(count, bool) else None,
        error=_saved_error(raw.get("outputs")),
        outputs=tuple(read_items(raw)) if kind == "code" else (),
    )
    _check_text(path, cell)
    return cell


def _source(path: Path, index: int, source: object) -> str:
    """A cell's text: a string or a list of strings; absent or null is an empty cell (the
    schema warning says so), anything else is a damaged file, never guessed at."""
    if source is None:
        return ""
    if isinstance(source, str):
        return source
    if isinstance(source, list) and all(isinstance(part, str) for part in source):
        return "".join(source)
    what = "a list with other things than text" if isinstance(source, list) else _kind_of(source)
    raise InvalidNotebook(
        path,
        f"its `source` is {what}, not text",
        "repair the cell (a string or a list of strings) or save the notebook again from Jupyter",
        cell=index + 1,
    )


def _check_text(path: Path, cell: Cell) -> None:
    """JSON can spell a lone surrogate (`\\ud800`), which is no character: Python cannot
    compile it and no file can hold it as UTF-8 (Jupyter cannot save it either)."""
    for what, text in (("source", cell.source), ("id", cell.id or ""), *(("tag", t) for t in cell.tags)):
        found = None if text.isascii() else _SURROGATE.search(text)
        if found is not None:
            raise InvalidNotebook(
                path,
                f"its {what} holds a lone surrogate (`\\u{ord(found.group()):04x}`), which is not a character",
                "remove it (it is not valid Unicode)",
                cell=cell.number,
            )


_SURROGATE = re.compile("[\ud800-\udfff]")


def _kind_of(value: object) -> str:
    """How the user would name a JSON value's type."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    names = {int: "a number", float: "a number", str: "text", list: "a list", dict: "an object"}
    return names.get(type(value), type(value).__name__)


def _saved_error(outputs: object) -> str:
    """The name of the first error among a code cell's saved outputs, "" when none."""
    for output in outputs if isinstance(outputs, list) else ():
        if isinstance(output, dict) and output.get("output_type") == "error":
            name = output.get("ename")
            return name if isinstance(name, str) and name else "error"
    return ""
