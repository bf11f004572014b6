"""`python -m PACKAGE` of every corpus notebook that runs offline runs to the end, on its
own: the notebook is copied alone into a fresh folder, converted, then deleted, and the
package is run from another working folder with only its `src/` on the path. Where the
conversion warned that a kept cell binds a name the steps need, `python -m` must refuse
with that message instead of computing something else."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import CORPUS, EXAMPLE, corpus_manifest, make_notebook, write_notebook

from nb2pkg import api

TIME_LIMIT = 300  # seconds; the slowest corpus notebook runs in well under a minute


@dataclass(frozen=True)
class Case:
    """A notebook to run as a package, with the files beside it that it reads."""

    notebook: Path
    data: tuple[Path, ...] = ()
    known: str | None = None  # the failure class (owned by another change) when it is known to fail


# Corpus notebooks whose `python -m` fails for a reason outside `python -m` itself, named by
# the class of failure; the lead removes an entry once the fix for its class is merged.
KNOWN_FAILURES: dict[str, str] = {
    "Kaggle__learntools__notebooks__python__raw__tut_6.ipynb": (
        "fidelity-core: a cell tagged `raises-exception` (an error the notebook expects and runs past) "
        "becomes a step, so run() raises its TypeError and stops"
    ),
}


def corpus_cases() -> list[Case]:
    """Every notebook the manifest says runs offline. None of them reads a file that sits
    beside it in the corpus (`needs_external_data` is false for all), so each is copied alone:
    the files there (`my_df.*`, `images/`) are ones the notebooks write."""
    folder = CORPUS / "notebooks"
    return [
        Case(folder / entry["file"], known=KNOWN_FAILURES.get(entry["file"]))
        for entry in corpus_manifest()
        if entry.get("runs_offline") and not entry.get("needs_external_data")
    ]


CASES = [Case(EXAMPLE, (EXAMPLE.parent / "data",)), *corpus_cases()]


def params() -> list[object]:
    marks = lambda case: [pytest.mark.xfail(reason=case.known, strict=False)] if case.known else []  # noqa: E731
    return [pytest.param(case, id=case.notebook.name[:70], marks=marks(case)) for case in CASES]


@dataclass(frozen=True)
class Run:
    package: str
    returncode: int
    stdout: str
    stderr: str
    warnings: tuple[str, ...]


def convert_and_run(case: Case, tmp_path: Path) -> Run:
    """Convert a copy of the notebook, delete the copy, and run `python -m PACKAGE` from an
    empty folder with nothing but the project's `src/` on the path."""
    place = tmp_path / "notebook"
    place.mkdir()
    copy = place / case.notebook.name
    shutil.copyfile(case.notebook, copy)
    for data in case.data:
        shutil.copytree(data, place / data.name) if data.is_dir() else shutil.copyfile(data, place / data.name)
    converted = api.convert(copy, out=tmp_path / "out")
    copy.unlink()  # the project stands on its own
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {key: value for key, value in os.environ.items() if not key.endswith("_NOTEBOOK_DIR")}
    env.update({"PYTHONPATH": str(tmp_path / "out" / "src"), "MPLBACKEND": "Agg"})
    done = subprocess.run(
        [sys.executable, "-m", converted.conversion.package],
        cwd=elsewhere, env=env, capture_output=True, text=True, timeout=TIME_LIMIT, check=False,
    )
    warnings = tuple(message for _, message in converted.conversion.warnings)
    return Run(converted.conversion.package, done.returncode, done.stdout, done.stderr, warnings)


def refusals(run: Run) -> list[str]:
    """The conversion's warnings that `python -m` cannot do what the notebook did (a kept
    cell binds or changes a name the steps need)."""
    return [w for w in run.warnings if f"`python -m {run.package}`" in w]


@pytest.mark.slow
@pytest.mark.parametrize("case", params())
def test_python_m_runs_to_the_end(case: Case, tmp_path: Path) -> None:
    if not case.notebook.is_file():
        pytest.skip("the shared corpus is not beside the checkout")
    run = convert_and_run(case, tmp_path)
    if refusals(run):
        # It may refuse, but only with a clear one-line reason, never a traceback.
        assert run.returncode != 0, "the steps need names only kept cells bind, yet python -m ran"
        assert "Traceback" not in run.stderr, run.stderr
        assert "summary notebook" in run.stderr.lower(), run.stderr
        return
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Traceback" not in run.stderr, run.stderr[-3000:]


def small_project(tmp_path: Path) -> tuple[Path, str]:
    """A notebook in `notebooks/` converted into `build/sums`: it computes from nothing
    and writes a file where it ran."""
    (tmp_path / "notebooks").mkdir()
    notebook = write_notebook(tmp_path / "notebooks" / "sums.ipynb", make_notebook([
        "import numpy as np", "values = np.arange(5)", "total = int(values.sum())",
        'with open("total.txt", "w") as handle:\n    handle.write(str(total))',
    ]))
    converted = api.convert(notebook, out=tmp_path / "build" / "sums")
    return converted.out, converted.conversion.package


def run_module(package: str, src: Path, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {key: value for key, value in os.environ.items() if not key.endswith("_NOTEBOOK_DIR")}
    clean.update({"PYTHONPATH": str(src), "MPLBACKEND": "Agg", **env})
    return subprocess.run([sys.executable, "-m", package], cwd=cwd, env=clean, capture_output=True, text=True,
                          timeout=TIME_LIMIT, check=False)


@pytest.mark.slow
def test_python_m_runs_in_the_notebook_folder_from_anywhere(tmp_path: Path) -> None:
    project, package = small_project(tmp_path)
    (tmp_path / "notebooks" / "sums.ipynb").unlink()
    done = run_module(package, project / "src", cwd=project)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "notebooks" / "total.txt").read_text() == "10"
    assert not (project / "total.txt").exists()


@pytest.mark.slow
def test_a_project_moved_away_from_the_notebook_folder_says_what_to_set(tmp_path: Path) -> None:
    project, package = small_project(tmp_path)
    moved = shutil.move(project, tmp_path / "elsewhere" / "deeper" / "sums")
    done = run_module(package, Path(moved) / "src", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"python -m {package}: the notebook's folder {(Path(moved) / '../../notebooks').resolve()} is not there; "
        f"set {package.upper()}_NOTEBOOK_DIR to the folder the notebook's relative paths start from"
    ]
    (tmp_path / "data here").mkdir()
    done = run_module(package, Path(moved) / "src", cwd=tmp_path,
                      **{f"{package.upper()}_NOTEBOOK_DIR": str(tmp_path / "data here")})
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "data here" / "total.txt").read_text() == "10"


@pytest.mark.slow
def test_an_installed_package_without_its_project_says_what_to_set(tmp_path: Path) -> None:
    project, package = small_project(tmp_path)
    site = tmp_path / "venv" / "lib" / "site-packages"  # what a non-editable install leaves
    shutil.copytree(project / "src" / package, site / package)
    done = run_module(package, site, cwd=tmp_path)
    assert done.returncode == 2
    assert "installed away from its project" in done.stderr and f"{package.upper()}_NOTEBOOK_DIR" in done.stderr
    assert not list(tmp_path.rglob("total.txt"))  # nothing written in an unrelated folder
