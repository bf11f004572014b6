"""The summary notebook: the original's markdown in place, each step as one call that
binds its results, displays and plots as they were, and what could not be converted
verbatim with a comment that says why."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import libcst as cst

from nb2pkg.ipython import to_python
from nb2pkg.notebook import Cell, Notebook
from nb2pkg.plan import Kept, Plan, Segment, Step
from nb2pkg.render.data import summary_first_call
from nb2pkg.render.modules import call_source, import_lines, needed_names, resolve_imports
from nb2pkg.render.reads import plain_needed_names


def summary_notebook(notebook: Notebook, plan: Plan, package: str) -> str:
    """The summary notebook as nbformat 4 JSON text (no outputs, stable ids)."""
    from nb2pkg.nbschema import notebook_text  # nbformat's text, without importing it when it is valid

    cells = _report_cells(notebook, plan)
    cells = _after_resets(_setup_cells(plan, package, any(c["cell_type"] == "code" for c in cells)), cells)
    for number, cell in enumerate(cells, start=1):
        cell["id"] = f"nb2pkg-{number:03d}"
    document = {
        "cells": cells,
        "metadata": _metadata(notebook),
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return notebook_text(document) + "\n"


def _setup_cells(plan: Plan, package: str, has_code: bool) -> list[dict[str, Any]]:
    """Autoreload (when the summary runs package code), the notebook's settings, the move
    to its folder and the imports. A notebook without code gets none of them."""
    imports = _imports(plan, package)
    uses_package = bool(plan.session) or any(line.startswith(f"from {package}") for line in imports.splitlines())
    cells = []
    setup = _setup(plan, uses_package)
    if setup:
        cells.append(_code(setup, _moved_whole(plan)))
    if not (has_code or uses_package):
        return cells
    cells.append(_code(_working_folder(plan, package), []))
    if imports:
        cells.append(_code(imports, []))
    if plan.session:  # after the imports, as in the notebook, and in its folder (a style file)
        cells.append(_code("# The notebook's session settings (styles, seeds, warnings filters).\nconfig.setup()", []))
    return cells


# `%reset`, `%reset -f`, `%reset -s`: the namespace deleted (`%reset in` only the history).
_RESET = re.compile(r"%reset(?:\s+-[fs])*\s*")


def _after_resets(setup: list[dict[str, Any]], report: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The setup cells, then the report, so that a `%reset` never deletes the package's
    imports: one that comes before any other code ("start clean") goes first, and one
    later on is followed by the imports again (not autoreload, which a reset keeps)."""
    cells = list(setup)
    again = [cell for cell in setup if not cell["source"].startswith("%load_ext autoreload")]
    code_yet = False
    for cell in report:
        lines = [line for line in cell["source"].splitlines() if line.strip() and not line.startswith("#")]
        resets = cell["cell_type"] == "code" and bool(lines) and all(_RESET.fullmatch(line) for line in lines)
        if resets and not code_yet:
            cells.insert(0, cell)
            continue
        cells.append(cell)
        if resets:
            cells += [dict(copy, metadata={"nb2pkg": {"source_cells": []}}) for copy in again]
        code_yet = code_yet or cell["cell_type"] == "code"
    return cells


def _report_cells(notebook: Notebook, plan: Plan) -> list[dict[str, Any]]:
    """A cell per step (its call, then what the notebook showed) and per kept part."""
    cells: list[dict[str, Any]] = []
    for item in plan.items:
        if isinstance(item, Step):
            shown = item.segments[-1].shown or item.value
            shows = (shown + "\n" if shown else "") + "".join(s.source for s in item.shows)
            shows = shows.strip()
            deletes = f"\ndel {', '.join(item.deletes)}" if item.deletes else ""  # as the notebook's namespace
            source = call_source(item) + deletes + (f"\n{shows}" if shows else "")
            magic = next((s.cell_magic for s in item.segments if s.cell_magic), "")
            if magic.startswith("%%"):
                source = f"{magic}\n{source}"
            elif magic:  # `%time`: it times the call, as it timed the one statement the step holds
                source = f"{magic} {source}"
            cells.append(_code(source, [notebook.cells[i] for i in item.cells]))
        else:
            cells.append(_kept(item))
    return cells


def _setup(plan: Plan, reloads: bool) -> str:
    """Autoreload, when the summary imports package code, then the notebook's own settings
    (`%matplotlib inline`)."""
    lines = ["%load_ext autoreload", "%autoreload 2"] if reloads else []
    for segment in plan.settings:
        for line in segment.source.splitlines():
            if line not in lines:
                lines.append(line)
    return "\n".join(lines)


def _moved_whole(plan: Plan) -> list[Cell]:
    """The cells whose every line is a setting the first cell runs (`%env FOO=bar`): that
    cell stands for them, and shows what they showed."""
    elsewhere = {
        s.cell.index for item in plan.items for s in (item.segments if isinstance(item, Step) else (item.segment,))
    }
    elsewhere |= {s.cell.index for s in (*plan.constants, *(d.segment for d in plan.definitions))}
    moved = {s.cell.index: s.cell for s in plan.settings if s.cell.index not in elsewhere}
    return [moved[index] for index in sorted(moved)]


def _working_folder(plan: Plan, package: str) -> str:
    """The cell that moves to the notebook's folder, when some code still needs it (see
    plan.folder_needs), and shows the package's warnings: it imports only the package's
    config, which imports nothing of the notebook's, so that the modules after it import there."""
    return f"{import_lines(_working_folder_imports(package), package)}\n\n{summary_first_call(plan)}"


def _imports(plan: Plan, package: str) -> str:
    """The package's modules and what the summary's own code imports, in a cell of their
    own: an import that fails there shows its own error, before any step runs."""
    needed: set[str] = set()
    for item in plan.items:
        if isinstance(item, Kept):
            needed |= _reads(item)
        else:
            needed |= {n for s in item.shows for n in s.facts.uses}
            needed |= set(item.params)  # module-level names a step rebinds come in as arguments
            if item.arguments:  # `estimator=LogisticRegression` (plan.clones)
                call = f"dict({', '.join(item.arguments)})"
                plain = plain_needed_names(call)
                needed |= needed_names(call) if plain is None else plain
    statements, _ = resolve_imports(needed, plan, package)
    modules = sorted({step.module for step in plan.steps})
    statements.update({f"from {package} import {m}": f"{package}.{m}" for m in modules})
    done = _working_folder_imports(package)  # bound by the cell before
    return import_lines({k: v for k, v in statements.items() if k not in done}, package)


def _working_folder_imports(package: str) -> dict[str, str]:
    return {f"from {package} import config": f"{package}.config"}


def _reads(item: Kept) -> set[str]:
    segment = item.segment
    if segment.role == "markdown":
        return set()
    if segment.facts.analysed:
        python = segment.facts.python or ""
        plain = plain_needed_names(python)
        return set(segment.facts.uses) | (needed_names(python) if plain is None else plain)
    # Code nb2pkg cannot read: every word that could be a name it needs.
    return set(re.findall(r"[A-Za-z_]\w*", segment.source))


def _kept(item: Kept) -> dict[str, Any]:
    segment = item.segment
    cell = segment.cell
    if segment.role == "markdown":  # markdown and raw cells, as they were
        return {"cell_type": cell.kind, "metadata": _original_metadata(cell), "source": cell.source}
    source = _with_magic(_hidden_value(segment)) if segment.statements else cell.source  # a part, or the whole cell
    if segment.footer:  # code the plan kept (a late binding): the comments its cell ended with
        source = source.rstrip("\n") + "\n" + segment.footer
    if segment.statements and segment.role == "display":
        source = source.lstrip("\n")  # a part after others of its cell: their blank line stays with them
    if segment.role == "kept" and not source.lstrip().startswith("%%"):
        source = f"# nb2pkg: kept as it is: this cell {segment.reason}\n{source}"
    entry = _code(source.rstrip("\n"), [cell])
    if segment.role == "kept":
        entry["metadata"]["nb2pkg"]["kept"] = segment.reason
    return entry


def _hidden_value(segment: Segment) -> Segment:
    """A kept part that ends with an expression but not its cell (`d.pop('a')`, then `K =
    30`): the notebook showed nothing there, so the summary cell ends in `;`."""
    last = segment.statements[-1]
    if (
        segment.role != "kept"
        or segment.cell_magic  # `%time f(x)` shows the value, as in the notebook
        or not isinstance(last, cst.SimpleStatementLine)
        or not isinstance(last.body[-1], cst.Expr)
    ):
        return segment  # a display part shows its value: it ends its cell
    if not isinstance(last.body[-1].semicolon, cst.MaybeSentinel) or _shows_nothing(last.body[-1].value):
        return segment  # it ends in `;` already, or its value is None
    python = to_python(segment.cell.source).python
    try:
        cell = cst.parse_module(python or "")
    except cst.ParserSyntaxError:
        return segment
    code = cst.Module(body=[]).code_for_node
    if cell.body and code(cell.body[-1].with_changes(leading_lines=())) == code(last.with_changes(leading_lines=())):
        return segment  # it ends the cell: the notebook showed its value too
    body = segment.source.rstrip()
    if not body.endswith(code(last).strip()):
        return segment  # its text is not its Python (magic lines)
    hidden = last.with_changes(body=[*last.body[:-1], last.body[-1].with_changes(semicolon=cst.Semicolon())])
    return replace(segment, source=body[: len(body) - len(code(last).strip())] + code(hidden).strip() + "\n")


def _shows_nothing(value: cst.BaseExpression) -> bool:
    """A call of a builtin that returns None (`print(x)`): no `;` needed."""
    func = value.func if isinstance(value, cst.Call) else None
    return isinstance(func, cst.Name) and func.value in ("print", "exec", "display")


def _with_magic(segment: Segment) -> str:
    """A kept part of a timed or wrapped cell keeps the magic, as a step's call does:
    `%%time` first, `%time` before the statement it timed (the last of its part)."""
    magic = segment.cell_magic
    if magic.startswith("%%"):
        return f"{magic}\n{segment.source}"
    body = segment.source.rstrip("\n")
    last = body.splitlines()[-1] if body else ""
    if magic and f"{magic} {last}" in segment.cell.source.splitlines():
        return f"{body[: len(body) - len(last)]}{magic} {last}\n"
    return segment.source


def _code(source: str, cells: list[Cell]) -> dict[str, Any]:
    return {
        "cell_type": "code",
        "execution_count": None,
        "metadata": {"nb2pkg": {"source_cells": [c.id if c.id else c.number for c in cells]}},
        "outputs": [],
        "source": source,
    }


def _original_metadata(cell: Cell) -> dict[str, Any]:
    return {"tags": list(cell.tags)} if cell.tags else {}


def _metadata(notebook: Notebook) -> dict[str, Any]:
    return {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
