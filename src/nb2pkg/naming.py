"""Naming: Python identifiers for packages and functions from notebook stems and headings."""

from __future__ import annotations

import builtins
import keyword
import re
import sys
import unicodedata
from collections.abc import Collection

# `site` adds these to builtins; listed so that `python -S` gives the same names.
_BUILTINS = frozenset(dir(builtins)) | frozenset(["copyright", "credits", "exit", "help", "license", "quit"])
_KEYWORDS = frozenset(keyword.kwlist) | frozenset(keyword.softkwlist)
# Compared lowercased: on case-insensitive file systems `ipython/` shadows `IPython`.
_THIRD_PARTY = frozenset(
    [
        "pandas",
        "numpy",
        "sklearn",
        "matplotlib",
        "scipy",
        "seaborn",
        "torch",
        "tensorflow",
        "ipython",
        "nb2pkg",
        "test",
        "tests",
        "pil",
        "cv2",
        "yaml",
        "requests",
        "plotly",
        "statsmodels",
        "keras",
        "xgboost",
        "polars",
        "jupyter",
        "ipykernel",
        "nbformat",
        "ipywidgets",
        "tqdm",
        "pytest",
        "pip",
        "setuptools",
        "wheel",
        "hatchling",
        # what the generated project imports, and what those import: shadowed, `python -m`,
        # the summary or the tests would import the package in their place
        "typer",
        "click",
        "rich",
        "shellingham",
        "typing_extensions",
        "pygments",
        "markdown_it",
        "nbclient",
        "jupyter_client",
        "traitlets",
    ]
)
_STDLIB = frozenset(name.lower() for name in sys.stdlib_module_names)
_MAX_WORDS = 5


def words_of(text: str) -> list[str]:
    """The lowercase ASCII words of `text`, split at punctuation, spaces and camelCase."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", ascii_text)
    return re.findall(r"[a-z0-9]+", spaced.lower())


def is_reserved(name: str) -> bool:
    """Whether `name` is a keyword or a builtin."""
    return name in _KEYWORDS or name in _BUILTINS


def package_name(stem: str, imported: Collection[str] = ()) -> str:
    """A lowercase package name for a notebook's file stem that shadows nothing: no
    keyword, builtin, standard or common module, nor a module the notebook imports
    (`imported`, top-level names in lowercase: `click.ipynb` importing click)."""
    name = "_".join(words_of(stem)) or "notebook"
    if name[0].isdigit():
        return "nb_" + name
    if is_reserved(name) or name in _STDLIB or name in _THIRD_PARTY or name in imported:
        return name + "_nb"
    return name


def package_problem(name: str) -> str | None:
    """Why `name`, given with `--name`, cannot be the package's import name, or None.

    Refused: what is not an identifier, keywords (`class`, `None`: the project would not
    compile), names of the standard library and of common packages (`os`, `pandas`: the
    package would shadow them, or be shadowed and never imported; compared lowercased,
    as case-insensitive file systems do), and non-ASCII names: PEP 3131 allows `café`,
    but a distribution name (PEP 508) is ASCII, and so is what pip and indexes accept."""
    suggestion = f"use --name {package_name(name)}"
    if not name.isascii():
        return f"is not ASCII (Python allows it, but distribution names are ASCII); {suggestion}"
    if not name.isidentifier():
        return f"is not a Python identifier (letters, digits and underscores, not starting with a digit); {suggestion}"
    if keyword.iskeyword(name):
        return f"is a Python keyword, which cannot be imported; {suggestion}"
    if name.lower() in _STDLIB or name.lower() in _THIRD_PARTY:
        return (
            f"is the name of the module `{name.lower()}`, which the package would shadow "
            f"(or be shadowed by, and never import); {suggestion}"
        )
    return None


def identifier(words: str, fallback: str = "value") -> str:
    """A snake_case identifier of at most five words, such as a function name for a heading."""
    found = words_of(words)
    while found and found[0].isdigit():
        found.pop(0)  # section numbers: "1. Load the data"
    name = "_".join(found[:_MAX_WORDS])
    if not name:
        return fallback
    if name[0].isdigit():
        return f"{fallback}_{name}"
    return name + "_" if is_reserved(name) else name


def unique(name: str, taken: Collection[str]) -> str:
    """`name`, or `name_2`, `name_3`, ... when it is taken."""
    if name not in taken:
        return name
    number = 2
    while f"{name}_{number}" in taken:
        number += 1
    return f"{name}_{number}"
