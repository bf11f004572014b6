"""The project around the modules: pyproject, README, `__init__`, `__main__`, the
pipeline that runs every step in notebook order, and generated smoke tests."""

from __future__ import annotations

import ast

from nb2pkg.dependencies import Dependencies
from nb2pkg.grouping import Plan, Step
from nb2pkg.render import (
    call_source,
    format_code,
    import_lines,
    import_module_name,
    needed_names,
    resolve_imports,
)


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
           dependencies: Dependencies, summary_name: str) -> str:
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
    if dependencies.unknown:
        lines += ["", "## Dependencies to check", "",
                  "The notebook imports these, and nb2pkg could not tell which distributions provide "
                  f"them: {', '.join(f'`{u}`' for u in dependencies.unknown)}."]
    return "\n".join(lines) + "\n"


def init_module(notebook_name: str) -> str:
    return f'"""Code of the notebook {notebook_name}, made into a package by nb2pkg."""\n'


def main_module(package: str, loose: tuple[str, ...]) -> str:
    if loose:
        names = ", ".join(f"`{n}`" for n in loose)
        return format_code(
            f'"""`python -m {package}` cannot run the steps on its own: they need {names},\n'
            'which only cells kept in the notebook bind. Run the summary notebook, or call\n'
            f'`{package}.pipeline.run()` with them."""\n\n'
            "import sys\n\nif __name__ == \"__main__\":\n"
            f"    sys.exit({('run the summary notebook: the steps need ' + ', '.join(loose))!r})\n"
        )
    return format_code(
        f'"""`python -m {package}` runs every step of the notebook in order."""\n\n'
        f"from {package}.pipeline import run\n\nif __name__ == \"__main__\":\n    run()\n"
    )


def pipeline_module(plan: Plan, package: str) -> tuple[str, tuple[str, ...]]:
    """`run()`: every step in notebook order. Names a step needs that no earlier step
    returns (bound by cells that stay in the notebook) become keyword arguments."""
    body: list[str] = []
    bound: set[str] = set()
    loose: set[str] = set()
    module_level = set(plan.imports) | set(plan.provided())
    for step in plan.steps:
        loose |= set(step.params) - bound - module_level
        body.append(call_source(step))
        bound |= set(step.returns)
    code = "\n".join(body) or "pass"
    modules = sorted({step.module for step in plan.steps})
    statements, _ = resolve_imports(needed_names("def run():\n" + _indent(code)) - loose, plan, package)
    statements.update({f"from {package} import {m}": f"{package}.{m}" for m in modules})
    statements["from contextlib import contextmanager"] = "contextlib"
    statements["import os"] = "os"
    statements[f"from {package}.config import NOTEBOOK_DIR"] = f"{package}.config"
    statements["from collections.abc import Iterator"] = "collections.abc"
    signature = f"*, {', '.join(sorted(loose))}" if loose else ""
    returned = sorted(bound)
    result = "{" + ", ".join(f'"{n}": {n}' for n in returned) + "}"
    text = (
        '"""Every step of the notebook, in its order: what `python -m ' + package + '` runs."""\n\n'
        f"{import_lines(statements, package)}\n\n\n"
        "@contextmanager\n"
        "def working_directory(path: os.PathLike[str] | str) -> Iterator[None]:\n"
        '    """Run where the notebook ran, so that its relative paths resolve as they did."""\n'
        "    previous = os.getcwd()\n    os.chdir(path)\n    try:\n        yield\n"
        "    finally:\n        os.chdir(previous)\n\n\n"
        f"def run({signature}) -> dict[str, object]:\n"
        '    """Run every step in notebook order; return the values the steps produced."""\n'
        f"    with working_directory(NOTEBOOK_DIR):\n{_indent(code, 8)}\n"
        f"    return {result}\n"
    )
    return format_code(text), tuple(sorted(loose))


def tests_module(package: str, module_names: list[str], plan: Plan, needs_arguments: bool) -> str:
    """Tests that fail on a broken project: every module imports, every name the summary
    notebook reads is bound before it (and every function it calls from the package
    exists), and the pipeline runs when the files it reads are there."""
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
        f'"""Tests of {package}: every module imports, the summary notebook reads only names\n'
        "bound before it, and the pipeline runs when its input files are there.\"\"\"\n\n"
        "import ast\nimport builtins\nimport importlib\nimport json\nimport re\nfrom pathlib import Path\n\n"
        "import pytest\n\n"
        f"from {package} import config\n\n"
        f"PACKAGE = {package!r}\n"
        f"MODULES = [{modules}]\n"
        f"INPUT_FILES = {inputs!r}\n"
        "# Names the notebook itself reads without binding them (it fails there too).\n"
        f"NOTEBOOK_UNBOUND = {_never_bound(plan)!r}\n"
        'NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"\n'
        f"{_SUMMARY_CHECK}\n\n"
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


# The static check the generated tests run on the summary notebook: its code cells in
# order, IPython syntax made Python, names bound collected, every read checked. A name a
# cell binds anywhere counts as bound for the whole cell (loops and branches), a cell
# that does not parse binds every word in it, and a star import ends the check: the test
# must never fail a project that works.
_SUMMARY_CHECK = r"""
IPYTHON_NAMES = {"In", "Out", "get_ipython", "display", "exit", "quit", "_", "__", "___",
                 "_i", "_ii", "_iii", "_ih", "_oh", "_dh", "__name__", "__doc__", "__builtins__",
                 # magics IPython runs when a cell names them bare (automagic)
                 "ls", "pwd", "cd", "who", "whos", "history", "env", "clear", "cat", "less", "man",
                 "mkdir", "rmdir", "rm", "cp", "mv", "pip", "conda", "lsmagic", "magic"}
CODE_MAGIC = re.compile(r"^(\s*)%(?:time|timeit|prun)\b((?:\s+-\S+(?:\s+\d+)?)*)\s+(?=\S)", re.MULTILINE)


def made_by_nb2pkg(path: Path) -> bool:
    cells = json.loads(path.read_text(encoding="utf-8-sig")).get("cells", [])
    return any("nb2pkg" in (cell.get("metadata") or {}) for cell in cells)


def code_cells(path: Path) -> list[tuple[int, str]]:
    cells = json.loads(path.read_text(encoding="utf-8-sig")).get("cells", [])
    found = []
    for number, cell in enumerate(cells, start=1):
        source = cell.get("source", "")
        if cell.get("cell_type") == "code":
            found.append((number, "".join(source) if isinstance(source, list) else str(source)))
    return found


def as_python(source: str) -> tuple[str | None, set[str]]:
    # The cell as the kernel runs it (None: not Python), and names a cell magic binds.
    # A magic may bind any name it mentions (`%%R -o a`, `%%bash --out output`).
    first, _, body = source.lstrip("\n").partition("\n")
    bound: set[str] = set()
    if first.startswith("%%"):
        bound.update(re.findall(r"[A-Za-z_]\w*", first))
        if first[2:].split()[:1] not in (["time"], ["timeit"], ["prun"], ["capture"]):
            return None, bound  # not Python: another language, HTML, a file to write
        source = body
    source = CODE_MAGIC.sub(r"\1", source)  # `%time x = f()` binds x
    for line in source.splitlines():
        if line.lstrip().startswith("%"):
            bound.update(re.findall(r"[A-Za-z_]\w*", line))
    try:
        from IPython.core.inputtransformer2 import TransformerManager

        return TransformerManager().transform_cell(source), bound
    except ImportError:
        lines = source.splitlines()
        return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in lines), bound


def names_of(tree: ast.AST) -> tuple[set[str], list[ast.Name], list[ast.Attribute]]:
    # Names bound anywhere; names read and attributes read outside function bodies.
    bound: set[str] = set()
    reads: list[ast.Name] = []
    attributes: list[ast.Attribute] = []
    pending = [tree]
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
            pending.extend(node.decorator_list)
            if isinstance(node, ast.ClassDef):
                pending.extend([*node.bases, *node.body])
            else:
                pending.extend([*node.args.defaults, *node.args.kw_defaults])
            continue
        if isinstance(node, ast.Lambda):
            bound.update(a.arg for a in ast.walk(node.args) if isinstance(a, ast.arg))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            bound.update(node.names)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            reads.append(node)
        elif isinstance(node, ast.Name):
            bound.add(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            attributes.append(node)
        pending.extend(ast.iter_child_nodes(node))
    return bound, reads, attributes


def package_modules(tree: ast.AST) -> dict[str, str]:
    # Local names of the package's own modules: `from PACKAGE import data` -> data.
    found = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == PACKAGE and node.level == 0:
            for alias in node.names:
                if f"{PACKAGE}.{alias.name}" in MODULES:
                    found[alias.asname or alias.name] = f"{PACKAGE}.{alias.name}"
    return found


def unbound_reads(path: Path) -> list[str]:
    known = set(dir(builtins)) | IPYTHON_NAMES | set(NOTEBOOK_UNBOUND)
    modules: dict[str, str] = {}
    problems = []
    for number, source in code_cells(path):
        python, bound = as_python(source)
        if python is None:
            continue
        try:
            tree = ast.parse(python)
        except SyntaxError:  # kept as it is: whatever it might bind
            known |= set(re.findall(r"[A-Za-z_]\w*", source))
            continue
        names, reads, attributes = names_of(tree)
        stars = any(a.name == "*" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names)
        if stars or re.search(r"^\s*%pylab\b", source, re.MULTILINE):
            return problems  # a star import: what it binds cannot be known here
        known |= names | bound
        modules.update(package_modules(tree))
        for name in sorted({n.id for n in reads} - known):
            problems.append(f"{path.name}: cell {number} reads {name}, which no earlier cell binds")
        for attribute in attributes:
            module = modules.get(attribute.value.id)
            try:
                imported = importlib.import_module(module) if module else None
            except Exception:  # noqa: BLE001 - test_module_imports reports it
                continue
            if imported is not None and not hasattr(imported, attribute.attr):
                problems.append(f"{path.name}: cell {number} uses {module}.{attribute.attr}, which is not there")
    return problems
"""


# Calls whose first argument (or path keyword) is a file the call reads, a file it writes.
_READ_FUNCTIONS = frozenset({
    "load", "loadtxt", "genfromtxt", "fromfile", "imread", "loadmat", "load_workbook", "read_file",
    "read_text", "read_bytes",
})
_NOT_FILES = frozenset({"read_sql", "read_sql_query", "read_sql_table", "read_clipboard", "read_gbq"})
_WRITE_FUNCTIONS = frozenset({"savefig", "save", "savez", "savez_compressed", "savetxt", "dump", "imsave",
                              "export_graphviz", "write_text", "write_bytes", "write"})
_PATH_KEYWORDS = ("filepath_or_buffer", "path_or_buf", "path", "fname", "file", "filename", "io", "out_file")


def _never_bound(plan: Plan) -> list[str]:
    """Names a cell of the notebook reads before any cell binds them, in document order
    (builtins apart): the notebook run top to bottom fails there too."""
    import builtins

    segments = [s for item in plan.items
                for s in ((*item.segments, *item.shows) if isinstance(item, Step) else (item.segment,))]
    segments += [*plan.constants, *(d.segment for d in plan.definitions)]
    defined = set(plan.imports)
    early: set[str] = set()
    for index in sorted({s.cell.index for s in segments}):
        cell = [s for s in segments if s.cell.index == index]
        early |= {n for s in cell for n in s.facts.uses} - defined
        defined |= {n for s in cell for n in s.facts.defines}
    return sorted(early - set(dir(builtins)))


def _input_files(plan: Plan) -> list[str]:
    """Relative paths of files the steps read that no code before the read writes: string
    literals (or constants holding one) passed to reading calls, never a SQL query or a
    file the notebook writes first."""
    constants = _string_constants(plan)
    written: set[str] = set()
    found: set[str] = set()
    for item in plan.items:
        segments = item.segments if isinstance(item, Step) else (item.segment,)
        for segment in segments:
            if segment.role == "markdown" or not segment.facts.analysed:
                continue
            for kind, path in _file_uses(segment.facts.python or "", constants):
                if kind == "write":
                    written.add(path)
                elif isinstance(item, Step) and path not in written and _relative(path):
                    found.add(path)
    return sorted(found)


def _string_constants(plan: Plan) -> dict[str, str]:
    constants: dict[str, str] = {}
    for segment in plan.constants:
        for node in _statements(segment.facts.python or segment.source):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                constants.update({t.id: node.value.value for t in node.targets if isinstance(t, ast.Name)})
    return constants


def _file_uses(python: str, constants: dict[str, str]) -> list[tuple[str, str]]:
    """("read" | "write", path) for each call on a literal path, in the order of the code."""
    uses: list[tuple[int, int, str, str]] = []
    for node in ast.walk(ast.Module(body=list(_statements(python)), type_ignores=[])):
        if not isinstance(node, ast.Call):
            continue
        kind = _call_kind(node)
        path = _path_argument(node, constants) if kind else None
        if kind and path:
            uses.append((node.lineno, node.col_offset, kind, path))
    return [(kind, path) for _, _, kind, path in sorted(uses)]


def _call_kind(call: ast.Call) -> str | None:
    function = call.func
    name = function.attr if isinstance(function, ast.Attribute) else function.id if isinstance(function, ast.Name) else ""
    if name == "open":
        mode = call.args[1] if len(call.args) > 1 else next((k.value for k in call.keywords if k.arg == "mode"), None)
        text = mode.value if isinstance(mode, ast.Constant) and isinstance(mode.value, str) else "r"
        return "write" if set(text) & set("wax") else "read"
    if name in _NOT_FILES:
        return None
    if name.startswith("read_") or name in _READ_FUNCTIONS:
        return "read"
    if name.startswith("to_") or name in _WRITE_FUNCTIONS:
        return "write"
    return None


def _path_argument(call: ast.Call, constants: dict[str, str]) -> str | None:
    function = call.func
    name = function.attr if isinstance(function, ast.Attribute) else ""
    if name in ("read_text", "read_bytes", "write_text", "write_bytes") or (name == "open" and not call.args):
        target = function.value if isinstance(function, ast.Attribute) else None  # Path("x").read_text()
        return _literal(target.args[0], constants) if isinstance(target, ast.Call) and target.args else None
    keyword = next((k.value for k in call.keywords if k.arg in _PATH_KEYWORDS), None)
    if name in ("dump", "save", "savez", "savez_compressed", "savetxt") and keyword is None:
        # np.save(path, array), joblib.dump(value, path), pickle.dump(value, file)
        for argument in call.args:
            value = _literal(argument, constants)
            if value:
                return value
        return None
    return _literal(keyword if keyword is not None else call.args[0] if call.args else None, constants)


def _literal(node: ast.AST | None, constants: dict[str, str]) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name):
        return constants.get(node.id)
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "join"
            and isinstance(node.func.value, ast.Attribute) and node.func.value.attr == "path"):
        parts = [_literal(a, constants) for a in node.args]  # os.path.join("data", "x.csv")
        return "/".join(parts) if parts and all(parts) else None  # type: ignore[arg-type]
    return None


def _relative(path: str) -> bool:
    """A relative file name: not absolute, not a URL, not text that is no file name."""
    return bool(path) and "\n" not in path and "://" not in path and not path.startswith(("/", "~", "\\")) \
        and len(path) < 300


def _statements(python: str) -> list[ast.stmt]:
    try:
        return ast.parse(python).body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []


def _indent(code: str, spaces: int = 4) -> str:
    pad = " " * spaces
    return "\n".join(pad + line if line.strip() else "" for line in code.splitlines())
