"""`nb2pkg batch report merge`: the reports of a run's shards, as a CI matrix leaves them,
joined into the report one run would have written; reports that do not belong refused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from nb2pkg.cli.app import app
from support import make_notebook, write_notebook

runner = CliRunner()
# What differs between a run and its merged shards by nature: time, memory, workers.
RUN_ONLY = {"seconds", "worker_peak_mb"}


def nb2pkg(*args: str | Path) -> Any:
    return runner.invoke(app, [*map(str, args)])


def report_of(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def comparable(row: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in row.items() if key not in {"seconds", "memory_mb"}}


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Five notebooks (one that fails) and the reports of a whole run and of its three shards."""
    root = tmp_path_factory.mktemp("estate")
    notebooks = root / "notebooks"
    (notebooks / "sub").mkdir(parents=True)
    for name, value in (("a", 1), ("b", 2), ("sub/c", 3), ("sub/d", 4)):
        write_notebook(notebooks / f"{name}.ipynb", make_notebook([f"x = {value}", "print(x * 2)"]))
    (notebooks / "broken.ipynb").write_text('{"cells": [', encoding="utf-8")
    assert nb2pkg("batch", notebooks, "--out", root / "whole", "--report", root / "whole.json").exit_code == 1
    for index in (1, 2, 3):
        shard = nb2pkg(
            "batch", notebooks, "--out", root / "out", "--shard", f"{index}/3", "--report", root / f"shard{index}.json"
        )
        assert shard.exit_code in (0, 1), shard.output
    return root


def test_the_shards_merge_into_the_report_of_the_whole_run(estate: Path) -> None:
    shards = [estate / f"shard{index}.json" for index in (3, 1, 2)]  # in any order
    result = nb2pkg("batch", "report", "merge", *shards, "--out", estate / "merged.json", "--md", estate / "m.md")
    assert result.exit_code == 1, result.output  # broken.ipynb failed, as it did in the whole run
    merged, whole = report_of(estate / "merged.json"), report_of(estate / "whole.json")
    assert [comparable(row) for row in merged["notebooks"]] == [comparable(row) for row in whole["notebooks"]]
    assert {k: v for k, v in merged["totals"].items() if k not in RUN_ONLY} == {
        k: v for k, v in whole["totals"].items() if k not in RUN_ONLY
    }
    assert merged["complete"] and merged["missing"] == [] and merged["merged"] == ["1/3", "2/3", "3/3"]
    assert merged["run"] == whole["run"] and merged["run_notebooks"] == 5
    assert "merged 3 report(s): 5 of 5 notebooks, 1 failed" in result.stderr
    markdown = (estate / "m.md").read_text(encoding="utf-8")
    assert "shards 1/3, 2/3, 3/3 merged" in markdown and "| failed | 1 |" in markdown


def test_missing_shards_make_an_incomplete_report_that_names_them(estate: Path) -> None:
    result = nb2pkg("batch", "report", "merge", estate / "shard1.json", estate / "shard3.json")
    merged = json.loads(result.stdout)  # no --out: the JSON goes to stdout
    assert not merged["complete"] and merged["missing"] == ["2/3"]
    assert "missing shards 2/3" in result.stderr
    shard2 = {row["path"] for row in report_of(estate / "shard2.json")["notebooks"]}
    assert shard2 and not shard2 & {row["path"] for row in merged["notebooks"]}


def _refusal(result: Any, *words: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output
    assert all(word in lines[0] for word in words), lines[0]


def test_reports_of_another_run_are_refused(estate: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    write_notebook(other / "a.ipynb", make_notebook(["x = 1"]))
    assert (
        nb2pkg("batch", other, "--out", tmp_path / "out", "--shard", "2/3", "--report", tmp_path / "o.json").exit_code
        == 0
    )
    result = nb2pkg("batch", "report", "merge", estate / "shard1.json", tmp_path / "o.json")
    _refusal(result, "o.json", "another run", "merge the shards of one run only")


def test_overlapping_shards_are_refused(estate: Path) -> None:
    again = nb2pkg("batch", "report", "merge", estate / "shard1.json", estate / "shard1.json")
    _refusal(again, "shard1.json", "is shard 1/3 again", "give each shard once")
    split = nb2pkg("batch", "report", "merge", estate / "shard1.json", estate / "whole.json")
    _refusal(split, "splits the run into", "overlap")


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("# nb2pkg batch report\n", ("is not JSON",)),
        ('{"cells": []}', ("is not an nb2pkg batch report",)),
        ('{"shard": "1/2", "notebooks": [], "totals": {}}', ("has no run id", "run that shard again")),
        ('{"shard": "x", "run": "r", "run_notebooks": 1, "notebooks": [], "totals": {}}', ("has shard 'x'",)),
        (
            '{"shard": null, "run": "r", "run_notebooks": 1, "complete": true, "workers": 1,'
            ' "notebooks": [{"path": 1}], "totals": {"seconds": 1}}',
            ("a notebook row nb2pkg did not write",),
        ),
    ],
    ids=["markdown", "notebook", "old report", "bad shard", "bad row"],
)
def test_files_that_are_not_shard_reports_are_refused(tmp_path: Path, content: str, words: tuple[str, ...]) -> None:
    path = tmp_path / "r.json"
    path.write_text(content, encoding="utf-8")
    _refusal(nb2pkg("batch", "report", "merge", path), "r.json", *words)


def test_a_missing_report_is_one_line(tmp_path: Path) -> None:
    _refusal(nb2pkg("batch", "report", "merge", tmp_path / "nope.json"), "nope.json", "no such file")
