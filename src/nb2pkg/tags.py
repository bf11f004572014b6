"""The `nb2pkg:module=NAME` cell tag: a module of the user's choosing, checked once.

The name becomes a file (`src/PKG/NAME.py`) and a name the summary notebook imports
(`from PKG import NAME`), so it must be an identifier that shadows nothing there:
not a keyword, builtin or standard-library module, not one of the files nb2pkg writes
itself, not a name the notebook binds or reads, and not one that differs from another
module only in case (macOS and Windows would make them one file).
"""

from __future__ import annotations

import sys
from collections.abc import Collection

from nb2pkg.errors import InvalidNotebook
from nb2pkg.naming import is_reserved
from nb2pkg.notebook import Cell, Notebook

MODULE_TAG = "nb2pkg:module="
# Modules nb2pkg places steps in by itself, and the files of the package it writes.
STANDARD_MODULES = ("data", "preprocess", "features", "models", "plots", "utils")
_OWN_FILES = frozenset({"config", "pipeline", "__init__", "__main__"})
# Names the summary notebook's own setup cell binds or IPython provides.
_SUMMARY_NAMES = frozenset({"os", "warnings", "display", "get_ipython", "In", "Out"})


def module_tag(cell: Cell) -> str | None:
    """The module named by the cell's `nb2pkg:module=` tag (the first one), stripped."""
    for tag in cell.tags:
        if tag.startswith(MODULE_TAG) and tag[len(MODULE_TAG) :].strip():
            return tag[len(MODULE_TAG) :].strip()
    return None


def check_module_tags(notebook: Notebook, notebook_names: Collection[str]) -> None:
    """Raise `InvalidNotebook` (naming the cell) for the first unusable module tag."""
    seen: dict[str, str] = {name: name for name in STANDARD_MODULES}
    for cell in notebook.cells:
        name = module_tag(cell)
        if name is None:
            continue
        problem = module_name_problem(name, notebook_names) or _case_clash(name, seen)
        if problem:
            raise InvalidNotebook(
                notebook.path,
                f"its tag `{MODULE_TAG}{_shown(name)}` {problem}",
                "choose another module name, a lowercase identifier such as `reporting`",
                cell=cell.number,
            )
        seen.setdefault(name.casefold(), name)


def module_name_problem(name: str, notebook_names: Collection[str] = ()) -> str | None:
    """Why `name` cannot be a module of the package, or None when it can."""
    if not (name.isascii() and name.isidentifier()):
        return "is not a Python identifier of ASCII letters, digits and `_`"
    if is_reserved(name):
        return "is a Python keyword or builtin"
    if name.casefold() in _OWN_FILES:
        return "names a file nb2pkg writes itself"
    if name in sys.stdlib_module_names or name in _SUMMARY_NAMES:
        return "would hide a standard module or a name of the summary notebook"
    if name in notebook_names:
        return "is also a name in the notebook, which the module's import would replace"
    return None


def _case_clash(name: str, seen: dict[str, str]) -> str | None:
    other = seen.get(name.casefold())
    if other is not None and other != name:
        return f"differs from the module `{other}` only in case (one file on macOS and Windows)"
    return None


def _shown(name: str) -> str:
    """The name as one short printable line (it came from the notebook, unchecked)."""
    text = name if name.isprintable() else ascii(name)[1:-1]
    return text if len(text) <= 60 else text[:59] + "…"
