"""Input files found from config.DATA_DIR (plan.data_paths), and the notebook's folder
kept only for the cells that still need it (plan.folder_needs): the package reads its
data from any folder, by an environment variable or a function's parameter."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nb2pkg import api
from nb2pkg.dataflow import build_dataflow
from nb2pkg.notebook import read_notebook
from nb2pkg.plan import build_plan, build_segments, folder_needs, merge_clones, pipeline_gaps, with_data_paths
from nb2pkg.render import with_results_returned
from support import EXAMPLE, make_notebook, write_notebook


def converted(
    tmp_path: Path, cells: list[str | tuple[str, str]], files: dict[str, str] | None = None
) -> dict[str, str]:
    """The project's files for a notebook in `tmp_path/nb` (with its data files), made in
    `tmp_path/project`."""
    folder = tmp_path / "nb"
    folder.mkdir(exist_ok=True)
    for name, text in (files or {}).items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    notebook = write_notebook(folder / "nb.ipynb", make_notebook(cells))
    return api.convert(notebook, out=tmp_path / "project", write=False).conversion.files


def plan_of(tmp_path: Path, cells: list[str | tuple[str, str]]):  # type: ignore[no-untyped-def]
    notebook = write_notebook(tmp_path / "nb.ipynb", make_notebook(cells))
    flow = build_dataflow(read_notebook(notebook))
    return with_data_paths(merge_clones(with_results_returned(build_plan(build_segments(flow)))))


# (id, cells, the files of the project that must hold each text)
REWRITES = [
    (
        "a literal read becomes a constant and a parameter",
        ["import pandas as pd", "df = pd.read_csv('data/houses.csv')\ndf.shape"],
        {
            "src/nb/config.py": ["DATA_DIR = Path(", '"NB_DATA_DIR"', 'HOUSES_CSV = DATA_DIR / "houses.csv"'],
            "src/nb/data.py": ["def load_df(path=HOUSES_CSV):", "pd.read_csv(path)"],
            "src/nb/pipeline.py": ["df = data.load_df()\n"],
        },
    ),
    (
        "the notebook's constant used only to read is redefined in place",
        ["import pandas as pd\nPATH = 'data/houses.csv'", "df = pd.read_csv(PATH)\ndf.shape"],
        {
            "src/nb/config.py": ['PATH = DATA_DIR / "houses.csv"'],
            "src/nb/data.py": ["def load_df(path=PATH):", "pd.read_csv(path)"],
        },
    ),
    (
        "a constant also printed stays, beside the new one",
        ["import pandas as pd\nPATH = 'data/houses.csv'", "df = pd.read_csv(PATH)\nprint(PATH)\ndf.shape"],
        {
            "src/nb/config.py": ['PATH = "data/houses.csv"', 'HOUSES_CSV = DATA_DIR / "houses.csv"'],
            "src/nb/data.py": ["def load_df(path=HOUSES_CSV):", "pd.read_csv(path)", "print(PATH)"],
        },
    ),
    (
        "a call that may take only a str gets one",
        ["import cv2", "image = cv2.imread('pics/cat.png')\nimage.shape"],
        {"src/nb/config.py": ['CAT_PNG = str(DATA_DIR / "cat.png")']},
    ),
    (
        "two files of one step: a parameter each",
        ["import pandas as pd", "a = pd.read_csv('a.csv')\nb = pd.read_csv('b.csv')\nc = a.merge(b)\nc.shape"],
        {"src/nb/data.py": ["(a_path=A_CSV, b_path=B_CSV)"]},
    ),
    (
        "a file written and read back stays where the code puts it",
        ["import pandas as pd", "pd.DataFrame({'a': [1]}).to_csv('out.csv')", "back = pd.read_csv('out.csv')\nback"],
        {"src/nb/data.py": ['pd.read_csv("out.csv")']},
    ),
    (
        "copies differing in the file they read pass its constant",
        [
            "import pandas as pd",
            ("markdown", "## A"),
            "a = pd.read_csv('data/a.csv')\na = a.dropna()\nprint(a.shape)",
            ("markdown", "## B"),
            "b = pd.read_csv('data/b.csv')\nb = b.dropna()\nprint(b.shape)",
        ],
        {"src/nb/pipeline.py": ["(path=A_CSV)", "(path=B_CSV)"], "src/nb/config.py": ["A_CSV = ", "B_CSV = "]},
    ),
    (
        "after `%cd ..` a path is from the folder above: it stays as written",
        ["%cd ..", "import pandas as pd", "df = pd.read_csv('data/houses.csv')\ndf.shape"],
        {"src/nb/data.py": ['pd.read_csv("data/houses.csv")'], "src/nb/config.py": ["NOTEBOOK_DIR = "]},
    ),
    (
        "a heading that speaks of `os.chdir(...)` changes nothing",
        [
            ("markdown", "Never call `os.chdir(path)`:\n%cd is worse"),
            "import pandas as pd",
            "df = pd.read_csv('data/a.csv')\ndf",
        ],
        {"src/nb/config.py": ['A_CSV = DATA_DIR / "a.csv"']},
    ),
    (
        "after os.chdir, in the same step too",
        ["import os\nimport pandas as pd", "os.chdir('..')\ndf = pd.read_csv('houses.csv')\ndf.shape"],
        {"src/nb/data.py": ['os.chdir("..")', 'pd.read_csv("houses.csv")']},
    ),
]


@pytest.mark.parametrize(("cells", "expected"), [c[1:] for c in REWRITES], ids=[c[0] for c in REWRITES])
def test_rewrites(tmp_path: Path, cells: list[str | tuple[str, str]], expected: dict[str, list[str]]) -> None:
    files = converted(tmp_path, cells)
    for name, texts in expected.items():
        for text in texts:
            assert text in files[name], f"{name} lacks {text!r}:\n{files[name]}"


# (id, cells, whether some cell needs the notebook's folder)
NEEDS = [
    ("only input reads", ["import pandas as pd", "df = pd.read_csv('data/x.csv')\ndf"], False),
    ("a bare file written and read back", ["open('n.txt', 'w').write('x')", "print(open('n.txt').read())"], False),
    ("a write into a sub-folder", ["import pandas as pd", "pd.DataFrame().to_csv('out/x.csv')"], True),
    ("a relative os call", ["import os", "names = os.listdir('data')\nprint(names)"], True),
    ("glob", ["import glob", "names = glob.glob('*.csv')\nprint(names)"], True),
    ("pathlib", ["from pathlib import Path", "p = Path('data')\nprint(p.exists())"], True),
    ("an f-string path", ["import pandas as pd", "i = 1\ndf = pd.read_csv(f'part{i}.csv')\ndf"], True),
    ("a path passed to a helper", ["def get(p):\n    return open(p).read()", "text = get('notes.txt')\ntext"], True),
    ("a model name is no file", ["import spacy", "nlp = spacy.load('en_core_web_sm')\nnlp"], False),
    ("a shell line", ["!ls data"], True),
    ("pip install needs nothing", ["!pip install pandas", "x = 1\nprint(x)"], False),
    ("a timed cell's read is an input too", ["import pandas as pd", "%%time\ndf = pd.read_csv('x.csv')"], False),
    ("a kept cell reading a file", ["import pandas as pd", "print 'py2'\ndf = pd.read_csv('x.csv')"], True),
    ("a display reading a file", ["import pandas as pd", "pd.read_csv('x.csv').head()"], True),
    (
        "a date format is no path",
        ["import pandas as pd", "d = pd.to_datetime(['1/2/2020'], format='%d/%m/%Y')\nd"],
        False,
    ),
    ("an environment variable is no path", ["import os", "home = os.environ.get('HOME')\nprint(home)"], False),
]


@pytest.mark.parametrize(("cells", "needed"), [c[1:] for c in NEEDS], ids=[c[0] for c in NEEDS])
def test_folder_needs(tmp_path: Path, cells: list[str | tuple[str, str]], needed: bool) -> None:
    needs = folder_needs(plan_of(tmp_path, cells))
    assert bool(needs) == needed, needs
    assert all(isinstance(cell, int) and reason for cell, reason in needs)


def test_a_kept_change_of_folder_is_a_gap_for_the_steps_that_read_relative_paths(tmp_path: Path) -> None:
    """`%cd ..` runs in the summary only: `python -m` would read `data/x.csv` elsewhere."""
    plan = plan_of(tmp_path, ["%cd ..", "import pandas as pd", "df = pd.read_csv('data/x.csv')\ndf.shape"])
    assert pipeline_gaps(plan).reasons() == [
        "cell 1, which stays in the notebook, changes `os.getcwd()`, which `load_df` reads"
    ]
    quiet = plan_of(tmp_path, ["%cd ..", "total = sum([1, 2])\nprint(total)"])
    assert not pipeline_gaps(quiet)  # nothing after it uses a relative path


def test_only_input_reads_leave_no_chdir_anywhere(tmp_path: Path) -> None:
    files = converted(tmp_path, ["import pandas as pd", "df = pd.read_csv('data/x.csv')\nprint(df.shape)"])
    assert not [name for name, text in files.items() if "chdir" in text or "NOTEBOOK_DIR" in text]
    assert "config.show_package_warnings()" in files["notebooks/nb.ipynb"]
    assert "## Data" in files["README.md"] and "`data/x.csv`: `config.X_CSV`" in files["README.md"]


def test_a_sub_folder_write_keeps_the_chdir_and_the_readme_says_why(tmp_path: Path) -> None:
    files = converted(
        tmp_path,
        ["import pandas as pd", "df = pd.read_csv('data/x.csv')", "df.to_csv('out/y.csv')"],
        {"data/x.csv": "a\n1\n"},
    )
    assert "os.chdir(NOTEBOOK_DIR)" in files["src/nb/config.py"]
    assert "with working_directory(NOTEBOOK_DIR):" in files["src/nb/pipeline.py"]
    assert "config.work_in_notebook_folder()" in files["notebooks/nb.ipynb"]
    assert "- cell 3: writes `out/y.csv`, a path relative to the notebook's folder" in files["README.md"]
    assert 'X_CSV = DATA_DIR / "x.csv"' in files["src/nb/config.py"]  # the input still from DATA_DIR


def test_data_inside_the_project_is_stored_relative(tmp_path: Path) -> None:
    notebook = write_notebook(
        tmp_path / "nb.ipynb", make_notebook(["import pandas as pd", "df = pd.read_csv('d/x.csv')"])
    )
    inside = api.convert(notebook, out=tmp_path, write=False, force=True).conversion.files["src/nb/config.py"]
    assert 'Path(__file__).resolve().parents[2] / "d"' in inside and str(tmp_path) not in inside
    outside = api.convert(notebook, out=tmp_path / "project", write=False).conversion.files["src/nb/config.py"]
    # absolute (black may put a long one on a line of its own inside Path(...))
    assert f'"{(tmp_path / "d").resolve()}"' in outside and "parents[2]" not in outside


def test_the_notebooks_own_data_dir_is_left_alone(tmp_path: Path) -> None:
    files = converted(
        tmp_path,
        ["import os\nimport pandas as pd\nDATA_DIR = 'data'", "df = pd.read_csv(os.path.join(DATA_DIR, 'x.csv'))"],
    )
    config = files["src/nb/config.py"]
    assert 'DATA_DIR = "data"' in config and "INPUT_DATA_DIR = Path(" in config
    assert 'X_CSV = INPUT_DATA_DIR / "x.csv"' in config
    assert "INPUT_FILES = ['x.csv']" in files["tests/test_nb.py"].replace('"', "'")


def test_two_data_folders_share_the_notebooks_folder(tmp_path: Path) -> None:
    plan = plan_of(tmp_path, ["import pandas as pd", "a = pd.read_csv('data/a.csv')\nb = pd.read_csv('raw/b.csv')"])
    assert plan.data.folder == "."
    assert [(f.path, f.name, f.relative) for f in plan.data.files] == [
        ("data/a.csv", "A_CSV", "data/a.csv"),
        ("raw/b.csv", "B_CSV", "raw/b.csv"),
    ]


def run_python(code: str, pythonpath: Path, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.endswith(("_DATA_DIR", "_NOTEBOOK_DIR"))}
    environment.update(PYTHONPATH=str(pythonpath), MPLBACKEND="Agg", **env)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, env=environment, capture_output=True, text=True, check=False
    )


@pytest.mark.slow
def test_the_example_reads_its_data_away_from_its_project(tmp_path: Path) -> None:
    """The example's package, copied away from its project and run from another folder,
    reads its data from EXPLORE_DATA_DIR, or from the path its loading function is given."""
    project = tmp_path / "project"
    api.convert(EXAMPLE, out=project)
    for name, text in (
        (p.relative_to(project).as_posix(), p.read_text(encoding="utf-8")) for p in project.rglob("*") if p.is_file()
    ):
        assert "os.chdir" not in text, name
    away = tmp_path / "elsewhere" / "site"
    shutil.copytree(project / "src", away)
    shutil.rmtree(project)  # nothing of the project is left to find
    data = tmp_path / "my data"
    data.mkdir()
    shutil.copy(EXAMPLE.parent / "data" / "houses.csv", data / "houses.csv")
    cwd = tmp_path / "somewhere"
    cwd.mkdir()
    by_variable = run_python(
        "from explore import data, pipeline\nprint(len(data.load_data()))\npipeline.run()",
        away,
        cwd,
        EXPLORE_DATA_DIR=str(data),
    )
    assert by_variable.returncode == 0, by_variable.stderr
    assert by_variable.stdout.splitlines()[0] == "600"
    by_parameter = run_python(
        f"from explore import data\nprint(len(data.load_data(path={str(data / 'houses.csv')!r})))",
        away,
        cwd,
        EXPLORE_DATA_DIR=str(tmp_path / "no such folder"),
    )
    assert by_parameter.returncode == 0, by_parameter.stderr
    assert by_parameter.stdout.strip() == "600"
    missing = run_python("from explore import data\ndata.load_data()", away, cwd, EXPLORE_DATA_DIR=str(cwd))
    assert missing.returncode != 0 and "houses.csv" in missing.stderr
