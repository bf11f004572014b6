"""What the tests share: where the checkout's fixtures, the example and the shared corpus
are, and notebooks built in a test. The checks and runners the tests share are the
modules beside this one (quality, differential, shell_runner, notebook_fuzz)."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):  # the tests read TOML back; Python 3.10 needs the backport
    import tomllib
else:
    import tomli as tomllib

__all__ = ["tomllib"]  # and the helpers below

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"
EXAMPLE = ROOT / "examples" / "explore.ipynb"
CORPUS = ROOT.parent / "shared" / "corpus"


def black_mode() -> Any:
    """The mode nb2pkg formats in, written out here: the reference the formatting tests
    compare nb2pkg's output with."""
    import black

    return black.Mode(target_versions={black.TargetVersion.PY310})


def blacks(text: str) -> str:
    """What black itself makes of `text`, both of its passes."""
    import black

    return black.format_str(text, mode=black_mode())


def corpus_notebooks() -> list[Path]:
    folder = CORPUS / "notebooks"
    return sorted(folder.glob("*.ipynb")) if folder.is_dir() else []


def analysed_corpus_code() -> Iterator[tuple[Path, str]]:
    """(notebook, Python) of every cell of a corpus notebook that nb2pkg analyses, its
    IPython syntax turned into Python; nothing of a notebook nb2pkg refuses."""
    from nb2pkg.dataflow import build_dataflow
    from nb2pkg.errors import InputError
    from nb2pkg.notebook import read_notebook

    for path in corpus_notebooks():
        try:
            flow = build_dataflow(read_notebook(path))
        except InputError:
            continue
        for facts in flow.facts:
            if facts is not None and facts.analysed and facts.python is not None:
                yield path, facts.python


def corpus_cell_modules(path: Path) -> Iterator[Any]:
    """Each code cell of a corpus notebook as a LibCST module, IPython syntax turned into
    Python first; nothing for a notebook nb2pkg refuses, nor for a cell that does not parse."""
    import libcst as cst

    from nb2pkg.errors import InputError
    from nb2pkg.ipython import to_python
    from nb2pkg.notebook import read_notebook

    try:
        notebook = read_notebook(path)
    except InputError:
        return
    for cell in notebook.cells:
        python = to_python(cell.source).python if cell.kind == "code" else None
        if python is None:
            continue
        try:
            yield cst.parse_module(python)
        except cst.ParserSyntaxError:
            continue


def corpus_manifest() -> list[dict[str, Any]]:
    path = CORPUS / "MANIFEST.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else []


def make_notebook(
    cells: list[str | tuple[str, str]],
    kernel: str = "python3",
    language: str = "python",
    counts: list[int | None] | None = None,
) -> dict[str, Any]:
    """A notebook as JSON data: strings are code cells, ("markdown", text) others."""
    built = []
    for position, cell in enumerate(cells):
        kind, source = ("code", cell) if isinstance(cell, str) else cell
        entry: dict[str, Any] = {"cell_type": kind, "id": f"cell{position}", "metadata": {}, "source": source}
        if kind == "code":
            entry["execution_count"] = counts[position] if counts else None
            entry["outputs"] = []
        built.append(entry)
    return {
        "cells": built,
        "metadata": {
            "kernelspec": {"name": kernel, "display_name": kernel, "language": language},
            "language_info": {"name": language},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def write_notebook(path: Path, data: dict[str, Any] | str) -> Path:
    path.write_text(data if isinstance(data, str) else json.dumps(data, indent=1), encoding="utf-8")
    return path


def run_in_kernel(path: Path, pythonpath: Path | None = None) -> Any:
    """`path` run top to bottom in a fresh python3 kernel in its own folder, errors allowed,
    with `pythonpath` as the kernel's PYTHONPATH (none when None); the run notebook."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    previous = os.environ.pop("PYTHONPATH", None)
    if pythonpath is not None:
        os.environ["PYTHONPATH"] = str(pythonpath)
    try:
        client = NotebookClient(
            notebook,
            timeout=120,
            kernel_name="python3",
            allow_errors=True,
            resources={"metadata": {"path": str(path.parent)}},
        )
        client.execute()
    finally:
        os.environ.pop("PYTHONPATH", None)
        if previous is not None:
            os.environ["PYTHONPATH"] = previous
    return notebook
