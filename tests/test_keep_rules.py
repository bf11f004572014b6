"""Which cells stay in the summary notebook as they are, and the reason each gives."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nb2pkg.convert import convert
from nb2pkg.dataflow import build_dataflow
from nb2pkg.notebook import read_notebook
from support import make_notebook, write_notebook


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("exec('z = 1')", "reads or binds names dynamically"),  # only that statement stays
        ("def bump():\n    global total\n    total += 1", "rebinds notebook names with `global`"),
        ("from math import *", "imports names with `*`"),
        ("%timeit y = sum(range(5))", "uses `%timeit`, which only runs in a notebook"),
        ("print 'old'", "does not parse (line 1: Missing parentheses in call to 'print'"),
        ("files = !ls", "uses `!ls`, which only runs in a notebook"),
        ("%%bash\necho hi", "runs `%%bash`, which nb2pkg does not convert"),
    ],
    ids=["exec", "global", "star import", "line magic", "python 2", "shell", "cell magic"],
)
def test_kept_cells_and_their_reasons(tmp_path: Path, cell: str, reason: str) -> None:
    path = write_notebook(tmp_path / "nb.ipynb", make_notebook(["total = 0", cell]))
    files = convert(build_dataflow(read_notebook(path)), tmp_path / "out").files
    cells = json.loads(files["notebooks/nb.ipynb"])["cells"]
    kept = [c for c in cells if "kept" in c["metadata"].get("nb2pkg", {})]
    assert len(kept) == 1
    assert reason in kept[0]["metadata"]["nb2pkg"]["kept"]
    source = "".join(kept[0]["source"])
    assert cell in source  # verbatim


def _summary(tmp_path: Path, data: dict) -> tuple[list[dict], dict[str, str]]:
    path = write_notebook(tmp_path / "nb.ipynb", data)
    files = convert(build_dataflow(read_notebook(path)), tmp_path / "out").files
    return json.loads(files["notebooks/nb.ipynb"])["cells"], files


def _kept(cells: list[dict]) -> list[tuple[str, str]]:
    return [
        ("".join(c["source"]), c["metadata"]["nb2pkg"]["kept"])
        for c in cells
        if "kept" in c["metadata"].get("nb2pkg", {})
    ]


def test_a_cell_whose_error_is_expected_stays_and_the_pipeline_runs_past_it(tmp_path: Path) -> None:
    data = make_notebook(['word = "Pluto"', 'word[0] = "B"', "n = len(word)\nprint(n)"])
    data["cells"][1]["metadata"]["tags"] = ["raises-exception"]
    cells, files = _summary(tmp_path, data)
    [(source, reason)] = _kept(cells)
    assert source.endswith('word[0] = "B"') and "tagged `raises-exception`" in reason
    assert 'word[0] = "B"' not in "".join(text for name, text in files.items() if name.startswith("src/"))
    assert "run the summary notebook" not in files["src/nb/__main__.py"]


def test_a_cell_whose_saved_outputs_show_an_error_stays_as_if_tagged(tmp_path: Path) -> None:
    # nbclient with allow_errors (as verify runs the original) goes past it; a step would stop.
    data = make_notebook(["values = [1, 2]", "values.append(int('x'))", "print(sum(values))"])
    data["cells"][1]["outputs"] = [
        {"output_type": "error", "ename": "ValueError", "evalue": "invalid literal", "traceback": []}
    ]
    cells, files = _summary(tmp_path, data)
    [(source, reason)] = _kept(cells)
    assert source.endswith("values.append(int('x'))")
    assert "shows a `ValueError` in its saved outputs" in reason and "raises-exception" in reason
    assert "int('x')" not in "".join(text for name, text in files.items() if name.startswith("src/"))


def test_a_cell_the_author_interrupted_is_converted(tmp_path: Path) -> None:
    data = make_notebook(["values = [1, 2]", "values.append(3)", "print(sum(values))"])
    data["cells"][1]["outputs"] = [
        {"output_type": "error", "ename": "KeyboardInterrupt", "evalue": "", "traceback": []}
    ]
    cells, files = _summary(tmp_path, data)
    assert _kept(cells) == []
    assert "values.append(3)" in "".join(text for name, text in files.items() if name.startswith("src/"))


@pytest.mark.parametrize("replay", ["out()", "out.show()", "print(out.stdout)", "out.stdout", "out"])
def test_replaying_a_capture_is_a_display_and_the_captured_cell_a_step(tmp_path: Path, replay: str) -> None:
    cells, files = _summary(
        tmp_path, make_notebook(['%%capture out\nprint("hi")\nvalue = [3]', replay, "print(value * 2)"])
    )
    sources = ["".join(c["source"]) for c in cells]
    assert "%%capture out\nvalue = utils.compute_value()" in sources  # the magic line stays on the step
    assert replay in sources and _kept(cells) == []  # shown where it was, as it was
    assert "out" not in files["src/nb/pipeline.py"].replace("# ", "").split("def run", 1)[1].split(":")[0]
    assert "run the summary notebook" not in files["src/nb/__main__.py"]


def test_a_name_the_notebook_rebinds_after_capturing_is_not_a_replay(tmp_path: Path) -> None:
    cells, files = _summary(
        tmp_path,
        make_notebook(
            ["values = []", '%%capture out\nprint("hi")', "def out():\n    values.append(1)", "out()", "print(values)"]
        ),
    )
    sources = ["".join(c["source"]) for c in cells]
    assert "out()" not in sources  # it changes `values`: a step, which python -m runs
    pipeline = files["src/nb/pipeline.py"].split("def run", 1)[1]
    assert (
        len([line for line in pipeline.splitlines() if line.strip().startswith(("values =", "utils.", "preprocess."))])
        == 3
    )


def test_a_cell_of_comments_stays_where_it_was_and_an_empty_one_goes(tmp_path: Path) -> None:
    notes = "# 1. sepal_length (in cm)\n# 2. class"
    cells, _ = _summary(tmp_path, make_notebook(["x = len('ab')", notes, "   \n", "print(x)"]))
    sources = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"][-3:]
    assert sources == ["x = utils.compute_x()", notes, "print(x)"]


def test_the_comments_a_cell_ends_with_stay_after_its_code(tmp_path: Path) -> None:
    """`# df.head()` after a cell's last statement was in no file."""
    cells, files = _summary(
        tmp_path,
        make_notebook(
            [
                "import pandas as pd",
                "df = pd.DataFrame({'a': [1]})\n# df.head()",
                "df['b'] = df['a'] * 2\n# df.describe()",
                "rate = 0.5\n# the rate",
                "print(df.shape)\n# the end",
            ]
        ),
    )
    module = files["src/nb/preprocess.py"]
    assert '    df = pd.DataFrame({"a": [1]})\n    # df.head()\n\n    df["b"]' in module
    assert "    # df.describe()\n\n    return df\n" in module
    assert "rate = 0.5\n# the rate\n" in files["src/nb/config.py"]
    assert any("".join(c["source"]) == "print(df.shape)\n# the end" for c in cells)
