"""`nb2pkg NOTEBOOK --out DIR` through the command line: the default command, what it
prints, the folder rules (never someone else's folder, never a hand edit), exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nb2pkg.cli.app import app
from support import EXAMPLE, make_notebook, write_notebook

runner = CliRunner()


def convert(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args))


def test_default_command_converts_the_example(tmp_path: Path) -> None:
    out = tmp_path / "explore"
    result = convert(str(EXAMPLE), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "src/explore/preprocess.py: clean_data" in result.stdout
    assert "notebooks/explore.ipynb: the summary notebook" in result.stdout
    assert result.stderr.count("execution count [12]") == 1  # warnings once
    for name in (
        "pyproject.toml",
        "README.md",
        "src/explore/__init__.py",
        "src/explore/config.py",
        "src/explore/pipeline.py",
        "src/explore/__main__.py",
        "notebooks/explore.ipynb",
        "tests/test_explore.py",
        ".nb2pkg.json",
    ):
        assert (out / name).is_file(), name


def test_convert_subcommand_and_name(tmp_path: Path) -> None:
    result = convert("convert", str(EXAMPLE), "--out", str(tmp_path / "p"), "--name", "houses", "--quiet")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert (tmp_path / "p" / "src" / "houses" / "models.py").is_file()


def test_out_defaults_to_the_package_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    notebook = write_notebook(tmp_path / "01 Sales (draft).ipynb", make_notebook(["x = 1", "print(x)"]))
    assert convert(str(notebook), "-q").exit_code == 0
    assert (tmp_path / "nb_01_sales_draft" / "src" / "nb_01_sales_draft" / "config.py").is_file()


def test_the_package_is_never_named_after_a_module_the_notebook_imports(tmp_path: Path) -> None:
    """`folium.ipynb` importing folium: a package `folium` would import itself in its place."""
    notebook = write_notebook(tmp_path / "folium.ipynb", make_notebook(["import folium", "m = folium.Map()"]))
    assert convert(str(notebook), "--out", str(tmp_path / "p"), "-q").exit_code == 0
    assert (tmp_path / "p" / "src" / "folium_nb" / "utils.py").is_file()
    result = convert(str(notebook), "--out", str(tmp_path / "q"), "--name", "Folium")
    assert result.exit_code == 2
    assert result.stderr == (
        f"{notebook}: the package name `Folium` is a module the notebook imports, which the package would "
        "shadow; use --name folium_nb\n"
    )
    assert not (tmp_path / "q").exists()


def test_converting_twice_changes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "explore"
    convert(str(EXAMPLE), "--out", str(out), "-q")
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    result = convert(str(EXAMPLE), "--out", str(out))
    assert result.exit_code == 0
    assert "(0 created, 0 changed, 25 unchanged)" in result.stdout
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_a_hand_edit_is_never_overwritten(tmp_path: Path) -> None:
    out = tmp_path / "explore"
    convert(str(EXAMPLE), "--out", str(out), "-q")
    edited = out / "src" / "explore" / "data.py"
    edited.write_text(edited.read_text() + "# my note\n")
    result = convert(str(EXAMPLE), "--out", str(out))
    assert result.exit_code == 1
    assert result.stderr == (
        f"{out}: you edited src/explore/data.py since nb2pkg wrote it; "
        "nothing was written; pass --force to overwrite your edits\n"
    )
    assert edited.read_text().endswith("# my note\n")
    assert convert(str(EXAMPLE), "--out", str(out), "--force", "-q").exit_code == 0
    assert "# my note" not in edited.read_text()


@pytest.mark.slow
def test_files_the_user_added_are_kept(tmp_path: Path) -> None:
    out = tmp_path / "explore"
    convert(str(EXAMPLE), "--out", str(out), "-q")
    mine = out / "src" / "explore" / "extra.py"
    mine.write_text("VALUE = 1\n")
    assert convert(str(EXAMPLE), "--out", str(out), "-q").exit_code == 0
    assert mine.read_text() == "VALUE = 1\n"


def test_refuses_a_folder_nb2pkg_did_not_make(tmp_path: Path) -> None:
    out = tmp_path / "busy"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    result = convert(str(EXAMPLE), "--out", str(out))
    assert result.exit_code == 2
    assert result.stderr == (
        f"{out}: exists, is not empty and was not made by nb2pkg; "
        "choose another --out, or pass --force to write into it\n"
    )
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]


def test_bad_name_and_bad_notebook(tmp_path: Path) -> None:
    assert convert(str(EXAMPLE), "--name", "no-dashes").exit_code == 2
    result = convert(str(tmp_path / "missing.ipynb"), "--out", str(tmp_path / "x"))
    assert result.exit_code == 2
    assert result.stderr == f"{tmp_path / 'missing.ipynb'}: no such file; check the path\n"
    assert not (tmp_path / "x").exists()


def test_summary_notebook_records_its_source_cells(tmp_path: Path) -> None:
    out = tmp_path / "explore"
    convert(str(EXAMPLE), "--out", str(out), "-q")
    cells = json.loads((out / "notebooks" / "explore.ipynb").read_text())["cells"]
    code = [c for c in cells if c["cell_type"] == "code"]
    assert "".join(code[0]["source"]).startswith("%load_ext autoreload\n%autoreload 2")
    setup = "".join(code[1]["source"])  # the working folder first, then the package imports there
    # the example needs no folder of its own (its data come from config.DATA_DIR)
    assert "from explore import config\n" in setup and "config.show_package_warnings()" in setup
    assert "from explore import data, features, models, plots, preprocess" in "".join(code[2]["source"])
    calls = {"".join(c["source"]).splitlines()[0]: c["metadata"]["nb2pkg"]["source_cells"] for c in code[3:]}
    assert calls["df = preprocess.clean_data(df)"] == ["1b93d2f6", "3d05f1b9"]
    assert all(not c["outputs"] for c in code)
    markdown = ["".join(c["source"]) for c in cells if c["cell_type"] == "markdown"]
    original = json.loads(EXAMPLE.read_text())["cells"]
    assert markdown == ["".join(c["source"]) for c in original if c["cell_type"] == "markdown"]


@pytest.mark.slow
def test_files_no_longer_produced_are_removed_only_if_unedited(tmp_path: Path) -> None:
    cells = [
        "import matplotlib.pyplot as plt",
        "values = [1, 3, 2]",
        "doubled = [v * 2 for v in values]\nplt.plot(doubled)\nplt.title('Values over time')",
    ]
    notebook = write_notebook(tmp_path / "nb.ipynb", make_notebook(cells))
    out = tmp_path / "project"
    assert convert(str(notebook), "--out", str(out), "-q").exit_code == 0
    plots = out / "src" / "nb" / "plots.py"
    assert plots.is_file()
    write_notebook(notebook, make_notebook(cells[:2] + ["print(values)"]))
    result = convert(str(notebook), "--out", str(out))
    assert result.exit_code == 0
    assert not plots.exists()
    # an edited file that is no longer produced is the user's: nothing is written
    write_notebook(notebook, make_notebook(cells))
    convert(str(notebook), "--out", str(out), "-q")
    plots.write_text(plots.read_text() + "# tuned by hand\n")
    write_notebook(notebook, make_notebook(cells[:2] + ["print(values)"]))
    result = convert(str(notebook), "--out", str(out))
    assert result.exit_code == 1
    assert plots.read_text().endswith("# tuned by hand\n")
