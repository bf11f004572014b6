"""The quality a converted project must have, as checks the tests share.

Each function returns a list of problems (empty when the project is fine), so a test
can report every problem of a notebook at once.
"""

from __future__ import annotations

import ast
import json
from collections import Counter
from collections.abc import Mapping
from pathlib import Path

import black
import libcst as cst
from pyflakes import checker

from nb2pkg.convert import Conversion, convert
from nb2pkg.dataflow import Dataflow
from nb2pkg.environment import Versions
from nb2pkg.ipython import ipython_call, to_python
from nb2pkg.render.local_modules import LocalModules

_MODULE_LEVEL_OK = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def python_files(conversion: Conversion) -> dict[str, str]:
    """The Python files nb2pkg generated (local modules copied as they were are the user's)."""
    return {
        name: text for name, text in conversion.files.items() if name.endswith(".py") and name not in conversion.copied
    }


def compile_problems(conversion: Conversion) -> list[str]:
    problems = []
    for name, text in python_files(conversion).items():
        try:
            compile(text, name, "exec", dont_inherit=True)
        except SyntaxError as error:
            problems.append(f"{name} does not compile: {error}")
    return problems


def black_problems(conversion: Conversion) -> list[str]:
    mode = black.Mode(target_versions={black.TargetVersion.PY310})
    return [
        f"{name} is not black-stable"
        for name, text in python_files(conversion).items()
        if black.format_str(text, mode=mode) != text
    ]


def pyflakes_messages(code: str) -> list[tuple[str, tuple[object, ...]]]:
    tree = ast.parse(code)
    return [(type(m).__name__, tuple(m.message_args)) for m in checker.Checker(tree).messages]


def pyflakes_problems(conversion: Conversion, flow: Dataflow) -> list[str]:
    """pyflakes messages the generated code has and the notebook's own code has not."""
    original = set()
    for facts in flow.facts:
        if facts is not None and facts.analysed and facts.python:
            try:
                original.update(pyflakes_messages(facts.python))
            except SyntaxError:
                pass
    problems = []
    for name, text in python_files(conversion).items():
        for kind, args in pyflakes_messages(text):
            if (kind, args) in original:
                continue  # the notebook's own code says so too (e.g. an unused import it has)
            if kind == "UnusedImport" and _used_in_query(text, str(args[0])):
                continue  # pandas reads `@name` inside query strings; pyflakes cannot see it
            problems.append(f"{name}: pyflakes {kind} {args}")
    return problems


def _used_in_query(text: str, imported: str) -> bool:
    return f"@{imported.rsplit('.', 1)[-1]}" in text


def import_work_problems(conversion: Conversion) -> list[str]:
    """Modules hold definitions (config also constants): importing them does no work."""
    problems = []
    for name, text in python_files(conversion).items():
        if not name.startswith("src/") or name.endswith(("__main__.py", "__init__.py")):
            continue
        is_config = name.endswith("/config.py")
        for node in ast.parse(text).body:
            if isinstance(node, _MODULE_LEVEL_OK):
                continue
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
                continue  # the docstring
            if is_config and isinstance(node, (ast.Assign, ast.AnnAssign)):
                continue
            problems.append(f"{name}: line {node.lineno} runs at import ({type(node).__name__})")
    return problems


def call_names(code: str) -> Counter[str]:
    """How often `code` calls each name (`read_csv`, `dropna`, `print`); magics excluded."""
    names: Counter[str] = Counter()

    class Calls(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            func = node.func
            if isinstance(func, cst.Name) and func.value != "get_ipython":
                names[func.value] += 1
            elif isinstance(func, cst.Attribute) and ipython_call(node) is None:
                names[func.attr.value] += 1

    cst.parse_module(code).visit(Calls())
    return names


def lost_calls(conversion: Conversion, flow: Dataflow) -> tuple[int, list[str]]:
    """(calls the notebook makes, the callees that appear fewer times in the project)."""
    original: Counter[str] = Counter()
    for facts in flow.facts:
        if facts is not None and facts.analysed and facts.python:
            original += call_names(facts.python)
    summary: Counter[str] = Counter()
    passed: list[tuple[str, str | int, str]] = []
    for source in _summary_code(conversion):
        try:
            python = to_python(source).python or ""
            summary += call_names(python)
            passed += _passed_names(python)
        except cst.ParserSyntaxError:
            pass  # a cell kept because it does not parse
    generated = Counter(summary)
    for text in python_files(conversion).values():
        generated += _module_calls(text, summary, passed)
    lost = original - generated
    return sum(original.values()), [f"{name}(...) x{count}" for name, count in sorted(lost.items())]


def _module_calls(text: str, summary: Counter[str], passed: list[tuple[str, str | int, str]]) -> Counter[str]:
    """The calls a module makes, a function's counted once per call the summary makes of
    it: copies of one step share one function (plan.clones), called once per copy. A
    class or function a call passes (`estimator=LinearSVC`, or by position) is called
    where the function calls that parameter (`estimator(...)`)."""
    module = cst.parse_module(text)
    calls: Counter[str] = Counter()
    for statement in module.body:
        found = call_names(module.code_for_node(statement))
        weight = summary[statement.name.value] if isinstance(statement, cst.FunctionDef) else 0
        for _ in range(max(1, weight)):
            calls += found
        if isinstance(statement, cst.FunctionDef):
            params = [param.name.value for param in statement.params.params]
            for function, where, value in passed:
                if function == statement.name.value and (isinstance(where, str) or where < len(params)):
                    calls[value] += found[where if isinstance(where, str) else params[where]]
    return calls


def _passed_names(code: str) -> list[tuple[str, str | int, str]]:
    """(function called, keyword or position, name passed) for each name `code` passes."""
    found: list[tuple[str, str | int, str]] = []

    class Calls(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            func = node.func
            name = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", "")
            for position, arg in enumerate(node.args):
                if isinstance(arg.value, cst.Name) and not arg.star:
                    where = arg.keyword.value if arg.keyword is not None else position
                    found.append((str(name), where, arg.value.value))

    cst.parse_module(code).visit(Calls())
    return found


def _summary_code(conversion: Conversion) -> list[str]:
    notebook = next(text for name, text in conversion.files.items() if name.startswith("notebooks/"))
    cells = json.loads(notebook)["cells"]
    return [
        "".join(c["source"]) if isinstance(c["source"], list) else c["source"]
        for c in cells
        if c["cell_type"] == "code"
    ]


def deterministic_problems(
    flow: Dataflow,
    out: Path,
    first: Conversion,
    local: LocalModules = LocalModules(),
    installed: Versions | Mapping[str, str] | None = None,
) -> list[str]:
    again = convert(flow, out, first.package, local, installed)
    return [
        f"{name} differs between two conversions" for name in first.files if first.files[name] != again.files.get(name)
    ]


def all_problems(
    conversion: Conversion,
    flow: Dataflow,
    out: Path,
    local: LocalModules = LocalModules(),
    installed: Versions | Mapping[str, str] | None = None,
    again: bool = True,
) -> list[str]:
    """Every problem of the list; `again=False` leaves out converting a second time, for a
    caller that compares with bytes already written (a golden tree proves it better)."""
    _, lost = lost_calls(conversion, flow)
    return (
        compile_problems(conversion)
        + black_problems(conversion)
        + pyflakes_problems(conversion, flow)
        + import_work_problems(conversion)
        + [f"lost call {call}" for call in lost]
        + (deterministic_problems(flow, out, conversion, local, installed) if again else [])
    )
