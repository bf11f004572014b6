"""The plan's data: segments of cells, and the steps, definitions and kept parts they
become. Every later stage reads these; only the plan stage makes them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import libcst as cst

from nb2pkg.analysis import CellFacts
from nb2pkg.diagnostics import Diagnostic
from nb2pkg.limits import awaits_at_top_level
from nb2pkg.notebook import Cell

Role = Literal[
    "markdown",  # markdown or raw cell, kept in place
    "setting",  # notebook-only magic line (`%matplotlib inline`), kept in the notebook
    "session",  # a session setting (`plt.style.use`, `np.random.seed`): goes to config.setup()
    "import",  # import statements, which the modules and the notebook repeat as needed
    "constant",  # literal assignment never rebound: goes to config.py
    "definition",  # def / class: goes to a module
    "code",  # computation: grouped into steps
    "display",  # shows something and changes nothing: stays in the notebook
    "kept",  # stays in the notebook as it is (see `reason`)
]


# What identifies a segment: see `Segment.key`.
SegmentKey = tuple[int, int]


@dataclass(frozen=True)
class Segment:
    """A run of statements of one cell that share a role (or a whole cell)."""

    cell: Cell
    role: Role
    source: str  # Python for converted roles; the cell's own text for kept ones
    facts: CellFacts
    reason: str = ""  # why a kept cell stays in the notebook
    statements: tuple[cst.BaseStatement, ...] = ()  # the parsed statements
    shown: str = ""  # a name the notebook showed after this code (`model` for `model.fit(...)`)
    shows_value: bool = False  # the cell ends with an expression whose value the notebook showed
    cell_magic: str = ""  # `%%time`: the summary cell's first line; `%time`: before its call
    # names bound or deleted on some paths only (a loop, an `if` without `else`, a
    # handler's `as` name): the value they had before may still be theirs after
    partial: frozenset[str] = frozenset()
    # names compound code may read before binding them on every path (analysis.paths);
    # empty for straight-line code, whose facts.uses say it
    reads: frozenset[str] = frozenset()
    position: int = 0  # its place among the segments of its cell (see `key`)
    # the comment lines after the cell's last statement (`# model.score(X, y)`), for the
    # last code segment of the cell: its function keeps them after its statements
    footer: str = ""

    @property
    def key(self) -> SegmentKey:
        """(cell index, position in the cell): the same for every `replace` of this segment,
        and unique among the segments of one notebook, unlike `id()`, which Python reuses."""
        return (self.cell.index, self.position)


@dataclass(frozen=True)
class Step:
    """Consecutive computation turned into one function."""

    name: str
    module: str
    segments: tuple[Segment, ...]
    params: tuple[str, ...]
    returns: tuple[str, ...]
    doc: str
    shows: tuple[Segment, ...] = ()  # displays the summary cell ends with, after the call
    value: str = ""  # the name the shown value of the last expression is returned as
    # returned names bound on some paths only, that nothing had bound before: set to
    # None first, so that returning them never fails where the notebook went on
    initialised: tuple[str, ...] = ()
    # arguments the step deletes (`del c`): the summary deletes them after the call too
    deletes: tuple[str, ...] = ()
    # a copy of other steps' code (plan.clones): the one function they all call, and the
    # keyword arguments (`title="Tree"`) this call passes after its parameters
    function: Step | None = None
    arguments: tuple[str, ...] = ()
    # parameters with a default, after `params`: (name, default), `("path", "HOUSES_CSV")`
    # for a file the step reads (plan.data_paths); the summary and run() do not pass them
    defaults: tuple[tuple[str, str], ...] = ()

    @property
    def defined(self) -> Step:
        """The function this step calls: its own, or the one its copies share."""
        return self.function or self

    @property
    def shows_value(self) -> bool:
        return self.segments[-1].shows_value

    @property
    def awaits(self) -> bool:
        """Whether the function this step calls awaits outside any function of its own
        (IPython's autoawait ran the cell): an `async def`, awaited by its callers."""
        return any(awaits_at_top_level(s.source) for s in self.defined.segments)

    @property
    def cells(self) -> tuple[int, ...]:
        return tuple(dict.fromkeys(s.cell.index for s in (*self.segments, *self.shows)))


@dataclass(frozen=True)
class Definition:
    """A notebook function or class that moves to a module."""

    name: str
    module: str
    segment: Segment
    lifted: tuple[str, ...] = ()  # notebook variables it now takes as keyword arguments
    repeats: tuple[SegmentKey, ...] = ()  # later cells' definitions of the same code, which go with it


@dataclass(frozen=True)
class Kept:
    """A cell (or a part of one) that stays in the summary notebook."""

    segment: Segment


@dataclass(frozen=True)
class DataFile:
    """An input file of the notebook: a file a step reads that no code writes."""

    path: str  # as the notebook names it, from its folder: "data/houses.csv"
    name: str  # the config constant that holds it: HOUSES_CSV, or the notebook's own DATA_PATH
    relative: str  # from DATA_DIR: "houses.csv"
    text: bool = False  # some call that reads it takes only a str (`cv2.imread`): str(...)
    added: bool = True  # nb2pkg's constant (False: the notebook's, redefined in place)


@dataclass(frozen=True)
class DataFiles:
    """Where the input files are found: one folder, `DATA_DIR` in config."""

    folder: str = ""  # the deepest folder holding them all, from the notebook's ("data", "."); "": none
    files: tuple[DataFile, ...] = ()
    variable: str = "DATA_DIR"  # its name in config (another when the notebook binds DATA_DIR)

    def value(self, file: DataFile) -> str:
        """The config expression for `file`: `DATA_DIR / "houses.csv"`."""
        joined = f"{self.variable} / {file.relative!r}"
        return f"str({joined})" if file.text else joined


@dataclass(frozen=True)
class Plan:
    """Everything the renderers need, in notebook order."""

    items: tuple[Step | Kept, ...]  # steps and kept parts, in order (markdown included)
    definitions: tuple[Definition, ...]
    constants: tuple[Segment, ...]
    imports: dict[str, cst.Import | cst.ImportFrom] = field(default_factory=dict)  # name -> its import
    settings: tuple[Segment, ...] = ()  # notebook-only magic lines
    warnings: tuple[Diagnostic, ...] = ()
    names: frozenset[str] = frozenset()  # every name the notebook binds or reads
    session: tuple[Segment, ...] = ()  # session settings, in order: config.setup() (plan.settings)
    data: DataFiles = DataFiles()  # the input files and their folder (plan.data_paths)
    # (1-based cell, why) for the cells that need the notebook's folder, worked out once
    # (plan.notebook_folder); None: not yet, `folder_needs` works it out when asked
    folder: tuple[tuple[int, str], ...] | None = None

    @property
    def steps(self) -> tuple[Step, ...]:
        return tuple(item for item in self.items if isinstance(item, Step))

    def lifted(self) -> dict[str, tuple[str, ...]]:
        """Functions that take notebook variables as keyword arguments -> those names."""
        return {d.name: d.lifted for d in self.definitions if d.lifted}

    def provided(self) -> dict[str, str]:
        """Names the package provides at module level -> the module that holds them."""
        names = {name: "config" for s in self.constants for name in s.facts.defines}
        if self.data.files:
            names[self.data.variable] = "config"
            names.update((f.name, "config") for f in self.data.files if f.added)
        names.update((d.name, d.module) for d in self.definitions)
        return names
