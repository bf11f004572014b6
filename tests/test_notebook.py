"""Reading notebooks: versions, schema problems, and one-line errors for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nb2pkg import api
from nb2pkg.diagnostics import Diagnostic
from nb2pkg.errors import InputError, InvalidNotebook, NotebookNotFound, OtherLanguage
from nb2pkg.notebook import read_notebook
from support import make_notebook, write_notebook


def test_reads_cells_ids_tags_and_counts(tmp_path: Path) -> None:
    data = make_notebook([("markdown", "# Title"), "x = 1"], counts=[None, 7])
    data["cells"][1]["metadata"]["tags"] = ["nb2pkg:keep"]
    data["cells"][1]["source"] = ["x = 1\n", "y = 2"]
    notebook = read_notebook(write_notebook(tmp_path / "n.ipynb", data))
    assert [c.kind for c in notebook.cells] == ["markdown", "code"]
    code = notebook.cells[1]
    assert (code.index, code.number, code.id) == (1, 2, "cell1")
    assert code.source == "x = 1\ny = 2"
    assert code.tags == ("nb2pkg:keep",)
    assert code.execution_count == 7
    assert notebook.language == "python" and notebook.warnings == ()


def test_empty_notebook_is_not_an_error(tmp_path: Path) -> None:
    notebook = read_notebook(write_notebook(tmp_path / "empty.ipynb", make_notebook([])))
    assert notebook.cells == ()


def test_schema_breaking_metadata_is_a_warning(tmp_path: Path) -> None:
    data = make_notebook([("markdown", "# Title"), "x = 1"])
    data["cells"][0]["outputs"] = []  # markdown cells have no outputs
    notebook = read_notebook(write_notebook(tmp_path / "odd.ipynb", data))
    assert len(notebook.cells) == 2
    assert len(notebook.warnings) == 1
    assert "breaks the nbformat schema" in notebook.warnings[0].message and notebook.warnings[0].cell is None


def test_a_45_cell_without_an_id_gets_none_invented(tmp_path: Path) -> None:
    """nbformat's validator gives such a cell a random id: read twice, the notebook would
    differ, and so would the summary notebook's record of its source cells."""
    data = make_notebook(["x = 1", "print(x)"])
    data["nbformat_minor"] = 5
    data["cells"][0]["id"] = "kept"
    del data["cells"][1]["id"]
    path = write_notebook(tmp_path / "half.ipynb", data)
    first, second = read_notebook(path), read_notebook(path)
    assert [cell.id for cell in first.cells] == ["kept", None] == [cell.id for cell in second.cells]


def test_converting_it_twice_gives_the_same_project(tmp_path: Path) -> None:
    data = make_notebook(["import math", "r = math.sqrt(2)", "print(r)"])
    data["nbformat_minor"] = 5
    for cell in data["cells"]:
        cell.pop("id", None)
    path = write_notebook(tmp_path / "noids.ipynb", data)
    outputs = []
    for out in ("one", "two"):
        api.convert(path, out=tmp_path / out)
        outputs.append(
            {p.relative_to(tmp_path / out): p.read_bytes() for p in (tmp_path / out).rglob("*") if p.is_file()}
        )
    assert outputs[0] == outputs[1]


def test_nbformat3_is_upgraded_without_invented_ids(tmp_path: Path) -> None:
    data = {
        "metadata": {"name": "old"},
        "nbformat": 3,
        "nbformat_minor": 0,
        "worksheets": [
            {
                "cells": [
                    {"cell_type": "heading", "level": 1, "metadata": {}, "source": "Old"},
                    {
                        "cell_type": "code",
                        "collapsed": False,
                        "input": "a = 1",
                        "language": "python",
                        "metadata": {},
                        "outputs": [],
                        "prompt_number": 3,
                    },
                ],
                "metadata": {},
            }
        ],
    }
    first = read_notebook(write_notebook(tmp_path / "v3.ipynb", data))
    second = read_notebook(tmp_path / "v3.ipynb")
    assert [c.kind for c in first.cells] == ["markdown", "code"]
    assert first.cells[0].source.startswith("# Old")
    assert first.cells[1].source == "a = 1" and first.cells[1].execution_count == 3
    assert [c.id for c in first.cells] == [None, None] == [c.id for c in second.cells]
    assert first.warnings == (Diagnostic(None, None, "nbformat 3 notebook upgraded to nbformat 4"),)


@pytest.mark.parametrize(
    ("content", "error", "fragment"),
    [
        ("", InvalidNotebook, "bad.ipynb: is empty; save the notebook again from Jupyter"),
        ('{"cells": [}', InvalidNotebook, "bad.ipynb: is not valid JSON (line 1, column 12"),
        ("[1, 2]", InvalidNotebook, "is JSON but not a Jupyter notebook"),
        ('{"cells": []}', InvalidNotebook, "no `nbformat` field"),
        ('{"nbformat": 5, "cells": []}', InvalidNotebook, "uses nbformat 5, newer than nb2pkg understands"),
        ('{"nbformat": 4, "cells": [{"source": "x"}]}', InvalidNotebook, "bad.ipynb: cell 1: is not a readable cell"),
        ('{"nbformat": 4}', InvalidNotebook, "has no list of cells"),
    ],
)
def test_bad_files(tmp_path: Path, content: str, error: type[InputError], fragment: str) -> None:
    path = write_notebook(tmp_path / "bad.ipynb", content)
    with pytest.raises(error) as raised:
        read_notebook(path)
    assert fragment in raised.value.message
    assert "\n" not in raised.value.message


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin.ipynb"
    path.write_bytes(b'{"nbformat": 4, "cells": [], "x": "\xe9"}')
    with pytest.raises(InvalidNotebook, match="is not UTF-8 text"):
        read_notebook(path)


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(NotebookNotFound, match="missing.ipynb: no such file; check the path"):
        read_notebook(tmp_path / "missing.ipynb")
    with pytest.raises(InputError, match="is a folder"):
        read_notebook(tmp_path)


@pytest.mark.parametrize(
    ("kernel", "language", "shown"),
    [("ir", "R", "R"), ("julia-1.9", "julia", "Julia"), ("bash", "bash", "bash"), ("spylon", "scala", "Scala")],
)
def test_other_languages(tmp_path: Path, kernel: str, language: str, shown: str) -> None:
    path = write_notebook(tmp_path / "explore.ipynb", make_notebook(["x <- 1"], kernel, language))
    with pytest.raises(OtherLanguage) as raised:
        read_notebook(path)
    assert raised.value.message == f"{path}: {shown} kernel; nb2pkg converts Python notebooks"


def test_language_from_kernel_name_only(tmp_path: Path) -> None:
    data = make_notebook(["x = 1"])
    data["metadata"] = {"kernelspec": {"name": "ir", "display_name": "R"}}
    with pytest.raises(OtherLanguage):
        read_notebook(write_notebook(tmp_path / "r.ipynb", data))


def test_no_metadata_means_python(tmp_path: Path) -> None:
    data = make_notebook(["x = 1"])
    data["metadata"] = {}
    assert read_notebook(write_notebook(tmp_path / "bare.ipynb", data)).language == "python"


def test_the_file_is_not_modified(tmp_path: Path) -> None:
    path = write_notebook(tmp_path / "n.ipynb", make_notebook(["x = 1"]))
    before = path.read_bytes()
    read_notebook(path)
    assert path.read_bytes() == before
    assert json.loads(before)["cells"][0]["source"] == "x = 1"
