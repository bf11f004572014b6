"""The package's shape: stages import only earlier stages, and only their public names.

Each subpackage's `__init__` is its API. A module may import its own package's modules
freely, and from an earlier stage only the stage itself (`from nb2pkg.analysis import
late_reads`), never a module inside it (`nb2pkg.analysis.closures`). Imports inside
functions count too: a lazy import is still a dependency. No import cycles.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[1] / "src" / "nb2pkg"

# The pipeline in order (see the README's architecture map); a stage may import itself and
# anything on an earlier line. Several modules on one line are one layer and may import
# each other (without cycles).
STAGES = [
    ("nb2pkg", "errors", "options", "diagnostics", "naming", "escape", "deadline", "collector", "workers"),
    ("notebook", "ipython", "limits", "tags", "shown", "recorded", "kernels", "environment", "nbschema"),
    ("analysis",),
    ("dataflow",),
    ("inspection",),
    ("plan",),
    ("render",),
    ("convert",),
    ("output",),
    ("verify",),
    ("api",),
    ("batch",),
    ("cli", "__main__"),
]
LAYER = {stage: number for number, line in enumerate(STAGES) for stage in line}


def modules() -> dict[str, Path]:
    """Dotted module name -> file, for every module of nb2pkg."""
    found = {}
    for path in sorted(SOURCE.rglob("*.py")):
        parts = path.relative_to(SOURCE.parent).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imported(module: str, path: Path) -> list[str]:
    """Every nb2pkg module `module` imports, at any depth of its code."""
    names = []
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names if alias.name.split(".")[0] == "nb2pkg"]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against the importing package
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            if base.split(".")[0] != "nb2pkg":
                continue
            # `from nb2pkg import api` and `from nb2pkg.batch import pool` import modules
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                names.append(candidate if candidate in MODULES else base)
    return names


MODULES = modules()


def stage_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "nb2pkg"


def test_every_module_belongs_to_a_stage() -> None:
    assert sorted({stage_of(m) for m in MODULES} - set(LAYER)) == []


def violations() -> list[str]:
    found = []
    for module, path in MODULES.items():
        mine = stage_of(module)
        for target in sorted(set(imported(module, path))):
            theirs = stage_of(target)
            if theirs == mine or target == "nb2pkg":
                continue
            if LAYER[theirs] > LAYER[mine]:
                found.append(f"{module} imports {target}: {theirs} is a later stage than {mine}")
            elif target != f"nb2pkg.{theirs}":
                found.append(f"{module} imports {target}: use the names of nb2pkg.{theirs}")
    return found


def test_stages_import_only_earlier_stages_and_their_public_names() -> None:
    assert violations() == []


def test_no_import_cycles() -> None:
    graph = {module: sorted(set(imported(module, path)) & set(MODULES) - {module}) for module, path in MODULES.items()}
    state: dict[str, str] = {}
    cycles: list[list[str]] = []

    def visit(module: str, trail: list[str]) -> None:
        state[module] = "open"
        for target in graph[module]:
            # a package's own __init__ re-exporting its modules is not a cycle of the design
            if target == module.rpartition(".")[0]:
                continue
            if state.get(target) == "open":
                cycles.append(trail[trail.index(target) :] + [target] if target in trail else [module, target])
            elif target not in state:
                visit(target, trail + [target])
        state[module] = "done"

    for module in graph:
        if module not in state:
            visit(module, [module])
    assert cycles == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_files_stay_small(module: str) -> None:
    lines = len(MODULES[module].read_text(encoding="utf-8").splitlines())
    limit = 600 if module == "nb2pkg.analysis.walker" else 420
    assert lines <= limit, f"{module} has {lines} lines; split it along its seams"
