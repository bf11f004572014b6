"""The bundled example, end to end: converted, installed with pip into a fresh
virtualenv, `python -m explore` run to the end; and the summary notebook run in a real
kernel, compared with the original run in its own folder."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from nb2pkg import api
from support import EXAMPLE

pytestmark = [pytest.mark.slow, pytest.mark.kernel]  # installs and runs the example


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("converted") / "explore"
    api.convert(EXAMPLE, out=out)
    return out


def test_installed_package_runs_the_pipeline(project: Path, tmp_path: Path) -> None:
    # A fresh virtualenv that also sees the packages the tests run with (pandas,
    # scikit-learn, ...), so pip only builds and installs the converted project.
    environment = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(environment)
    python = environment / ("Scripts" if os.name == "nt" else "bin") / "python"
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    here = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    Path(site, "tested-environment.pth").write_text("\n".join(sorted(here)) + "\n")
    install = subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "--no-deps", str(project)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert install.returncode == 0, install.stderr
    env = {key: value for key, value in os.environ.items() if not key.startswith("EXPLORE_")}
    data = str(EXAMPLE.parent / "data")
    run = subprocess.run(
        [python, "-m", "explore", "--data-dir", data],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**env, "MPLBACKEND": "Agg"},
        check=False,
    )
    assert run.returncode == 0, run.stderr
    # What the notebook printed goes to stdout, as it did; the log of the steps to stderr.
    assert "559 rows after removing implausible sizes" in run.stdout
    assert re.search(r"MAE: \$[\d,]+\nR²: 0\.\d{3}\n", run.stdout)
    assert " INFO " not in run.stdout and "load_data: started" in run.stderr
    assert re.search(r" INFO explore: done in \d+\.\d\d s\n\Z", run.stderr), run.stderr
    # A colleague's copy of the tests and the summary notebook, away from the project: they
    # test the installed package (its output tests run the summary in a kernel of this venv).
    colleague = tmp_path / "colleague"
    for folder in ("tests", "notebooks"):
        shutil.copytree(project / folder, colleague / folder)
    tests = subprocess.run(
        [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        capture_output=True,
        text=True,
        cwd=colleague,
        env={**env, "EXPLORE_DATA_DIR": data},
        check=False,
    )
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert (
        "site-packages"
        in subprocess.run(
            [python, "-c", "import explore; print(explore.__file__)"], capture_output=True, text=True, check=True
        ).stdout
    )
    closing = tests.stdout.strip().splitlines()[-1]
    assert " passed" in closing and "skipped" not in closing and "failed" not in closing, closing


def test_generated_tests_pass(project: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(project / "src"), "MPLBACKEND": "Agg"}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=project,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    closing = done.stdout.strip().splitlines()[-1]
    assert " passed" in closing and "skipped" not in closing and "failed" not in closing, closing


def outputs(path: Path, env_path: str | None = None) -> tuple[str, list[str], int]:
    """(all printed text, text/plain of each result, figures) of a notebook run."""
    notebook = nbformat.read(path, as_version=4)
    previous = os.environ.get("PYTHONPATH")
    if env_path:
        os.environ["PYTHONPATH"] = env_path
    try:
        NotebookClient(
            notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
        ).execute()
    finally:
        if env_path:
            os.environ.pop("PYTHONPATH") if previous is None else os.environ.update(PYTHONPATH=previous)
    printed, results, figures = [], [], 0
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output.output_type == "stream" and output.name == "stdout":
                printed.append(output.text)
            elif output.output_type in ("execute_result", "display_data"):
                figures += "image/png" in output.data
                if output.output_type == "execute_result":
                    results.append(output.data.get("text/plain", ""))
            assert output.output_type != "error", f"{path.name}: {output.ename}: {output.evalue}"
    return "".join(printed), results, figures


def test_summary_notebook_reproduces_the_original(project: Path) -> None:
    printed, results, figures = outputs(EXAMPLE)
    summary_printed, summary_results, summary_figures = outputs(
        project / "notebooks" / "explore.ipynb", str(project / "src")
    )
    assert summary_printed == printed
    assert summary_figures == figures == 2
    assert summary_results == results
