"""The tests nb2pkg writes into a project (`tests/test_PACKAGE.py`) pass on the project as
converted and fail when it is broken: a function the summary calls deleted, a name the
summary reads no longer bound, a step that raises. Their input files are files the
notebook reads, never a SQL query or a file it writes first."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from nb2pkg import api
from support import make_notebook, write_notebook

NOTEBOOK = [
    "import pandas as pd",
    "df = pd.read_csv('data.csv')\ndf['c'] = df.a * 2",
    "df.shape",
    "total = df.c.sum()\nprint(total)",
]


def input_files(tmp_path: Path, cells: list[str]) -> list[str]:
    notebook = write_notebook(tmp_path / "nb.ipynb", make_notebook(cells))
    files = api.convert(notebook, out=tmp_path / "project", write=False).conversion.files
    text = files["tests/test_nb.py"]
    return ast.literal_eval(re.search(r"^INPUT_FILES = (\[.*?\])$", text, re.MULTILINE | re.DOTALL).group(1))


@pytest.mark.parametrize(
    ("cells", "inputs"),
    [
        (["import pandas as pd", "df = pd.read_csv('data.csv')\nprint(len(df))"], ["data.csv"]),
        (
            [
                "import sqlite3\nimport pandas as pd",
                "con = sqlite3.connect('w.db')",
                "w = pd.read_sql('SELECT * from weather_2012 LIMIT 3', con)\nprint(w)",
            ],
            [],
        ),
        (
            [
                "from sklearn import tree\nfrom sklearn.datasets import load_iris",
                "X, y = load_iris(return_X_y=True)",
                "clf = tree.DecisionTreeClassifier().fit(X, y)\n"
                "tree.export_graphviz(clf, out_file='iris_dtc.dot')\nprint(open('iris_dtc.dot').read()[:7])",
            ],
            [],
        ),
        (
            [
                "import pandas as pd",
                "df = pd.DataFrame({'a': [1]})\ndf.to_csv('out.csv')",
                "back = pd.read_csv('out.csv')\nprint(back)",
            ],
            [],
        ),
        # read, then written over: stays where the code reads it (not an input from DATA_DIR)
        (["import pandas as pd", "df = pd.read_csv('raw.csv')\ndf.to_csv('raw.csv')\nprint(df)"], []),
        (["with open('notes.txt', 'w') as f:\n    f.write('x')", "print(open('notes.txt').read())"], []),
        (["text = open('notes.txt', encoding='utf-8').read()\nprint(text)"], ["notes.txt"]),
        # from config.DATA_DIR, the folder holding them all
        (["PATH = 'data/x.csv'", "import pandas as pd\ndf = pd.read_csv(PATH)\nprint(df)"], ["x.csv"]),
        (["import numpy as np", "a = np.load('arr.npy')\nprint(a)"], ["arr.npy"]),
        (["import numpy as np", "np.save('arr.npy', np.arange(3))\nprint(np.load('arr.npy'))"], []),
        (["import pandas as pd", "df = pd.read_csv('https://example.org/x.csv')\nprint(df)"], []),
        (
            ["import os\nimport pandas as pd", "df = pd.read_csv(os.path.join('data', 'x.csv'))\nprint(df)"],
            ["x.csv"],
        ),
        (["from pathlib import Path", "print(Path('a.txt').read_text())"], ["a.txt"]),
    ],
)
def test_input_files(tmp_path: Path, cells: list[str], inputs: list[str]) -> None:
    assert input_files(tmp_path, cells) == inputs


def project_tests(project: Path) -> subprocess.CompletedProcess[str]:
    """The project's own tests, as its user runs them (its `src` on the path, not installed)."""
    env = dict(os.environ, PYTHONPATH=str(project / "src"))
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    notebook = write_notebook(tmp_path / "small.ipynb", make_notebook(NOTEBOOK))
    (tmp_path / "data.csv").write_text("a,b\n1,2\n3,4\n")
    out = tmp_path / "project"
    api.convert(notebook, out=out)
    return out


def summary_cells(project: Path) -> tuple[Path, dict]:
    path = next((project / "notebooks").glob("*.ipynb"))
    return path, json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.slow
def test_they_pass_on_the_project_as_converted(project: Path) -> None:
    result = project_tests(project)
    assert result.returncode == 0, result.stdout
    assert "skipped" not in result.stdout  # the pipeline ran: its input is there


@pytest.mark.slow
def test_they_fail_when_a_function_the_summary_calls_is_gone(project: Path) -> None:
    (project.parent / "data.csv").unlink()  # no data: the pipeline test skips, the static one must not
    module = project / "src" / "small" / "data.py"
    module.write_text(module.read_text().replace("def load_df(", "def load_frame("))
    result = project_tests(project)
    assert result.returncode == 1, result.stdout
    assert "small.ipynb: cell 4 uses small.data.load_df, which is not there" in result.stdout


@pytest.mark.slow
def test_they_fail_when_a_name_the_summary_reads_is_not_bound(project: Path) -> None:
    path, document = summary_cells(project)
    cell = next(c for c in document["cells"] if "".join(c["source"]).startswith("df = data."))
    cell["source"] = "".join(cell["source"]).replace("df = data.", "frame = data.", 1)
    path.write_text(json.dumps(document), encoding="utf-8")
    result = project_tests(project)
    assert result.returncode == 1, result.stdout
    assert "small.ipynb: cell 5 reads df, which no earlier cell binds" in result.stdout


@pytest.mark.slow
def test_they_fail_when_a_step_raises(project: Path) -> None:
    module = project / "src" / "small" / "data.py"
    module.write_text(module.read_text().replace("return df", "return frame"))
    result = project_tests(project)
    assert result.returncode == 1, result.stdout
    assert "test_pipeline_runs" in result.stdout and "NameError" in result.stdout
