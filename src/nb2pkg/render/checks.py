"""What the generated tests (`tests/test_PACKAGE.py`) need to know of the notebook: the
files the pipeline reads, the names the notebook itself reads before binding them, and
the static check they run on the summary notebook (its text, run in the project)."""

from __future__ import annotations

from nb2pkg.plan import Plan, Segment, Step

# The static check the generated tests run on the summary notebook: its code cells in
# order, IPython syntax made Python, names bound collected, every read checked. A name a
# cell binds anywhere counts as bound for the whole cell (loops and branches), a cell
# that does not parse binds every word in it, and a star import ends the check: the test
# must never fail a project that works. Written in black's style (the generated tests
# hold it as it is, unformatted: tests/test_format_templates.py checks black leaves it).
SUMMARY_CHECK = r"""IPYTHON_NAMES = {
    "In",
    "Out",
    "get_ipython",
    "display",
    "exit",
    "quit",
    "_",
    "__",
    "___",
    "_i",
    "_ii",
    "_iii",
    "_ih",
    "_oh",
    "_dh",
    "__name__",
    "__doc__",
    "__builtins__",
    # magics IPython runs when a cell names them bare (automagic)
    "ls",
    "pwd",
    "cd",
    "who",
    "whos",
    "history",
    "env",
    "clear",
    "cat",
    "less",
    "man",
    "mkdir",
    "rmdir",
    "rm",
    "cp",
    "mv",
    "pip",
    "conda",
    "lsmagic",
    "magic",
}
CODE_MAGIC = re.compile(
    r"^(\s*)%(?:time|timeit|prun)\b((?:\s+-\S+(?:\s+\d+)?)*)\s+(?=\S)", re.MULTILINE
)


def made_by_nb2pkg(path: Path) -> bool:
    cells = json.loads(path.read_text(encoding="utf-8-sig")).get("cells", [])
    return any("nb2pkg" in (cell.get("metadata") or {}) for cell in cells)


def code_cells(path: Path) -> list[tuple[int, str]]:
    cells = json.loads(path.read_text(encoding="utf-8-sig")).get("cells", [])
    found = []
    for number, cell in enumerate(cells, start=1):
        source = cell.get("source", "")
        if cell.get("cell_type") == "code":
            found.append(
                (number, "".join(source) if isinstance(source, list) else str(source))
            )
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
        return (
            "\n".join(
                "" if line.lstrip().startswith(("%", "!")) else line for line in lines
            ),
            bound,
        )


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
        if (
            isinstance(node, ast.ImportFrom)
            and node.module == PACKAGE
            and node.level == 0
        ):
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
        stars = any(
            a.name == "*"
            for n in ast.walk(tree)
            if isinstance(n, ast.ImportFrom)
            for a in n.names
        )
        if stars or re.search(r"^\s*%pylab\b", source, re.MULTILINE):
            return problems  # a star import: what it binds cannot be known here
        known |= names | bound
        modules.update(package_modules(tree))
        for name in sorted({n.id for n in reads} - known):
            problems.append(
                f"{path.name}: cell {number} reads {name}, which no earlier cell binds"
            )
        for attribute in attributes:
            module = modules.get(attribute.value.id)
            try:
                imported = importlib.import_module(module) if module else None
            except Exception:  # noqa: BLE001 - test_module_imports reports it
                continue
            if imported is not None and not hasattr(imported, attribute.attr):
                problems.append(
                    f"{path.name}: cell {number} uses {module}.{attribute.attr}, which is not there"
                )
    return problems
"""


def read_before_bound(plan: Plan) -> list[str]:
    """Names a cell of the notebook reads before any cell binds them, in document order
    (builtins apart): the notebook run top to bottom fails there too."""
    import builtins

    segments = [
        s for item in plan.items for s in ((*item.segments, *item.shows) if isinstance(item, Step) else (item.segment,))
    ]
    segments += [*plan.constants, *(d.segment for d in plan.definitions)]
    by_cell: dict[int, list[Segment]] = {}
    for segment in segments:  # grouped once: one pass, not one per cell
        by_cell.setdefault(segment.cell.index, []).append(segment)
    defined = set(plan.imports)
    early: set[str] = set()
    for index in sorted(by_cell):
        cell = by_cell[index]
        early |= {n for s in cell for n in s.facts.uses} - defined
        defined |= {n for s in cell for n in s.facts.defines}
    return sorted(early - set(dir(builtins)))


def input_files(plan: Plan) -> list[str]:
    """The notebook's input files (plan.data_paths), from config's DATA_DIR: what the
    pipeline needs to run."""
    return sorted(f.relative for f in plan.data.files)
