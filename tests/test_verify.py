"""`nb2pkg verify`: real kernels run the original and the summary notebook. It must pass
on faithful conversions, fail on a broken one, and say when it cannot verify."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest
from conftest import EXAMPLE, FIXTURES, make_notebook, write_notebook
from nbclient import NotebookClient
from typer.testing import CliRunner

from nb2pkg import api
from nb2pkg.cli import app
from nb2pkg.verify import verify

runner = CliRunner()
FIXTURE_CASES = sorted((FIXTURES / "convert").glob("*/input.ipynb"))


@pytest.fixture(scope="module")
def example_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("verify") / "explore"
    api.convert(EXAMPLE, out=out)
    return out


def test_example_verifies(example_project: Path) -> None:
    result = runner.invoke(app, ["verify", str(EXAMPLE), str(example_project), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["matched"] == data["total"] == 8
    assert {c["status"] for c in data["cells"]} == {"match"}


def test_a_broken_conversion_is_caught(example_project: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(example_project, broken)
    config = broken / "src" / "explore" / "config.py"
    config.write_text(config.read_text().replace("MIN_SQFT = 300", "MIN_SQFT = 900"))
    result = runner.invoke(app, ["verify", str(EXAMPLE), str(broken)])
    assert result.exit_code == 1
    assert "summary cell 8 (original cells 8, 10): outputs differ" in result.stdout
    assert "-[text] 559 rows after removing implausible sizes" in result.stdout
    assert "4/8 outputs match" in result.stdout  # everything downstream of the cleaning changes


def test_original_that_fails_cannot_be_verified(tmp_path: Path) -> None:
    notebook = write_notebook(tmp_path / "nb.ipynb", make_notebook(
        ["import pandas as pd", "df = pd.read_csv('missing.csv')", "print(len(df))"]))
    project = tmp_path / "project"
    api.convert(notebook, out=project)
    result = runner.invoke(app, ["verify", str(notebook), str(project)])
    assert result.exit_code == 2
    error = result.stderr.splitlines()[-1]  # after the progress lines
    assert error.startswith(f"{notebook}: cell 2: the notebook itself fails: FileNotFoundError")
    assert error.endswith("make it run here first (a missing data file or package?)")


def test_no_summary_notebook_or_kernel(tmp_path: Path, example_project: Path) -> None:
    result = runner.invoke(app, ["verify", str(EXAMPLE), str(tmp_path)])
    assert result.exit_code == 2
    assert "has no summary notebook in notebooks/" in result.stderr
    result = runner.invoke(app, ["verify", str(EXAMPLE), str(example_project), "--kernel", "no-such-kernel"])
    assert result.exit_code == 2
    assert result.stderr == ("no-such-kernel: no such Jupyter kernel; install one (pip install ipykernel) "
                             "or name another with --kernel\n")


def test_randomness_without_a_seed_is_unstable_not_a_mismatch(tmp_path: Path) -> None:
    notebook = write_notebook(tmp_path / "rand.ipynb", make_notebook(
        ["import random", "value = random.random()\nprint(value)", "print('done')"]))
    project = tmp_path / "project"
    api.convert(notebook, out=project)
    result = verify(notebook, project)
    assert result.ok
    assert result.unstable == 1
    assert result.closing_line() == "2/2 outputs match (1 unstable in the original, ignored)"


def reader_view(path: Path, pythonpath: Path | None, monkeypatch: pytest.MonkeyPatch) -> tuple[str, list[str], int]:
    """An independent look at a run: all stdout, the shown values, the figures."""
    if pythonpath is not None:
        monkeypatch.setenv("PYTHONPATH", str(pythonpath))
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=120, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    monkeypatch.delenv("PYTHONPATH", raising=False)
    printed, values, figures = "", [], 0
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output.output_type == "stream" and output.name == "stdout":
                printed += output.text
            elif output.output_type in ("execute_result", "display_data"):
                figures += "image/png" in output.data
                if "image/png" not in output.data:
                    values.append(output.data.get("text/plain", ""))
            elif output.output_type == "error":
                values.append(output.ename)
    return printed, values, figures


def masked(view: tuple[str, list[str], int]) -> tuple[str, list[str], int]:
    import re

    def mask(text: str) -> str:
        text = re.sub(r"0x[0-9a-fA-F]+", "0x", text)
        return re.sub(r"^(CPU times|Wall time|.* per loop).*$", "", text, flags=re.MULTILINE)

    return mask(view[0]), [mask(v) for v in view[1]], view[2]


@pytest.mark.parametrize("notebook", FIXTURE_CASES, ids=[c.parent.name for c in FIXTURE_CASES])
def test_fixture_verifies_and_agrees_with_an_independent_comparison(
    notebook: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "original"
    shutil.copytree(notebook.parent, source, ignore=shutil.ignore_patterns("expected"))
    original = source / "input.ipynb"
    project = tmp_path / "project"
    api.convert(original, out=project)
    result = verify(original, project)
    assert result.ok, "\n".join(c.diff for c in result.cells if c.diff)
    independent = masked(reader_view(original, None, monkeypatch)) == masked(
        reader_view(project / "notebooks" / "input.ipynb", project / "src", monkeypatch))
    assert independent == result.ok
