"""What the analysis finds out about cells (the values later stages read)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from nb2pkg.diagnostics import Diagnostic
from nb2pkg.ipython import Magic


@dataclass(frozen=True)
class Deferred:
    """What a notebook function (or class, or bound lambda) does when it is called.

    Reads inside a body are not uses of the defining cell: they happen when the body
    runs, so they belong to the cells that call it.
    """

    reads: frozenset[str] = frozenset()  # global names the body reads
    mutates: frozenset[str] = frozenset()  # global names whose object the body changes
    writes: frozenset[str] = frozenset()  # names rebound through `global`
    params: tuple[str, ...] = ()  # positional parameter names, in order
    mutated_params: frozenset[str] = frozenset()  # parameters changed in place
    is_class: bool = False  # calling it makes an instance whose methods run later
    returns_callable: bool = False  # a generator, or returns a function or lambda
    returns_value: bool = False  # some `return` in its own body gives a value

    def merge(self, other: Deferred) -> Deferred:
        """Both bodies together (the methods of one class)."""
        return Deferred(
            self.reads | other.reads,
            self.mutates | other.mutates,
            self.writes | other.writes,
            self.params,
            self.mutated_params,
            self.is_class,
            self.returns_callable or other.returns_callable,
            self.returns_value or other.returns_value,
        )


@dataclass(frozen=True)
class ParseError:
    """Where and why a cell is not analysed: it does not parse as Python, or nb2pkg's
    limits (size, nesting) or top-level `await` keep it out."""

    line: int  # 1-based line in the cell as the user wrote it
    message: str
    python2: bool = False  # the cell looks like Python 2 (print statement, `except E, e`, ...)
    kind: str = "syntax"  # "syntax", "await" (top-level await), "limit" (see nb2pkg.limits)

    @property
    def reason(self) -> str:
        """Why the cell is kept as it is, as a clause after "this cell"."""
        if self.kind == "limit":
            return f"is beyond nb2pkg's limits (line {self.line}: {self.message})"
        if self.kind == "await":
            return f"{self.message} (line {self.line})"
        return f"does not parse (line {self.line}: {self.message})"


@dataclass(frozen=True)
class CellFacts:
    """Defines, uses and mutates of one code cell, at notebook (module) level."""

    defines: frozenset[str] = frozenset()
    uses: frozenset[str] = frozenset()
    mutates: frozenset[str] = frozenset()
    deletes: frozenset[str] = frozenset()
    imports: frozenset[str] = frozenset()  # module names, `os.path`, `sklearn.linear_model`
    magics: tuple[Magic, ...] = ()
    functions: tuple[tuple[str, Deferred], ...] = ()  # defined here, with their deferred facts
    warnings: tuple[Diagnostic, ...] = ()  # `cell` None: the analysis sees one cell at a time
    parse_error: ParseError | None = None
    star_import: bool = False
    python: str | None = None  # the cell as Python (None: not Python)
    # Uses and bindings that happen inside notebook functions defined in earlier cells,
    # by function: they take place in whatever namespace that function lives in.
    through: tuple[tuple[str, frozenset[str], frozenset[str]], ...] = ()  # (function, reads, writes)
    direct_uses: frozenset[str] = frozenset()  # uses the cell's own code makes
    dynamic: bool = False  # calls exec, eval, globals(), locals() or vars()
    rebinds_globals: bool = False  # a function it defines uses `global`
    builtin_reads: frozenset[str] = frozenset()  # builtins (and IPython's names) read where no binding shadows them
    # `python` is not the cell's own Python: it does what the notebook did with it (a main
    # guard as its body, `_` as the expression that showed it); how it was found, not a fact
    rewritten: bool = field(default=False, compare=False)

    @property
    def analysed(self) -> bool:
        return self.python is not None and self.parse_error is None


@dataclass(frozen=True)
class Context:
    """What earlier cells left behind that the next cell's analysis needs."""

    bound: frozenset[str] = frozenset()  # names bound by earlier cells
    imported: frozenset[str] = frozenset()  # names whose latest binding is an import
    functions: Mapping[str, Deferred] = field(default_factory=lambda: MappingProxyType({}))
    aliases: Mapping[str, frozenset[str]] = field(
        default_factory=lambda: MappingProxyType({})
    )  # names that may refer to the same object
    star: bool = False  # a star import or a name-injecting magic came before
    lazy_annotations: bool = False  # `from __future__ import annotations` came before
    shadowed: frozenset[str] = frozenset()  # builtins some cell of the notebook rebinds
