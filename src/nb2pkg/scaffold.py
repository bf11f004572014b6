"""The project around the modules: pyproject, README, `__init__`, `__main__`, the
pipeline that runs every step in notebook order, and generated smoke tests."""

from __future__ import annotations

import re
import textwrap

from nb2pkg.dependencies import Dependencies
from nb2pkg.gaps import Gaps, pipeline_gaps
from nb2pkg.grouping import Plan
from nb2pkg.naming import unique
from nb2pkg.render import (
    call_source,
    format_code,
    import_lines,
    import_module_name,
    needed_names,
    resolve_imports,
)

# Reading calls whose first argument names an input file: the tests need it to exist.
_READS = re.compile(r"\b(?:read_\w+|open|load|loadtxt|genfromtxt)\(\s*([A-Z_][A-Z0-9_]*|[rbu]?['\"][^'\"]+['\"])")


def pyproject(package: str, dependencies: Dependencies, notebook_name: str) -> str:
    requirements = "".join(f'    "{r}",\n' for r in dependencies.requirements)
    unknown = (
        "# Imported by the notebook, but nb2pkg could not tell which distributions provide\n"
        f"# them: {', '.join(dependencies.unknown)}. Add them to `dependencies` by hand.\n"
        if dependencies.unknown
        else ""
    )
    return (
        '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n\n'
        f'[project]\nname = "{package.replace("_", "-")}"\nversion = "0.1.0"\n'
        f'description = "Code of the notebook {notebook_name}, made into a package by nb2pkg."\n'
        'readme = "README.md"\nrequires-python = ">=3.10"\n'
        f"{unknown}dependencies = [\n{requirements}]\n\n"
        '[project.optional-dependencies]\ntest = ["pytest"]\nnotebook = ["ipykernel", "nbclient"]\n\n'
        f'[tool.hatch.build.targets.wheel]\npackages = ["src/{package}"]\n'
    )


def readme(package: str, plan: Plan, notebook_name: str, notebook_dir: str, modules: dict[str, list[str]],
           dependencies: Dependencies, summary_name: str, gaps: Gaps | None = None) -> str:
    lines = [
        f"# {package}",
        "",
        f"The code of the notebook `{notebook_name}`, as a Python package, made by nb2pkg.",
        f"`notebooks/{summary_name}` is the notebook again, as a short report that calls",
        "the package.",
        "",
        "## Install",
        "",
        "    pip install -e .",
        "",
        "## Run",
        "",
        f"    python -m {package}          # every step, in the notebook's order",
        "    python -m pytest             # smoke tests",
        "",
        f"The code runs in the folder the notebook ran in (`{notebook_dir}` from this",
        "project), so the notebook's relative data paths still resolve. When the package is",
        f"installed elsewhere, set `{package.upper()}_NOTEBOOK_DIR` to that folder.",
        "",
        "## Modules",
        "",
    ]
    for module, members in sorted(modules.items()):
        lines.append(f"- `{module}`: {', '.join(f'`{m}`' for m in members) or 'constants and paths'}")
    if gaps:
        lines += ["", f"## What `python -m {package}` cannot do", "",
                  "Some cells stay in the notebook, and the pipeline runs the steps without them, so "
                  f"`pipeline.run()` is not what the notebook did and `python -m {package}` refuses to run. "
                  "Run `notebooks/" + summary_name + "` instead.", ""]
        lines += [f"- {reason[0].upper()}{reason[1:]}." for reason in gaps.reasons()]
    if dependencies.unknown:
        lines += ["", "## Dependencies to check", "",
                  "The notebook imports these, and nb2pkg could not tell which distributions provide "
                  f"them: {', '.join(f'`{u}`' for u in dependencies.unknown)}."]
    return "\n".join(lines) + "\n"


def init_module(notebook_name: str) -> str:
    return f'"""Code of the notebook {notebook_name}, made into a package by nb2pkg."""\n'


def main_module(package: str, gaps: Gaps) -> str:
    if gaps:
        reasons = gaps.reasons() or [f"the steps need {', '.join(f'`{n}`' for n in gaps.loose)}, which only "
                                     "cells kept in the notebook bind"]
        text = f"python -m {package} cannot do what the notebook did: " + "; ".join(reasons) + \
            ". Run the summary notebook instead."
        docstring = "\n".join(textwrap.wrap(text.replace("python -m", "`python -m", 1)
                                             .replace(" cannot", "` cannot", 1), 88))
        return format_code(
            f'"""{docstring}\n\n`{package}.pipeline.run()` runs the steps alone, without those cells."""\n\n'
            "import sys\n\nif __name__ == \"__main__\":\n"
            f"    sys.exit({text.replace('`', '')!r})\n"
        )
    return format_code(
        f'"""`python -m {package}` runs every step of the notebook in order."""\n\n'
        f"from {package}.pipeline import run\n\nif __name__ == \"__main__\":\n    run()\n"
    )


def pipeline_module(plan: Plan, package: str) -> tuple[str, Gaps]:
    """`run()`: every step in notebook order. Names a step needs that no earlier step
    returns (bound by cells that stay in the notebook) become keyword arguments; where
    a kept cell sets what a later step reads, the docstring says run() is not the notebook."""
    gaps = pipeline_gaps(plan)
    loose = set(gaps.loose)
    body = [call_source(step) for step in plan.steps]
    bound = {name for step in plan.steps for name in step.returns}
    code = "\n".join(body) or "pass"
    modules = sorted({step.module for step in plan.steps})
    statements, _ = resolve_imports(needed_names("def run():\n" + _indent(code)) - loose, plan, package)
    # run()'s locals are the notebook's names: the helpers it uses must not be one of them
    local = bound | loose | {n for step in plan.steps for n in step.params} | {"run", *statements}
    helper = unique("working_directory", local)
    folder = unique("NOTEBOOK_DIR", local)
    statements.update({f"from {package} import {m}": f"{package}.{m}" for m in modules})
    statements["from contextlib import contextmanager"] = "contextlib"
    statements["import os"] = "os"
    alias = "" if folder == "NOTEBOOK_DIR" else f" as {folder}"
    statements[f"from {package}.config import NOTEBOOK_DIR{alias}"] = f"{package}.config"
    statements["from collections.abc import Iterator"] = "collections.abc"
    signature = f"*, {', '.join(sorted(loose))}" if loose else ""
    result = "{" + ", ".join(f'"{n}": {n}' for n in sorted(bound)) + "}"
    text = (
        '"""Every step of the notebook, in its order: what `python -m ' + package + '` runs."""\n\n'
        f"{import_lines(statements, package)}\n\n\n"
        "@contextmanager\n"
        f"def {helper}(path: os.PathLike[str] | str) -> Iterator[None]:\n"
        '    """Run where the notebook ran, so that its relative paths resolve as they did."""\n'
        "    previous = os.getcwd()\n    os.chdir(path)\n    try:\n        yield\n"
        "    finally:\n        os.chdir(previous)\n\n\n"
        f"def run({signature}) -> dict[str, object]:\n"
        f'    """{_run_doc(gaps)}"""\n'
        f"    with {helper}({folder}):\n{_indent(code, 8)}\n"
        f"    return {result}\n"
    )
    return format_code(text), gaps


def _run_doc(gaps: Gaps) -> str:
    doc = "Run every step in notebook order; return the values the steps produced."
    notes = []
    if gaps.loose:
        notes.append(f"Pass {', '.join(f'`{n}`' for n in gaps.loose)}: no step provides them (cells kept in "
                     "the notebook bind them, or none does).")
    changed = sorted({w.cell for w in gaps.writes if w.name not in gaps.loose})
    if changed:
        notes.append(f"Not what the notebook did: cell(s) {', '.join(map(str, changed))}, kept in the notebook, "
                     "set values later steps read, and do not run here.")
    if not notes:
        return doc
    wrapped = ["\n".join(textwrap.wrap(note, 84, initial_indent="    ", subsequent_indent="    ")) for note in notes]
    return doc + "\n\n" + "\n\n".join(wrapped) + "\n    "


def tests_module(package: str, module_names: list[str], plan: Plan, needs_arguments: bool) -> str:
    inputs = _input_files(plan)
    modules = ", ".join(f'"{package}.{m}"' for m in ["config", *module_names, "pipeline"])
    skip = (
        '    pytest.skip("run() needs values from cells that stay in the notebook")\n'
        if needs_arguments
        else ""
    )
    draws = any(import_module_name(node).startswith("matplotlib") for node in plan.imports.values())
    headless = '    import matplotlib\n\n    matplotlib.use("Agg")\n' if draws else ""
    text = (
        f'"""Smoke tests of {package}: every module imports, and the pipeline runs when its\n'
        'data is there."""\n\n'
        "import importlib\n\nimport pytest\n\n"
        f"from {package} import config\n\n"
        f"MODULES = [{modules}]\n"
        f"INPUT_FILES = {inputs!r}\n\n\n"
        '@pytest.mark.parametrize("module", MODULES)\n'
        "def test_module_imports(module: str) -> None:\n"
        "    importlib.import_module(module)\n\n\n"
        "def test_pipeline_runs() -> None:\n"
        f"{skip}"
        "    missing = [p for p in INPUT_FILES if not (config.NOTEBOOK_DIR / p).exists()]\n"
        "    if missing:\n"
        '        pytest.skip(f"input data not found: {missing}")\n'
        f"{headless}"
        f"    from {package} import pipeline\n\n"
        "    pipeline.run()\n"
    )
    return format_code(text)


def _input_files(plan: Plan) -> list[str]:
    """Relative paths the steps read: literal ones, and constants holding one."""
    constants: dict[str, str] = {}
    for segment in plan.constants:
        for name, value in re.findall(r"^(\w+)\s*=\s*[rbu]?['\"]([^'\"]+)['\"]", segment.source, re.MULTILINE):
            constants[name] = value
    written = {m for step in plan.steps for s in step.segments
               for m in re.findall(r"\.to_\w+\(\s*['\"]([^'\"]+)['\"]", s.source)}
    found: set[str] = set()
    for step in plan.steps:
        for segment in step.segments:
            for argument in _READS.findall(segment.source):
                value = constants.get(argument) if argument in constants else argument.lstrip("rbu")[1:-1]
                if value and not value.startswith(("/", "http://", "https://", "~")) and value not in written:
                    found.add(value)
    return sorted(found)


def _indent(code: str, spaces: int = 4) -> str:
    pad = " " * spaces
    return "\n".join(pad + line if line.strip() else "" for line in code.splitlines())
