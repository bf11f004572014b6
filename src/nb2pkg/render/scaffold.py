"""The project around the modules: pyproject, README, `__init__`, `__main__`, the
pipeline that runs every step in notebook order, and generated smoke tests."""

from __future__ import annotations

import ast
import textwrap

import tomli_w

from nb2pkg.environment import Versions
from nb2pkg.escape import docstring_literal, markdown_code, printable
from nb2pkg.limits import parse_quietly
from nb2pkg.naming import unique
from nb2pkg.plan import Gaps, Plan, folder_needs, pipeline_gaps
from nb2pkg.render.black_style import Piece, docstring, fits, joined
from nb2pkg.render.data import DataDir, config_data, data_section, folder_function
from nb2pkg.render.dependencies import Dependencies
from nb2pkg.render.formatting import format_code
from nb2pkg.render.lock import versions_section
from nb2pkg.render.main_cli import run_section
from nb2pkg.render.modules import (
    call_source,
    import_lines,
    needed_names,
    notebook_dir_variable,
    resolve_imports,
)
from nb2pkg.render.pipeline_style import head_piece, setup_block, step_piece, working_directory_piece
from nb2pkg.render.reads import plain_needed_names
from nb2pkg.render.stand_ins import exploded_return, format_around, stable_block


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
    data_dir: DataDir | None = None,
    versions: Versions | None = None,
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
        "    pip install -e .     # editable: the summary notebook sees your edits of src/",
        "    pip install .        # or a plain install (a server, a colleague's environment)",
        "",
        "## Run",
        "",
        f"    python -m {package} --help",
        f"    python -m {package}",
        "",
        *run_section(package, plan, gaps or Gaps()),
        "## Test",
        "",
        '    pip install -e ".[test]"',
        "    python -m pytest",
        "",
        *_test_words(),
        *data_section(plan, package, data_dir, notebook_dir),
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
    if dependencies.requirements:
        lines += versions_section(versions or Versions())
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


def _test_words() -> list[str]:
    return [
        "The smoke tests check that every module imports, that the summary notebook reads only",
        "names bound before it and that the pipeline runs. `tests/test_outputs.py` runs the",
        "summary notebook in a fresh kernel and compares what each cell shows with what the",
        "original notebook saved (`tests/expected/`, one readable file per cell). `nb2pkg verify`",
        "writes `tests/expected/skip.txt`: the cells whose outputs vary from run to run, or that",
        "the original itself does not show in this environment; those are skipped, with the reason.",
        "",
    ]


def _cell_label(cell: int | None) -> str:
    return f"cell {cell}" if cell is not None else "the notebook"


def init_module(notebook_name: str) -> str:
    return docstring_literal(f"Code of the notebook {printable(notebook_name)}, made into a package by nb2pkg.") + "\n"


def render_config(
    plan: Plan, package: str, notebook_dir: str, notebook_name: str, data_dir: DataDir | None = None
) -> str:
    """`config.py`: where the input files are (DATA_DIR), where the notebook ran when some
    code still needs its folder, its constants and paths, and `setup()` with its session
    settings, when it has any."""
    constants = "".join(segment.source for segment in plan.constants)
    needs = bool(folder_needs(plan))
    data = config_data(plan, package, data_dir)
    variable = notebook_dir_variable(package)
    folder = (
        "# The folder the notebook ran in: its relative paths resolve from there. Set\n"
        f"# {variable} when the package is installed away from this project.\n"
        f"NOTEBOOK_DIR = Path(\n    os.environ.get({variable!r})\n"
        f"    or Path(__file__).resolve().parents[2] / {notebook_dir!r}\n).resolve()\n\n"
        if needs
        else ""
    )
    text = (
        f"{docstring_literal(f'Constants and paths of the notebook {printable(notebook_name)}.')}\n\n"
        f"{'import os' if needs or data else ''}\n{'from pathlib import Path' if needs or data else ''}\n\n"
        f"{folder}{data}{constants}"
        f"{folder_function(package, needs)}"
        f"{_setup_function(plan, package)}"
    )
    return format_code(text)


def _setup_function(plan: Plan, package: str) -> str:
    """`setup()`: the notebook's session settings in its order (see `plan.settings`). It
    imports what they need when it runs, so that importing config stays cheap and runs
    nothing of the notebook's (the summary imports it before moving to the notebook's folder)."""
    if not plan.session:
        return ""
    code = "".join(segment.source for segment in plan.session)
    constants = {name for segment in plan.constants for name in segment.facts.defines}
    statements, missing = resolve_imports(needed_names(code) - constants, plan, package)
    if "os" in missing:  # `%env FOO=bar` in a notebook that does not import os (plan.settings)
        statements["import os"] = "os"
    imports = import_lines(statements, package)
    return (
        "\n\ndef setup() -> None:\n"
        '    """The notebook\'s session settings (styles, seeds, warnings filters), in its order.\n\n'
        "    The summary notebook calls this after its imports and `pipeline.run()` before any\n"
        '    step: the notebook set these before any code they affect ran."""\n'
        f"{_indent(imports)}\n\n{_indent(code)}\n"
    )


def pipeline_module(plan: Plan, package: str) -> tuple[str, Gaps]:
    """pipeline.py, and what run() needs that no step provides."""
    pieces, gaps = pipeline_pieces(plan, package)
    return joined(pieces), gaps


def pipeline_pieces(plan: Plan, package: str) -> tuple[list[Piece], Gaps]:
    """pipeline.py's top-level statements, and its gaps. `run()`: every step in notebook
    order. Names a step needs that no earlier step returns (bound by cells that stay in
    the notebook) become keyword arguments; where a kept cell sets what a later step
    reads, the docstring says run() is not the notebook."""
    gaps = pipeline_gaps(plan)
    loose = set(gaps.loose)
    body = [call_source(step) for step in plan.steps]
    bound = {name for step in plan.steps for name in step.returns}
    modules = sorted({step.module for step in plan.steps})
    calls = "def run():\n" + _indent("\n".join(body))
    needed = plain_needed_names(calls)
    statements, _ = resolve_imports((needed_names(calls) if needed is None else needed) - loose, plan, package)
    # run()'s locals are the notebook's names: the helpers it uses must not be one of them
    local = bound | loose | {n for step in plan.steps for n in step.params} | {"run", *statements}
    helper = unique("working_directory", local)
    folder = unique("NOTEBOOK_DIR", local)
    taken = local | set(plan.imports) | set(plan.provided()) | {helper, folder}
    if any(step.awaits for step in plan.steps):  # steps that await run in a loop of their own
        # under a name no local of run() and no import of pipeline.py binds
        imported = {alias.asname or alias.name.split(".")[0] for s in statements for alias in _aliases(s)}
        runner = unique("asyncio", local | imported | {helper, folder})
        taken.add(runner)
        statements["import asyncio" + ("" if runner == "asyncio" else f" as {runner}")] = "asyncio"
        body = [call_source(step, awaited=runner + ".run({})") for step in plan.steps]
    setup = unique("setup", taken) if plan.session else ""
    if setup:
        body.insert(0, f"{setup}()  # the notebook's session settings, before any step")
    titles = ["setup"] * bool(setup) + [step.name for step in plan.steps]
    statements.update({f"from {package} import {m}": f"{package}.{m}" for m in modules})
    needs = bool(body) and bool(folder_needs(plan))
    if needs:  # some step uses paths relative to the notebook's folder: run there
        statements["import os"] = "os"
        alias = "" if folder == "NOTEBOOK_DIR" else f" as {folder}"
        statements[f"from {package}.config import NOTEBOOK_DIR{alias}"] = f"{package}.config"
    if body:  # the helper that logs each step, for the steps there are
        statements["from contextlib import contextmanager"] = "contextlib"
        statements["from collections.abc import Iterator"] = "collections.abc"
    if setup:
        statements[f"from {package}.config import setup{'' if setup == 'setup' else ' as ' + setup}"] = (
            f"{package}.config"
        )
    logged, step_code, step = _logged_steps(body, titles, statements, taken) if body else ([], None, "")
    signature = f"*, {', '.join(sorted(loose))}" if loose else ""
    items = [f'"{n}": {n}' for n in sorted(bound)]
    imports = import_lines(statements, package).split("\n") if statements else []
    pieces = [head_piece(package, imports)]
    if needs:
        pieces.append(working_directory_piece(helper))
    if step_code is not None:
        pieces.append(step_code)
    indent = 8 if needs else 4
    stable = [stable_block(step, title, call, indent) for title, call in zip(titles, body, strict=True)]
    if setup:
        stable[0] = setup_block(step, body[0], indent)
    head = f"    with {helper}({folder}):\n" if needs else ""
    run = _run_function(signature, _run_doc(gaps), head, items, logged, stable)
    return [*pieces, run], gaps


def _run_function(
    signature: str, doc: str, head: str, items: list[str], logged: list[str], stable: list[str | None]
) -> Piece:
    """run(): in black's style when every block and line of it is known, else black's
    result on it, black reading a marker for each block and line that is known
    (`format_around`)."""
    returned = exploded_return(items, 4, 0)
    result = "{" + ", ".join(items) + "}"

    def text(blocks: list[str], markers: bool) -> str:
        steps = _steps_code(head, blocks)
        return (
            f"def run({signature}) -> dict[str, object]:\n"
            f'    """{doc}"""\n'
            f"{steps}"
            f"    {returned[0] if markers and returned else 'return ' + result}\n"
        )

    raw = text(logged, False)
    known_doc = docstring(doc, 4)
    ending = _indent(returned[1]) if returned else f"    return {result}"
    sure = (
        None not in stable
        and known_doc is not None
        and fits(f"def run({signature}) -> dict[str, object]:")
        and (fits(ending) or returned is not None)
        and (not head or fits(head.rstrip("\n")))
    )
    if sure:
        steps = _steps_code(head, [block for block in stable if block is not None])
        header = f"def run({signature}) -> dict[str, object]:\n{known_doc}\n"
        return Piece(header + steps + ending + "\n", raw)
    aside = (returned,) if returned else ()
    return Piece(format_around(text, logged, stable, format_code, aside), raw)


def _steps_code(head: str, blocks: list[str]) -> str:
    """run()'s body before its return: the blocks, under `head` if any (a notebook with
    no step has none: its run() only returns)."""
    code = "\n".join(blocks)
    if head:
        return f"{head}{_indent(code or 'pass', 8)}\n"
    return f"{_indent(code)}\n" if code else ""


def _logged_steps(
    body: list[str], titles: list[str], statements: dict[str, str], taken: set[str]
) -> tuple[list[str], Piece, str]:
    """Each call of `body` inside `with step(title):`, the helper's code and name; adds
    the imports the helper needs to `statements`, under names nothing else there binds."""
    imported = {alias.asname or alias.name.split(".")[0] for s in statements for alias in _aliases(s)}
    names = {}
    for module in ("logging", "time"):
        plain = module not in imported or f"import {module}" in statements
        names[module] = module if plain else unique(module, imported | taken)
        statements[f"import {module}" + ("" if names[module] == module else f" as {names[module]}")] = module
    step = unique("step", taken | imported | set(names.values()))
    logged = [f"with {step}({title!r}):\n{_indent(call)}" for title, call in zip(titles, body, strict=True)]
    return logged, step_piece(step, names["logging"], names["time"]), step


def _aliases(statement: str) -> list[ast.alias]:
    node = parse_quietly(statement).body[0]
    return node.names if isinstance(node, (ast.Import, ast.ImportFrom)) else []


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


def _indent(code: str, spaces: int = 4) -> str:
    pad = " " * spaces
    return "\n".join(pad + line if line.strip() else "" for line in code.splitlines())
