"""The command line attacked the way an unlucky user or an attacker would: hostile file
and package names, environment faults (read-only or full disk, `--out` below a file,
dangling and looping symlinks, unreadable notebooks), a killed batch parent, a hanging
conversion. Each must end in exit 0, 1 or 2 with one line naming the path, never a
traceback, never exit 3."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import warnings
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nb2pkg import errors
from nb2pkg.cli.app import app
from support import make_notebook, write_notebook

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()
posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and permissions")
NOTEBOOK = make_notebook(["import math\nradius = 2.0", "area = math.pi * radius ** 2\nprint(area)"])
HOSTILE_NAMES = [
    pytest.param("a\\N.ipynb", id="backslash-N"),
    pytest.param("b\\x.ipynb", id="backslash-x"),
    pytest.param('c""".ipynb', id="triple-quote"),
    pytest.param("d'\".ipynb", id="quotes"),
    pytest.param("e\nf.ipynb", id="newline"),
    pytest.param("-rf.ipynb", id="dash"),
    pytest.param("café été.ipynb", id="non-ascii"),
    pytest.param("x\\.ipynb", id="trailing-backslash"),
]


def invoke(args: list[str]):  # type: ignore[no-untyped-def]
    result = runner.invoke(app, args)
    assert "Traceback" not in result.output, result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), result.exception
    return result


def one_line_error(result, code: int = 2) -> str:  # type: ignore[no-untyped-def]
    assert result.exit_code == code, (result.exit_code, result.output)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def compiled(project: Path) -> list[Path]:
    """Every generated module of `project`; each compiles without even a warning
    (an invalid escape sequence warns today and fails in a later Python)."""
    sources = sorted(project.rglob("*.py"))
    for source in sources:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            compile(source.read_text(encoding="utf-8"), str(source), "exec")
    return sources


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_notebook_names_inspect_and_convert(tmp_path: Path, name: str) -> None:
    notebook = write_notebook(tmp_path / name, NOTEBOOK)
    assert invoke(["inspect", "--json", "--", str(notebook)]).exit_code == 0
    out = tmp_path / "project"
    result = invoke(["convert", "--out", str(out), "--", str(notebook)])
    assert result.exit_code == 0, result.output
    assert len(compiled(out)) >= 4
    assert json.loads(next((out / "notebooks").glob("*.ipynb")).read_text(encoding="utf-8"))["cells"]


@pytest.mark.slow
@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_notebook_names_in_a_batch(tmp_path: Path, name: str) -> None:
    folder = tmp_path / "notebooks"
    folder.mkdir()
    write_notebook(folder / name, NOTEBOOK)
    write_notebook(folder / "plain.ipynb", NOTEBOOK)
    report = tmp_path / "report.json"
    result = invoke(["batch", str(folder), "--out", str(tmp_path / "out"), "--jobs", "1", "--report", str(report)])
    rows = json.loads(report.read_text(encoding="utf-8"))["notebooks"]
    assert result.exit_code == 0, [row.get("message") for row in rows]
    assert [row["status"] for row in rows] == ["converted", "converted"]
    for row in rows:
        compiled(tmp_path / "out" / row["project"])


@pytest.mark.parametrize(
    "args",
    [
        ["--", "-rf.ipynb"],
        ["convert", "--", "-rf.ipynb"],
        ["--out", "there", "--", "-rf.ipynb"],
        ["convert", "-q", "--", "-rf.ipynb"],
    ],
)
def test_a_notebook_named_like_an_option_after_double_dash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    write_notebook(tmp_path / "-rf.ipynb", NOTEBOOK)
    assert invoke(args).exit_code == 0
    assert sorted(path.name for path in tmp_path.glob("*/notebooks/*.ipynb")) == ["-rf.ipynb"]


def test_a_notebook_named_like_an_option_without_double_dash_says_how(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write_notebook(tmp_path / "-rf.ipynb", NOTEBOOK)
    result = invoke(["-rf.ipynb"])
    assert result.exit_code == 2
    assert "nb2pkg [OPTIONS] -- -rf.ipynb" in result.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == ["-rf.ipynb"]


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("class", "keyword"),
        ("None", "keyword"),
        ("True", "keyword"),
        ("os", "shadow"),
        ("OS", "shadow"),
        ("json", "shadow"),
        ("pandas", "shadow"),
        ("pytest", "shadow"),
        ("café", "ASCII"),
        ("1x", "identifier"),
        ("my-pkg", "identifier"),
        ("", "identifier"),
        ("a\nb", "identifier"),
    ],
)
def test_unusable_package_names_are_refused_before_anything_is_written(tmp_path: Path, name: str, says: str) -> None:
    notebook = write_notebook(tmp_path / "explore.ipynb", NOTEBOOK)
    out = tmp_path / "project"
    line = one_line_error(invoke(["convert", str(notebook), "--out", str(out), "--name", name]))
    assert line.startswith(f"--name {name!r}: ".replace("\n", "\\n")) and says in line
    assert "use --name " in line or says == "identifier" and not name
    assert not out.exists()


@pytest.mark.parametrize("name", ["match", "my_pkg", "Sales", "_private", "list"])
def test_usable_package_names_convert_and_compile(tmp_path: Path, name: str) -> None:
    notebook = write_notebook(tmp_path / "explore.ipynb", NOTEBOOK)
    out = tmp_path / "project"
    assert invoke(["convert", str(notebook), "--out", str(out), "--name", name]).exit_code == 0
    assert (out / "src" / name / "__init__.py").is_file()
    compiled(out)


@pytest.mark.slow
@posix_only
def test_workers_leave_quietly_when_the_batch_parent_is_killed(tmp_path: Path) -> None:
    script = tmp_path / "parent.py"
    script.write_text(
        textwrap.dedent("""
        import time
        from nb2pkg.batch import pool
        if __name__ == "__main__":
            pool.run_tasks([30, 30, 30], time.sleep, 2, done=lambda i, r: print(i, flush=True),
                           failed=lambda task, why: why)
    """),
        encoding="utf-8",
    )
    parent = subprocess.Popen(
        [sys.executable, str(script)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )
    time.sleep(2)  # the workers are sleeping in their tasks
    parent.send_signal(signal.SIGKILL)
    start = time.monotonic()
    _, stderr = parent.communicate(timeout=20)  # ends once every worker closed the shared stderr
    assert "Traceback" not in stderr and "Error" not in stderr, stderr
    assert time.monotonic() - start < 10  # they left at once, not after their 30 s task


# Environment faults: each is exit 2 and one line naming the path, never "a bug".


def _raise_for(call_name: str, code: int, inside: Path):  # type: ignore[no-untyped-def]
    """`os.<call_name>` failing with `code` for paths inside `inside`, as the disk would."""
    real = getattr(os, call_name)

    def failing(*args, **kwargs):  # type: ignore[no-untyped-def]
        target = os.fspath(args[-1] if call_name == "replace" else args[0])
        # nb2pkg writes inside the project relative to an open folder (dir_fd), never by path
        relative = any(kwargs.get(key) is not None for key in ("dir_fd", "dst_dir_fd"))
        if relative or Path(target).absolute().is_relative_to(inside.absolute()):
            raise OSError(code, os.strerror(code), target)
        return real(*args, **kwargs)

    return failing


@pytest.mark.parametrize(
    ("call", "code", "says"),
    [
        ("mkdir", errno.EROFS, "read-only file system"),
        ("mkdir", errno.EACCES, "permission denied"),
        ("replace", errno.ENOSPC, "no space left on the device"),
        ("replace", errno.EDQUOT, "disk quota exceeded"),
    ],
)
def test_file_system_faults_while_writing_are_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, call: str, code: int, says: str
) -> None:
    notebook = write_notebook(tmp_path / "explore.ipynb", NOTEBOOK)
    out = tmp_path / "disk" / "project"
    monkeypatch.setattr(os, call, _raise_for(call, code, tmp_path / "disk"))
    line = one_line_error(invoke(["convert", str(notebook), "--out", str(out)]))
    assert says in line and str(tmp_path / "disk") in line
    assert "bug" not in line


def test_a_full_disk_in_a_batch_is_recorded_per_notebook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from nb2pkg import batch
    from nb2pkg.options import Options

    folder = tmp_path / "notebooks"
    folder.mkdir()
    write_notebook(folder / "explore.ipynb", NOTEBOOK)
    jobs = batch.find_jobs([folder], Options(tmp_path / "out"))
    monkeypatch.setattr(os, "replace", _raise_for("replace", errno.ENOSPC, tmp_path / "out"))
    outcome = batch.convert_one(jobs[0])  # in this process, so the fault applies
    assert (outcome.status, outcome.reason) == (batch.Status.FAILED, "environment")
    assert outcome.message is not None
    assert "no space left on the device" in outcome.message and "bug" not in outcome.message


@pytest.mark.slow
@posix_only
def test_a_real_read_only_and_full_disk(tmp_path: Path) -> None:
    """The same through a real tmpfs, where the machine allows mounting one (root)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = (
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", str(disk)], capture_output=True, check=False)
        if os.geteuid() == 0
        else None
    )
    if mounted is None or mounted.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        notebook = write_notebook(
            tmp_path / "explore.ipynb", make_notebook([f"# {'x' * 60}\nvalue_{i} = {i}" for i in range(300)])
        )
        full = subprocess.run(
            [sys.executable, "-m", "nb2pkg", str(notebook), "--out", str(disk / "p")],
            capture_output=True,
            text=True,
            check=False,
        )
        assert full.returncode == 2 and len(full.stderr.splitlines()) == 1, full.stderr
        assert "no space left on the device" in full.stderr
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        readonly = subprocess.run(
            [sys.executable, "-m", "nb2pkg", str(notebook), "--out", str(disk / "q")],
            capture_output=True,
            text=True,
            check=False,
        )
        assert readonly.returncode == 2 and "read-only file system" in readonly.stderr, readonly.stderr
        assert len(readonly.stderr.splitlines()) == 1
    finally:
        subprocess.run(["umount", str(disk)], check=False)


def test_out_below_a_file(tmp_path: Path) -> None:
    notebook = write_notebook(tmp_path / "explore.ipynb", NOTEBOOK)
    (tmp_path / "afile").write_text("mine\n", encoding="utf-8")
    for command in (["convert", str(notebook)], ["convert", "--dry-run", str(notebook)], ["batch", str(notebook)]):
        line = one_line_error(invoke([*command, "--out", str(tmp_path / "afile" / "project")]))
        assert (
            line == f"{tmp_path / 'afile' / 'project'}: {tmp_path / 'afile'} is a file, not a folder; "
            "choose another --out"
        )
    assert (tmp_path / "afile").read_text(encoding="utf-8") == "mine\n"


@pytest.mark.parametrize("link", ["dangling", "loop"])
def test_out_is_a_link_to_nothing(tmp_path: Path, link: str) -> None:
    notebook = write_notebook(tmp_path / "explore.ipynb", NOTEBOOK)
    out = tmp_path / "out"
    if link == "dangling":
        out.symlink_to(tmp_path / "nowhere")
    else:
        out.symlink_to(tmp_path / "other")
        (tmp_path / "other").symlink_to(out)
    for command in (["convert", str(notebook)], ["batch", str(notebook)]):
        line = one_line_error(invoke([*command, "--out", str(out)]))
        assert (
            line == f"{out}: is a symbolic link to nothing (dangling, or a loop); remove the link or "
            "choose another --out"
        )
    assert not (tmp_path / "nowhere").exists()


@posix_only
def test_an_unreadable_notebook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    notebook = write_notebook(tmp_path / "explore.ipynb", NOTEBOOK)
    if os.geteuid() == 0:  # root reads anything: the file system's refusal, simulated
        real = Path.read_bytes
        monkeypatch.setattr(
            Path,
            "read_bytes",
            lambda self: (
                (_ for _ in ()).throw(PermissionError(errno.EACCES, "Permission denied", str(self)))
                if self == notebook
                else real(self)
            ),
        )
    else:
        notebook.chmod(0)
    for command in (["inspect"], ["convert", "--out", str(tmp_path / "p")], ["convert", "--dry-run"]):
        line = one_line_error(invoke([*command, str(notebook)]))
        assert line.startswith(f"{notebook}: ") and "ermission" in line
    assert not (tmp_path / "p").exists()


def test_names_too_long_for_the_file_system(tmp_path: Path) -> None:
    notebook = write_notebook(tmp_path / "explore.ipynb", NOTEBOOK)
    long = tmp_path / ("n" * 300)
    for command in (
        ["inspect", f"{long}.ipynb"],
        ["convert", str(notebook), "--out", str(long)],
        ["batch", str(long), "--out", str(tmp_path / "out")],
    ):
        line = one_line_error(invoke(command))
        assert line.startswith(str(long)) and line.endswith(": file name too long; choose a shorter name or path")


def test_a_report_that_cannot_be_written(tmp_path: Path) -> None:
    notebook = write_notebook(tmp_path / "explore.ipynb", NOTEBOOK)
    (tmp_path / "afile").write_text("mine\n", encoding="utf-8")
    result = invoke(
        ["batch", str(notebook), "--out", str(tmp_path / "out"), "--report", str(tmp_path / "afile" / "report.json")]
    )
    line = one_line_error(result)
    assert line.startswith(str(tmp_path / "afile")) and "bug" not in line


def test_link_loops_in_a_batch_tree_are_recorded_and_the_batch_goes_on(tmp_path: Path) -> None:
    folder = tmp_path / "notebooks"
    (folder / "sub").mkdir(parents=True)
    write_notebook(folder / "explore.ipynb", NOTEBOOK)
    write_notebook(folder / "sub" / "second.ipynb", NOTEBOOK)
    (folder / "self.ipynb").symlink_to(folder / "self.ipynb")  # a notebook that is a loop
    (folder / "sub" / "up").symlink_to(folder)  # a folder loop: never followed
    (folder / "loop").symlink_to(folder / "loop")
    (folder / "gone.ipynb").symlink_to(tmp_path / "nowhere.ipynb")
    report = tmp_path / "report.json"
    result = invoke(["batch", str(folder), "--out", str(tmp_path / "out"), "--jobs", "1", "--report", str(report)])
    assert result.exit_code == 1
    rows = {Path(row["path"]).name: row for row in json.loads(report.read_text(encoding="utf-8"))["notebooks"]}
    assert sorted(rows) == ["explore.ipynb", "gone.ipynb", "second.ipynb", "self.ipynb"]
    assert rows["explore.ipynb"]["status"] == rows["second.ipynb"]["status"] == "converted"
    for bad in ("gone.ipynb", "self.ipynb"):
        assert rows[bad]["status"] == "failed" and rows[bad]["reason"] != "nb2pkg bug", rows[bad]


def test_a_batch_path_that_is_a_link_to_nothing(tmp_path: Path) -> None:
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    line = one_line_error(invoke(["batch", str(tmp_path / "loop"), "--out", str(tmp_path / "out")]))
    assert (
        line == f"{tmp_path / 'loop'}: is a symbolic link to nothing (dangling, or a loop); "
        "repair the link or name its target"
    )


# One error hierarchy.


def test_a_bug_is_reported_once_with_the_sentence_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from nb2pkg import api, batch
    from nb2pkg.options import Options

    def broken(*args: object, **kwargs: object) -> None:
        raise errors.InternalError(tmp_path / "x.ipynb", "generated a.py does not compile")

    monkeypatch.setattr(api, "convert", broken)
    notebook = write_notebook(tmp_path / "x.ipynb", NOTEBOOK)
    line = one_line_error(invoke(["convert", str(notebook), "--out", str(tmp_path / "p")]), code=3)
    assert line == f"{notebook}: nb2pkg failed (generated a.py does not compile); {errors.BUG_ADVICE}"
    outcome = batch.convert_one(batch.find_jobs([notebook], Options(tmp_path / "out"))[0])
    assert outcome.message == line and outcome.reason == "nb2pkg bug"


def test_an_unexpected_exception_or_os_error_is_a_bug(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from nb2pkg import api

    notebook = write_notebook(tmp_path / "x.ipynb", NOTEBOOK)
    for error in (KeyError("cells"), ConnectionResetError(errno.ECONNRESET, "reset")):
        monkeypatch.setattr(api, "inspect", lambda path, error=error: (_ for _ in ()).throw(error))
        line = one_line_error(invoke(["inspect", str(notebook)]), code=3)
        assert line.startswith(f"{notebook}: nb2pkg failed ({type(error).__name__}: ")
        assert line.count("this is a bug") == 1


def test_the_bug_sentence_is_written_once_in_the_source() -> None:
    sources = {path: path.read_text(encoding="utf-8") for path in (ROOT / "src" / "nb2pkg").rglob("*.py")}
    assert [path.name for path, text in sources.items() if "this is a bug" in text] == ["errors.py"]


def test_every_error_class_has_its_exit_code() -> None:
    codes = {
        cls.__name__: cls.exit_code
        for cls in vars(errors).values()
        if isinstance(cls, type) and issubclass(cls, errors.Nb2pkgError)
    }
    assert codes.pop("Conflict") == codes.pop("EditedFiles") == codes.pop("ForeignFiles") == 1
    assert codes.pop("InternalError") == codes.pop("Nb2pkgError") == 3
    assert set(codes.values()) == {2}
    from nb2pkg import verify
    from nb2pkg.output import write as output

    assert output.EditedFiles is errors.EditedFiles and verify.CannotVerify is errors.CannotVerify


def test_edited_files_end_with_exit_1(tmp_path: Path) -> None:
    notebook = write_notebook(tmp_path / "explore.ipynb", NOTEBOOK)
    out = tmp_path / "p"
    assert invoke(["convert", str(notebook), "--out", str(out), "-q"]).exit_code == 0
    readme = out / "README.md"
    readme.write_text("my notes\n", encoding="utf-8")
    line = one_line_error(invoke(["convert", str(notebook), "--out", str(out)]), code=1)
    assert "README.md" in line and readme.read_text(encoding="utf-8") == "my notes\n"


# --timeout for one conversion.


def _slow(*args: object, **kwargs: object) -> None:
    time.sleep(30)


@pytest.mark.slow
@posix_only
@pytest.mark.parametrize("command", [["inspect"], ["convert"], ["convert", "--dry-run"]])
def test_timeout_stops_a_conversion_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    from nb2pkg import api

    monkeypatch.setattr(api, "inspect", _slow)
    monkeypatch.setattr(api, "convert", _slow)
    notebook = write_notebook(tmp_path / "explore.ipynb", NOTEBOOK)
    start = time.monotonic()
    line = one_line_error(
        invoke(
            [
                *command,
                "--timeout",
                "0.5",
                str(notebook),
                *(["--out", str(tmp_path / "p")] if command[0] == "convert" else []),
            ]
        )
    )
    assert time.monotonic() - start < 10
    assert (
        line == f"{notebook}: converting took longer than --timeout 0.5 s; raise --timeout, or look for a "
        "very large or deeply nested cell"
    )
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)  # the alarm is disarmed


def test_timeout_without_sigalrm_as_on_windows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from nb2pkg.deadline import time_limit

    monkeypatch.delattr(signal, "setitimer")
    start = time.monotonic()
    with pytest.raises(errors.TimedOut), time_limit(0.3, tmp_path / "x.ipynb"):
        while time.monotonic() - start < 30:
            pass
    assert time.monotonic() - start < 10


def test_a_conversion_within_its_timeout_is_untouched(tmp_path: Path) -> None:
    notebook = write_notebook(tmp_path / "explore.ipynb", NOTEBOOK)
    assert invoke(["convert", str(notebook), "--out", str(tmp_path / "p"), "--timeout", "120", "-q"]).exit_code == 0
    assert (tmp_path / "p" / "pyproject.toml").is_file()
    assert signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, None)


def test_every_error_nb2pkg_raises_is_in_errors_with_its_exit_code() -> None:
    import ast

    defined_elsewhere = [
        f"{path.relative_to(ROOT)}: {node.name}"
        for path in (ROOT / "src" / "nb2pkg").rglob("*.py")
        if path.name != "errors.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ClassDef)
        and any(
            isinstance(base, ast.Name) and base.id.endswith(("Error", "Fault", "Conflict", "Record"))
            for base in node.bases
        )
    ]
    assert defined_elsewhere == []
    codes = {
        cls.__name__: cls.exit_code
        for cls in vars(errors).values()
        if isinstance(cls, type) and issubclass(cls, errors.Nb2pkgError)
    }
    assert codes == {
        "Nb2pkgError": 3,
        "InternalError": 3,
        "Conflict": 1,
        "EditedFiles": 1,
        "ForeignFiles": 1,
        **dict.fromkeys(
            [
                "InputError",
                "NotebookNotFound",
                "UnreadableNotebook",
                "InvalidNotebook",
                "OtherLanguage",
                "NoNotebooks",
                "NotOurFolder",
                "BadInterpreter",
                "BadReport",
                "NoScheduler",
                "SourceInTheWay",
                "FolderLocked",
                "DamagedRecord",
                "CannotVerify",
                "EnvironmentFault",
                "WriteFailed",
                "TimedOut",
            ],
            2,
        ),
    }
