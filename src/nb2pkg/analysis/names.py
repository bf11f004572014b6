"""The names a cell reads and binds: the bookkeeping every statement reduces to.

pyflakes' three operations, `load`, `store` and `delete` (plus `mutate`, for an object
changed in place), resolved through the stack of scopes the walk is inside. A load at
the notebook's level that this cell has not bound is a *use*; inside a function body it
is collected for the function's `Deferred`, charged later to the cells that run it.
"""

from __future__ import annotations

import builtins
import re

import libcst as cst

from nb2pkg.analysis.facts import Context, Deferred
from nb2pkg.analysis.mutation import root_name
from nb2pkg.analysis.scopes import Collector, Scope
from nb2pkg.diagnostics import Diagnostic
from nb2pkg.ipython import Magic

# Names a notebook has without binding them: Python's builtins and IPython's extras.
NOTEBOOK_BUILTINS = frozenset(dir(builtins)) | {
    "display",
    "get_ipython",
    "In",
    "Out",
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
    "__spec__",
    "__loader__",
    "__package__",
}
_HISTORY_NAME = re.compile(r"_i?\d+\Z")
_DYNAMIC_CALLS = frozenset({"exec", "eval", "globals", "locals", "vars"})


class NameBook:
    """The record of one cell's walk so far, given what earlier cells left in `context`."""

    def __init__(self, context: Context) -> None:
        self.context = context
        self.bound: set[str] = set()  # module names bound by this cell so far
        self.defines: set[str] = set()
        self.uses: set[str] = set()
        self.direct_uses: set[str] = set()
        self.through: dict[str, tuple[set[str], set[str]]] = {}  # function -> (reads, writes)
        self.mutates: set[str] = set()
        self.deletes: set[str] = set()
        self.imports: set[str] = set()
        self.magics: list[Magic] = []
        self.warnings: list[Diagnostic] = []  # `cell` None: the dataflow numbers the cells
        self.defined_functions: dict[str, Deferred] = {}
        self.functions: dict[str, Deferred] = dict(context.functions)
        self.imported: set[str] = set(context.imported)
        self.aliases: dict[str, set[str]] = {k: set(v) for k, v in context.aliases.items()}
        self.star = False
        self.scopes: list[Scope] = []
        self.collector: Collector | None = None  # set while inside a function body
        self.position: tuple[cst.Module, int, int] | None = None
        self.current_name = "<lambda>"  # the function whose body is being entered
        self.lazy_annotations = context.lazy_annotations  # `from __future__ import annotations`
        self.dynamic = False
        self.rebinds_globals = False
        self.builtin_reads: set[str] = set()

    @property
    def line(self) -> int:
        """The 1-based cell line of the top-level statement being walked."""
        if self.position is None:
            return 1
        module, index, first_line = self.position
        before = "".join(module.code_for_node(s) for s in module.body[:index])
        leading = len(module.body[index].leading_lines)
        header = len(module.header)
        return first_line + header + before.count("\n") + leading

    def warn(self, message: str) -> None:
        warning = Diagnostic(None, self.line, message)
        if warning not in self.warnings:
            self.warnings.append(warning)

    # -- names ---------------------------------------------------------------------

    def resolve(self, name: str) -> Scope | None:
        """The enclosing scope that binds `name`, or None for the notebook's globals."""
        for depth, scope in enumerate(reversed(self.scopes)):
            if name in scope.globals:
                return None
            if scope.kind == "class" and depth > 0:
                continue  # class bodies do not enclose what is nested in them
            if name in scope.locals:
                return scope
        return None

    def is_builtin(self, name: str) -> bool:
        if name in self.bound or name in self.context.bound:
            return False
        return name in NOTEBOOK_BUILTINS or _HISTORY_NAME.match(name) is not None

    def load(self, name: str) -> None:
        if self.resolve(name) is not None or name in ("get_ipython", "__class__"):
            return  # `__class__` in a method is the implicit cell of its class
        if name in _DYNAMIC_CALLS and self.is_builtin(name):
            self.dynamic = True
            self.warn(f"uses `{name}`: names it reads or binds are invisible to nb2pkg")
            self.reads_everything()
        if self.is_builtin(name):
            self.builtin_reads.add(name)
        if self.collector is not None:
            if not self.is_builtin(name) or name in self.context.shadowed:
                self.collector.reads.add(name)  # a builtin the notebook rebinds: read when called
            return
        from_star = self.star and name not in self.context.bound  # `from m import *` above
        if name not in self.bound and not self.is_builtin(name) and not from_star:
            self.uses.add(name)
            self.direct_uses.add(name)
        self.run_deferred(name)

    def reads_everything(self) -> None:
        """`eval(text)`, `globals()`: the cell may read any name the notebook has bound, so
        it uses them all (they must all be there when it runs, as in the notebook)."""
        if self.collector is None:
            names = self.context.bound - self.bound
            self.uses |= names
            self.direct_uses |= names

    def is_known(self, name: str) -> bool:
        """Bound by now, by this cell or an earlier one (or a builtin)."""
        return (
            name in self.bound or name in self.context.bound or self.resolve(name) is not None or self.is_builtin(name)
        )

    def run_deferred(self, name: str) -> None:
        """The cell references a notebook function: it does what the body does."""
        if name not in self.functions:
            return
        internal = name in self.defined_functions  # defined by this cell: its reads are the cell's
        reads, writes = self.through.setdefault(name, (set(), set()))
        pending, seen = [name], {name}
        while pending:
            deferred = self.functions[pending.pop()]
            reads |= deferred.reads
            writes |= deferred.writes
            for read in sorted(deferred.reads):
                if read not in self.bound and not self.is_builtin(read):
                    self.uses.add(read)
                    if internal:
                        self.direct_uses.add(read)
                if read in self.functions and read not in seen:
                    seen.add(read)
                    pending.append(read)
            for mutated in deferred.mutates:
                self.mutate_global(mutated)
            for written in deferred.writes:
                self.bind_module(written)

    def store(
        self,
        name: str,
        value: Deferred | None = None,
        alias: str | None = None,
        runs: Deferred | None = None,
        imported: bool = False,
        walrus: bool = False,
    ) -> None:
        """Bind `name` in the innermost scope (for a walrus: outside comprehensions).

        `value`: the name is a notebook function or class; `alias`: it may be the same
        object as that name; `runs`: calling or using it runs that function's body.
        """
        scopes = self.scopes
        if walrus:
            scopes = list(scopes)
            while scopes and scopes[-1].kind == "comprehension":
                scopes.pop()
        if not scopes:
            self.bind_module(name, value, alias, runs, imported)
            return
        scope = scopes[-1]
        if name in scope.globals:
            if self.collector is not None:
                self.collector.writes.add(name)
            return
        scope.locals.add(name)
        if value is not None and scope.kind == "class":
            scope.parts.append(value)

    def bind_module(
        self,
        name: str,
        value: Deferred | None = None,
        alias: str | None = None,
        runs: Deferred | None = None,
        imported: bool = False,
    ) -> None:
        self.bound.add(name)
        self.defines.add(name)
        self.deletes.discard(name)
        if value is not None:
            self.functions[name] = value
            self.defined_functions[name] = value
        elif runs is not None:
            self.functions[name] = runs
        else:
            self.functions.pop(name, None)
            self.defined_functions.pop(name, None)
        if imported:
            self.imported.add(name)
        else:
            self.imported.discard(name)
        self.rebind_alias(name, alias)

    def rebind_alias(self, name: str, source: str | None) -> None:
        for other in self.aliases.pop(name, ()):
            group = self.aliases.get(other)
            if group is not None:
                group.discard(name)
                if not group:
                    del self.aliases[other]
        if source is None or source == name or self.resolve(source) is not None:
            return
        group = {source} | self.aliases.get(source, set())
        group.discard(name)
        self.aliases[name] = group
        for other in group:
            self.aliases.setdefault(other, set()).add(name)

    def delete(self, name: str) -> None:
        self.load(name)
        if self.scopes:
            return
        self.defines.discard(name)
        self.deletes.add(name)
        self.bound.add(name)  # later reads in this cell do not need an earlier cell
        self.functions.pop(name, None)
        self.rebind_alias(name, None)

    def mutate(self, node: cst.BaseExpression) -> None:
        """The object `node` names (through attributes and subscripts) changes in place."""
        name = root_name(node)
        if name is None:
            return
        scope = self.resolve(name)
        if scope is not None:
            if self.collector is not None and scope is self.collector.scope and name in scope.params:
                self.collector.mutated_params.add(name)
            return
        if self.collector is not None:
            if not self.is_builtin(name):
                self.collector.mutates.add(name)
            return
        self.mutate_global(name)

    def mutate_global(self, name: str) -> None:
        for target in {name} | self.aliases.get(name, set()):
            if target not in self.bound and target not in self.imported and not self.is_builtin(target):
                self.mutates.add(target)
