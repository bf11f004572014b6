"""Cross-check the analysis against CPython's own `symtable` on every real cell.

For every code cell of every notebook of the shared corpus (and the example) that the
analysis analysed and that CPython compiles, CPython's symbol table of the cell's Python
(`symtable.symtable(python, "<cell>", "exec")`) is the reference for four properties:

1. every name in `defines` is a module-level symbol the cell assigns, imports or binds
   with `def`/`class`;
2. every module-level symbol symtable reports as assigned, imported or a namespace is in
   `defines`, apart from the legitimate exceptions documented at `_not_left_bound`;
3. every module-level symbol the cell reads, that is not a builtin and that the cell
   binds nowhere (so no question of order arises), is in `uses`;
4. for every notebook function (and class, and `name = lambda ...`) bound once at module
   level, the global names its body reads per symtable equal `Deferred.reads`.

IPython syntax is Python by the time it gets here: `%time x = f()` is a call
`get_ipython().run_line_magic('time', 'x = f()')`, whose code symtable sees only as a
string. The code of the magics that run Python (`%time`, `%prun`, `%%capture`, ...) is
therefore given to symtable as well, with the namespace IPython runs it in: the
notebook's for `%time`/`%prun`/`%%time`/`%%capture`, a namespace of its own for
`%timeit`/`%%timeit`.

Legitimate differences, each documented where it is handled:

- property 1: names a notebook function rebinds through `global` (the analysis binds
  them in the cell that calls the function; symtable sees no module-level assignment);
- property 2: names the cell deletes, binds only as `except ... as`, only annotates
  (`x: int`), only imports from `__future__`, or binds only inside `%timeit`/`%%timeit`
  (see `_not_left_bound` and `CodeNames.merge`);
- property 3: IPython's own names (`display`, `Out`, `_3`) and automagic names (`ls` on
  a line of its own) unless the notebook bound them; names a notebook function may
  rebind through `global`; names read after a star import or a name-injecting magic
  (`%pylab`, `%Rpull`) of the same cell that no earlier cell bound;
- property 4: builtins and IPython's names unless the notebook bound them first, and
  `get_ipython` always; annotations of local variables (never evaluated, recorded by
  symtable: see `StripLocalAnnotations`); `global n; n += 1` and `del n` (reads per the
  analysis, stores per symtable: see `rebinds_read`); code of magics inside bodies (see
  `magic_reads`). Class bodies are not deferred: a class's deferred reads are those of
  its methods, its `name = lambda` and its nested classes (see `deferred_reads`).
- symtable quirk: a walrus in a module-level comprehension binds a module name, which
  symtable records as `global`, not assigned; it counts as bound here.

All disagreements of one notebook are collected and reported together, each with the
notebook, the 1-based cell number, the property and the names.
"""

from __future__ import annotations

import ast
import builtins
import re
import symtable
import warnings
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from nb2pkg.analysis import CellFacts, analyse_notebook
from nb2pkg.errors import InputError
from nb2pkg.ipython import (
    NAME_INJECTING_MAGICS,
    Policy,
    is_known_magic,
    magic_policy,
    shell_expansions,
    split_code_argument,
    to_python,
    transform,
)
from nb2pkg.notebook import read_notebook

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus" / "notebooks"
EXAMPLE = REPO / "examples" / "explore.ipynb"

BUILTINS = frozenset(dir(builtins))
# Names IPython puts in a notebook's namespace (or its builtins) by itself: `display`,
# `In`, `Out`, the output history `_`, `__`, `_3`, the input history `_i`, `_i3`, ...
# A notebook reads them without binding them, so the analysis counts them as builtins
# unless an earlier cell binds the name itself.
IPYTHON_NAMES = frozenset(
    {
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
        "__builtins__",
    }
)
_HISTORY = re.compile(r"_i?\d+\Z")

# Magics that run their argument (or cell body) as Python in the notebook's namespace,
# and the one that runs it in a namespace of its own.
RUN_IN_NAMESPACE = frozenset({"time", "prun", "capture"})
ISOLATED = "timeit"
_MAGIC_METHODS = frozenset({"run_line_magic", "run_cell_magic", "magic", "system", "getoutput"})

ScopeNode = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)


def _notebooks() -> list:
    params = [pytest.param(EXAMPLE, id="examples/explore.ipynb")]
    if CORPUS.is_dir():
        params += [pytest.param(p, id=p.name) for p in sorted(CORPUS.glob("*.ipynb"))]
    else:
        params.append(
            pytest.param(
                None,
                id="corpus",
                marks=pytest.mark.skip(reason=f"the shared corpus is not at {CORPUS}"),
            )
        )
    return params


def is_ipython_name(name: str) -> bool:
    return name in IPYTHON_NAMES or _HISTORY.match(name) is not None


def is_notebook_builtin(name: str, notebook_bound: set[str] | frozenset[str]) -> bool:
    """A builtin or IPython name the notebook has not bound itself (then it is its own)."""
    return (name in BUILTINS or is_ipython_name(name)) and name not in notebook_bound


# -- what the module scope of a piece of code does, by syntax ------------------------------


@dataclass(frozen=True)
class MagicCall:
    """`get_ipython().run_line_magic(...)` and friends with literal arguments."""

    name: str
    argument: str
    body: str | None  # the cell body of `run_cell_magic`, None for a line magic
    at: tuple[int, int] = (0, 0)  # (line, column) of the call


def _magic_call(node: ast.Call) -> MagicCall | None:
    func = node.func
    if not (
        isinstance(func, ast.Attribute)
        and func.attr in _MAGIC_METHODS
        and isinstance(func.value, ast.Call)
        and isinstance(func.value.func, ast.Name)
        and func.value.func.id == "get_ipython"
    ):
        return None
    strings = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
    if not strings or len(strings) != len(node.args):
        return None
    at = (node.lineno, node.col_offset)
    if func.attr == "run_line_magic" and len(strings) >= 2:
        return MagicCall(strings[0], strings[1], None, at)
    if func.attr == "magic":
        name, _, argument = strings[0].lstrip("%").partition(" ")
        return MagicCall(name, argument, None, at)
    if func.attr == "run_cell_magic" and len(strings) >= 3:
        return MagicCall(strings[0], strings[1], strings[2], at)
    if func.attr in ("system", "getoutput"):
        return MagicCall("!", strings[0], None, at)  # a shell line
    return None


class ModuleScope(ast.NodeVisitor):
    """Bindings, reads and definitions of a module's own scope (found by syntax).

    Nested scopes are not entered, except for the parts of them evaluated in the module
    scope: decorators, defaults, annotations of parameters, class bases, the first
    iterable of a comprehension, and walrus targets inside comprehensions (which bind in
    the module scope).
    """

    def __init__(self) -> None:
        # name -> [(kind, line)]; kinds: assign, del, except, annotation (without a
        # value), import, future, def, class, lambda (`name = lambda ...`), match
        self.bindings: dict[str, list[tuple[str, int]]] = defaultdict(list)
        self.loads: set[str] = set()  # names read other than as a bare `name` statement
        self.first_read: dict[str, tuple[int, int]] = {}  # name -> (line, column)
        self.star_at: tuple[int, int] | None = None  # first `from m import *`
        self.bare: set[str] = set()  # names that are a whole expression statement
        self.magics: list[MagicCall] = []
        self.definitions: list[tuple[str, ScopeNode]] = []
        self.comprehension = 0

    def bind(self, name: str, kind: str, line: int) -> None:
        self.bindings[name].append((kind, line))

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for decorator in node.decorator_list:
            self.visit(decorator)
        self.visit_arguments_outside(node.args)
        if node.returns is not None:
            self.visit(node.returns)
        self.bind(node.name, "def", node.lineno)
        self.definitions.append((node.name, node))

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_arguments_outside(self, args: ast.arguments) -> None:
        for default in (*args.defaults, *args.kw_defaults):
            if default is not None:
                self.visit(default)
        for arg in (*args.posonlyargs, *args.args, args.vararg, *args.kwonlyargs, args.kwarg):
            if arg is not None and arg.annotation is not None:
                self.visit(arg.annotation)

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self.visit_arguments_outside(node.args)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for child in (*node.decorator_list, *node.bases, *node.keywords):
            self.visit(child)
        self.bind(node.name, "class", node.lineno)
        self.definitions.append((node.name, node))

    def visit_comprehension_node(self, node: ast.AST) -> None:
        generators = node.generators  # type: ignore[attr-defined]
        self.visit(generators[0].iter)  # evaluated in the enclosing scope
        self.comprehension += 1
        for index, generator in enumerate(generators):
            self.visit(generator.target)
            if index:
                self.visit(generator.iter)
            for condition in generator.ifs:
                self.visit(condition)
        for name in ("elt", "key", "value"):
            if hasattr(node, name):
                self.visit(getattr(node, name))
        self.comprehension -= 1

    visit_ListComp = visit_SetComp = visit_GeneratorExp = visit_DictComp = visit_comprehension_node

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.visit(node.value)
        # In a comprehension the walrus binds in the module scope; symtable then marks
        # the name `global` in the module's table, not assigned (a quirk of symtable).
        kind = "walrus-in-comprehension" if self.comprehension else "assign"
        self.bind(node.target.id, kind, node.lineno)

    def visit_Name(self, node: ast.Name) -> None:
        if self.comprehension:
            return  # the comprehension's own scope
        if isinstance(node.ctx, ast.Load):
            self.loads.add(node.id)
            self.read_at(node.id, (node.lineno, node.col_offset))
        elif isinstance(node.ctx, ast.Del):
            self.bind(node.id, "del", node.lineno)
        else:
            self.bind(node.id, "assign", node.lineno)

    def read_at(self, name: str, at: tuple[int, int]) -> None:
        self.first_read[name] = min(at, self.first_read.get(name, at))

    def visit_Assign(self, node: ast.Assign) -> None:
        if isinstance(node.value, ast.Lambda) and all(isinstance(t, ast.Name) for t in node.targets):
            self.visit(node.value)
            for target in node.targets:
                assert isinstance(target, ast.Name)
                self.bind(target.id, "lambda", node.lineno)
                self.definitions.append((target.id, node.value))
            return
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is None and isinstance(node.target, ast.Name):
            self.bind(node.target.id, "annotation", node.lineno)
            self.visit(node.annotation)
            return
        self.generic_visit(node)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.name is not None:
            self.bind(node.name, "except", node.lineno)
        self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.bind(alias.asname or alias.name.split(".")[0], "import", node.lineno)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        kind = "future" if node.module == "__future__" else "import"
        for alias in node.names:
            if alias.name != "*":
                self.bind(alias.asname or alias.name, kind, node.lineno)
            elif self.star_at is None:
                self.star_at = (node.lineno, node.col_offset)

    def visit_MatchAs(self, node: ast.MatchAs) -> None:
        if node.name is not None:
            self.bind(node.name, "match", node.lineno)
        self.generic_visit(node)

    def visit_MatchStar(self, node: ast.MatchStar) -> None:
        if node.name is not None:
            self.bind(node.name, "match", node.lineno)

    def visit_MatchMapping(self, node: ast.MatchMapping) -> None:
        if node.rest is not None:
            self.bind(node.rest, "match", node.lineno)
        self.generic_visit(node)

    def visit_Expr(self, node: ast.Expr) -> None:
        if isinstance(node.value, ast.Name) and not self.comprehension:
            self.bare.add(node.value.id)
            self.read_at(node.value.id, (node.lineno, node.col_offset))
        else:
            self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        magic = _magic_call(node)
        if magic is not None and not self.comprehension:
            self.magics.append(magic)
            if magic.name in NAME_INJECTING_MAGICS and self.star_at is None:
                self.star_at = magic.at
        self.generic_visit(node)


def scope_nodes(node: ast.AST) -> Iterator[ast.AST]:
    """The nodes of `node`'s own scope: nested functions, classes, lambdas and
    comprehensions are yielded themselves but not entered."""
    for child in ast.iter_child_nodes(node):
        yield child
        if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda, *_COMPREHENSIONS)):
            yield from scope_nodes(child)


def declared_global(tree: ast.AST) -> set[str]:
    """Names some function (or class) body declares `global`."""
    return {name for node in ast.walk(tree) if isinstance(node, ast.Global) for name in node.names}


# -- the reference: symtable over the cell and the code of its magics ---------------------


@dataclass
class CodeNames:
    """Module-level facts of a piece of code according to symtable."""

    bound: set[str] = field(default_factory=set)  # assigned, imported or a namespace
    required: set[str] = field(default_factory=set)  # bound and left bound: must be defined
    referenced: set[str] = field(default_factory=set)  # read in the module scope
    loads: set[str] = field(default_factory=set)  # read other than as a bare statement
    bare: set[str] = field(default_factory=set)  # `ls` alone on a line (automagic)
    magic_bound: set[str] = field(default_factory=set)  # bound by the code of magics
    first_read: dict[str, tuple[int, int]] = field(default_factory=dict)  # (line, column)
    star_at: tuple[int, int] | None = None  # a star import or a name-injecting magic

    def merge(self, other: CodeNames, isolated: bool, at: tuple[int, int], line_magic: bool) -> None:
        """Add the names of a magic's code; `at`: where the magic is in this code;
        `line_magic`: the code is a line magic's argument (not the cell's own Python)."""
        for name in other.first_read:
            self.first_read[name] = min(at, self.first_read.get(name, at))
        if other.star_at is not None and (self.star_at is None or at < self.star_at):
            self.star_at = at
        if isolated:
            # `%timeit`'s namespace: what its code binds stays there, and what it reads
            # that it does not bind comes from the notebook.
            self.referenced |= other.referenced - other.bound
            self.loads |= other.loads - other.bound
            self.bare |= other.bare
            return
        self.bound |= other.bound
        self.required |= other.required
        self.referenced |= other.referenced
        self.loads |= other.loads
        self.bare |= other.bare
        self.magic_bound |= other.magic_bound | (other.bound if line_magic else set())


def _not_left_bound(kinds: set[str]) -> bool:
    """Bound per symtable, yet legitimately not a name the cell leaves bound.

    - `del name` anywhere in the cell: symtable counts a deletion as an assignment; the
      name may be gone at the end (the analysis puts it in `deletes`).
    - only `except ... as name`: Python deletes the name when the handler ends.
    - only `name: T` without a value: an annotation binds nothing.
    - only `from __future__ import feature`: nb2pkg deliberately treats these as compiler
      directives (walker.import_from, "not names"). This one is a real difference, kept
      as a documented choice rather than a symtable quirk: at run time Python does bind
      `feature` (to a `__future__._Feature`), which no notebook reads. Drop the last
      clause below to see it again (5 corpus notebooks import `print_function` or
      `annotations` this way).
    """
    return "del" in kinds or kinds <= {"except", "annotation"} or kinds == {"future"}


def code_names(python: str, depth: int = 0) -> CodeNames | None:
    """symtable's view of `python` (None if CPython does not compile it)."""
    try:
        compile(python, "<cell>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError, OverflowError):
        return None
    table = symtable.symtable(python, "<cell>", "exec")
    scope = ModuleScope()
    scope.visit(ast.parse(python))
    symbols = table.get_symbols()
    names = CodeNames(
        bound={s.get_name() for s in symbols if s.is_assigned() or s.is_imported() or s.is_namespace()},
        referenced={s.get_name() for s in symbols if s.is_referenced()},
        loads=set(scope.loads),
        bare=set(scope.bare),
        first_read=dict(scope.first_read),
        star_at=scope.star_at,
    )
    names.bound |= {
        name for name, where in scope.bindings.items() if any(kind == "walrus-in-comprehension" for kind, _ in where)
    }
    names.required = {
        name for name in names.bound if not _not_left_bound({kind for kind, _ in scope.bindings.get(name, [])})
    }
    if depth < 3:
        for magic in scope.magics:
            add_magic(names, magic, depth)
    return names


def add_magic(names: CodeNames, magic: MagicCall, depth: int) -> None:
    """Merge what the code a magic runs binds and reads."""
    if magic.name not in RUN_IN_NAMESPACE and magic.name != ISOLATED:
        return
    isolated = magic.name == ISOLATED
    _, rest = split_code_argument(magic.name, magic.argument)
    codes = [rest] if magic.body is None else ([rest] if isolated and rest else []) + [magic.body]
    for code in codes:
        sub = code_names(transform(code), depth + 1)
        if sub is not None:
            names.merge(sub, isolated, magic.at, line_magic=magic.body is None or code is not magic.body)
    if magic.body is not None and magic.name == "capture" and rest.split():
        names.bound.add(rest.split()[0])  # `%%capture out` binds `out` after the body
        names.required.add(rest.split()[0])
        names.magic_bound.add(rest.split()[0])


def cell_names(source: str, python: str) -> CodeNames | None:
    """symtable's view of a cell: its Python, with the code of its magics."""
    cell_magic = to_python(source).cell_magic
    if cell_magic is None:
        return code_names(python)
    names = CodeNames()
    if code_names(python) is None:
        return None
    add_magic(names, MagicCall(cell_magic.name, cell_magic.argument, python, (0, 0)), 0)
    return names


# -- property 4: what function bodies read -------------------------------------------------


class StripLocalAnnotations(ast.NodeTransformer):
    """`x: T = v` in a function body never evaluates `T` (PEP 526), yet symtable records
    `T` as read by the function: such annotations become `None` before the check."""

    def __init__(self) -> None:
        self.stack: list[str] = []
        self.changed = False

    def visit_FunctionDef(self, node: ast.AST) -> ast.AST:
        self.stack.append("function")
        self.generic_visit(node)
        self.stack.pop()
        return node

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.AST:
        self.stack.append("class")  # class bodies do evaluate annotations
        self.generic_visit(node)
        self.stack.pop()
        return node

    def visit_AnnAssign(self, node: ast.AnnAssign) -> ast.AST:
        if self.stack and self.stack[-1] == "function":
            node.annotation = ast.Constant(None)
            self.changed = True
        self.generic_visit(node)
        return node


def child_table(table: symtable.SymbolTable, name: str, line: int, kind: str) -> symtable.SymbolTable | None:
    found = [
        child
        for child in table.get_children()
        if child.get_name() == name and child.get_lineno() == line and child.get_type() == kind
    ]
    return found[0] if len(found) == 1 else None  # None: two lambdas on one line


def scope_tables(node: ast.AST, table: symtable.SymbolTable) -> Iterator[tuple[ast.AST, symtable.SymbolTable]]:
    """`node` and the functions, classes and lambdas nested in it, each with its table."""
    yield node, table
    for child in scope_nodes(node):
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            kind = "class" if isinstance(child, ast.ClassDef) else "function"
            sub = child_table(table, child.name, child.lineno, kind)
        elif isinstance(child, ast.Lambda):
            sub = child_table(table, "lambda", child.lineno, "function")
        else:
            continue
        if sub is not None:
            yield from scope_tables(child, sub)


def magic_reads(node: ast.AST, table: symtable.SymbolTable, known: set[str]) -> set[str]:
    """Globals read by magics inside a body, which symtable sees only as strings.

    `%time fit(X)` in a function runs `fit(X)` there (IPython's `%time` gets the
    function's locals): what the code reads and neither it nor the function binds is a
    global read. `!ls {folder}` and `%cd {path}` expand `{...}` when IPython can evaluate
    it and leave the text as it is otherwise: a global is read when the notebook has
    bound it (`known`).
    """
    reads: set[str] = set()
    for scope, scope_table in scope_tables(node, table):
        not_global = {s.get_name() for s in scope_table.get_symbols() if not s.is_global()}
        for call in scope_nodes(scope):
            magic = _magic_call(call) if isinstance(call, ast.Call) else None
            if magic is None:
                continue
            if magic.name in RUN_IN_NAMESPACE or magic.name == ISOLATED:
                code = CodeNames()
                add_magic(code, magic, 0)
                reads |= code.referenced - code.bound - not_global
            elif magic.name not in ("pinfo", "pinfo2"):
                for expression in shell_expansions(magic.argument):
                    try:
                        parsed = ast.parse(expression.strip(), mode="eval")
                    except SyntaxError:
                        continue
                    used = {n.id for n in ast.walk(parsed) if isinstance(n, ast.Name)}
                    if all(n in not_global or n in known or n in BUILTINS or is_ipython_name(n) for n in used):
                        reads |= used - not_global
    return reads


def global_reads(table: symtable.SymbolTable) -> set[str]:
    """Global names read anywhere in a scope and the scopes nested in it.

    symtable has already resolved every name: a nested function's free names are the
    enclosing function's locals, and what it reports as global is global (also a name
    the nested function declares `global` while the enclosing one has a local of that
    name), so nothing needs subtracting here.
    """
    names = {s.get_name() for s in table.get_symbols() if s.is_global() and s.is_referenced()}
    for child in table.get_children():
        names |= global_reads(child)
    return names


def rebinds_read(node: ast.AST) -> set[str]:
    """`global n; n += 1` (and `del n`) need the global `n`: the analysis counts that as
    a read, symtable records only a store (an augmented target has a Store context)."""
    names: set[str] = set()
    scopes = [node] + [
        n for n in ast.walk(node) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda))
    ]
    for scope in scopes:
        own = list(scope_nodes(scope))
        declared = {name for n in own if isinstance(n, ast.Global) for name in n.names}
        for n in own:
            if isinstance(n, ast.AugAssign) and isinstance(n.target, ast.Name) and n.target.id in declared:
                names.add(n.target.id)
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Del) and n.id in declared:
                names.add(n.id)
    return names


def deferred_reads(node: ScopeNode, table: symtable.SymbolTable, known: set[str]) -> set[str]:
    """What calling a function (or a class's methods) reads from the notebook."""
    if isinstance(node, ast.ClassDef):
        # A class body runs when the class is defined (its reads are uses of the cell),
        # and its names are not visible in its methods; what runs later is its methods,
        # its `name = lambda ...` and, in turn, the parts of the classes nested in it.
        reads: set[str] = set()
        for part in scope_nodes(node):
            if isinstance(part, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                kind = "class" if isinstance(part, ast.ClassDef) else "function"
                sub = child_table(table, part.name, part.lineno, kind)
                assert sub is not None, f"no symbol table for {part.name} line {part.lineno}"
                reads |= deferred_reads(part, sub, known)
            elif (
                isinstance(part, ast.Assign)
                and isinstance(part.value, ast.Lambda)
                and all(isinstance(t, ast.Name) for t in part.targets)
            ):
                sub = child_table(table, "lambda", part.value.lineno, "function")
                assert sub is not None, f"no single lambda table on line {part.value.lineno}"
                reads |= deferred_reads(part.value, sub, known)
        return reads
    return global_reads(table) | rebinds_read(node) | magic_reads(node, table, known)


# -- the check -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Disagreement:
    notebook: str
    cell: int  # 1-based
    prop: str
    names: tuple[str, ...]
    excerpt: str

    def __str__(self) -> str:
        return f"{self.notebook}: cell {self.cell}: {self.prop}: {', '.join(self.names)}\n    | {self.excerpt}"


@dataclass
class Counts:
    cells: int = 0  # code cells
    not_analysed: int = 0  # foreign cell magic or does not parse
    not_compiled: int = 0  # LibCST parses it, CPython does not compile it (top-level await, ...)
    checked: int = 0
    functions: int = 0
    functions_skipped: int = 0  # bound more than once at module level, or ambiguous


def _excerpt(source: str, names: tuple[str, ...]) -> str:
    lines = source.splitlines()
    for line in lines:
        if any(re.search(rf"\b{re.escape(n)}\b", line) for n in names):
            return line.strip()[:120]
    return (lines[0].strip() if lines else "")[:120]


def check_notebook(path: Path) -> tuple[list[Disagreement], Counts]:
    notebook = read_notebook(path)
    results = analyse_notebook(notebook)
    problems: list[Disagreement] = []
    counts = Counts()
    earlier_bound: set[str] = set()  # module names bound by earlier (analysed) cells
    rebound_globally: set[str] = set()  # declared `global` in function bodies so far

    for cell, facts in zip(notebook.cells, results, strict=True):
        if facts is None:
            continue
        counts.cells += 1
        if not facts.analysed:
            counts.not_analysed += 1
            continue
        assert facts.python is not None

        # This cell's number and code bound now (defaults), not looked up when called.
        def report(
            prop: str, names: set[str] | frozenset[str], number: int = cell.number, python: str = facts.python
        ) -> None:
            if names:
                ordered = tuple(sorted(names))
                problems.append(Disagreement(path.name, number, prop, ordered, _excerpt(python, ordered)))

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            names = cell_names(cell.source, facts.python)
            if names is None:
                counts.not_compiled += 1
                earlier_bound |= facts.defines  # symtable cannot say; the analysis can
                continue
            counts.checked += 1
            rebound_globally |= declared_global(ast.parse(facts.python))

            # 1. defines ⊆ what symtable binds. Legitimate extra: names a notebook function
            # rebinds through `global` (the analysis binds them when the cell calls it).
            report("1 defined but not bound per symtable", facts.defines - names.bound - rebound_globally)

            # 2. what symtable binds (and the cell leaves bound) ⊆ defines.
            report("2 bound per symtable but not in defines", names.required - facts.defines)

            # 3. names read, bound nowhere in the cell, not builtins -> uses.
            expected_uses = {
                name
                for name in names.referenced
                if name not in names.bound
                and name not in BUILTINS
                and name != "get_ipython"
                # IPython's own names (`display`, `Out`, `_3`) unless the notebook bound them
                and not (is_ipython_name(name) and name not in earlier_bound)
                # `ls` alone on a line runs `%ls` (automagic) unless `ls` is bound
                and not (
                    name in names.bare
                    and name not in names.loads
                    and name not in earlier_bound
                    and is_known_magic(name, cell=False)
                    and magic_policy(name, cell=False) is Policy.NOTEBOOK
                )
                # a notebook function may rebind it through `global` before the read
                and name not in rebound_globally
                # read after a star import or a name-injecting magic (`%pylab`, `%Rpull`)
                # of the same cell, and bound by no earlier cell: the analysis takes it
                # for one of the names the star binds (walker.load, `from_star`)
                and not (
                    names.star_at is not None
                    and names.first_read.get(name, (0, 0)) > names.star_at
                    and name not in earlier_bound
                )
            }
            report("3 read, bound nowhere in the cell, but not in uses", expected_uses - facts.uses)

            # 4. notebook functions: symtable's global reads == Deferred.reads
            cell_magic = to_python(cell.source).cell_magic
            if cell_magic is None or cell_magic.name != ISOLATED:  # `%%timeit` binds nothing
                check_functions(facts, names, earlier_bound, counts, report)

            earlier_bound |= names.required
    return problems, counts


def check_functions(facts: CellFacts, names: CodeNames, earlier_bound: set[str], counts: Counts, report) -> None:  # type: ignore[no-untyped-def]
    assert facts.python is not None
    tree = ast.parse(facts.python)
    stripper = StripLocalAnnotations()
    tree = stripper.visit(tree)
    source = facts.python
    if stripper.changed:
        source = ast.unparse(tree)
        tree = ast.parse(source)  # line numbers of the source symtable reads
    table = symtable.symtable(source, "<cell>", "exec")
    scope = ModuleScope()
    scope.visit(tree)
    recorded = dict(facts.functions)
    for name, node in scope.definitions:
        bindings = scope.bindings[name]
        if len(bindings) != 1 or name in names.magic_bound:
            # Which of several bindings survives depends on the order the cell runs;
            # such names are left to properties 1 and 2.
            counts.functions_skipped += 1
            continue
        line = node.lineno
        if isinstance(node, ast.Lambda):
            sub = child_table(table, "lambda", line, "function")
        else:
            sub = child_table(table, node.name, line, "class" if isinstance(node, ast.ClassDef) else "function")
        if sub is None:
            counts.functions_skipped += 1  # two lambdas on one line: symtable cannot tell
            continue
        counts.functions += 1
        if name not in recorded:
            report(f"4 `{name}` bound once by a definition but not in CellFacts.functions", {name})
            continue
        # The analysis counts builtins and IPython's names as reads only when the notebook
        # has bound the name itself before the definition; `get_ipython` never.
        bound_before = earlier_bound | {
            other for other, where in scope.bindings.items() if any(at < line for _, at in where)
        }
        expected = {
            read
            for read in deferred_reads(node, sub, bound_before)
            if read != "get_ipython" and not is_notebook_builtin(read, bound_before)
        }
        got = recorded[name].reads
        report(f"4 `{name}` body reads per symtable, missing from Deferred.reads", expected - got)
        report(f"4 `{name}` Deferred.reads the body does not read per symtable", got - expected)


@pytest.mark.corpus
@pytest.mark.parametrize("path", _notebooks())
def test_analysis_agrees_with_symtable(path: Path) -> None:
    try:
        problems, counts = check_notebook(path)
    except InputError as error:
        pytest.skip(f"not a notebook nb2pkg analyses: {error}")
    assert counts.cells == 0 or counts.checked + counts.not_analysed + counts.not_compiled == counts.cells
    if problems:
        pytest.fail(
            f"{len(problems)} disagreement(s) with symtable in {path.name}:\n" + "\n".join(str(p) for p in problems),
            pytrace=False,
        )
