"""Tests from the notebook's own outputs: `tests/expected/` (each code cell's saved
outputs, masked as verify masks) and the generated `tests/test_outputs.py`, which runs the
summary notebook and compares; `nb2pkg verify` records in `tests/expected/skip.txt` what
the tests must skip, written as safely as a conversion writes."""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nb2pkg import api
from nb2pkg.notebook import read_notebook
from nb2pkg.output import Written, write_verified
from nb2pkg.render import SKIP_FILE, expected_files, output_tests_module, skip_file
from nb2pkg.shown import MASKS, Item, as_text, from_text, normalise
from nb2pkg.verify import Ran, verify
from nb2pkg.verify.stability import NOT_REPRODUCED, UNSAVED, VARIED, skipped_cells
from support import EXAMPLE, make_notebook, run_in_kernel, write_notebook

# -- the text of the expected files -----------------------------------------------------------


@pytest.mark.parametrize(
    "items",
    [
        [Item("text", "559 rows\n")],
        [Item("value", "   a  b\n0  1  2")],
        [Item("text", "two\n\nparagraphs\n\n"), Item("stderr", "warn\n")],
        [Item("value", ""), Item("figure", "640x480"), Item("error", "ValueError")],
        [Item("text", "[text]\n    indented\n#hash\n"), Item("value", "carriage\rreturn")],
    ],
)
def test_expected_text_reads_back_the_same_items(items: list[Item]) -> None:
    text = "# a header line\n# another\n\n" + as_text(items)
    assert from_text(text) == items


def test_expected_text_drops_spaces_at_line_ends() -> None:
    padded = [Item("value", "     A  \\\n0    1   \ncount  2")]
    assert as_text(padded) == "[value]\n         A  \\\n    0    1\n    count  2\n"
    assert as_text(from_text(as_text(padded))) == as_text(padded)


def test_normalising_twice_changes_nothing() -> None:
    items = [
        Item("text", "at 0x7f3a2b1c\n"),
        Item("stderr", "/srv/x.py:3: FutureWarning: old\n  df.x()\n"),
        Item("text", "Wall time: 3 ms\n/tmp/abc/file.csv\n"),
        Item("error", "KeyError: 'x'"),
    ]
    once = normalise(items)
    assert normalise(once) == once
    assert once == [
        Item("text", "at 0x…\n<time>\n<tmp>\n"),
        Item("error", "KeyError"),
        Item("stderr", "<file>: FutureWarning: old\n  <source line>\n"),
    ]


def _with_outputs(path: Path, cells: list[tuple[str, list[dict[str, object]]]]) -> Path:
    data = make_notebook([source for source, _ in cells], counts=list(range(1, len(cells) + 1)))
    for cell, (_, outputs) in zip(data["cells"], cells, strict=True):
        cell["outputs"] = outputs
    return write_notebook(path, data)


def _stream(text: str, name: str = "stdout") -> dict[str, object]:
    return {"output_type": "stream", "name": name, "text": text}


def test_expected_files_are_masked_with_a_header_naming_the_cell(tmp_path: Path) -> None:
    notebook = _with_outputs(
        tmp_path / "nb.ipynb",
        [
            ("x = 1", []),
            ("print(object())", [_stream("<object object at 0x7f0c2d3e4f50>\n")]),
            ("1 / 0", [{"output_type": "error", "ename": "ZeroDivisionError", "evalue": "division", "traceback": []}]),
        ],
    )
    files = expected_files(read_notebook(notebook))
    assert sorted(files) == ["tests/expected/cell_002.txt", "tests/expected/cell_003.txt"]
    assert files["tests/expected/cell_002.txt"].startswith("# Cell 2 of nb.ipynb: print(object())\n")
    assert files["tests/expected/cell_002.txt"].endswith("\n[text]\n    <object object at 0x…>\n\n")
    assert files["tests/expected/cell_003.txt"].endswith("\n[error]\n    ZeroDivisionError\n")


def test_the_generated_masks_are_verifys(tmp_path: Path) -> None:
    notebook = _with_outputs(tmp_path / "nb.ipynb", [("print(1)", [_stream("1\n")])])
    module = output_tests_module("nb", read_notebook(notebook), "nb.ipynb", saved_outputs=True)
    tree = ast.parse(module)
    masks = next(n.value for n in tree.body if isinstance(n, ast.Assign) and ast.unparse(n.targets[0]) == "MASKS")
    generated = eval(compile(ast.Expression(masks), "masks", "eval"), {"re": re})  # noqa: S307 - our own text
    assert [(p.pattern, p.flags, r) for p, r in generated] == [(p.pattern, p.flags, r) for p, r in MASKS]
    assert "nb2pkg" not in {
        alias.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for alias in n.names
    }
    assert not [n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and (n.module or "").startswith("nb2pkg")]


def test_a_notebook_without_saved_outputs_gets_the_note_and_no_expected_files(tmp_path: Path) -> None:
    notebook = write_notebook(tmp_path / "bare.ipynb", make_notebook(["x = 1", "print(x)"]))
    converted = api.convert(notebook, out=tmp_path / "bare", write=False)
    files = converted.conversion.files
    assert not [name for name in files if name.startswith("tests/expected/")]
    assert "has no saved outputs" in files["tests/test_outputs.py"]
    assert "def test" not in files["tests/test_outputs.py"]


# -- what verify records, pure ----------------------------------------------------------------


def test_skipped_cells_names_what_varied_and_what_the_original_does_not_show(tmp_path: Path) -> None:
    notebook = read_notebook(
        _with_outputs(
            tmp_path / "nb.ipynb",
            [
                ("print(1)", [_stream("1\n")]),  # shown again: compared
                ("print(random())", [_stream("0.3\n")]),  # varies
                ("print(version)", [_stream("1.0\n")]),  # another environment
                ("print(2)", []),  # shows something, saved nothing: compared with cell 5
                ("print(3)", [_stream("3\n")]),
                ("print(4)", []),  # saved nothing, compared with nothing
            ],
        )
    )
    shows = ["1\n", "0.5\n", "2.0\n", "2\n", "3\n", "4\n"]
    first = [Ran((Item("text", t),)) for t in shows]
    second = [Ran((Item("text", "0.9\n" if n == 1 else t),)) for n, t in enumerate(shows)]
    # one summary cell stands for cells 4 and 5 (a step and a display), none for cell 6
    summary = [Ran(sources=(f"cell{i}",)) for i in range(3)] + [Ran(sources=("cell3", 5))]
    assert skipped_cells(notebook, first, second, summary) == {2: VARIED, 3: NOT_REPRODUCED, 4: UNSAVED}


# -- verify's file, written safely ----------------------------------------------------------


def test_verify_file_is_recorded_kept_by_a_conversion_and_never_over_a_hand_edit(tmp_path: Path) -> None:
    notebook = _with_outputs(tmp_path / "nb.ipynb", [("print(1)", [_stream("1\n")])])
    out = tmp_path / "project"
    api.convert(notebook, out=out)
    text = skip_file({1: VARIED})
    assert write_verified(out, SKIP_FILE, text) is Written.WRITTEN
    assert (out / SKIP_FILE).read_text() == text and "cell 1: varied between two runs" in text
    assert write_verified(out, SKIP_FILE, text) is Written.UNCHANGED
    record = json.loads((out / ".nb2pkg.json").read_text())
    assert list(record["verified"]) == [SKIP_FILE] and SKIP_FILE not in record["files"]
    api.convert(notebook, out=out)  # again: neither removed nor refused
    assert (out / SKIP_FILE).read_text() == text
    assert SKIP_FILE in json.loads((out / ".nb2pkg.json").read_text())["verified"]
    assert write_verified(out, SKIP_FILE, skip_file({})) is Written.WRITTEN  # its own text: replaced
    (out / SKIP_FILE).write_text("cell 1: mine\n")
    assert write_verified(out, SKIP_FILE, text) is Written.EDITED
    assert (out / SKIP_FILE).read_text() == "cell 1: mine\n"
    assert write_verified(out, "README.md", text) is Written.CONVERTED
    assert write_verified(tmp_path, "x.txt", text) is Written.NOT_OURS and not (tmp_path / "x.txt").exists()


def test_verify_never_writes_through_a_link(tmp_path: Path) -> None:
    notebook = _with_outputs(tmp_path / "nb.ipynb", [("print(1)", [_stream("1\n")])])
    out = tmp_path / "project"
    api.convert(notebook, out=out)
    outside = tmp_path / "outside.txt"
    outside.write_text("keep\n")
    (out / SKIP_FILE).symlink_to(outside)
    assert write_verified(out, SKIP_FILE, skip_file({})) is Written.IN_THE_WAY
    assert outside.read_text() == "keep\n"


def test_batch_verify_never_writes_into_a_project_folder_swapped_for_a_link(tmp_path: Path) -> None:
    # batch converts into OUT/PROJECT following no link under OUT; verify's skip.txt, written
    # after the notebooks ran, must not follow one either (a folder swapped meanwhile)
    notebook = _with_outputs(tmp_path / "nb.ipynb", [("print(1)", [_stream("1\n")])])
    batch_out = tmp_path / "batch"
    elsewhere = tmp_path / "elsewhere"
    api.convert(notebook, out=elsewhere)
    batch_out.mkdir()
    (batch_out / "nb").symlink_to(elsewhere, target_is_directory=True)
    before = {path: path.read_bytes() for path in elsewhere.rglob("*") if path.is_file()}
    assert write_verified(batch_out / "nb", SKIP_FILE, skip_file({}), within=batch_out) is Written.NOT_OURS
    assert {path: path.read_bytes() for path in elsewhere.rglob("*") if path.is_file()} == before
    assert write_verified(batch_out / "nb", SKIP_FILE, skip_file({})) is Written.WRITTEN  # named as the user gave it


# -- the generated tests, run ---------------------------------------------------------------


def run_tests(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(project / "src"), "MPLBACKEND": "Agg"}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rfs", "-p", "no:cacheprovider", *args],
        cwd=project,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("converted") / "explore"
    api.convert(EXAMPLE, out=out)
    return out


@pytest.mark.slow
@pytest.mark.kernel
def test_the_examples_output_tests_pass(example: Path) -> None:
    done = run_tests(example, "tests/test_outputs.py")
    assert done.returncode == 0, done.stdout + done.stderr
    closing = done.stdout.strip().splitlines()[-1]
    assert re.match(r"8 passed in ", closing), closing  # 9 cells saved outputs; two compare as one


@pytest.mark.slow
@pytest.mark.kernel
def test_a_changed_constant_fails_the_output_tests_naming_the_cell(example: Path, tmp_path: Path) -> None:
    changed = tmp_path / "explore"
    shutil.copytree(example, changed)
    config = changed / "src" / "explore" / "config.py"
    text = config.read_text()
    assert "MIN_SQFT = 300" in text
    config.write_text(text.replace("MIN_SQFT = 300", "MIN_SQFT = 1200"))
    done = run_tests(changed, "tests/test_outputs.py")
    assert done.returncode == 1, done.stdout
    assert "FAILED tests/test_outputs.py::test_summary_shows_the_saved_outputs[cell_012]" in done.stdout
    assert "cell 12 (summary cell" in done.stdout and "-    (559, 10)\n+    (502, 10)" in done.stdout


@pytest.mark.slow
@pytest.mark.kernel
def test_a_notebook_without_saved_outputs_keeps_the_smoke_tests(tmp_path: Path) -> None:
    notebook = write_notebook(tmp_path / "bare.ipynb", make_notebook(["x = 21", "print(x * 2)"]))
    out = tmp_path / "bare"
    api.convert(notebook, out=out)
    done = run_tests(out)
    assert done.returncode == 0, done.stdout + done.stderr
    assert " passed" in done.stdout and "failed" not in done.stdout


@pytest.mark.slow
@pytest.mark.kernel
def test_verify_records_a_varying_cell_and_the_output_tests_skip_it(tmp_path: Path) -> None:
    source = write_notebook(
        tmp_path / "draws.ipynb",
        make_notebook(["import random", "print('draws')", "print(random.random())", "print(6 * 7)"]),
    )
    ran = run_in_kernel(source)  # saved with its outputs, as its author saved it
    source.write_text(json.dumps(ran), encoding="utf-8")
    out = tmp_path / "draws"
    api.convert(source, out=out)
    result = verify(source, out)
    assert result.ok, result.closing_line()
    assert result.skipped == ((3, VARIED),)
    assert "cell 3: varied between two runs of the original" in (out / SKIP_FILE).read_text()
    done = run_tests(out, "tests/test_outputs.py")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed, 1 skipped" in done.stdout
    assert "cell 3: varied between two runs of the original" in done.stdout  # the reason, in the summary of skips
