"""The output folder is attacked the way an unlucky user or a hostile file would: crafted
provenance records, the source notebook where the summary goes, files nb2pkg did not
write, links inside the folder, two runs at once, a run killed at any moment, a full or
read-only disk. Every case is generated here; each asserts what a user would check:
the exit code, one line on stderr, and that nothing outside the project changed."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from nb2pkg.cli.app import app
from nb2pkg.errors import Conflict, FolderLocked, NotOurFolder
from nb2pkg.output import files as safe_fs
from nb2pkg.output.record import DamagedRecord
from nb2pkg.output.write import plan_changes, recorded_files, write_project
from support import make_notebook, write_notebook

runner = CliRunner()
CELLS = [
    "import math",
    "RATE = 0.5",
    "def grow(v):\n    return v * (1 + RATE)",
    "x = grow(2.0)",
    "y = math.sqrt(x)",
    "y",
]


def nb2pkg(*args: object) -> Any:
    return runner.invoke(app, [str(arg) for arg in args])


def notebook(folder: Path, name: str = "study.ipynb", cells: list[str] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return write_notebook(folder / name, make_notebook(cells or CELLS))


def tree(folder: Path) -> dict[str, str]:
    """Every entry under `folder` (links not followed): what a user would diff."""
    found = {}
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if path.is_symlink():
            found[name] = "link -> " + os.readlink(path)
        elif path.is_file():
            found[name] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            found[name] = "folder"
    return found


def one_line(result: Any, code: int, *words: str) -> None:
    assert result.exit_code == code, (result.exit_code, result.output)
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.output
    for word in words:
        assert word in result.stderr, result.stderr


@pytest.fixture
def world(tmp_path: Path) -> dict[str, Path]:
    """A converted project, a notebook folder, and an outside folder with a victim."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "victim.txt").write_text("keep me\n")
    source = notebook(tmp_path / "work")
    project = tmp_path / "project"
    assert nb2pkg(source, "--out", project, "-q").exit_code == 0
    return {"outside": outside, "source": source, "project": project, "root": tmp_path}


def record_of(project: Path) -> dict[str, Any]:
    return json.loads((project / ".nb2pkg.json").read_text())


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- 1. the provenance record is untrusted input ------------------------------------------


def _damaged_records(victim: Path, real: dict[str, Any]) -> dict[str, str]:
    """Crafted record texts, each naming the victim or breaking the schema."""

    def with_files(extra: dict[str, Any]) -> str:
        return json.dumps({**real, "files": {**real["files"], **extra}})

    hashed = sha(victim)
    return {
        "dotdot": with_files({"../outside/victim.txt": hashed}),
        "dotdot-inside": with_files({"src/../../outside/victim.txt": hashed}),
        "absolute": with_files({str(victim): hashed}),
        "backslash": with_files({"..\\outside\\victim.txt": hashed}),
        "empty-name": with_files({"": hashed}),
        "the-record": with_files({".nb2pkg.json": hashed}),
        "bad-hash": with_files({"README.md": 5}),
        "short-hash": with_files({"README.md": "abc"}),
        "pending-dotdot": json.dumps({**real, "pending": {"../outside/victim.txt": hashed}}),
        "files-list": json.dumps({**real, "files": []}),
        "files-null": json.dumps({**real, "files": None}),
        "no-files": json.dumps({k: v for k, v in real.items() if k != "files"}),
        "list": "[]",
        "null": "null",
        "string": '"files"',
        "number": "42",
        "notebook-number": json.dumps({**real, "notebook": 7}),
        "invalid": '{"files": {',
        "binary": "\udcff",
        "deep": "[" * 100_000,
    }


@pytest.mark.slow
def test_a_damaged_record_is_one_line_and_never_reaches_outside(world: dict[str, Path]) -> None:
    project, outside, source = world["project"], world["outside"], world["source"]
    victim = outside / "victim.txt"
    real = record_of(project)
    for case, text in _damaged_records(victim, real).items():
        (project / ".nb2pkg.json").write_text(text, encoding="utf-8", errors="surrogateescape")
        before = tree(project)
        for options in ([], ["--dry-run"], ["--check"]):
            result = nb2pkg(source, "--out", project, *options)
            one_line(result, 2, "damaged provenance record", "--force")
            assert "keep me" not in result.stdout, case
            assert tree(project) == before, (case, options)
        forced = nb2pkg(source, "--out", project, "--force", "-q")
        # as into a folder nb2pkg did not make: its files are the same as the new ones
        assert forced.exit_code == 0, (case, forced.output)
        assert victim.read_text() == "keep me\n", case
        assert record_of(project)["files"] == real["files"], case
    assert tree(outside) == {"victim.txt": sha(victim)}


def test_record_entries_for_links_and_folders_are_never_followed_or_removed(world: dict[str, Path]) -> None:
    project, outside, source = world["project"], world["outside"], world["source"]
    victim = outside / "victim.txt"
    (project / "link.txt").symlink_to(victim)
    (project / "folder").mkdir()
    (project / "folder" / "mine.txt").write_text("mine\n")
    real = record_of(project)
    (project / ".git").mkdir()
    (project / ".git" / "config").write_text("[core]\n")
    real["files"].update(
        {
            "link.txt": sha(victim),
            "folder": sha(victim),
            "src": sha(victim),
            ".git/config": sha(project / ".git" / "config"),
        }
    )
    (project / ".nb2pkg.json").write_text(json.dumps(real))
    dry = nb2pkg(source, "--out", project, "--dry-run")
    assert dry.exit_code == 0 and "keep me" not in dry.stdout
    assert nb2pkg(source, "--out", project, "--force", "-q").exit_code == 0
    assert (project / "link.txt").is_symlink() and victim.read_text() == "keep me\n"
    assert (project / "folder" / "mine.txt").read_text() == "mine\n"
    assert (project / ".git" / "config").read_text() == "[core]\n"  # hidden: never nb2pkg's to remove
    assert "link.txt" not in record_of(project)["files"]


@pytest.mark.slow
def test_batch_takes_a_damaged_record_as_a_failed_notebook(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    victim = outside / "victim.txt"
    victim.write_text("keep me\n")
    notebook(tmp_path / "nbs", "a.ipynb")
    notebook(tmp_path / "nbs", "b.ipynb")
    out = tmp_path / "out"
    assert nb2pkg("batch", tmp_path / "nbs", "--out", out, "-q", "-j", "1").exit_code == 0
    record = record_of(out / "a")
    record["files"]["../../outside/victim.txt"] = sha(victim)
    (out / "a" / ".nb2pkg.json").write_text(json.dumps(record))
    record_b = record_of(out / "b")
    record_b["outline"] = {"warnings": 5, "status": "failed", "steps": "many"}  # a hostile outline
    (out / "b" / ".nb2pkg.json").write_text(json.dumps(record_b))
    for options in ([], ["--dry-run"], ["--check"], ["--force"]):
        report = tmp_path / "report.json"
        result = nb2pkg("batch", tmp_path / "nbs", "--out", out, "-q", "-j", "1", "--report", report, *options)
        rows = {row["project"]: row for row in json.loads(report.read_text())["notebooks"]}
        assert "Traceback" not in result.output
        if options == ["--force"]:  # as into a folder nb2pkg did not make: its files are the new ones
            assert rows["a"]["status"] == "unchanged" and result.exit_code == 0
            assert "../../outside/victim.txt" not in record_of(out / "a")["files"]
        else:
            assert rows["a"]["reason"] == "damaged record" and result.exit_code == 1, result.output
        assert rows["b"]["status"] in ("converted", "unchanged", "would-change"), rows["b"]
        assert victim.read_text() == "keep me\n"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    record=st.recursive(
        st.none()
        | st.booleans()
        | st.integers()
        | st.text(max_size=5)
        | st.sampled_from(
            [
                "../victim.txt",
                "/etc/passwd",
                "..",
                ".",
                "a/../../victim.txt",
                "x\\..\\y",
                "README.md",
                "x" * 300,
                "0" * 64,
            ]
        ),
        lambda children: (
            st.lists(children, max_size=3)
            | st.dictionaries(
                st.sampled_from(
                    [
                        "files",
                        "pending",
                        "notebook",
                        "outline",
                        "../victim.txt",
                        "README.md",
                        "",
                        "nb2pkg",
                        "x" * 300,
                        "src/p/__init__.py",
                    ]
                ),
                children,
                max_size=4,
            )
        ),
        max_leaves=12,
    )
)
def test_any_record_keeps_the_outside_intact(tmp_path_factory: pytest.TempPathFactory, record: Any) -> None:
    root = tmp_path_factory.mktemp("record")
    (root / "victim.txt").write_text("keep me\n")
    project = root / "project"
    project.mkdir()
    (project / ".nb2pkg.json").write_text(json.dumps(record))
    files = {"README.md": "new\n", "src/p/__init__.py": ""}
    source = notebook(root / "work")
    assert recorded_files(project, source, "p") is None  # never "in sync" with a notebook it does not record
    for force in (False, True):
        for act in (plan_changes, write_project):
            try:
                act(project, files, notebook=source, force=force)  # type: ignore[operator]
            except (DamagedRecord, Conflict, NotOurFolder):  # nb2pkg's own refusals, never a crash
                pass
    assert (root / "victim.txt").read_text() == "keep me\n"
    assert sorted(p.name for p in root.iterdir()) == ["project", "victim.txt", "work"]


# -- 2. the summary notebook never replaces the source -------------------------------------


def test_the_source_inside_the_output_folder_is_never_overwritten(tmp_path: Path) -> None:
    out = tmp_path / "proj"
    source = notebook(out / "notebooks")
    original = source.read_bytes()
    one_line(nb2pkg(source, "--out", out), 2, "not made by nb2pkg")
    one_line(nb2pkg(source, "--out", out, "--force"), 2, "is the notebook being converted", "with or without --force")
    assert source.read_bytes() == original and tree(out) == {
        "notebooks": "folder",
        "notebooks/study.ipynb": sha(source),
    }


def test_a_projects_own_summary_converted_into_it_is_refused(world: dict[str, Path]) -> None:
    project = world["project"]
    summary = project / "notebooks" / "study.ipynb"
    before = tree(project)
    for options in ([], ["--force"], ["--dry-run"]):
        one_line(nb2pkg(summary, "--out", project, *options), 2, "is the notebook being converted")
    assert tree(project) == before


@pytest.mark.slow
def test_the_source_through_a_link_or_hard_link_is_still_the_source(world: dict[str, Path]) -> None:
    project, root = world["project"], world["root"]
    summary = project / "notebooks" / "study.ipynb"
    original = summary.read_bytes()
    (root / "linked").mkdir()
    (root / "linked" / "study.ipynb").symlink_to(summary)
    os.link(summary, root / "hard.ipynb")
    (root / "hard").mkdir()
    os.replace(root / "hard.ipynb", root / "hard" / "study.ipynb")
    for given_as in (
        root / "linked" / "study.ipynb",
        root / "hard" / "study.ipynb",
        project / "notebooks" / "." / "study.ipynb",
    ):
        one_line(nb2pkg(given_as, "--out", project, "--force"), 2, "is the notebook being converted")
        assert summary.read_bytes() == original
    other_name = root / "other.ipynb"  # a link under another name: its summary goes beside, the source stays
    other_name.symlink_to(summary)
    assert nb2pkg(other_name, "--out", project, "--force", "-q").exit_code == 0
    assert summary.read_bytes() == original and (project / "notebooks" / "other.ipynb").is_file()


# -- 3. files nb2pkg did not write ------------------------------------------------------------


@pytest.mark.slow
def test_force_never_overwrites_files_nb2pkg_did_not_write(tmp_path: Path) -> None:
    source = notebook(tmp_path / "work")
    out = tmp_path / "repo"
    out.mkdir()
    (out / "README.md").write_text("my readme\n")
    (out / "pyproject.toml").write_text("[project]\nname = 'mine'\n")
    before = tree(out)
    for options in (["--force"], ["--force", "--dry-run"], ["--force", "--check"]):
        one_line(
            nb2pkg(source, "--out", out, *options), 1, "nb2pkg did not write README.md, pyproject.toml", "even --force"
        )
        assert tree(out) == before
    (out / "README.md").unlink()
    (out / "pyproject.toml").unlink()
    (out / "notes.txt").write_text("mine\n")
    assert nb2pkg(source, "--out", out, "--force", "-q").exit_code == 0
    assert (out / "notes.txt").read_text() == "mine\n" and (out / "pyproject.toml").is_file()
    assert "notes.txt" not in record_of(out)["files"]


def test_a_file_the_record_does_not_name_is_the_users_even_with_force(world: dict[str, Path]) -> None:
    project, source = world["project"], world["source"]
    record = record_of(project)
    del record["files"]["README.md"]
    (project / ".nb2pkg.json").write_text(json.dumps(record))
    (project / "README.md").write_text("mine now\n")
    one_line(nb2pkg(source, "--out", project, "--force"), 1, "nb2pkg did not write README.md")
    assert (project / "README.md").read_text() == "mine now\n"


# -- 4. links inside the output folder --------------------------------------------------------


# a folder in the fast part; the other links in the slow one
@pytest.mark.parametrize(
    "link",
    [
        "src",
        *(
            pytest.param(link, marks=pytest.mark.slow)
            for link in ("README.md", "tests", "notebooks", "src/study", "tests/test_study.py")
        ),
    ],
)
def test_nothing_is_written_through_a_link_inside_the_project(world: dict[str, Path], link: str) -> None:
    project, outside, source = world["project"], world["outside"], world["source"]
    target = outside / "target"
    place = project / link
    if (project / link).is_dir():
        shutil.copytree(place, target)
        shutil.rmtree(place)
    else:
        shutil.copy(place, target)
        place.unlink()
    place.symlink_to(target)
    write_notebook(source, make_notebook([*CELLS, "z = y + 1"]))  # a change: the project must be rewritten
    before = tree(outside)
    for options in ([], ["--force"], ["--dry-run"], ["--check"]):
        result = nb2pkg(source, "--out", project, *options)
        one_line(result, 1, "nb2pkg did not write", link)
        assert tree(outside) == before, options
    assert place.is_symlink()


@pytest.mark.slow
def test_without_dir_fd_links_are_still_never_followed(world: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows has no `dir_fd`: each step is looked at before it is used instead."""
    monkeypatch.setattr(safe_fs, "WITH_DIR_FD", False)
    project, outside, source = world["project"], world["outside"], world["source"]
    write_notebook(source, make_notebook([*CELLS, "z = 5"]))
    assert nb2pkg(source, "--out", project, "-q").exit_code == 0
    shutil.move(project / "tests", outside / "tests")
    (project / "tests").symlink_to(outside / "tests")
    (project / "README.md").unlink()
    (project / "README.md").symlink_to(outside / "victim.txt")
    before = tree(outside)
    write_notebook(source, make_notebook([*CELLS, "z = 6"]))
    for options in ([], ["--force"], ["--dry-run"]):
        one_line(
            nb2pkg(source, "--out", project, *options),
            1,
            "README.md (not a regular file)",
            "tests (a link or not a folder)",
        )
    assert tree(outside) == before
    shutil.move(project / ".nb2pkg.json", outside / "record.json")
    (project / ".nb2pkg.json").symlink_to(outside / "record.json")
    before = tree(outside)
    one_line(nb2pkg(source, "--out", project), 2, "damaged provenance record")
    assert tree(outside) == before


def test_batch_never_writes_through_a_link_inside_its_output_folder(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    notebook(tmp_path / "nbs" / "sub", "a.ipynb")
    notebook(tmp_path / "nbs", "b.ipynb")
    out = tmp_path / "out"
    out.mkdir()
    (out / "sub").symlink_to(outside)  # the folder of project sub/a
    (out / "b").symlink_to(outside)  # project b itself
    report = tmp_path / "report.json"
    result = nb2pkg("batch", tmp_path / "nbs", "--out", out, "-q", "-j", "1", "--report", report)
    rows = {row["project"]: row for row in json.loads(report.read_text())["notebooks"]}
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert {rows["sub/a"]["status"], rows["b"]["status"]} == {"failed"}
    assert "link" in rows["sub/a"]["message"] and "link" in rows["b"]["message"]
    assert list(outside.iterdir()) == []


@pytest.mark.slow
def test_a_linked_record_or_lock_is_never_followed(world: dict[str, Path]) -> None:
    project, outside, source = world["project"], world["outside"], world["source"]
    victim = outside / "victim.txt"
    saved = outside / "record.json"
    shutil.copy(project / ".nb2pkg.json", saved)
    (project / ".nb2pkg.json").unlink()
    (project / ".nb2pkg.json").symlink_to(saved)
    one_line(nb2pkg(source, "--out", project), 2, "damaged provenance record", "not a regular file")
    assert nb2pkg(source, "--out", project, "--force", "-q").exit_code == 0
    assert not (project / ".nb2pkg.json").is_symlink() and saved.read_bytes() != b""
    (project / ".nb2pkg.lock").unlink()
    (project / ".nb2pkg.lock").symlink_to(victim)
    write_notebook(source, make_notebook([*CELLS, "z = 1"]))
    one_line(nb2pkg(source, "--out", project), 2, ".nb2pkg.lock", "link")
    assert victim.read_text() == "keep me\n"


def test_a_hard_link_inside_the_project_is_replaced_not_written_through(world: dict[str, Path]) -> None:
    project, outside, source = world["project"], world["outside"], world["source"]
    config = project / "src" / "study" / "config.py"
    os.link(config, outside / "config-copy.py")
    kept = (outside / "config-copy.py").read_bytes()
    write_notebook(source, make_notebook(["import math", "RATE = 0.75", *CELLS[2:]]))  # config.py changes
    assert nb2pkg(source, "--out", project, "-q").exit_code == 0
    assert config.read_bytes() != kept and (outside / "config-copy.py").read_bytes() == kept


def test_a_dangling_out_link_is_one_line(tmp_path: Path) -> None:
    source = notebook(tmp_path / "work")
    out = tmp_path / "out"
    out.symlink_to(tmp_path / "missing")
    for options in ([], ["--force"], ["--dry-run"]):
        one_line(nb2pkg(source, "--out", out, *options), 2, "is a symbolic link to nothing")
    assert not (tmp_path / "missing").exists()


def test_an_out_link_the_user_named_is_followed(tmp_path: Path) -> None:
    source = notebook(tmp_path / "work")
    (tmp_path / "real").mkdir()
    (tmp_path / "named").symlink_to(tmp_path / "real")
    assert nb2pkg(source, "--out", tmp_path / "named", "-q").exit_code == 0
    assert (tmp_path / "real" / "pyproject.toml").is_file()


def test_a_linked_notebook_means_the_folder_of_the_link(tmp_path: Path) -> None:
    # a relative folder listing needs the notebook's folder, a read finds its data there
    real = notebook(
        tmp_path / "store" / "deep", cells=[*CELLS, "import os\nnames = os.listdir('.')", "t = open('a.txt').read()"]
    )
    (tmp_path / "work").mkdir()
    link = tmp_path / "work" / "study.ipynb"
    link.symlink_to(real)
    out = tmp_path / "project"
    assert nb2pkg(link, "--out", out, "-q").exit_code == 0
    assert record_of(out)["notebook"] == "../work/study.ipynb"
    config = (out / "src" / "study" / "config.py").read_text()
    assert '"../work"' in config and repr((tmp_path / "work").resolve().as_posix()).replace("'", '"') in config


# nb2pkg with every file write slowed down, saying when it starts writing: so that a kill
# or a second run lands while files are being written, not before or after.
_SLOW_WRITER = """
import sys, time
from nb2pkg.output import files as safe_fs
plain = safe_fs.write_all
def slow(fd, data):
    print("writing", flush=True)
    time.sleep(0.03)
    plain(fd, data)
safe_fs.write_all = slow
from nb2pkg.cli.app import main
sys.argv = ["nb2pkg", *sys.argv[1:]]
main()
"""


# -- 5. two runs into one folder ---------------------------------------------------------------


def _hold_lock(lock: Path, seconds: float) -> subprocess.Popen[str]:
    code = (
        "import sys, time\nfrom filelock import FileLock\n"
        f"lock = FileLock({str(lock)!r}); lock.acquire(); print('held', flush=True); time.sleep({seconds})\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return holder


@pytest.mark.slow
def test_a_locked_folder_waits_then_gives_up_with_one_line(world: dict[str, Path]) -> None:
    project, source = world["project"], world["source"]
    holder = _hold_lock(project / ".nb2pkg.lock", 30)
    try:
        before = tree(project)
        with pytest.raises(FolderLocked, match=r"another nb2pkg run is writing into it \(waited 0.5 s"):
            write_project(project, {"README.md": "other\n"}, source, lock_timeout=0.5)
        assert tree(project) == before
    finally:
        holder.kill()
        holder.wait()
    holder = _hold_lock(project / ".nb2pkg.lock", 1.5)
    start = time.perf_counter()
    write_notebook(source, make_notebook([*CELLS, "z = 2"]))
    assert nb2pkg(source, "--out", project, "-q").exit_code == 0
    assert time.perf_counter() - start > 0.5  # it waited for the holder
    holder.wait()


@pytest.mark.slow
def test_batch_takes_the_lock_of_each_project(tmp_path: Path) -> None:
    notebook(tmp_path / "nbs", "a.ipynb")
    notebook(tmp_path / "nbs", "b.ipynb")
    out = tmp_path / "out"
    assert nb2pkg("batch", tmp_path / "nbs", "--out", out, "-q", "-j", "1").exit_code == 0
    for name in ("a", "b"):
        write_notebook(tmp_path / "nbs" / f"{name}.ipynb", make_notebook([*CELLS, "z = 4"]))
    holder = _hold_lock(out / "a" / ".nb2pkg.lock", 60)
    try:
        before = tree(out / "a")
        report = tmp_path / "report.json"
        result = nb2pkg("batch", tmp_path / "nbs", "--out", out, "-q", "-j", "1", "--report", report)
        rows = {row["project"]: row for row in json.loads(report.read_text())["notebooks"]}
        assert result.exit_code == 1
        assert rows["a"]["reason"] == "output folder locked" and "another nb2pkg run" in rows["a"]["message"]
        assert rows["b"]["status"] == "converted" and tree(out / "a") == before
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.slow
def test_two_runs_into_one_folder_never_mix(tmp_path: Path) -> None:
    first = notebook(tmp_path / "work", "one.ipynb")
    second = notebook(tmp_path / "work", "two.ipynb", [*CELLS, "import json", "text = json.dumps([y])"])
    for attempt in range(3):
        out = tmp_path / f"both-{attempt}"
        runs = [
            subprocess.Popen(
                [sys.executable, "-c", _SLOW_WRITER, str(path), "--out", str(out), "-q"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            for path in (first, second)
        ]  # writes slowed down, so that the two runs overlap
        codes = [run.wait() for run in runs]
        assert codes == [0, 0], [run.stderr.read() for run in runs if run.stderr]
        record = record_of(out)
        on_disk = {name for name, kind in tree(out).items() if kind != "folder"} - {".nb2pkg.json", ".nb2pkg.lock"}
        assert on_disk == set(record["files"]), "a mixed project"
        assert all(sha(out / name) == digest for name, digest in record["files"].items())
        assert record["notebook_sha256"] in (sha(first), sha(second)) and "pending" not in record


# -- 6. killed runs, full and read-only disks ----------------------------------------------------


def _accepted(project: Path) -> dict[str, set[str]]:
    record = record_of(project)
    names = set(record["files"]) | set(record.get("pending", {}))
    return {name: {record["files"].get(name), record.get("pending", {}).get(name)} for name in names}


@pytest.mark.slow
@pytest.mark.parametrize("first_run", [True, False])
def test_a_run_killed_at_any_moment_leaves_old_or_new_and_the_next_run_goes_on(tmp_path: Path, first_run: bool) -> None:
    chance = random.Random(12)
    source = notebook(tmp_path / "work", cells=[*CELLS, *(f"v{i} = grow({i})" for i in range(20))])
    reference = tmp_path / "reference"
    for attempt in range(6):
        out = tmp_path / f"killed-{attempt}"
        if not first_run:
            write_notebook(source, make_notebook(CELLS))
            assert nb2pkg(source, "--out", out, "-q").exit_code == 0
            write_notebook(source, make_notebook([*CELLS, *(f"v{i} = grow({i})" for i in range(20))]))
        run = subprocess.Popen(
            [sys.executable, "-c", _SLOW_WRITER, str(source), "--out", str(out), "-q"],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert run.stdout is not None and run.stdout.readline().strip() == "writing"
        time.sleep(chance.uniform(0, 0.5))
        run.send_signal(signal.SIGKILL)
        run.wait()
        if (out / ".nb2pkg.json").exists():
            for name, hashes in _accepted(out).items():  # every file is old, new, or not there
                assert not (out / name).exists() or sha(out / name) in hashes, name
        again = nb2pkg(source, "--out", out, "-q")
        assert again.exit_code == 0, again.output  # never "you edited" for nb2pkg's own files
        assert not [name for name in tree(out) if name.endswith(".tmp")]
        if attempt == 0:
            assert nb2pkg(source, "--out", reference, "-q").exit_code == 0
        assert tree(out) == tree(reference) or _same_but_config(out, reference)


def _same_but_config(out: Path, reference: Path) -> bool:
    """The two differ only in paths relative to their own folder (config, record)."""
    mine, theirs = tree(out), tree(reference)
    differing = {name for name in set(mine) | set(theirs) if mine.get(name) != theirs.get(name)}
    return differing <= {".nb2pkg.json", "src/study/config.py", "README.md"}


@pytest.mark.parametrize("fail_after", [0, 3, *(pytest.param(n, marks=pytest.mark.slow) for n in (1, 7))])
def test_a_full_disk_is_one_line_and_the_next_run_accepts_the_half_written_folder(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fail_after: int,
) -> None:
    source = notebook(tmp_path / "work")
    out = tmp_path / "project"
    plain = safe_fs.write_all
    calls = []

    def full(fd: int, data: bytes) -> None:
        calls.append(1)
        if len(calls) > fail_after:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        plain(fd, data)

    monkeypatch.setattr(safe_fs, "write_all", full)
    one_line(nb2pkg(source, "--out", out), 2, "no space left on the device", "run again")
    assert not [name for name in tree(out) if name.endswith(".tmp")]
    monkeypatch.setattr(safe_fs, "write_all", plain)
    again = nb2pkg(source, "--out", out, "-q")
    assert again.exit_code == 0, again.output
    assert "pending" not in record_of(out)


def test_the_temporary_files_of_a_killed_run_are_removed_and_only_those(world: dict[str, Path]) -> None:
    project, source = world["project"], world["source"]
    left = [".README.md.k3x9a0_q.tmp", "src/study/.config.py.abcd1234.tmp", "..nb2pkg.json.0000ffff.tmp"]
    mine = [
        ".notes.txt.abcd1234.tmp",
        ".README.md.tmp",
        ".nb2pkg.json.0000ffff.tmp",
        "src/study/.README.md.abcd1234.tmp",
        "my.tmp",
    ]
    for name in [*left, *mine]:
        (project / name).write_text("half\n")
    assert nb2pkg(source, "--out", project, "-q").exit_code == 0  # in sync: nothing else to do
    assert [name for name in left if (project / name).exists()] == []
    assert [name for name in mine if (project / name).exists()] == mine


def test_a_read_only_folder_is_one_line(world: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    project, source = world["project"], world["source"]
    write_notebook(source, make_notebook([*CELLS, "z = 3"]))

    def refuse(fd: int, data: bytes) -> None:
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(safe_fs, "write_all", refuse)
    one_line(nb2pkg(source, "--out", project), 2, "read-only file system")
    monkeypatch.undo()
    if os.geteuid() != 0:  # root writes anyway
        project.chmod(0o555)
        try:
            one_line(nb2pkg(source, "--out", project), 2, "permission denied")
        finally:
            project.chmod(0o755)


def test_out_below_a_file_is_one_line(tmp_path: Path) -> None:
    source = notebook(tmp_path / "work")
    (tmp_path / "file").write_text("x")
    one_line(nb2pkg(source, "--out", tmp_path / "file" / "sub"), 2, "is a file, not a folder")
    one_line(nb2pkg(source, "--out", tmp_path / "file"), 2, "exists and is not a folder")
