"""nb2pkg for other programs: the same operations as the command line, as values."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nb2pkg.collector import collections_paused
from nb2pkg.notebook import Notebook, read_notebook

if TYPE_CHECKING:  # the analysis pulls in LibCST, conversion black and pyflakes: imported when used
    from nb2pkg.convert import Conversion
    from nb2pkg.dataflow import Dataflow
    from nb2pkg.environment import PendingVersions
    from nb2pkg.output import WriteReport


@dataclass(frozen=True)
class Converted:
    """A conversion and what writing it did."""

    conversion: Conversion
    report: WriteReport
    out: Path
    flow: Dataflow


def inspect(path: Path | str) -> Dataflow:
    """Read and analyse a notebook; raises `nb2pkg.errors.InputError` on bad input."""
    from nb2pkg.dataflow import build_dataflow

    return build_dataflow(read_notebook(Path(path)))


def convert(
    path: Path | str,
    out: Path | str | None = None,
    name: str | None = None,
    force: bool = False,
    write: bool = True,
    within: Path | str | None = None,
    python: Path | str | None = None,
) -> Converted:
    """Convert a notebook and write the project (or, with `write=False`, only work out
    what writing would change); raises `InputError` on bad input. `within` is a folder
    holding `out` (batch's output folder): no link between the two is followed. The
    versions come from the interpreter `python` (`BadInterpreter` when it cannot be
    read), else from that of the notebook's kernel, else from what the notebook records."""
    from nb2pkg.environment import start_versions

    path = Path(path)
    notebook = read_notebook(path)
    # the interpreter's probe runs on another core while the converter is imported and the
    # notebook analysed (so LibCST, black and the rest are imported after it starts)
    pending = start_versions(notebook, Path(python) if python is not None else None)
    try:
        with collections_paused():
            return _convert(notebook, pending, out, name, force, write, within)
    finally:
        pending.cancel()  # nothing to stop when its answer was read


def _convert(
    notebook: Notebook,
    pending: PendingVersions,
    out: Path | str | None,
    name: str | None,
    force: bool,
    write: bool,
    within: Path | str | None,
) -> Converted:
    from nb2pkg import convert as conversion
    from nb2pkg.dataflow import build_dataflow
    from nb2pkg.errors import InputError
    from nb2pkg.naming import package_name
    from nb2pkg.output import plan_changes, write_project
    from nb2pkg.render import read_local_modules

    path = notebook.path
    flow = build_dataflow(notebook)
    package = name or conversion.default_package(path, flow)
    imported = conversion.imported_names(flow)
    if package.lower() in imported:  # `--name click` for a notebook that imports click
        problem = f"the package name `{package}` is a module the notebook imports, which the package would shadow"
        raise InputError(path, problem, f"use --name {package_name(package, imported)}")
    target = Path(out) if out is not None else Path(package)
    versions = pending.result()
    result = conversion.convert(flow, target, package, read_local_modules(path, flow, package), versions)
    inside = Path(within) if within is not None else None
    if not write:
        return Converted(result, plan_changes(target, result.files, force, path, inside), target, flow)
    report = write_project(target, result.files, path, force=force, outline=outline(result, flow), within=inside)
    return Converted(result, report, target, flow)


def outline(conversion: Conversion, flow: Dataflow) -> dict[str, Any]:
    """What a conversion found, as plain data (kept in the project's provenance record)."""
    unparsed = [facts.parse_error for facts in flow.facts if facts is not None and facts.parse_error is not None]
    return {
        "nbformat": flow.notebook.nbformat,
        "steps": len(conversion.steps),
        "modules": sorted(conversion.modules),
        "kept_cells": len(conversion.kept_cells),
        "local_modules": dict(conversion.local_modules),
        "unparsed_cells": len(unparsed),
        "python2_cells": sum(1 for problem in unparsed if problem.python2),
        "warnings": [warning.text() for warning in conversion.warnings],
    }
