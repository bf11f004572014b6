"""`python -m PACKAGE`, the generated command line: which config constants become options
(a table), what the project depends on for it, and, run for real, that `--help` is fast
and lists the options, a run logs every step in order with its time, an option changes
the result, a failing step is logged and exits 1, and a pipeline with gaps refuses (exit 2)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.version import Version

from nb2pkg import api
from nb2pkg.convert import convert
from nb2pkg.dataflow import build_dataflow
from nb2pkg.notebook import read_notebook_text
from nb2pkg.plan import build_plan, build_segments
from nb2pkg.render import with_results_returned
from nb2pkg.render.command import cli_options
from support import EXAMPLE, make_notebook, tomllib, write_notebook

TIME_LIMIT = 300  # seconds
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO|WARNING|ERROR) ([\w.]+): (.*)$")


def options_of(source: str) -> list[tuple[str, str, str, str, str]]:
    notebook = read_notebook_text(Path("case.ipynb"), json.dumps(make_notebook([source, "print(1)"])))
    plan = with_results_returned(build_plan(build_segments(build_dataflow(notebook))))
    return [(o.constant, o.flag, o.kind, o.default, o.help) for o in cli_options(plan)]


# (id, a cell of constants, the options: constant, flag, type, default shown, help)
OPTIONS = [
    ("a float", "TEST_SIZE = 0.2", [("TEST_SIZE", "--test-size", "float", "0.2", "TEST_SIZE in config.py.")]),
    (
        "the comment on its line is its help",
        "MIN_SQFT = 300  # anything smaller is an error",
        [("MIN_SQFT", "--min-sqft", "int", "300", "MIN_SQFT in config.py: anything smaller is an error.")],
    ),
    (
        "or the comment lines above it, not the line before's",
        "A = 1  # of A\n# the seed\n# of every split\nSEED = -7",
        [
            ("A", "--a", "int", "1", "A in config.py: of A."),
            ("SEED", "--seed", "int", "-7", "SEED in config.py: the seed of every split."),
        ],
    ),
    ("a string, shown as it is", "NAME = 'houses'", [("NAME", "--name", "str", "houses", "NAME in config.py.")]),
    ("a bool", "VERBOSE = True", [("VERBOSE", "--verbose", "bool", "True", "VERBOSE in config.py.")]),
    ("not simple: tuples, None, bytes, complex", "PAIR = (1, 2)\nNONE = None\nRAW = b'x'\nZ = 1j", []),
    ("private", "_HIDDEN = 3", []),
    ("the command's own options", "DATA_DIR = 'data'\nLOG_LEVEL = 'x'\nHELP = 1\nRUN_STEPS = 2", []),
    ("a keyword once lowercased", "CLASS = 1", []),
    (
        "one option per flag, the first",
        "TEST_SIZE = 0.2\ntest_size = 0.3",
        [("TEST_SIZE", "--test-size", "float", "0.2", "TEST_SIZE in config.py.")],
    ),
    (
        "a bool's --no- flag is taken",
        "QUIET = False\nNO_QUIET = 1",
        [("QUIET", "--quiet", "bool", "False", "QUIET in config.py.")],
    ),
    ("a comment is one printable line", "K = 2  # a\x1bb", [("K", "--k", "int", "2", "K in config.py: a\\x1bb.")]),
]


@pytest.mark.parametrize(("source", "expected"), [c[1:] for c in OPTIONS], ids=[c[0] for c in OPTIONS])
def test_options(source: str, expected: list[tuple[str, str, str, str, str]]) -> None:
    assert options_of(source) == expected


def conversion_of(cells: list[str | tuple[str, str]], installed: dict[str, str] | None = None) -> dict[str, str]:
    notebook = read_notebook_text(Path("case.ipynb"), json.dumps(make_notebook(cells)))
    return convert(build_dataflow(notebook), Path("out"), "case", installed=installed or {}).files


def test_the_project_depends_on_the_typer_nb2pkg_needs_a_notebook_pin_winning() -> None:
    dependencies = tomllib.loads(conversion_of(["x = 1"], {"typer": "0.12.5"})["pyproject.toml"])["project"]
    assert dependencies["dependencies"] == ["typer>=0.16"]
    pinned = conversion_of(["!pip install typer==0.9.0", "x = 1"], {"typer": "0.12.5"})["pyproject.toml"]
    assert tomllib.loads(pinned)["project"]["dependencies"] == ["typer==0.9.0"]


def test_the_readme_says_what_python_m_does_and_its_options() -> None:
    readme = conversion_of(["TEST_SIZE = 0.2  # held out", "print(TEST_SIZE)"])["README.md"]
    run = readme.split("## Run", 1)[1].split("\n## ", 1)[0]
    assert "logs each step as it" in run and "`python -m case --help` lists the options" in run
    assert "- `--data-dir DIR`: the folder of the input data (sets `CASE_DATA_DIR`)" in run
    assert "- `--test-size FLOAT`: sets `TEST_SIZE` in `config.py` for this run (the notebook's value: `0.2`)" in run


def test_the_command_imports_no_package_module_before_it_parses() -> None:
    main = conversion_of(["TEST_SIZE = 0.2", "print(TEST_SIZE)"])["src/case/__main__.py"]
    top = main.split("\ndef ", 1)[0]
    assert "from case" not in top and "import case" not in top  # only inside run_steps, after --data-dir
    body = main.split("def run_steps", 1)[1]
    assert body.index("CASE_DATA_DIR") < body.index("from case import config") < body.index("setattr(config")
    assert body.index("setattr(config") < body.index("from case.pipeline import run")


# --- run for real -------------------------------------------------------------------


def python_m(package: str, src: Path, *arguments: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {key: value for key, value in os.environ.items() if not key.endswith(("_NOTEBOOK_DIR", "_DATA_DIR"))}
    clean.update({"PYTHONPATH": str(src), "MPLBACKEND": "Agg", **env})
    return subprocess.run(
        [sys.executable, "-m", package, *arguments],
        cwd=cwd,
        env=clean,
        capture_output=True,
        text=True,
        timeout=TIME_LIMIT,
        check=False,
    )


def logged(stderr: str) -> list[tuple[str, str, str]]:
    """(level, logger, message) of each log line; a line that is not one (a traceback) is not there."""
    return [match.groups() for line in stderr.splitlines() if (match := LOG_LINE.match(line))]  # type: ignore[misc]


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, tuple[str, ...]]:
    out = tmp_path_factory.mktemp("cli") / "explore"
    return out, api.convert(EXAMPLE, out=out).conversion.steps


def run_example(project: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    data = str(EXAMPLE.parent / "data")
    return python_m("explore", project / "src", "--data-dir", data, *arguments, cwd=project.parent)


@pytest.mark.slow
def test_help_lists_the_options_without_importing_the_steps(example: tuple[Path, tuple[str, ...]]) -> None:
    project, _ = example
    done = python_m("explore", project / "src", "--help", cwd=project.parent, PYTHONPROFILEIMPORTTIME="1")
    assert done.returncode == 0, done.stderr
    for option in ("--data-dir", "--test-size", "--min-sqft", "--log-level", "--help"):
        assert option in done.stdout
    shown = " ".join(done.stdout.split())  # as click wraps it
    assert "MIN_SQFT in config.py: anything smaller is almost certainly a data-entry error." in shown
    assert "TEST_SIZE in config.py. The notebook's value: 0.2." in shown
    assert "DEBUG, INFO (the default), WARNING or ERROR." in shown
    assert "\\" not in done.stdout and "default:" not in done.stdout  # no `\\[default: (0.2)]`
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time")}
    assert "typer" in imported and not {"pandas", "sklearn", "matplotlib", "explore.config"} & imported


@pytest.mark.slow
def test_a_run_logs_every_step_in_order_with_its_time(example: tuple[Path, tuple[str, ...]]) -> None:
    project, steps = example
    done = run_example(project)
    assert done.returncode == 0, done.stderr
    records = logged(done.stderr)
    assert len(records) == len(done.stderr.splitlines())  # nothing but log lines on stderr
    pipeline = [message for _, logger, message in records if logger == "explore.pipeline"]
    expected = [line for name in steps for line in (f"{name}: started", f"{name}: done in")]
    assert [re.sub(r" in \d+\.\d\d s$", " in", m) for m in pipeline] == expected
    assert re.fullmatch(r"done in \d+\.\d\d s", records[-1][2]) and records[-1][1] == "explore"
    assert "559 rows after removing implausible sizes" in done.stdout and "started" not in done.stdout


@pytest.mark.slow
def test_a_constant_given_as_an_option_changes_the_result(example: tuple[Path, tuple[str, ...]]) -> None:
    project, _ = example
    default, half = run_example(project), run_example(project, "--test-size", "0.5", "--log-level", "warning")
    assert default.returncode == 0 and half.returncode == 0, default.stderr + half.stderr
    mae = re.compile(r"^MAE: .*$", re.M)
    assert mae.findall(default.stdout) and mae.findall(default.stdout) != mae.findall(half.stdout)
    assert "TEST_SIZE = 0.2" not in default.stderr and half.stderr == ""  # WARNING: no step lines
    logged_override = run_example(project, "--test-size", "0.5").stderr
    assert "INFO explore: TEST_SIZE = 0.5 (config.py: 0.2)" in logged_override


@pytest.mark.slow
def test_the_oldest_typer_the_project_accepts_parses_its_options(
    example: tuple[Path, tuple[str, ...]], tmp_path: Path
) -> None:
    """A colleague's environment may hold any Typer the requirement admits, beside the newest
    click: the floor itself (from the package registry) must still read options and values."""
    project, _ = example
    dependencies = tomllib.loads((project / "pyproject.toml").read_text())["project"]["dependencies"]
    (floor,) = [line.removeprefix("typer>=") for line in dependencies if line.startswith("typer>=")]
    oldest = tmp_path / "typer"
    pip = [sys.executable, "-m", "pip", "install", "-q", "--target", str(oldest), f"typer=={floor}"]
    subprocess.run(pip, check=True, capture_output=True, timeout=TIME_LIMIT)  # with the newest click
    path = os.pathsep.join([str(oldest), str(project / "src")])
    version = [sys.executable, "-c", "import typer; print(typer.__version__)"]
    imported = subprocess.run(version, env={**os.environ, "PYTHONPATH": path}, capture_output=True, text=True)
    assert Version(imported.stdout) == Version(floor), imported.stderr
    helped = python_m("explore", project / "src", "--help", cwd=project.parent, PYTHONPATH=path)
    assert helped.returncode == 0 and "--test-size" in helped.stdout, helped.stderr
    parsed = python_m(
        "explore", project / "src", "--test-size", "0.5", "--log-level", "loud", cwd=project.parent, PYTHONPATH=path
    )
    assert parsed.returncode == 2 and "--log-level 'loud' is not one of DEBUG" in parsed.stderr, parsed.stderr


def small_project(tmp_path: Path, cells: list[str | tuple[str, str]], tags: dict[int, str] | None = None) -> Path:
    place = tmp_path / "notebook"
    place.mkdir()
    data = make_notebook(cells)
    for index, tag in (tags or {}).items():
        data["cells"][index]["metadata"]["tags"] = [tag]
    api.convert(write_notebook(place / "small.ipynb", data), out=tmp_path / "small")
    return tmp_path / "small"


@pytest.mark.slow
def test_a_step_that_raises_is_logged_and_exits_1(tmp_path: Path) -> None:
    project = small_project(tmp_path, ["values = [1, 2]\nprint(len(values))", "ratio = values[0] / (values[1] - 2)"])
    done = python_m("small", project / "src", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert done.stdout == "2\n"
    records = logged(done.stderr)
    assert ("ERROR", "small.pipeline", "compute_ratio: failed after") in [
        (level, logger, re.sub(r" \d+\.\d\d s: .*", "", message)) for level, logger, message in records
    ]
    assert "compute_ratio: failed after" in done.stderr and "ZeroDivisionError: division by zero" in done.stderr
    # The traceback is shown once, as part of the closing ERROR record, never bare.
    lines = done.stderr.splitlines()
    assert lines.count("Traceback (most recent call last):") == 1
    before = lines[lines.index("Traceback (most recent call last):") - 1]
    assert re.search(r" ERROR small: failed after \d+\.\d\d s$", before), done.stderr


@pytest.mark.slow
def test_a_pipeline_with_gaps_refuses_with_one_line(tmp_path: Path) -> None:
    cells: list[str | tuple[str, str]] = [
        "values = [5, 3]\nscale = int('2')",
        "values.append(100)\nscale = 10",
        "result = [v * scale for v in values]\nprint(result)",
    ]
    project = small_project(tmp_path, cells, {1: "nb2pkg:keep"})
    done = python_m("small", project / "src", cwd=tmp_path)
    assert done.returncode == 2
    [line] = done.stderr.splitlines()
    assert line.startswith("python -m small cannot do what the notebook did: cell 2") and "summary notebook" in line
    shown = python_m("small", project / "src", "--help", cwd=tmp_path)
    assert shown.returncode == 0 and "cannot do what the notebook did" in shown.stdout


@pytest.mark.slow
def test_a_bad_log_level_or_data_folder_is_one_line_and_exit_2(tmp_path: Path) -> None:
    project = small_project(tmp_path, ["values = [1, 2]\nprint(len(values))"])
    done = python_m("small", project / "src", "--log-level", "loud", cwd=tmp_path)
    assert (done.returncode, done.stderr.splitlines()) == (
        2,
        ["python -m small: --log-level 'loud' is not one of DEBUG, INFO, WARNING, ERROR"],
    )
    missing = python_m("small", project / "src", "--data-dir", str(tmp_path / "nowhere"), cwd=tmp_path)
    assert missing.returncode == 2 and "Traceback" not in missing.stderr and "'--data-dir'" in missing.stderr
