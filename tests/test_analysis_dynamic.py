"""Check each cell's `uses` against reality by running real notebooks (the "stash" check).

`CellFacts.uses` claims to be every name a cell needs bound *before it runs*. This test
runs a notebook's code cells in document order in one IPython shell, and before each
analysed cell it takes out of the namespace ("stashes") every name the notebook bound
that is not in the cell's `uses`. The cell then runs; afterwards every stashed name the
cell did not bind again goes back. Functions from earlier cells keep the namespace as
their globals, so a cell that calls a function reading a global the analysis forgot
fails too. A NameError for a stashed name means `uses` missed a name: the test fails
with the notebook, the 1-based cell number, the missing name and the claimed uses.

After such a failure the cell runs again with the full namespace, so one run finds
every missing name. Any other error (no data file, no network, a bug of the notebook
itself, a NameError for a name that was not stashed) ends that notebook's run: the
rest is not checked, which is reported as a warning, not a failure.

Kept in the namespace always: the names IPython puts there itself (`In`, `Out`,
`get_ipython`, `_`, `_i3`, `_3`, dunders, ...), the same ones the analysis treats as
builtins. Cells that are not analysed (foreign cell magics, cells that do not parse)
run without a stash.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

os.environ["MPLBACKEND"] = "Agg"  # before anything imports matplotlib

import pytest
from IPython.core.interactiveshell import ExecutionResult, InteractiveShell
from traitlets.config import Config

from nb2pkg.analysis import CellFacts
from nb2pkg.api import inspect
from nb2pkg.notebook import Cell

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "explore.ipynb"
CORPUS = REPO.parent / "shared" / "corpus"

# Offline corpus notebooks left out of the default run because they take longer than
# about 40 s each here (2 cores); set NB2PKG_SLOW_NOTEBOOKS=1 to run them as well.
# file name -> why it is slow
SLOW_NOTEBOOKS: dict[str, str] = {}
RUN_SLOW = os.environ.get("NB2PKG_SLOW_NOTEBOOKS") == "1"

# Names IPython binds in the namespace itself (the analysis counts them as builtins).
_IPYTHON_NAME = re.compile(r"_{1,3}\Z|_i{1,3}\Z|_[iod]h\Z|_i?\d+\Z|__\w+__\Z")
_NOT_DEFINED = re.compile(r"'(\w+)' is not defined")


@dataclass(frozen=True)
class MissingUse:
    """A cell raised NameError for a name its `uses` left out."""

    cell: int  # 1-based cell number
    name: str
    uses: frozenset[str]
    source: str

    def describe(self) -> str:
        excerpt = "\n".join("    | " + line for line in self.source.splitlines()[:12])
        return (
            f"cell {self.cell}: NameError for `{self.name}`; claimed uses "
            f"{sorted(self.uses)}\n{excerpt}"
        )


@dataclass
class RunReport:
    """What running one notebook under the stash check found."""

    missing: list[MissingUse]
    stopped: str | None = None  # why the run ended early, if it did
    seconds: float = 0.0


# -- which notebooks --------------------------------------------------------------


def offline_corpus_notebooks() -> list[str]:
    """File names of the corpus notebooks the manifest says run offline."""
    manifest = CORPUS / "MANIFEST.json"
    if not manifest.is_file():
        return []
    entries = json.loads(manifest.read_text(encoding="utf-8"))
    return sorted(entry["file"] for entry in entries if entry.get("runs_offline") is True)


def readable_id(file_name: str) -> str:
    """`owner__repo__path__name.ipynb` -> `repo/name`."""
    parts = file_name.removesuffix(".ipynb").split("__")
    return f"{parts[1]}/{parts[-1]}" if len(parts) >= 3 else parts[-1]


def notebook_params() -> list[object]:
    params: list[object] = [pytest.param(EXAMPLE, id="examples/explore")]
    files = offline_corpus_notebooks()
    if not files:
        params.append(pytest.param(None, id="corpus-absent"))
    for file_name in files:
        marks = []
        if file_name in SLOW_NOTEBOOKS:
            marks.append(
                pytest.mark.skipif(not RUN_SLOW, reason=f"slow: {SLOW_NOTEBOOKS[file_name]}")
            )
        params.append(
            pytest.param(CORPUS / "notebooks" / file_name, id=readable_id(file_name), marks=marks)
        )
    return params


# -- the shell --------------------------------------------------------------------


@pytest.fixture(scope="module")
def shell() -> Iterator[InteractiveShell]:
    """One IPython shell for the whole module; each test starts it with `reset`."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    config.InteractiveShell.colors = "nocolor"
    config.InteractiveShell.xmode = "Plain"
    original_show = plt.show
    plt.show = lambda *args, **kwargs: None  # no windows, no "non-interactive" warnings
    try:
        yield InteractiveShell.instance(config=config)
    finally:
        plt.show = original_show


def ipython_owned(shell: InteractiveShell, name: str) -> bool:
    return name in shell.user_ns_hidden or _IPYTHON_NAME.match(name) is not None


def stash(shell: InteractiveShell, keep: frozenset[str]) -> dict[str, object]:
    """Take out of the namespace every notebook name not in `keep`; return them."""
    namespace = shell.user_ns
    names = [n for n in namespace if n not in keep and not ipython_owned(shell, n)]
    return {name: namespace.pop(name) for name in names}


def unstash(shell: InteractiveShell, stashed: dict[str, object]) -> None:
    """Put back the stashed names the cell did not bind again."""
    for name, value in stashed.items():
        shell.user_ns.setdefault(name, value)


def run(shell: InteractiveShell, source: str) -> BaseException | None:
    """Run one cell as a notebook would; the error it raised, if any."""
    import matplotlib.pyplot as plt

    result: ExecutionResult = shell.run_cell(source, store_history=True)
    plt.close("all")  # as the inline backend does after every cell
    return result.error_before_exec or result.error_in_exec


def missing_name(error: BaseException) -> str | None:
    """The name a NameError (or a subclass, e.g. pandas' for `@x`) complains about."""
    if not isinstance(error, NameError):
        return None
    name = getattr(error, "name", None)
    if name:
        return name
    found = _NOT_DEFINED.search(str(error))
    return found.group(1) if found else None


def describe_error(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0][:160] if text else ''}"


# -- running a notebook -----------------------------------------------------------


def analysed(facts: CellFacts | None) -> bool:
    return facts is not None and facts.parse_error is None and facts.python is not None


def run_cell_checked(
    shell: InteractiveShell, cell: Cell, facts: CellFacts, report: RunReport
) -> BaseException | None:
    """Run `cell` with only its `uses` in the namespace; record a missing use."""
    stashed = stash(shell, facts.uses)
    try:
        error = run(shell, cell.source)
    finally:
        unstash(shell, stashed)
    name = missing_name(error) if error is not None else None
    if name is None or name not in stashed:
        return error
    report.missing.append(MissingUse(cell.number, name, facts.uses, cell.source))
    return run(shell, cell.source)  # again with every name, to check the cells after it


def run_notebook(shell: InteractiveShell, path: Path) -> RunReport:
    """Run every code cell of `path` in order under the stash check."""
    dataflow = inspect(path)
    report = RunReport(missing=[])
    shell.reset(new_session=True)
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the notebooks' own deprecation noise
        for cell, facts in zip(dataflow.notebook.cells, dataflow.facts):
            if cell.kind != "code":
                continue
            if analysed(facts):
                assert facts is not None
                error = run_cell_checked(shell, cell, facts, report)
            else:
                error = run(shell, cell.source)
            if error is not None:
                report.stopped = f"cell {cell.number}: {describe_error(error)}"
                break
    report.seconds = time.perf_counter() - started
    shell.reset(new_session=True)
    return report


@pytest.mark.parametrize("path", notebook_params())
def test_uses_are_enough_to_run_each_cell(
    path: Path | None,
    shell: InteractiveShell,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if path is None:
        pytest.skip(f"no corpus at {CORPUS}")
    folder = tmp_path / "notebook"
    shutil.copytree(path.parent, folder)  # the notebook may write files next to itself
    monkeypatch.chdir(folder)
    monkeypatch.syspath_prepend(str(folder))

    report = run_notebook(shell, folder / path.name)

    print(f"{path.name}: {report.seconds:.1f} s; stopped early: {report.stopped}")
    if report.stopped:
        warnings.warn(f"{path.name}: run ended at {report.stopped}; later cells unchecked")
    assert not report.missing, (
        f"{path.name}: cells need names their `uses` leave out:\n"
        + "\n".join(missing.describe() for missing in report.missing)
    )
