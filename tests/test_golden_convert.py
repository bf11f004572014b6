"""Golden conversions: each `fixtures/convert/<case>/input.ipynb` against the project in
`expected/` beside it, file for file. Other files beside `input.ipynb` are the notebook's
folder (`mylib.py` it imports, data it reads). `pytest --update-golden` rewrites the
expected trees on purpose; every case also meets the quality list (a sample of them in
the fast part)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from nb2pkg.convert import Conversion, convert
from nb2pkg.dataflow import Dataflow, build_dataflow
from nb2pkg.environment import Distribution, Environment, Versions, normalise
from nb2pkg.naming import package_name
from nb2pkg.notebook import read_notebook
from nb2pkg.render.local_modules import LocalModules, read_local_modules
from support import FIXTURES
from support.quality import all_problems

CASES = sorted((FIXTURES / "convert").glob("*/input.ipynb"))
# The environment the notebooks ran in, which the lower bounds and the lock come from:
# fixed, so that the expected trees are the same bytes whatever is installed where the tests
# run (and whatever kernel they have).
_DISTRIBUTIONS = [
    Distribution("matplotlib", "3.8.4", ("numpy>=1.21", "pillow>=8", "python-dateutil>=2.7")),
    Distribution("numpy", "1.26.4"),
    Distribution("pandas", "2.2.3", ("numpy>=1.23.2", "python-dateutil>=2.8.2", 'tzdata; sys_platform == "win32"')),
    Distribution("pillow", "10.4.0"),
    Distribution("python-dateutil", "2.9.0.post0", ("six>=1.5",)),
    Distribution("scikit-learn", "1.5.2", ("numpy>=1.19.5", "scipy>=1.6.0", 'pytest; extra == "tests"')),
    Distribution("scipy", "1.14.1", ("numpy>=1.23.5",)),
    Distribution("seaborn", "0.13.2", ("matplotlib>=3.4", "pandas>=1.2")),
    Distribution("six", "1.16.0"),
    Distribution("tzdata", "2024.2"),
]
_MARKERS = {"python_version": "3.11", "python_full_version": "3.11.7", "sys_platform": "linux", "os_name": "posix"}
INSTALLED = Versions(
    Environment("3.11.7", {normalise(d.name): d for d in _DISTRIBUTIONS}, {"sklearn": ("scikit-learn",)}, _MARKERS)
)


def expected_files(folder: Path) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def converted(notebook: Path) -> tuple[Dataflow, LocalModules, Conversion]:
    flow = build_dataflow(read_notebook(notebook))
    package = package_name(notebook.parent.name)  # named after the case: a diff says which one
    local = read_local_modules(notebook, flow, package)
    # the project as if it were the case's own folder: the data beside the notebook is inside
    # it, so config stores DATA_DIR relative to the project, never this machine's path
    return flow, local, convert(flow, notebook.parent, package, local, INSTALLED)


@pytest.mark.parametrize("notebook", CASES, ids=[c.parent.name for c in CASES])
def test_golden_conversion(notebook: Path, update_golden: bool) -> None:
    expected = notebook.parent / "expected"
    actual = converted(notebook)[2].files
    if update_golden:
        shutil.rmtree(expected, ignore_errors=True)
        for name, text in actual.items():
            (expected / name).parent.mkdir(parents=True, exist_ok=True)
            (expected / name).write_text(text, encoding="utf-8")
    assert actual == expected_files(expected)


# The quality list (black, pyflakes, lost calls...) on a sample in the fast part, on every
# case in the slow one.
QUALITY_SAMPLE = {"classes", "issue11_example", "kept_cell_imports", "lifted_helper", "magics_and_shell"}


@pytest.mark.parametrize(
    "notebook",
    [
        pytest.param(c, id=c.parent.name, marks=() if c.parent.name in QUALITY_SAMPLE else pytest.mark.slow)
        for c in CASES
    ],
)
def test_golden_conversion_meets_the_quality_list(notebook: Path) -> None:
    flow, local, conversion = converted(notebook)
    # not converted a second time: the expected bytes, from another run, prove it deterministic
    assert all_problems(conversion, flow, notebook.parent / "expected", local, INSTALLED, again=False) == []


def test_the_quality_sample_names_cases() -> None:
    assert {c.parent.name for c in CASES} >= QUALITY_SAMPLE


def test_there_are_enough_golden_cases() -> None:
    assert len(CASES) >= 12
