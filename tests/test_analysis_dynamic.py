"""Check each cell's `uses` against reality by running real notebooks (the "stash" check).

`CellFacts.uses` claims to be every name a cell needs bound *before it runs*. This test
runs a notebook's code cells in document order in one IPython shell, and before each
analysed cell it takes out of the namespace ("stashes") every name the notebook bound
that is not in the cell's `uses`. The cell then runs; afterwards every stashed name the
cell did not bind again goes back. Functions from earlier cells keep the namespace as
their globals, so a cell that calls a function reading a global the analysis forgot
fails too. A NameError for a stashed name means `uses` missed a name: the test fails
with the notebook, the 1-based cell number, the missing name and the claimed uses.

Only a NameError for a *stashed* name counts: that name was bound before the cell ran,
so the stash alone made it fail. A cell that fails for another reason (a missing data
file, an error the notebook shows on purpose, a NameError for a name no cell bound) is
not a failure of the test, and the run goes on with the next cell, as Jupyter does: an
earlier failure can leave a name unbound, but never makes a stashed name missing, so it
cannot produce a false report. Cells after a failed one are still checked; the test
warns about failed cells so that a notebook that checks little does not go unnoticed.
After a missing use the cell runs again with every name, so one run finds them all.

Always kept in the namespace: the names IPython binds itself (`In`, `Out`,
`get_ipython`, `_`, `_i3`, `_3`, dunders, ...), the ones the analysis treats as
builtins. Cells that are not analysed (foreign cell magics such as `%%bash`, cells that
do not parse) run without a stash.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from IPython.core.interactiveshell import InteractiveShell
from traitlets.config import Config

from nb2pkg.analysis import CellFacts
from nb2pkg.api import inspect
from nb2pkg.dataflow import Dataflow
from nb2pkg.notebook import Cell

pytestmark = [pytest.mark.slow, pytest.mark.corpus]  # corpus notebooks run cell by cell

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "explore.ipynb"
CORPUS = REPO.parent / "shared" / "corpus"

# Offline corpus notebooks left out of the default run because one run takes longer
# than about 40 s here (2 cores); NB2PKG_SLOW_NOTEBOOKS=1 runs them as well.
# file name -> why it is slow. (None at the moment: the slowest, handson-ml3's
# 04_training_linear_models and extra_gradient_descent_comparison, take 15-25 s.)
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
        return f"cell {self.cell}: NameError for `{self.name}`; claimed uses {sorted(self.uses)}\n{excerpt}"


@dataclass
class RunReport:
    """What running one notebook under the stash check found."""

    missing: list[MissingUse] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # cells that failed for other reasons
    checked: int = 0  # analysed cells run under the stash
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
    """`owner__repo__path__to__name.ipynb` -> `repo/path/to/name`."""
    parts = file_name.removesuffix(".ipynb").split("__")
    return "/".join(parts[1:]) if len(parts) >= 3 else parts[-1]


def notebook_params() -> list[object]:
    params: list[object] = [pytest.param(EXAMPLE, id="examples/explore")]
    files = offline_corpus_notebooks()
    if not files:
        params.append(pytest.param(None, id="corpus-absent"))
    for file_name in files:
        marks = []
        if file_name in SLOW_NOTEBOOKS:
            reason = f"slow ({SLOW_NOTEBOOKS[file_name]}); NB2PKG_SLOW_NOTEBOOKS=1 runs it"
            marks.append(pytest.mark.skipif(not RUN_SLOW, reason=reason))
        path = CORPUS / "notebooks" / file_name
        params.append(pytest.param(path, id=readable_id(file_name), marks=marks))
    return params


# -- the shell --------------------------------------------------------------------


@pytest.fixture(scope="module")
def shell() -> Iterator[InteractiveShell]:
    """One IPython shell for the whole module; each notebook starts it with `reset`."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    config.InteractiveShell.colors = "nocolor"
    config.InteractiveShell.xmode = "Plain"
    ipython = InteractiveShell.instance(config=config)
    original_show = plt.show
    # A plain shell has no GUI event loop: without this `%matplotlib inline` raises.
    ipython.enable_gui = lambda gui=None: None
    plt.show = lambda *args, **kwargs: None
    try:
        yield ipython
    finally:
        plt.show = original_show
        del ipython.enable_gui
        ipython.reset(new_session=True)


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

    result = shell.run_cell(source, store_history=True)
    plt.close("all")  # as the inline backend does after every cell
    return result.error_before_exec or result.error_in_exec


def missing_name(error: BaseException | None) -> str | None:
    """The name a NameError (or a subclass, e.g. pandas' for `@x`) complains about."""
    if not isinstance(error, NameError):
        return None
    name = getattr(error, "name", None)
    if name:
        return name
    found = _NOT_DEFINED.search(str(error))
    return found.group(1) if found else None


def describe_error(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0][:160] if lines else ''}"


# -- running a notebook -----------------------------------------------------------


def analysed(facts: CellFacts | None) -> bool:
    return facts is not None and facts.parse_error is None and facts.python is not None


def run_checked(shell: InteractiveShell, cell: Cell, facts: CellFacts, report: RunReport) -> BaseException | None:
    """Run `cell` with only its `uses` in the namespace; record a missing use."""
    stashed = stash(shell, facts.uses)
    try:
        error = run(shell, cell.source)
    finally:
        unstash(shell, stashed)
    report.checked += 1
    name = missing_name(error)
    if name is None or name not in stashed:
        return error
    report.missing.append(MissingUse(cell.number, name, facts.uses, cell.source))
    return run(shell, cell.source)  # again with every name, to check the cells after it


def run_notebook(shell: InteractiveShell, dataflow: Dataflow) -> RunReport:
    """Run every code cell of the notebook in order under the stash check."""
    report = RunReport()
    shell.reset(new_session=True)
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the notebooks' own deprecation noise
        for cell, facts in zip(dataflow.notebook.cells, dataflow.facts, strict=True):
            if cell.kind != "code":
                continue
            if facts is not None and analysed(facts):
                error = run_checked(shell, cell, facts, report)
            else:
                error = run(shell, cell.source)
            if error is not None:
                report.failed.append(f"cell {cell.number}: {describe_error(error)}")
    report.seconds = time.perf_counter() - started
    shell.reset(new_session=True)
    return report


def copy_and_enter(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Copy the notebook's folder (it may write files there) and work inside the copy."""
    folder = tmp_path / "notebook"
    shutil.copytree(path.parent, folder)
    monkeypatch.chdir(folder)
    monkeypatch.syspath_prepend(str(folder))
    return folder / path.name


# -- the tests --------------------------------------------------------------------


@pytest.mark.parametrize("path", notebook_params())
def test_uses_are_enough_to_run_each_cell(
    path: Path | None,
    shell: InteractiveShell,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if path is None:
        pytest.skip(f"no corpus at {CORPUS}")
    copy = copy_and_enter(path, tmp_path, monkeypatch)

    report = run_notebook(shell, inspect(copy))

    print(f"{path.name}: {report.seconds:.1f} s, {report.checked} cells checked")
    if report.failed:
        warnings.warn(f"{path.name}: cells failed (not checked fully): {report.failed}", stacklevel=1)
    found = "\n".join(missing.describe() for missing in report.missing)
    assert not report.missing, f"{path.name}: cells need names their `uses` leave out:\n{found}"


def test_the_stash_catches_a_use_left_out(
    shell: InteractiveShell, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check itself: a `uses` without a global that a called function reads fails."""
    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell("FACTOR = 2\ndef scale(v):\n    return v * FACTOR"),
        nbformat.v4.new_code_cell("%matplotlib inline\nresult = scale(3)"),
    ]
    path = tmp_path / "scale.ipynb"
    nbformat.write(notebook, path)
    monkeypatch.chdir(tmp_path)
    dataflow = inspect(path)
    calling = dataflow.facts[1]
    assert calling is not None and "FACTOR" in calling.uses
    doctored = dataclasses.replace(calling, uses=calling.uses - {"FACTOR"})
    dataflow = dataclasses.replace(dataflow, facts=(dataflow.facts[0], doctored))

    report = run_notebook(shell, dataflow)

    assert [(m.cell, m.name) for m in report.missing] == [(2, "FACTOR")]
    assert report.failed == []
