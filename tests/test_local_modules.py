"""Modules and packages beside the notebook go into the project under src/: the package
imports them, pyproject does not ask PyPI for them, their own imports are dependencies,
and nothing outside the notebook's folder (or a folder it adds to sys.path) is read."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from nb2pkg import api
from nb2pkg.dataflow import build_dataflow
from nb2pkg.diagnostics import Diagnostic
from nb2pkg.notebook import read_notebook
from nb2pkg.render.local_modules import literal_path, path_additions, read_local_modules
from support import make_notebook, run_in_kernel, tomllib, write_notebook


def _project(tmp_path: Path, cells: list[str], files: dict[str, str | bytes], notebook: str = "nbs/study.ipynb"):
    for name, content in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    path = tmp_path / notebook
    path.parent.mkdir(parents=True, exist_ok=True)
    write_notebook(path, make_notebook(cells))
    return path, read_local_modules(path, build_dataflow(read_notebook(path)), "study")


@pytest.mark.parametrize(
    ("code", "path"),
    [
        ('"../lib"', "../lib"),
        ('os.path.abspath("..")', ".."),
        ('os.path.join("..", "lib")', "../lib"),
        ('str(Path("src"))', "src"),
        ('Path("..") / "lib"', "../lib"),
        ("os.path.dirname(os.getcwd())", "./.."),
        ("Path.cwd().parent", "./.."),
        ('Path("..").resolve()', ".."),
        ("HERE", None),
        ('os.environ["LIB"]', None),
        ('f"{root}/lib"', None),
    ],
)
def test_literal_paths(code: str, path: str | None) -> None:
    assert literal_path(ast.parse(code, mode="eval").body) == path


def test_sys_path_additions_are_found_in_every_form(tmp_path: Path) -> None:
    cells = [
        "import sys, os",
        "sys.path.append('../lib')\nsys.path.insert(0, os.path.abspath('..'))",
        "sys.path.extend(['a', b])\nsys.path += ['c']\nsys.path.append(root)",
    ]
    path = write_notebook(tmp_path / "n.ipynb", make_notebook(cells))
    flow = build_dataflow(read_notebook(path))
    assert path_additions(flow) == [(2, "../lib"), (2, ".."), (3, "a"), (3, "c")]


def test_module_file_and_package_are_copied_with_their_imports(tmp_path: Path) -> None:
    _, local = _project(
        tmp_path,
        ["from mylib import double\nimport helpers.io"],
        {
            "nbs/mylib.py": "import numpy as np\nfrom helpers import io\n\ndef double(x):\n    return 2 * x\n",
            "nbs/helpers/__init__.py": "",
            "nbs/helpers/io.py": "from . import fmt\n\ndef read():\n    import pandas\n    return pandas\n",
            "nbs/helpers/fmt.py": "import json\n",
            "nbs/helpers/lookup.csv": "a,b\n",
            "nbs/helpers/__pycache__/io.cpython-311.pyc": b"\x00junk",
            "nbs/unused.py": "import scipy\n",
        },
    )
    assert local.names == {"mylib", "helpers"}
    assert sorted(local.files()) == [
        "src/helpers/__init__.py",
        "src/helpers/fmt.py",
        "src/helpers/io.py",
        "src/helpers/lookup.csv",
        "src/mylib.py",
    ]
    assert local.imports() == ("json", "numpy", "pandas")  # imports inside functions count
    assert local.warnings == ()


def test_a_module_finding_files_beside_itself_is_told_to_have_them_copied(tmp_path: Path) -> None:
    notebook = write_notebook(
        tmp_path / "nb.ipynb", make_notebook(["import helper\ntext = helper.read()", "print(text)"])
    )
    (tmp_path / "helper.py").write_text(
        "from pathlib import Path\n\ndef read():\n    return (Path(__file__).parent / 'x.txt').read_text()\n"
    )
    (tmp_path / "x.txt").write_text("content")
    warnings = api.convert(notebook, out=tmp_path / "p").conversion.warnings
    assert [w.message for w in warnings if "__file__" in w.message] == [
        "`helper.py` finds files beside itself (`__file__`): copied into src/, it looks for them there; "
        "copy the files it reads into src/ beside it"
    ]


def test_sys_path_folder_is_searched_and_its_modules_imports_followed(tmp_path: Path) -> None:
    _, local = _project(
        tmp_path,
        ["import sys\nsys.path.append('../lib')", "import tools"],
        {
            "lib/tools.py": "import deeper\n",
            "lib/deeper/__init__.py": "VALUE = 1\n",
        },
    )
    assert {m.name: m.origin for m in local.modules} == {"deeper": "../lib/deeper", "tools": "../lib/tools.py"}


def test_nothing_outside_the_notebook_folder_unless_sys_path_names_it(tmp_path: Path) -> None:
    _, local = _project(
        tmp_path,
        ["import secret\nimport linked"],
        {
            "secret.py": "X = 1\n",  # in the parent folder, which the notebook does not add
            "elsewhere/linked.py": "X = 1\n",
        },
    )
    os.symlink(tmp_path / "elsewhere" / "linked.py", tmp_path / "nbs" / "linked.py")
    local = read_local_modules(
        tmp_path / "nbs/study.ipynb", build_dataflow(read_notebook(tmp_path / "nbs/study.ipynb")), "study"
    )
    assert local.modules == ()
    assert [w.message.split(" ")[0] for w in local.warnings] == ["`linked.py`"]
    assert "symbolic link" in local.warnings[0].message


def test_modules_that_cannot_be_taken_are_warned_about(tmp_path: Path) -> None:
    _, local = _project(
        tmp_path,
        ["import numpy", "import random, study, big, pkg"],
        {
            "nbs/random.py": "def random():\n    return 0\n",
            "nbs/study.py": "X = 1\n",
            "nbs/big.py": "x = 1\n" + "#" * 1_100_000 + "\n",
            "nbs/pkg/__init__.py": "X = 1\n",
            "nbs/pkg/blob.dat": b"\x00\x01\x02",
            "nbs/pkg/latin.py": "# -*- coding: latin-1 -*-\nX = 'caf\xe9'\n".encode("latin-1"),
        },
    )
    os.symlink(tmp_path / "nbs/big.py", tmp_path / "nbs/pkg/link.py")
    os.mkdir(tmp_path / "outside")
    os.symlink(tmp_path / "outside", tmp_path / "nbs/pkg/sub")
    local = read_local_modules(
        tmp_path / "nbs/study.ipynb", build_dataflow(read_notebook(tmp_path / "nbs/study.ipynb")), "study"
    )
    assert local.names == {"pkg"} and sorted(local.files()) == ["src/pkg/__init__.py"]
    messages = {w.message.split("`")[1]: (w.cell, w.message) for w in local.warnings}
    assert sorted(messages) == [
        "big.py",
        "pkg/blob.dat",
        "pkg/latin.py",
        "pkg/link.py",
        "pkg/sub",
        "random.py",
        "study.py",
    ]
    assert "is not UTF-8 text" in messages["pkg/latin.py"][1] and "binary" in messages["pkg/blob.dat"][1]
    assert "symbolic link" in messages["pkg/sub"][1]
    assert all(cell == 2 for cell, _ in messages.values())  # the cell that imports them
    assert "standard module `random`" in messages["random.py"][1]
    assert "--name" in messages["study.py"][1]


def test_a_folder_of_scripts_named_like_a_distribution_is_not_a_module(tmp_path: Path) -> None:
    _, local = _project(tmp_path, ["import numpy"], {"nbs/numpy/generate.py": "print(1)\n"})
    assert local.modules == ()


def test_project_ships_local_modules_and_does_not_depend_on_them(tmp_path: Path) -> None:
    notebook, _ = _project(
        tmp_path,
        ["from mylib import double\nimport helpers", "print(double(2), helpers.X)"],
        {
            "nbs/mylib.py": "import numpy\n\ndef double(x):\n    return 2 * x\n",
            "nbs/helpers/__init__.py": "X = 3\n",
        },
    )
    out = tmp_path / "out"
    result = api.convert(notebook, out)
    pyproject = (out / "pyproject.toml").read_text()
    wheel = tomllib.loads(pyproject)["tool"]["hatch"]["build"]["targets"]["wheel"]
    assert wheel["packages"] == ["src/study", "src/helpers", "src/mylib.py"]
    assert '"numpy' in pyproject and "mylib" not in pyproject.split("[tool.hatch")[0]
    assert result.conversion.unknown_dependencies == ()
    assert (out / "src/mylib.py").read_text() == (tmp_path / "nbs/mylib.py").read_text()
    assert "- `mylib`: from `mylib.py`" in (out / "README.md").read_text()
    record = json.loads((out / ".nb2pkg.json").read_text())
    assert "src/mylib.py" in record["files"]
    assert record["outline"]["local_modules"] == {"helpers": "helpers", "mylib": "mylib.py"}
    # converting again changes nothing; a change beside the notebook is carried over
    assert api.convert(notebook, out, write=False).report.changed == ()
    (tmp_path / "nbs/mylib.py").write_text("def double(x):\n    return x + x\n")
    changes = api.convert(notebook, out, write=False).report
    # no numpy: not in pyproject, nor in the lock (which keeps python -m's typer)
    assert (changes.changed, changes.removed) == (("pyproject.toml", "requirements.txt", "src/mylib.py"), ())


@pytest.mark.slow
def test_check_notices_a_changed_local_module(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from nb2pkg.cli.app import app

    notebook, _ = _project(
        tmp_path,
        ["from mylib import double", "print(double(2))"],
        {"nbs/mylib.py": "def double(x):\n    return 2 * x\n"},
    )
    command = [str(notebook), "--out", str(tmp_path / "out")]
    converted = CliRunner().invoke(app, command)
    assert "  src/mylib.py: copied from mylib.py\n" in converted.stdout
    assert CliRunner().invoke(app, command + ["--check"]).exit_code == 0
    (tmp_path / "nbs/mylib.py").write_text("def double(x):\n    return x + x\n")
    checked = CliRunner().invoke(app, command + ["--check"])
    assert checked.exit_code == 1 and "src/mylib.py" in checked.stdout


def _run(path: Path, pythonpath: Path | None = None) -> list[list[dict]]:
    """Each cell's outputs after running `path` in a fresh kernel in its own folder."""
    notebook = run_in_kernel(path, pythonpath)
    return [cell.get("outputs", []) for cell in notebook.cells if cell.cell_type == "code"]


def _seen(outputs: list[list[dict]]) -> tuple[str, list[str], int, list[str]]:
    """What a reader sees: printed text, shown values, figures, errors."""
    printed, values, figures, errors = "", [], 0, []
    for output in (o for cell in outputs for o in cell):
        if output["output_type"] == "stream" and output["name"] == "stdout":
            printed += output["text"]
        elif output["output_type"] == "execute_result":
            values.append(output["data"]["text/plain"])
        elif output["output_type"] == "display_data":
            figures += "image/png" in output["data"]
        elif output["output_type"] == "error":
            errors.append(f"{output['ename']}: {output['evalue']}")
    return printed, values, figures, errors


@pytest.mark.kernel
@pytest.mark.slow
def test_project_imports_local_modules_and_semicolons_hide_values_in_real_kernels(tmp_path: Path) -> None:
    cells = [
        "import sys\nsys.path.append('../lib')",
        "import matplotlib.pyplot as plt\nfrom mylib import double\nimport helpers",
        "values = [double(v) for v in range(4)]\nprint(values)",
        "total = sum(values)\ntotal;",  # shows nothing
        "plt.plot(values);",  # the figure, no `[<Line2D ...>]`
        "values[0] += 100\n;",  # IPython runs a lone `;` line as ("") and shows ''
        "print(values)",
        "helpers.offset(len(values))",  # shown
    ]
    notebook, _ = _project(
        tmp_path,
        cells,
        {
            "nbs/mylib.py": "def double(x):\n    return 2 * x\n",
            "lib/helpers/__init__.py": "from .core import offset\n",
            "lib/helpers/core.py": "import numpy as np\n\n\ndef offset(x):\n    return int(np.int64(x) + 10)\n",
        },
    )
    original = _seen(_run(notebook))
    assert original == ("[0, 2, 4, 6]\n[100, 2, 4, 6]\n", ["''", "14"], 1, [])

    out = tmp_path / "out"
    result = api.convert(notebook, out)
    assert result.conversion.unknown_dependencies == ()
    assert '"numpy' in (out / "pyproject.toml").read_text()  # helpers/core.py's import
    summary = _run(out / "notebooks" / "study.ipynb", out / "src")
    assert _seen(summary) == original
    assert all(o["output_type"] != "error" for o in summary[1] + summary[2])  # the import cells

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    environment = {**os.environ, "PYTHONPATH": str(out / "src"), "MPLBACKEND": "Agg"}
    ran = subprocess.run(
        [sys.executable, "-m", "study"], cwd=elsewhere, env=environment, capture_output=True, text=True, timeout=120
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout == "[0, 2, 4, 6]\n"  # `print(values)` only displays: it stays in the notebook


def test_optional_imports_of_a_local_module_are_no_dependencies(tmp_path: Path) -> None:
    _, local = _project(
        tmp_path,
        ["import mylib"],
        {
            "nbs/mylib.py": "import numpy\ntry:\n    import ujson as json\nexcept ImportError:\n    import json\n"
            "try:\n    import fast\nexcept (ModuleNotFoundError, OSError):\n    fast = None\n",
            "nbs/fast.py": "import scipy\n",
        },
    )
    assert local.names == {"mylib", "fast"}  # an optional local module is still copied
    assert local.imports() == ("json", "numpy", "scipy")


def test_a_module_named_like_an_installed_one_is_copied_with_a_warning(tmp_path: Path) -> None:
    _, local = _project(tmp_path, ["import pytest"], {"nbs/pytest.py": "X = 1\n"})
    assert local.names == {"pytest"}
    assert "installed `pytest`" in local.warnings[0].message


def test_a_folder_too_large_for_a_helper_is_not_copied(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {f"nbs/huge/m{i}.py": "X = 1\n" for i in range(250)}
    _, local = _project(tmp_path, ["import huge"], {"nbs/huge/__init__.py": "", **files})
    assert local.modules == ()
    assert local.warnings == (
        Diagnostic(
            1,
            None,
            "`huge` is too large to copy into the project (over 200 files); install "
            "it yourself and add it to the dependencies",
        ),
    )
