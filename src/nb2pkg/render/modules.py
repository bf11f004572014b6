"""Render the plan's modules as source text: steps become functions built with
LibCST (so comments and strings stay exactly as written), each module imports exactly
the names it reads, and black formats the result."""

from __future__ import annotations

import re
import sys
from collections.abc import Collection
from dataclasses import dataclass, replace

import libcst as cst

from nb2pkg.analysis import Context, analyse_cell, analyse_tree, code_of, conditional_deletes
from nb2pkg.escape import docstring_literal
from nb2pkg.naming import unique
from nb2pkg.plan import (
    MODULE_ALTERNATIVES,
    Definition,
    Plan,
    Step,
    document_returns,
    may_name,
    partial_through,
    pass_arguments,
    with_parameters,
)
from nb2pkg.render.formatting import format_code
from nb2pkg.render.unused import unused_per_function

MODULE_DOCS = {
    "data": "Loading and building the data.",
    "preprocess": "Cleaning and transforming the data.",
    "features": "Feature engineering.",
    "models": "Training and evaluating models.",
    "plots": "Figures.",
    "utils": "Helpers used by the other modules.",
}
# a module renamed because the notebook has a variable of its name says the same
MODULE_DOCS |= {second: MODULE_DOCS[first] for first, second in MODULE_ALTERNATIVES.items() if first in MODULE_DOCS}
_IPYTHON_NAMES = {"display": "from IPython.display import display"}


# What a Module's body holds: LibCST's BaseStatement is always one of the two, but
# Module.body and `leading_lines` are typed on them, not on BaseStatement.
TopStatement = cst.SimpleStatementLine | cst.BaseCompoundStatement


@dataclass(frozen=True)
class RenderedModule:
    name: str
    text: str
    unresolved: tuple[str, ...]  # names it reads that nothing provides (a bug if any)


def step_function(step: Step, lifted: dict[str, tuple[str, ...]] | None = None) -> cst.FunctionDef:
    """The step as `def name(params):` with a docstring, the cells' statements and a return."""
    return rendered_step(step, lifted)[0]


def rendered_step(step: Step, lifted: dict[str, tuple[str, ...]] | None = None) -> tuple[cst.FunctionDef, str]:
    """`step_function(step, lifted)` and its code, which is LibCST's, printed from the code
    of each statement (`_code_in_function`): the statements are the cells', printed once
    for every stage, and LibCST would print them all again."""
    body: list[tuple[cst.BaseStatement, str]] = [_in_function(_docstring(step.doc))]
    body += [
        _in_function(cst.parse_statement(f"{name} = None  # bound below on some paths only\n"))
        for name in step.initialised
    ]
    previous_cell = None
    comments: list[str] = []  # what a cell ended with (`# df.head()`), before what comes next
    for segment in step.segments:
        # only the lifted functions the segment names (rewriting a statement is not cheap)
        calls = {name: names for name, names in (lifted or {}).items() if may_name(name, segment.source)}
        for position, statement in enumerate(segment.statements):
            if calls and len(segment.statements) > 1:  # and of those, the ones this statement names
                code = code_of(statement)
                passed = {name: names for name, names in calls.items() if may_name(name, code)}
            else:
                passed = calls
            statement = pass_arguments(statement, passed)
            if comments:  # the cell before ended in comments: they stay after its code
                body.append(_in_function(_after_lines(statement, comments, blank=segment.cell != previous_cell)))
                comments = []
            elif position == 0 and previous_cell is not None and segment.cell != previous_cell:
                body.append(_with_blank_line(statement))  # keep cells apart
            else:
                body.append(_in_function(statement))
        previous_cell = segment.cell
        comments += segment.footer.splitlines()
    if step.shows_value:
        body[-1] = _in_function(_keep_value(body[-1][0], step.value))
        if not step.value:
            return _function(step, body, comments)
    if step.returns:
        value: cst.BaseExpression = (
            cst.Name(step.returns[0])
            if len(step.returns) == 1
            else cst.Tuple([cst.Element(cst.Name(n)) for n in step.returns], lpar=[], rpar=[])
        )
        returned = cst.SimpleStatementLine([cst.Return(value)])
        body.append(_in_function(_after_lines(returned, comments)) if comments else _with_blank_line(returned))
        comments = []
    return _function(step, body, comments)


def _after_lines(statement: cst.BaseStatement, comments: list[str], blank: bool = True) -> cst.BaseStatement:
    """The statement after the comment lines a cell ended with (then an empty line, when it
    starts another cell or is the function's return)."""
    lines = [cst.EmptyLine(comment=cst.Comment(text)) for text in comments] + ([cst.EmptyLine()] if blank else [])
    return statement.with_changes(leading_lines=(*lines, *_top(statement).leading_lines))


def _in_function(statement: cst.BaseStatement) -> tuple[cst.BaseStatement, str]:
    return statement, _code_in_function(statement)


def _code_in_function(statement: cst.BaseStatement) -> str:
    """The statement's code in a function's body, as LibCST prints it there: a simple
    statement's printed code with each line four spaces in (LibCST indents every line
    of a statement from a cell's top level), unless a line of it starts in a string or
    after a backslash, which LibCST leaves as they are; a compound statement as LibCST
    prints it (a block's lines move only where they start with the block's indentation)."""
    code = code_of(statement)
    if isinstance(statement, cst.SimpleStatementLine) and code.endswith("\n") and not _KEPT_LINES.search(code):
        return "".join(f"    {line}\n" for line in code[:-1].split("\n"))
    return cst.Module(body=[cst.If(cst.Name("_"), cst.IndentedBlock([_top(statement)]))]).code.partition("\n")[2]


# What makes LibCST print a line of a statement as it was, not moved in: a line in a
# string (triple-quoted, or continued by a backslash), a line joined by a backslash,
# and the line breaks and form feeds it keeps.
_KEPT_LINES = re.compile("|".join(["'''", '"""', r"\\[\r\n]", r"[\r\f]"]))


def _function(
    step: Step,
    body: list[tuple[cst.BaseStatement, str]],
    comments: Collection[str] = (),
) -> tuple[cst.FunctionDef, str]:
    params = cst.Parameters(
        params=[
            *(cst.Param(cst.Name(p)) for p in step.params),
            # `path=HOUSES_CSV`: a file it reads, from config unless the caller says (plan.data_paths)
            *(cst.Param(cst.Name(p), default=cst.parse_expression(d)) for p, d in step.defaults),
        ]
    )
    # a step that awaits at the top level, as IPython's autoawait ran its cells
    asynchronous = cst.Asynchronous() if step.awaits else None
    # comments the last cell ended with, when nothing follows them: the block's last lines
    footer = [cst.EmptyLine(comment=cst.Comment(text)) for text in comments]
    block = cst.IndentedBlock([statement for statement, _ in body], footer=footer)
    function = cst.FunctionDef(cst.Name(step.name), params, block, asynchronous=asynchronous)
    # its line as LibCST prints it (a default's code is the one it was parsed from)
    listed = ", ".join([*step.params, *(f"{p} = {d}" for p, d in step.defaults)])
    head = f"{'async ' if step.awaits else ''}def {step.name}({listed}):\n"
    return function, head + "".join(code for _, code in body) + "".join(f"    {text}\n" for text in comments)


def _keep_value(statement: cst.BaseStatement, name: str) -> cst.BaseStatement:
    """The last expression's value, which the notebook showed: returned (no other returns)
    or bound to `name` and returned with the others."""
    assert isinstance(statement, cst.SimpleStatementLine) and isinstance(statement.body[0], cst.Expr)
    value = statement.body[0].value
    small: cst.BaseSmallStatement = cst.Assign([cst.AssignTarget(cst.Name(name))], value) if name else cst.Return(value)
    return statement.with_changes(body=[small])


def with_results_returned(plan: Plan) -> Plan:
    """Steps also return what they compute and nothing reads: a notebook shows such
    values or keeps them for later; a function must hand them back (pyflakes would
    otherwise call them unused, and rightly)."""
    lifted = plan.lifted()
    steps = [item for item in plan.items if isinstance(item, Step)]
    checked = [s for s in steps if may_leave_unused(s)]  # the others cannot: not printed nor checked
    found = dict(zip(map(id, checked), unused_per_function([_function_code(s, lifted) for s in checked]), strict=True))
    unused_of = iter([found.get(id(s), []) for s in steps])
    items = []
    for item in plan.items:
        if isinstance(item, Step):
            unused = next(unused_of)
            if unused:
                # a name some path deletes (`except E as e`) may not exist to be returned
                deleted = {n for s in item.segments for n in conditional_deletes(s.statements)}
                extra = tuple(n for n in unused if n not in item.returns and n not in deleted)
                unbound = (
                    partial_through(item.segments)
                    - set(item.params)
                    - {n for s in item.segments for n, _ in s.facts.functions}
                )
                item = replace(item, initialised=item.initialised + tuple(n for n in extra if n in unbound))
                if item.shows_value and not item.value:  # the shown value now needs a name
                    value = unique("result", plan.names | set(item.returns) | set(extra))
                    item = replace(item, returns=item.returns + extra + (value,), value=value)
                else:
                    item = replace(item, returns=item.returns + extra)
            item = document_returns(item)  # its docstring's Returns: for what it now returns
        items.append(item)
    return replace(plan, items=tuple(items))


def may_leave_unused(step: Step) -> bool:
    """Whether pyflakes may call a variable of the step's function unused. Not when every
    name its code binds is returned (a `return` reads it; pyflakes keeps only a name's
    latest binding in a scope) and its code has no scope or binding of another kind: no
    `def`, `class`, `lambda`, `except ... as`, `with ... as`, `global` or `nonlocal`."""
    bound = {n for s in step.segments for n in s.facts.defines | s.facts.deletes}
    if bound - set(step.returns) or any(s.facts.functions or not s.facts.analysed for s in step.segments):
        return True
    return any(_OTHER_BINDINGS.search(s.source) for s in step.segments)


# Words of code with bindings or scopes `may_leave_unused` does not follow (a comment or a
# string holding one only makes pyflakes run where it was not needed).
_OTHER_BINDINGS = re.compile(r"\b(def|class|lambda|except|with|as|global|nonlocal|locals)\b")


def _function_code(step: Step, lifted: dict[str, tuple[str, ...]]) -> str:
    return rendered_step(step, lifted)[1]


def call_source(step: Step, qualified: bool = True, awaited: str = "await {}") -> str:
    """`df = preprocess.clean_data(df)`: how the notebook and the pipeline call a step.
    `awaited`: the call of a step that awaits, as the caller runs it (the summary awaits it
    in the kernel's loop, as IPython's autoawait did; the pipeline `asyncio.run`s it)."""
    arguments = ", ".join((*step.params, *step.arguments))
    call = f"{step.module}.{step.name}({arguments})" if qualified else f"{step.name}({arguments})"
    if step.awaits:
        call = awaited.format(call)
    if not step.returns:
        return call
    return f"{', '.join(step.returns)} = {call}"


def render_module(name: str, plan: Plan, package: str, members: list[Step | Definition]) -> RenderedModule:
    """One module of the package: its steps and definitions, in notebook order."""
    nodes: list[TopStatement] = []
    codes: list[str] = []
    lifted = plan.lifted()
    for member in members:
        if isinstance(member, Step):
            function, code = rendered_step(member, lifted)
            nodes.append(function)
            codes.append(code)
        else:
            statements = [_top(statement) for statement in _definition_statements(member)]
            nodes.extend(statements)
            codes.extend(map(code_of, statements))
    tree = cst.Module(body=nodes)
    body = "".join(codes)  # tree.code, from the code each part has
    lazy = lazy_annotations(plan)
    imports, unresolved = _imports_for(body, plan, package, own={_top_name(n) for n in nodes}, lazy=lazy, tree=tree)
    future = "from __future__ import annotations\n\n" if lazy else ""  # as the notebook ran them
    text = f'"""{MODULE_DOCS.get(name, "Code from the notebook.")}"""\n\n{future}{imports}\n\n\n{body}'
    return RenderedModule(name, format_code(text), unresolved)


def notebook_dir_variable(package: str) -> str:
    """The environment variable that says where the notebook ran, for a package run away
    from its project."""
    return f"{package.upper()}_NOTEBOOK_DIR"


def data_dir_variable(package: str) -> str:
    """The environment variable that says where the input files are (config.DATA_DIR);
    `python -m PACKAGE --data-dir DIR` sets it before the package's modules import."""
    return f"{package.upper()}_DATA_DIR"


def import_lines(names: dict[str, str], package: str) -> str:
    """Sorted import statements: standard library, third party, this package."""
    groups: tuple[list[str], list[str], list[str]] = ([], [], [])
    for statement, module in sorted(set(names.items()), key=lambda item: (item[1], item[0])):
        top = module.lstrip(".").split(".")[0]
        group = 2 if top == package else 0 if top in sys.stdlib_module_names else 1
        groups[group].append(statement)
    return "\n\n".join("\n".join(_merge_from_imports(g)) for g in groups if g)


def _merge_from_imports(statements: list[str]) -> list[str]:
    """`import x` lines first, then one `from m import a, b` line per module."""
    plain = sorted(s for s in statements if s.startswith("import "))
    froms: dict[str, list[str]] = {}
    for statement in statements:
        match = re.match(r"from (\S+) import (.+)$", statement)
        if match:
            froms.setdefault(match.group(1), []).append(match.group(2))
    merged = [f"from {module} import {', '.join(sorted(set(names)))}" for module, names in sorted(froms.items())]
    return plain + merged


def lazy_annotations(plan: Plan) -> bool:
    """Whether the notebook ran `from __future__ import annotations` (IPython keeps it
    for every later cell, so the notebook's annotations were never evaluated)."""
    node = plan.imports.get("annotations")
    return isinstance(node, cst.ImportFrom) and isinstance(node.module, cst.Name) and node.module.value == "__future__"


def needed_names(code: str, lazy: bool = False, tree: cst.Module | None = None) -> set[str]:
    """Names `code` reads at module level or in its function bodies that it does not bind
    (`lazy`: under `from __future__ import annotations`, annotations read nothing).
    `tree`: the LibCST tree `code` was printed from, walked instead of parsing `code`."""
    context = Context(lazy_annotations=lazy)
    if tree is None:
        facts, _ = analyse_cell(code, context, limited=False)  # nb2pkg's own code
    else:
        facts, _ = analyse_tree(tree, code, context)
    needed = set(facts.uses)
    for _, deferred in facts.functions:
        needed |= deferred.reads
    needed -= facts.defines
    for name in _IPYTHON_NAMES:
        if re.search(rf"(?<![\w.]){name}\(", code):
            needed.add(name)
    return needed


def resolve_imports(
    needed: set[str], plan: Plan, package: str, own: Collection[str] = ()
) -> tuple[dict[str, str], tuple[str, ...]]:
    """Import statements (statement -> module) for `needed`, and the names left over."""
    provided = plan.provided()
    statements: dict[str, str] = {}
    unresolved = []
    for name in sorted(needed - set(own)):
        if name in plan.imports:
            node = plan.imports[name]
            statements[_import_code(node)] = import_module_name(node)
        elif name in provided:
            statements[f"from {package}.{provided[name]} import {name}"] = f"{package}.{provided[name]}"
        elif name in _IPYTHON_NAMES:
            statements[_IPYTHON_NAMES[name]] = "IPython.display"
        else:
            unresolved.append(name)
    return statements, tuple(unresolved)


def _imports_for(
    body: str, plan: Plan, package: str, own: set[str], lazy: bool = False, tree: cst.Module | None = None
) -> tuple[str, tuple[str, ...]]:
    statements, unresolved = resolve_imports(needed_names(body, lazy, tree), plan, package, own)
    return import_lines(statements, package), unresolved


def _import_code(node: cst.Import | cst.ImportFrom) -> str:
    """The import as a line of its own; printed once for all the modules that import it
    (the statement's own code is the line's, less its line break)."""
    return code_of(node).strip()


def import_module_name(node: cst.Import | cst.ImportFrom) -> str:
    """The module an import statement imports from: `sklearn.metrics`, `.local`."""
    from nb2pkg.analysis import dotted_name

    if isinstance(node, cst.Import):
        return dotted_name(node.names[0].name)
    return "." * len(node.relative) + (dotted_name(node.module) if node.module else "")


def _definition_statements(definition: Definition) -> list[cst.BaseStatement]:
    statements = list(definition.segment.statements)
    if definition.lifted:
        function = statements[0]
        assert isinstance(function, cst.FunctionDef)
        # its calls of itself pass them on, as the notebook's calls read the same globals
        statements[0] = pass_arguments(
            with_parameters(function, definition.lifted), {definition.name: definition.lifted}
        )
    return statements


def _top_name(node: cst.BaseStatement) -> str:
    if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
        return node.name.value
    return ""


def _docstring(text: str) -> cst.SimpleStatementLine:
    # Markdown text: quotes, backslashes and control characters must not end or change it.
    return cst.SimpleStatementLine([cst.Expr(cst.SimpleString(docstring_literal(text, "    ")))])


def _top(statement: cst.BaseStatement) -> TopStatement:
    assert isinstance(statement, (cst.SimpleStatementLine, cst.BaseCompoundStatement))  # every statement is one
    return statement


def _with_blank_line(statement: cst.BaseStatement) -> tuple[cst.BaseStatement, str]:
    """The statement after an empty line, in a function's body, and its code there."""
    leading = _top(statement).leading_lines
    if leading and leading[0].comment is None:
        return _in_function(statement)
    blank = cst.EmptyLine()  # LibCST puts the body's indentation on it
    return statement.with_changes(leading_lines=(blank, *leading)), "    \n" + _code_in_function(statement)
