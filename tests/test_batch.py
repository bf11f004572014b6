"""`nb2pkg batch`: a folder of legacy notebooks, as a team would bring it: what is found,
where each project goes, what the report says, re-runs, shards, time limits."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from nb2pkg.batch import find_jobs
from nb2pkg.cli.app import app
from nb2pkg.options import Options
from support import EXAMPLE, make_notebook, tomllib, write_notebook

runner = CliRunner()
PYTHON2 = 'print "hello from Python 2"'


def batch(*args: str | Path):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["batch", *map(str, args)])


def report_of(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def by_path(report: dict[str, Any], root: Path) -> dict[str, dict[str, Any]]:
    return {Path(row["path"]).relative_to(root).as_posix(): row for row in report["notebooks"]}


def files_outside(root: Path, *skip: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not any(s == p or s in p.parents for s in skip)
    }


@pytest.fixture
def legacy(tmp_path: Path) -> Path:
    """Good notebooks (one nested, two with the same name), invalid JSON, an R notebook,
    a Python 2 notebook, checkpoints and a hidden folder."""
    root = tmp_path / "legacy"
    (root / "sub" / "deeper").mkdir(parents=True)
    shutil.copy(EXAMPLE, root / "explore.ipynb")
    shutil.copytree(EXAMPLE.parent / "data", root / "data")
    write_notebook(root / "sub" / "explore.ipynb", make_notebook(["x = 2", "print(x * 21)"]))
    write_notebook(root / "sub" / "deeper" / "My Analysis (v2).ipynb", make_notebook(["y = [1, 2]", "len(y)"]))
    (root / "broken.ipynb").write_text('{"cells": [', encoding="utf-8")
    write_notebook(root / "r.ipynb", make_notebook(["x <- 1"], kernel="ir", language="R"))
    write_notebook(root / "legacy2.ipynb", make_notebook(["import os", PYTHON2, "print(os.sep)"]))
    for hidden in (".ipynb_checkpoints", ".git"):
        (root / hidden).mkdir()
        write_notebook(root / hidden / "explore-checkpoint.ipynb", make_notebook(["z = 1"]))
    return root


@pytest.mark.slow
def test_a_legacy_folder_is_converted_and_reported(legacy: Path, tmp_path: Path) -> None:
    out, report = legacy / "converted", tmp_path / "report.json"
    before = files_outside(tmp_path)

    result = batch(legacy, "--out", out, "--jobs", "2", "--report", report)

    assert result.exit_code == 1, result.output  # two notebooks failed
    data = report_of(report)
    rows = by_path(data, legacy)
    assert list(rows) == [
        "broken.ipynb",
        "explore.ipynb",
        "legacy2.ipynb",
        "r.ipynb",
        "sub/deeper/My Analysis (v2).ipynb",
        "sub/explore.ipynb",
    ]  # stable order; no checkpoints, hidden folders or output
    assert {path: row["status"] for path, row in rows.items()} == {
        "broken.ipynb": "failed",
        "explore.ipynb": "converted",
        "legacy2.ipynb": "converted",
        "r.ipynb": "failed",
        "sub/deeper/My Analysis (v2).ipynb": "converted",
        "sub/explore.ipynb": "converted",
    }
    assert rows["broken.ipynb"]["reason"] == "invalid file"
    assert "is not valid JSON" in rows["broken.ipynb"]["message"]
    assert rows["r.ipynb"]["reason"] == "other kernel"
    assert rows["r.ipynb"]["message"].endswith("R kernel; nb2pkg converts Python notebooks")

    # each good notebook is its own project, with a package name no other uses
    assert {row["project"]: row["package"] for row in rows.values() if row["status"] == "converted"} == {
        "explore": "explore",
        "legacy2": "legacy2",
        "sub/deeper/My_Analysis_v2": "my_analysis_v2",
        "sub/explore": "explore_2",
    }
    for row in rows.values():
        if row["status"] == "converted":
            project = out / row["project"]
            wheel = tomllib.loads((project / "pyproject.toml").read_text())["tool"]["hatch"]["build"]["targets"]
            assert wheel["wheel"]["packages"] == [f"src/{row['package']}"]
            assert (project / "src" / row["package"] / "pipeline.py").is_file()
    explore = rows["explore.ipynb"]
    assert explore["steps"] == 7 and "models" in explore["modules"] and explore["seconds"] > 0
    assert any("execution count" in warning for warning in explore["warnings"])

    # the Python 2 cell is kept, verbatim, in the summary notebook, and counted
    legacy2 = rows["legacy2.ipynb"]
    assert (legacy2["python2_cells"], legacy2["unparsed_cells"]) == (1, 1)
    summary = json.loads((out / "legacy2" / "notebooks" / "legacy2.ipynb").read_text())
    assert any("".join(cell["source"]).endswith(PYTHON2) for cell in summary["cells"])

    totals = data["totals"]
    assert (totals["notebooks"], totals["converted"], totals["failed"], totals["unchanged"]) == (6, 4, 2, 0)
    assert totals["failed_by_reason"] == {"invalid file": 1, "other kernel": 1}
    assert totals["python2_cells"] == 1 and totals["steps"] == sum(row["steps"] for row in rows.values())
    assert 0 < totals["worker_peak_mb"] < 1000

    # nothing written outside the output folder (and the report asked for)
    assert files_outside(tmp_path, out, report) == before
    assert "other kernel: 1" in result.stdout and "invalid file: 1" in result.stdout
    assert "[6/6]" in result.stderr  # one plain line per notebook when not on a terminal


@pytest.mark.slow
def test_a_rerun_reports_everything_unchanged_and_writes_nothing(legacy: Path, tmp_path: Path) -> None:
    out, first, second = legacy / "converted", tmp_path / "first.json", tmp_path / "second.json"
    batch(legacy, "--out", out, "--report", first)
    written = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}

    result = batch(legacy, "--out", out, "--report", second)

    assert result.exit_code == 1  # the same two still fail
    rows = by_path(report_of(second), legacy)
    assert {path for path, row in rows.items() if row["status"] == "unchanged"} == {
        "explore.ipynb",
        "legacy2.ipynb",
        "sub/deeper/My Analysis (v2).ipynb",
        "sub/explore.ipynb",
    }
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == written
    # the report of an unchanged notebook still says what its conversion found
    old = by_path(report_of(first), legacy)
    for path in ("explore.ipynb", "legacy2.ipynb"):
        for key in ("steps", "modules", "warnings", "python2_cells", "package", "project"):
            assert rows[path][key] == old[path][key], (path, key)

    # a changed notebook is converted again; so is a project whose files were deleted
    write_notebook(legacy / "sub" / "explore.ipynb", make_notebook(["x = 3", "print(x * 21)"]))
    (out / "legacy2" / "README.md").unlink()
    third = tmp_path / "third.json"
    batch(legacy, "--out", out, "--report", third)
    statuses = {path: row["status"] for path, row in by_path(report_of(third), legacy).items()}
    assert statuses["sub/explore.ipynb"] == "converted" and statuses["legacy2.ipynb"] == "converted"
    assert statuses["explore.ipynb"] == "unchanged"
    package = out / "sub" / "explore" / "src" / "explore_2"
    assert any("x = 3" in module.read_text() for module in package.glob("*.py"))


@pytest.mark.slow
def test_shards_cover_the_list_without_overlap(legacy: Path, tmp_path: Path) -> None:
    out = legacy / "converted"
    whole, first, second = (tmp_path / f"{name}.json" for name in ("whole", "first", "second"))
    batch(legacy, "--out", out, "--dry-run", "--report", whole)
    batch(legacy, "--out", out, "--dry-run", "--shard", "1/2", "--report", first)
    batch(legacy, "--out", out, "--dry-run", "--shard", "2/2", "--report", second)

    def rows(path: Path) -> list[tuple[str, str, str, str]]:
        return [(r["path"], r["status"], r["project"], r["package"]) for r in report_of(path)["notebooks"]]

    assert rows(first) and rows(second)
    assert not {r[0] for r in rows(first)} & {r[0] for r in rows(second)}
    assert rows(first) + rows(second) == rows(whole)  # the shards' reports concatenate into the whole
    assert not out.exists()  # --dry-run writes no project


@pytest.mark.slow
def test_dry_run_prints_diffs_relative_to_the_output_folder_and_check_fails(legacy: Path) -> None:
    out = legacy / "converted"
    batch(legacy, "--out", out)
    write_notebook(legacy / "sub" / "explore.ipynb", make_notebook(["x = 3", "print(x * 21)"]))

    preview = batch(legacy, "--out", out, "--dry-run", "--no-color")
    check = batch(legacy, "--out", out, "--check")

    assert "--- a/sub/explore/src/explore_2/" in preview.stdout and "+x = 3" in preview.stdout.replace('"', "")
    assert "would-change" in check.stdout and check.exit_code == 1
    assert "would change: " + (legacy / "sub" / "explore.ipynb").as_posix() in check.stderr


@pytest.mark.kernel
@pytest.mark.slow
def test_a_hanging_notebook_is_cut_off_and_the_others_go_on(tmp_path: Path) -> None:
    root = tmp_path / "nbs"
    root.mkdir()
    write_notebook(
        root / "hangs.ipynb",
        make_notebook(["import os, time\nopen('kernel.pid', 'w').write(str(os.getpid()))", "time.sleep(600)"]),
    )
    write_notebook(root / "quick.ipynb", make_notebook(["answer = 6 * 7", "print(answer)"]))
    report = tmp_path / "report.json"

    result = batch(root, "--out", tmp_path / "out", "--verify", "--timeout", "25", "--jobs", "2", "--report", report)

    assert result.exit_code == 1
    rows = by_path(report_of(report), root)
    assert rows["hangs.ipynb"]["status"] == "failed"
    assert rows["hangs.ipynb"]["reason"] == "timed out"
    assert "timed out after 25 s" in rows["hangs.ipynb"]["message"]
    assert rows["quick.ipynb"]["status"] == "converted"
    assert rows["quick.ipynb"]["verify"]["status"] == "match"
    pid = int((root / "kernel.pid").read_text())
    with pytest.raises(ProcessLookupError):  # the hanging kernel was stopped with its worker
        os.kill(pid, 0)


@pytest.mark.slow
def test_markdown_report(legacy: Path, tmp_path: Path) -> None:
    report = tmp_path / "report.md"
    batch(legacy, "--out", legacy / "converted", "--report", report)
    text = report.read_text()
    assert text.startswith("# nb2pkg batch report")
    assert "| converted | 4 |" in text and "| other kernel | 1 |" in text
    assert f"| {(legacy / 'r.ipynb').as_posix()} | failed |" in text
    assert "My Analysis (v2).ipynb | converted |" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--shard", "3/2"], "--shard '3/2': expected I/N"),
        (["--shard", "x"], "expected I/N"),
        (["--verify", "--dry-run"], "--verify runs the converted projects"),
    ],
)
def test_bad_options(legacy: Path, args: list[str], message: str) -> None:
    result = batch(legacy, "--out", legacy / "converted", *args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_missing_path_and_empty_folder(tmp_path: Path) -> None:
    missing = batch(tmp_path / "nope", "--out", tmp_path / "out")
    (tmp_path / "empty" / ".ipynb_checkpoints").mkdir(parents=True)
    write_notebook(tmp_path / "empty" / ".ipynb_checkpoints" / "a.ipynb", make_notebook(["x = 1"]))
    empty = batch(tmp_path / "empty", "--out", tmp_path / "out")
    assert missing.exit_code == 2 and "nope: no such file or folder; check the path" in missing.stderr
    assert empty.exit_code == 2 and "no .ipynb notebooks found" in empty.stderr
    assert len(empty.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_project_folders_never_nest_and_names_are_safe(tmp_path: Path) -> None:
    for name in ("a.ipynb", "a/b.ipynb", "A.ipynb", "x y&z.ipynb", "list.ipynb", "2020 report.ipynb"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        write_notebook(tmp_path / name, make_notebook(["x = 1"]))
    (tmp_path / "made" / "notebooks").mkdir(parents=True)  # a project nb2pkg wrote earlier
    (tmp_path / "made" / ".nb2pkg.json").write_text("{}")
    write_notebook(tmp_path / "made" / "notebooks" / "summary.ipynb", make_notebook(["x = 1"]))
    jobs = find_jobs([tmp_path], Options(tmp_path / "out"))
    projects = {job.notebook.relative_to(tmp_path).as_posix(): (job.project, job.package) for job in jobs}
    assert projects == {
        "2020 report.ipynb": ("2020_report", "nb_2020_report"),
        "A.ipynb": ("A-2", "a"),  # a project folder may not be another's folder, even by case
        "a.ipynb": ("a-3", "a_2"),
        "a/b.ipynb": ("a/b", "b"),
        "list.ipynb": ("list", "list_nb"),
        "x y&z.ipynb": ("x_y_z", "x_y_z"),
    }


def test_a_package_is_named_apart_from_what_its_notebook_imports(tmp_path: Path) -> None:
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    write_notebook(notebooks / "folium.ipynb", make_notebook(["import folium", "m = folium.Map()"]))
    write_notebook(notebooks / "maps.ipynb", make_notebook(["import folium", "m = folium.Map()"]))
    result = batch(notebooks, "--out", tmp_path / "out", "--jobs", "1", "--report", tmp_path / "r.json", "-q")
    assert result.exit_code == 0, result.output
    rows = by_path(report_of(tmp_path / "r.json"), notebooks)
    assert {path: row["package"] for path, row in rows.items()} == {"folium.ipynb": "folium_nb", "maps.ipynb": "maps"}
    assert (tmp_path / "out" / "folium" / "src" / "folium_nb" / "utils.py").is_file()


@pytest.mark.parametrize(
    ("source", "python2"),
    [
        ('print "x"', True),
        ("print x, y", True),
        ("raise ValueError, 'no'", True),
        ("x = `y`", True),
        ("if a <> b:\n    pass", True),
        ("n = 10L", True),
        ("os.chmod(path, 0755)", True),
        ("exec 'x = 1'", True),
        ("def f(:\n    pass", False),  # a typo, not Python 2
        ("print(x", False),
        ("x = = 1", False),
    ],
)
def test_cells_in_python_2_are_told_from_typos(source: str, python2: bool) -> None:
    from nb2pkg.analysis.cells import analyse_cell

    facts, _ = analyse_cell(source)
    assert facts.parse_error is not None
    assert facts.parse_error.python2 is python2


def test_batch_imports_nothing_of_the_command_line() -> None:
    """batch is an earlier stage than cli: what both need (the diff's colors) is below both."""
    import ast

    import nb2pkg.batch

    imported = set()
    for path in Path(nb2pkg.batch.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module)
            elif isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
    assert not {name for name in imported if name == "nb2pkg.cli" or name.startswith("nb2pkg.cli.")}


@pytest.mark.parametrize("workers", [1, 2])
def test_workers_take_the_largest_notebooks_first_and_the_report_keeps_the_order_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    from nb2pkg.batch import pool
    from nb2pkg.batch.run import run

    for name, cells in {"a": 1, "b": 30, "c": 5, "d": 60}.items():
        write_notebook(tmp_path / f"{name}.ipynb", make_notebook([f"x{i} = {i}" for i in range(cells)]))
    given: list[str] = []

    def in_this_process(tasks: list[Any], work: Any, count: int, *, done: Any, **rest: Any) -> None:
        for position, task in enumerate(tasks):
            given.append(task.notebook.stem)
            done(position, work(task))

    monkeypatch.setattr(pool, "run_tasks", in_this_process)
    outcomes = run(find_jobs([tmp_path], Options(tmp_path / "out")), workers)
    assert given == (["d", "b", "c", "a"] if workers > 1 else ["a", "b", "c", "d"])
    assert [Path(outcome.path).stem for outcome in outcomes] == ["a", "b", "c", "d"]
    assert all(outcome.status.value == "converted" for outcome in outcomes)
