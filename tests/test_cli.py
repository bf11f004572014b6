"""The `nb2pkg` command line: version, help, `inspect` in its three forms, errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nb2pkg import __version__
from nb2pkg.cli.app import app
from nb2pkg.errors import BUG_ADVICE
from support import EXAMPLE, make_notebook, write_notebook

runner = CliRunner()


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout == f"nb2pkg {__version__}\n"


def test_help_lists_inspect() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "inspect" in result.stdout


def test_inspect_table_on_the_example() -> None:
    result = runner.invoke(app, ["inspect", str(EXAMPLE)], env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    assert "is_plausible" in result.stdout
    assert "execution count [12]" in result.stdout  # the re-run `df.describe()` cell
    assert "19 cells (12 code), 1 warning" in result.stdout


def test_inspect_json_on_the_example() -> None:
    result = runner.invoke(app, ["inspect", "--json", str(EXAMPLE)])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    cells = {cell["index"] + 1: cell for cell in data["cells"]}
    assert cells[8]["mutates"] == ["df"]  # df.dropna(inplace=True); df["price_per_sqft"] = ...
    assert cells[10]["uses"] == ["MIN_SQFT", "df", "is_plausible"]  # through the helper
    assert cells[2]["magics"] == ["%matplotlib"]
    assert [w["cell"] for w in data["warnings"]] == [6]


def test_inspect_graph_on_the_example() -> None:
    result = runner.invoke(app, ["inspect", "--graph", str(EXAMPLE)])
    assert result.exit_code == 0
    assert result.stdout.startswith("flowchart TD\n")
    assert 'c9 -->|"is_plausible"| c10' in result.stdout


def test_json_and_graph_together_is_a_usage_error() -> None:
    result = runner.invoke(app, ["inspect", "--json", "--graph", str(EXAMPLE)])
    assert result.exit_code == 2
    assert "choose one" in result.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "{path}: no such file; check the path\n"),
        (
            "{not json",
            "{path}: is not valid JSON (line 1, column 2: Expecting property name enclosed in "
            "double quotes); repair the file or save it again from Jupyter\n",
        ),
        (json.dumps(make_notebook(["x <- 1"], "ir", "R")), "{path}: R kernel; nb2pkg converts Python notebooks\n"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "explore.ipynb"
    if content is not None:
        write_notebook(path, content)
    result = runner.invoke(app, ["inspect", str(path)])
    assert result.exit_code == 2
    assert result.stderr == message.format(path=path)
    assert result.stdout == ""


def test_unparsable_cells_are_reported_not_fatal(tmp_path: Path) -> None:
    path = write_notebook(tmp_path / "py2.ipynb", make_notebook(["x = 1", "print x"]))
    result = runner.invoke(app, ["inspect", "--json", str(path)])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["warnings"] == [
        {
            "cell": 2,
            "message": "line 1: does not parse (Missing parentheses in call to 'print'. "
            "Did you mean print(...)?); kept as it is, not analysed",
        }
    ]


def test_internal_error_asks_for_a_report(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from nb2pkg import api

    def broken(path: Path) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(api, "inspect", broken)
    result = runner.invoke(app, ["inspect", str(EXAMPLE)])
    assert result.exit_code == 3
    assert BUG_ADVICE in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.slow
def test_console_script_runs_as_a_process() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "nb2pkg", "inspect", "--json", str(EXAMPLE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["notebook"] == str(EXAMPLE)
