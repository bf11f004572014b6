"""`python -m PACKAGE` of every corpus notebook that runs offline runs to the end, on its
own: the notebook is copied alone into a fresh folder, converted, then deleted, and the
package is run from another working folder with only its `src/` on the path. Only a
notebook whose steps need a running IPython may refuse, and then only with the
conversion's warning and a clear message, never a traceback. Small notebooks reproduce
each class of failure found, checked against what a real kernel computes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from nb2pkg import api
from support import CORPUS, EXAMPLE, corpus_manifest, make_notebook, write_notebook

TIME_LIMIT = 300  # seconds; the slowest corpus notebook runs in well under a minute


@dataclass(frozen=True)
class Case:
    """A notebook to run as a package, with the files beside it that it reads."""

    notebook: Path
    data: tuple[Path, ...] = ()
    known: str | None = None  # the failure class (owned by another change) when it is known to fail
    may_refuse: str | None = None  # why `python -m` legitimately cannot run it on its own


# Corpus notebooks whose `python -m` still does not run to the end, named by the reason.
KNOWN_FAILURES: dict[str, str] = {}

# Corpus notebooks whose `python -m` may refuse (with the conversion's warning and a clear
# message, never a traceback) because the steps need what only a running IPython gives.
MAY_REFUSE: dict[str, str] = {
    "ipython__ipython-in-depth__examples__IPython Kernel__Custom Display Logic.ipynb": (
        "`get_ipython().display_formatter` binds `latex_f`, which later cells configure"
    ),
}


def corpus_cases() -> list[Case]:
    """Every notebook the manifest says runs offline. None of them reads a file that sits
    beside it in the corpus (`needs_external_data` is false for all), so each is copied alone:
    the files there (`my_df.*`, `images/`) are ones the notebooks write."""
    folder = CORPUS / "notebooks"
    return [
        Case(folder / entry["file"], known=KNOWN_FAILURES.get(entry["file"]), may_refuse=MAY_REFUSE.get(entry["file"]))
        for entry in corpus_manifest()
        if entry.get("runs_offline") and not entry.get("needs_external_data")
    ]


CASES = [Case(EXAMPLE, (EXAMPLE.parent / "data",)), *corpus_cases()]


def known_failure(reason: str | None) -> list[pytest.MarkDecorator]:
    return [pytest.mark.xfail(reason=reason, strict=False)] if reason else []


def params() -> list[object]:
    return [pytest.param(case, id=case.notebook.name[:70], marks=known_failure(case.known)) for case in CASES]


@dataclass(frozen=True)
class Run:
    """What converting the notebook warned and what `python -m` of its package did."""

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
    done = run_module(converted.conversion.package, tmp_path / "out" / "src", cwd=elsewhere)
    warnings = tuple(w.message for w in converted.conversion.warnings)
    return Run(converted.conversion.package, done.returncode, done.stdout, done.stderr, warnings)


def refusals(run: Run) -> list[str]:
    """The conversion's warnings that `python -m` cannot do what the notebook did (a kept
    cell binds or changes a name the steps need)."""
    return [w for w in run.warnings if f"`python -m {run.package}`" in w]


@pytest.mark.corpus
@pytest.mark.slow
@pytest.mark.parametrize("case", params())
def test_python_m_runs_to_the_end(case: Case, tmp_path: Path) -> None:
    if not case.notebook.is_file():
        pytest.skip("the shared corpus is not beside the checkout")
    run = convert_and_run(case, tmp_path)
    if case.may_refuse and run.returncode != 0:
        # It may refuse, but only when the conversion warned, with a clear reason, never a traceback.
        assert refusals(run), f"python -m failed without a warning from the conversion:\n{run.stderr[-3000:]}"
        assert "Traceback" not in run.stderr, run.stderr
        assert "summary notebook" in run.stderr.lower(), run.stderr
        return
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Traceback" not in run.stderr, run.stderr[-3000:]


def small_project(tmp_path: Path) -> tuple[Path, str]:
    """A notebook in `notebooks/` converted into `build/sums`: it computes from nothing
    and writes a file where it ran."""
    (tmp_path / "notebooks").mkdir()
    notebook = write_notebook(
        tmp_path / "notebooks" / "sums.ipynb",
        make_notebook(
            [
                "import numpy as np",
                "values = np.arange(5)",
                "total = int(values.sum())",
                # into a sub-folder: the steps need the notebook's folder (plan.folder_needs)
                'import os\nos.makedirs("out", exist_ok=True)\nwith open("out/total.txt", "w") as handle:\n'
                "    handle.write(str(total))",
            ]
        ),
    )
    converted = api.convert(notebook, out=tmp_path / "build" / "sums")
    return converted.out, converted.conversion.package


def run_module(package: str, src: Path, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """`python -m package` with only `src` on the path and no inherited notebook folder."""
    clean = {key: value for key, value in os.environ.items() if not key.endswith("_NOTEBOOK_DIR")}
    clean.update({"PYTHONPATH": str(src), "MPLBACKEND": "Agg", **env})
    return subprocess.run(
        [sys.executable, "-m", package],
        cwd=cwd,
        env=clean,
        capture_output=True,
        text=True,
        timeout=TIME_LIMIT,
        check=False,
    )


@pytest.mark.slow
def test_python_m_runs_in_the_notebook_folder_from_anywhere(tmp_path: Path) -> None:
    project, package = small_project(tmp_path)
    (tmp_path / "notebooks" / "sums.ipynb").unlink()
    done = run_module(package, project / "src", cwd=project)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "notebooks" / "out" / "total.txt").read_text() == "10"
    assert not (project / "out" / "total.txt").exists()


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
    done = run_module(
        package, Path(moved) / "src", cwd=tmp_path, **{f"{package.upper()}_NOTEBOOK_DIR": str(tmp_path / "data here")}
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "data here" / "out" / "total.txt").read_text() == "10"


@pytest.mark.slow
def test_an_installed_package_without_its_project_says_what_to_set(tmp_path: Path) -> None:
    project, package = small_project(tmp_path)
    site = tmp_path / "venv" / "lib" / "site-packages"  # what a non-editable install leaves
    shutil.copytree(project / "src" / package, site / package)
    done = run_module(package, site, cwd=tmp_path)
    assert done.returncode == 2
    assert "installed away from its project" in done.stderr and f"{package.upper()}_NOTEBOOK_DIR" in done.stderr
    assert not list(tmp_path.rglob("total.txt"))  # nothing written in an unrelated folder


@dataclass(frozen=True)
class Reproduction:
    """A small notebook whose `python -m` should write `expected` to `result.txt` in the
    notebook's folder, as the notebook does when it runs top to bottom."""

    name: str
    cells: tuple[str, ...]
    expected: str
    known: str | None = None  # the failure class, and which change owns it
    tagged: tuple[tuple[int, str], ...] = ()  # (0-based cell, tag)
    beside: tuple[tuple[str, str], ...] = ()  # (file name, text) next to the notebook


WRITE = 'with open("result.txt", "w") as handle:\n    handle.write(str(result))'

# One per class of `python -m` failure found on the corpus and around it; `known` says why
# one still does not run to the end.
REPRODUCTIONS = [
    Reproduction(
        "loop_rebinds",
        (
            "model = 5",
            "scores = []\nfor k in range(1, 4):\n    model = k\n    scores.append(model * 2)",
            "result = model + sum(scores)",
            WRITE,
        ),
        "15",
    ),
    Reproduction(
        "reads_and_writes_beside",
        ('with open("seed.txt") as handle:\n    seed = int(handle.read())', "result = seed * 3", WRITE),
        "21",
        beside=(("seed.txt", "7"),),
    ),
    # the expected error changes nothing a step reads (one that may, like `word[0] = "B"`,
    # makes python -m refuse, naming the cell: see the kept-cell rules)
    Reproduction(
        "expected_error",
        ('word = "Pluto"', "int(word)", "result = len(word)", WRITE),
        "5",
        tagged=((1, "raises-exception"),),
    ),
    Reproduction(
        "main_guard",
        ("values = [1, 2]", 'if __name__ == "__main__":\n    values.append(3)', "result = sum(values)", WRITE),
        "6",
    ),
    Reproduction(
        "last_result",
        ("x = 5", "x * 2", "result = _ + 1", WRITE),
        "11",
    ),
    Reproduction("time_magic", ("%time total = sum(range(10))", "result = total + 1", WRITE), "46"),
    Reproduction(
        "top_level_await",
        ("import asyncio", "async def answer():\n    return 41", "value = await answer()", "result = value + 1", WRITE),
        "42",
    ),
    Reproduction(  # run() binds `asyncio`: pipeline.py imports the module under another name
        "top_level_await_beside_a_name_asyncio",
        (
            "async def answer():\n    return 41",
            "value = await answer()\nasyncio = len(str(value))",
            "print(asyncio)",
            "result = value + asyncio",
            WRITE,
        ),
        "43",
    ),
    Reproduction(
        "import_fallback",
        (
            "try:\n    from math import isqrt\nexcept ImportError:\n    def isqrt(n):\n        return int(n ** 0.5)",
            "result = isqrt(17)",
            WRITE,
        ),
        "4",
    ),
    Reproduction(
        "function_as_value",
        (
            "t0, t1 = 5, 50",
            "def schedule(t):\n    return t0 / (t + t1)",
            "def apply(f, n):\n    return [f(i) for i in range(n)]",
            "result = round(sum(apply(schedule, 3)), 4)",
            WRITE,
        ),
        "0.2942",
    ),
    # the same, reading data an earlier step computed: the function is defined in its step
    Reproduction(
        "function_reads_data",
        (
            "import numpy as np\nts = np.array([5.0, 50.0])",
            "def schedule(t):\n    return float(ts[0] / (t + ts[1]))",
            "def apply(f, n):\n    return [f(i) for i in range(n)]",
            "result = round(sum(apply(schedule, 3)), 4)",
            WRITE,
        ),
        "0.2942",
    ),
    Reproduction(
        "capture_replay", ('%%capture out\nprint("hi")\nvalue = 3', "out()", "result = value * 2", WRITE), "6"
    ),
    Reproduction(
        "local_module",
        ("from mylib import double", "result = double(21)", WRITE),
        "42",
        beside=(("mylib.py", "def double(x):\n    return 2 * x\n"),),
    ),
]


@pytest.mark.slow
@pytest.mark.parametrize("case", [pytest.param(r, id=r.name, marks=known_failure(r.known)) for r in REPRODUCTIONS])
def test_python_m_does_what_the_notebook_does(case: Reproduction, tmp_path: Path) -> None:
    place = tmp_path / "notebook"
    place.mkdir()
    data = make_notebook(list(case.cells))
    for index, tag in case.tagged:
        data["cells"][index]["metadata"]["tags"] = [tag]
    notebook = write_notebook(place / f"{case.name}.ipynb", data)
    for name, text in case.beside:
        (place / name).write_text(text, encoding="utf-8")
    converted = api.convert(notebook, out=tmp_path / "out")
    # The project stands on its own: the notebook and its local modules go, its data stays.
    for leftover in [notebook, *(place / name for name, _ in case.beside if name.endswith(".py"))]:
        leftover.unlink()
    done = run_module(converted.conversion.package, tmp_path / "out" / "src", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    # a bare file name is written where python -m runs, unless some cell needs the notebook's folder
    config = converted.conversion.files[f"src/{converted.conversion.package}/config.py"]
    where = place if "NOTEBOOK_DIR" in config else tmp_path
    assert (where / "result.txt").read_text() == case.expected
