"""The project around the modules: pyproject, README, `__init__`, `__main__`, the
pipeline that runs every step in notebook order, and generated smoke tests."""

from __future__ import annotations

import textwrap

import tomli_w

from nb2pkg.escape import docstring_literal, markdown_code, printable
from nb2pkg.naming import unique
from nb2pkg.plan import Gaps, Plan, pipeline_gaps
from nb2pkg.render.checks import SUMMARY_CHECK, input_files, read_before_bound
from nb2pkg.render.dependencies import Dependencies
from nb2pkg.render.modules import (
    call_source,
    format_code,
    import_lines,
    import_module_name,
    needed_names,
    notebook_dir_variable,
    resolve_imports,
)


def pyproject(package: str, dependencies: Dependencies, notebook_name: str, local: tuple[str, ...] = ()) -> str:
    """PEP 621 metadata written by a TOML writer: no requirement or name can end a string
    or add a key. The comment on unplaced imports is the only text written by hand. `local`
    are the modules copied beside the package under src/ (`mylib.py`, `helpers`), which the
    wheel ships too."""
    project = {
        "name": package.replace("_", "-"),
        "version": "0.1.0",
        # core metadata's Summary is one line
        "description": f"Code of the notebook {printable(notebook_name)}, made into a package by nb2pkg.",
        "readme": "README.md",
        "requires-python": ">=3.10",
    }
    unknown = (
        "# Imported by the notebook, but nb2pkg could not tell which distributions provide\n"
        f"# them: {printable(', '.join(dependencies.unknown))}. Add them to `dependencies` by hand.\n"
        if dependencies.unknown
        else ""
    )
    extras = {"test": ["ipykernel", "nbclient", "pytest"], "notebook": ["ipykernel", "nbclient"]}
    shipped = [f"src/{path}" for path in (package, *local)]
    return "".join(
        [
            tomli_w.dumps({"build-system": {"requires": ["hatchling"], "build-backend": "hatchling.build"}}),
            "\n",
            tomli_w.dumps({"project": project}),
            unknown,
            tomli_w.dumps({"dependencies": list(dependencies.requirements)}),
            "\n",
            tomli_w.dumps({"project": {"optional-dependencies": extras}}),
            "\n",
            tomli_w.dumps({"tool": {"hatch": {"build": {"targets": {"wheel": {"packages": shipped}}}}}}),
        ]
    )


def readme(
    package: str,
    plan: Plan,
    notebook_name: str,
    notebook_dir: str,
    modules: dict[str, list[str]],
    dependencies: Dependencies,
    summary_name: str,
    local: dict[str, str] | None = None,
    gaps: Gaps | None = None,
) -> str:
    lines = [
        f"# {package}",
        "",
        f"The code of the notebook {markdown_code(notebook_name)}, as a Python package, made by nb2pkg.",
        f"{markdown_code('notebooks/' + summary_name)} is the notebook again, as a short report that calls",
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
        f"The code runs in the folder the notebook ran in ({markdown_code(notebook_dir)} from this",
        "project), so the notebook's relative data paths still resolve. When the package is",
        f"installed elsewhere, set `{package.upper()}_NOTEBOOK_DIR` to that folder.",
        "",
        "## Modules",
        "",
    ]
    for module, members in sorted(modules.items()):
        shown = ", ".join(markdown_code(m) for m in members) or "constants and paths"
        lines.append(f"- {markdown_code(module)}: {shown}")
    if plan.session:
        lines.append(
            "- `config`: constants and paths, and `setup()`: the notebook's session settings (styles, seeds, "
            "warnings filters), which the summary notebook and `pipeline.run()` call first"
        )
    if local:
        lines += [
            "",
            "## Local modules",
            "",
            "The notebook imports these from its own folder; they are copied under `src/`",
            "as they were, installed with the package. nb2pkg writes them again when you",
            "convert again, unless you edited the copy (edit the original beside the notebook).",
            "",
        ]
        lines += [f"- {markdown_code(name)}: from {markdown_code(origin)}" for name, origin in sorted(local.items())]
    if gaps:
        lines += [
            "",
            f"## What `python -m {package}` cannot do",
            "",
            "Some cells stay in the notebook, and the pipeline runs the steps without them, so "
            f"`pipeline.run()` is not what the notebook did and `python -m {package}` refuses to run. "
            f"Run {markdown_code('notebooks/' + summary_name)} instead.",
            "",
        ]
        lines += [f"- {reason[0].upper()}{reason[1:]}." for reason in gaps.reasons()]
    if dependencies.unknown:
        lines += [
            "",
            "## Dependencies to check",
            "",
            "The notebook imports these, and nb2pkg could not tell which distributions provide "
            f"them: {', '.join(markdown_code(u) for u in dependencies.unknown)}.",
        ]
    if dependencies.refused:
        lines += [
            "",
            "## `pip install` arguments not added",
            "",
            "The notebook installs these, but they are not requirements nb2pkg can write to",
            "`pyproject.toml`; add what they stand for by hand:",
            "",
        ]
        lines += [f"- {markdown_code(r.text)} ({_cell_label(r.cell)}): {r.reason}" for r in dependencies.refused]
    return "\n".join(lines) + "\n"


def _cell_label(cell: int | None) -> str:
    return f"cell {cell}" if cell is not None else "the notebook"


def init_module(notebook_name: str) -> str:
    return docstring_literal(f"Code of the notebook {printable(notebook_name)}, made into a package by nb2pkg.") + "\n"


def main_module(package: str, gaps: Gaps) -> str:
    if gaps:
        reasons = gaps.reasons() or [
            f"the steps need {', '.join(f'`{n}`' for n in gaps.loose)}, which only cells kept in the notebook bind"
        ]
        text = (
            f"python -m {package} cannot do what the notebook did: "
            + "; ".join(reasons)
            + ". Run the summary notebook instead."
        )
        docstring = "\n".join(
            textwrap.wrap(text.replace("python -m", "`python -m", 1).replace(" cannot", "` cannot", 1), 88)
        )
        return format_code(
            f'"""{docstring}\n\n`{package}.pipeline.run()` runs the steps alone, without those cells."""\n\n'
            'import sys\n\nif __name__ == "__main__":\n'
            f"    sys.exit({text.replace('`', '')!r})\n"
        )
    return format_code(
        f'"""`python -m {package}` runs every step of the notebook in order, in the folder the\n'
        'notebook ran in."""\n\n'
        "import os\nimport sys\nfrom pathlib import Path\n\n"
        f"from {package}.config import NOTEBOOK_DIR\nfrom {package}.pipeline import run\n\n"
        f"{_where_the_notebook_ran(package)}\n\n"
        'if __name__ == "__main__":\n'
        "    problem = where_the_notebook_ran()\n"
        "    if problem:\n"
        f'        print(f"python -m {package}: {{problem}}", file=sys.stderr)\n'
        "        sys.exit(2)\n"
        "    run()\n"
    )


def _where_the_notebook_ran(package: str) -> str:
    """Generated check: the steps run in the notebook's folder, found from this project's
    layout. A project moved without that folder, or a package installed into
    site-packages, cannot find it: say so and what to set, instead of a traceback from
    `os.chdir` or reading and writing files in an unrelated folder."""
    variable = notebook_dir_variable(package)
    return (
        "def where_the_notebook_ran() -> str:\n"
        '    """Why the steps cannot run in the notebook\'s folder, or "" when they can."""\n'
        f'    set_here = "set {variable} to the folder the notebook\'s relative paths start from"\n'
        f"    if not os.environ.get({variable!r}):\n"
        '        if not (Path(__file__).resolve().parents[2] / "pyproject.toml").is_file():\n'
        '            return f"the package is installed away from its project; {set_here}"\n'
        "    if not NOTEBOOK_DIR.is_dir():\n"
        '        return f"the notebook\'s folder {NOTEBOOK_DIR} is not there; {set_here}"\n'
        '    return ""\n'
    )


def render_config(plan: Plan, package: str, notebook_dir: str, notebook_name: str) -> str:
    """`config.py`: where the notebook ran, its constants and paths, and `setup()` with its
    session settings, when it has any."""
    constants = "".join(segment.source for segment in plan.constants)
    variable = notebook_dir_variable(package)
    text = (
        f"{docstring_literal(f'Constants and paths of the notebook {printable(notebook_name)}.')}\n\n"
        "import os\nfrom pathlib import Path\n\n"
        "# The folder the notebook ran in: its relative paths resolve from there. Set\n"
        f"# {variable} when the package is installed away from this project.\n"
        f"NOTEBOOK_DIR = Path(\n    os.environ.get({variable!r})\n"
        f"    or Path(__file__).resolve().parents[2] / {notebook_dir!r}\n).resolve()\n\n"
        f"{constants}"
        f"{_notebook_folder_function(package)}"
        f"{_setup_function(plan, package)}"
    )
    return format_code(text)


# What the summary notebook calls first (its second cell), after importing only config.
NOTEBOOK_FOLDER = "config.work_in_notebook_folder"


def _notebook_folder_function(package: str) -> str:
    return (
        f"\n\ndef {NOTEBOOK_FOLDER.split('.')[1]}() -> None:\n"
        '    """For the summary notebook: work in the folder the notebook ran in, so that its\n'
        "    relative paths resolve, and show this package's deprecation warnings, as the\n"
        '    notebook showed its own code\'s."""\n'
        "    import warnings\n\n"
        "    os.chdir(NOTEBOOK_DIR)\n"
        f'    warnings.filterwarnings("default", category=DeprecationWarning, module=r"{package}(\\.|$)")\n'
    )


def _setup_function(plan: Plan, package: str) -> str:
    """`setup()`: the notebook's session settings in its order (see `plan.settings`). It
    imports what they need when it runs, so that importing config stays cheap and runs
    nothing of the notebook's (the summary imports it before moving to the notebook's folder)."""
    if not plan.session:
        return ""
    code = "".join(segment.source for segment in plan.session)
    constants = {name for segment in plan.constants for name in segment.facts.defines}
    statements, _ = resolve_imports(needed_names(code) - constants, plan, package)
    imports = import_lines(statements, package)
    return (
        "\n\ndef setup() -> None:\n"
        '    """The notebook\'s session settings (styles, seeds, warnings filters), in its order.\n\n'
        "    The summary notebook calls this after its imports and `pipeline.run()` before any\n"
        '    step: the notebook set these before any code they affect ran."""\n'
        f"{_indent(imports)}\n\n{_indent(code)}\n"
    )


def pipeline_module(plan: Plan, package: str) -> tuple[str, Gaps]:
    """`run()`: every step in notebook order. Names a step needs that no earlier step
    returns (bound by cells that stay in the notebook) become keyword arguments; where
    a kept cell sets what a later step reads, the docstring says run() is not the notebook."""
    gaps = pipeline_gaps(plan)
    loose = set(gaps.loose)
    body = [call_source(step) for step in plan.steps]
    bound = {name for step in plan.steps for name in step.returns}
    modules = sorted({step.module for step in plan.steps})
    statements, _ = resolve_imports(needed_names("def run():\n" + _indent("\n".join(body))) - loose, plan, package)
    # run()'s locals are the notebook's names: the helpers it uses must not be one of them
    local = bound | loose | {n for step in plan.steps for n in step.params} | {"run", *statements}
    helper = unique("working_directory", local)
    folder = unique("NOTEBOOK_DIR", local)
    taken = local | set(plan.imports) | set(plan.provided()) | {helper, folder}
    setup = unique("setup", taken) if plan.session else ""
    if setup:
        body.insert(0, f"{setup}()  # the notebook's session settings, before any step")
    code = "\n".join(body) or "pass"
    statements.update({f"from {package} import {m}": f"{package}.{m}" for m in modules})
    statements["from contextlib import contextmanager"] = "contextlib"
    statements["import os"] = "os"
    alias = "" if folder == "NOTEBOOK_DIR" else f" as {folder}"
    statements[f"from {package}.config import NOTEBOOK_DIR{alias}"] = f"{package}.config"
    if setup:
        statements[f"from {package}.config import setup{'' if setup == 'setup' else ' as ' + setup}"] = (
            f"{package}.config"
        )
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
        notes.append(
            f"Pass {', '.join(f'`{n}`' for n in gaps.loose)}: no step provides them (cells kept in "
            "the notebook bind them, or none does)."
        )
    changed = sorted({w.cell for w in gaps.writes if w.name not in gaps.loose})
    if changed:
        notes.append(
            f"Not what the notebook did: cell(s) {', '.join(map(str, changed))}, kept in the notebook, "
            "set values later steps read, and do not run here."
        )
    if not notes:
        return doc
    wrapped = ["\n".join(textwrap.wrap(note, 84, initial_indent="    ", subsequent_indent="    ")) for note in notes]
    return doc + "\n\n" + "\n\n".join(wrapped) + "\n    "


def tests_module(package: str, module_names: list[str], plan: Plan, needs_arguments: bool) -> str:
    """Tests that fail on a broken project: every module imports, every name the summary
    notebook reads is bound before it (and every function it calls from the package
    exists), and the pipeline runs when the files it reads are there."""
    inputs = input_files(plan)
    modules = ", ".join(f'"{package}.{m}"' for m in ["config", *module_names, "pipeline"])
    skip = '    pytest.skip("run() needs values from cells that stay in the notebook")\n' if needs_arguments else ""
    draws = any(import_module_name(node).startswith("matplotlib") for node in plan.imports.values())
    headless = '    import matplotlib\n\n    matplotlib.use("Agg")\n' if draws else ""
    text = (
        f'"""Tests of {package}: every module imports, the summary notebook reads only names\n'
        'bound before it, and the pipeline runs when its input files are there."""\n\n'
        "import ast\nimport builtins\nimport importlib\nimport json\nimport re\nfrom pathlib import Path\n\n"
        "import pytest\n\n"
        f"from {package} import config\n\n"
        f"PACKAGE = {package!r}\n"
        f"MODULES = [{modules}]\n"
        f"INPUT_FILES = {inputs!r}\n"
        "# Names the notebook itself reads without binding them (it fails there too).\n"
        f"NOTEBOOK_UNBOUND = {read_before_bound(plan)!r}\n"
        'NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"\n'
        f"{SUMMARY_CHECK}\n\n"
        '@pytest.mark.parametrize("module", MODULES)\n'
        "def test_module_imports(module: str) -> None:\n"
        "    importlib.import_module(module)\n\n\n"
        "def test_summary_reads_only_bound_names() -> None:\n"
        "    summaries = [p for p in sorted(NOTEBOOKS.glob('*.ipynb')) if made_by_nb2pkg(p)]\n"
        "    if not summaries:\n"
        '        pytest.skip("no summary notebook in notebooks/")\n'
        "    problems = [problem for path in summaries for problem in unbound_reads(path)]\n"
        '    assert not problems, "\\n".join(problems)\n\n\n'
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


def _indent(code: str, spaces: int = 4) -> str:
    pad = " " * spaces
    return "\n".join(pad + line if line.strip() else "" for line in code.splitlines())
