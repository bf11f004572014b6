"""`--dry-run` shows what would change and writes nothing; `--check` says whether the
project is in sync with its notebook; the diff applies with `git apply`."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from nb2pkg.cli.app import app
from nb2pkg.output.color import colored
from support import EXAMPLE, make_notebook, write_notebook

runner = CliRunner()


@pytest.mark.parametrize(
    ("line", "style"),
    [
        ("diff --git a/x.py b/x.py\n", {"bold": True}),
        ("--- a/x.py\n", {"bold": True}),
        ("+++ b/x.py\n", {"bold": True}),
        ("+added\n", {"fg": "green"}),
        ("-removed\n", {"fg": "red"}),
        ("@@ -1 +1 @@\n", {"fg": "cyan"}),
    ],
)
def test_diff_lines_have_the_colors_click_gives_them(line: str, style: dict) -> None:
    assert colored(line) == typer.style(line, **style)


@pytest.mark.parametrize("line", [" context\n", "\n", "new file mode 100644\n", "\\ No newline at end of file\n"])
def test_other_diff_lines_are_not_colored(line: str) -> None:
    assert colored(line) == line


def test_dry_run_writes_nothing_and_shows_new_files(tmp_path: Path) -> None:
    out = tmp_path / "explore"
    result = runner.invoke(app, [str(EXAMPLE), "--out", str(out), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert not out.exists()
    assert (
        "diff --git a/src/explore/preprocess.py b/src/explore/preprocess.py\nnew file mode 100644\n--- /dev/null\n"
        in result.stdout
    )
    assert "+def clean_data(df):\n" in result.stdout
    assert "+# %% [markdown]\n+# ## Cleaning\n" in result.stdout  # the notebook, readable
    assert "\x1b[" not in result.stdout  # no colors when not a terminal
    assert result.stdout.endswith("would create 25 files, change 0, remove 0, leave 0 unchanged\n")


def test_check_fails_until_the_project_is_in_sync(tmp_path: Path) -> None:
    out = tmp_path / "explore"
    result = runner.invoke(app, [str(EXAMPLE), "--out", str(out), "--check"])
    assert result.exit_code == 1
    assert f"{out}/src/explore/models.py: would be created" in result.stdout
    assert not out.exists()
    runner.invoke(app, [str(EXAMPLE), "--out", str(out), "-q"])
    result = runner.invoke(app, [str(EXAMPLE), "--out", str(out), "--check"])
    assert result.exit_code == 0
    assert result.stdout == "nothing would change: create 0 files, change 0, remove 0, leave 25 unchanged\n"


def test_check_sees_a_changed_notebook_and_an_edit(tmp_path: Path) -> None:
    notebook = write_notebook(
        tmp_path / "nb.ipynb",
        make_notebook(["LIMIT = 3", "values = [v for v in range(9) if v > LIMIT]\nprint(values)"]),
    )
    out = tmp_path / "project"
    runner.invoke(app, [str(notebook), "--out", str(out), "-q"])
    write_notebook(notebook, make_notebook(["LIMIT = 5", "values = [v for v in range(9) if v > LIMIT]\nprint(values)"]))
    result = runner.invoke(app, [str(notebook), "--out", str(out), "--check"])
    assert result.exit_code == 1
    assert f"{out}/src/nb/config.py: would be changed" in result.stdout
    (out / "src" / "nb" / "utils.py").write_text("# mine\n")
    result = runner.invoke(app, [str(notebook), "--out", str(out), "--check"])
    assert result.exit_code == 1
    assert "you edited src/nb/utils.py since nb2pkg wrote it" in result.stderr


@pytest.mark.slow
def test_git_apply_of_a_dry_run_diff_gives_the_new_conversion(tmp_path: Path) -> None:
    cells = [
        "import pandas as pd",
        "THRESH = 2",
        "df = pd.DataFrame({'a': range(5)})\ndf = df[df.a > THRESH]\nprint(df)",
    ]
    notebook = write_notebook(tmp_path / "nb.ipynb", make_notebook(cells))
    old, new = tmp_path / "old" / "project", tmp_path / "new" / "project"
    runner.invoke(app, [str(notebook), "--out", str(old), "-q"])
    cells[2] = cells[2].replace("print(df)", "df['b'] = df.a * 2\nprint(df.describe())")
    write_notebook(notebook, make_notebook(cells))
    diff = runner.invoke(app, [str(notebook), "--out", str(old), "--dry-run", "-q"]).stdout
    assert "-    print(df)\n" in diff
    applied = subprocess.run(
        ["git", "apply", "--exclude=*.ipynb", "-"], input=diff, text=True, cwd=old, capture_output=True, check=False
    )
    assert applied.returncode == 0, applied.stderr
    runner.invoke(app, [str(notebook), "--out", str(new), "-q"])

    def texts(root: Path) -> dict[str, str]:
        return {
            p.relative_to(root).as_posix(): p.read_text()
            for p in root.rglob("*")
            if p.is_file() and p.suffix != ".ipynb" and p.name != ".nb2pkg.json"
        }

    assert texts(old) == texts(new)
    assert json.loads((new / "notebooks" / "nb.ipynb").read_text())["cells"]


@pytest.mark.slow
def test_a_killed_conversion_leaves_no_half_written_file(tmp_path: Path) -> None:
    import signal
    import sys
    import time

    for delay in (0.8, 1.2, 1.6, 2.0):
        out = tmp_path / f"killed-{delay}"
        process = subprocess.Popen([sys.executable, "-m", "nb2pkg", str(EXAMPLE), "--out", str(out), "-q"])
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        for path in out.rglob("*") if out.exists() else []:
            if not path.is_file() or path.name.endswith(".tmp") or path.name == ".nb2pkg.lock":
                continue  # a temporary file may be left (the next run removes it); the lock is empty
            text = path.read_text(encoding="utf-8")
            if path.suffix == ".py":
                compile(text, str(path), "exec")
            elif path.suffix in (".ipynb", ".json"):
                json.loads(text)
            assert text.endswith("\n"), path


@pytest.mark.slow
def test_check_of_a_project_in_sync_does_not_load_the_converter(tmp_path: Path) -> None:
    """What makes `--check` in a pre-commit hook instant: the provenance answers."""
    import sys

    out = tmp_path / "explore"
    assert runner.invoke(app, [str(EXAMPLE), "--out", str(out), "-q"]).exit_code == 0
    probe = (
        "import sys\nfrom nb2pkg.cli.app import app\n"
        f"try:\n    app([{str(EXAMPLE)!r}, '--out', {str(out)!r}, '--check'])\n"
        "except SystemExit as done:\n    print(done.code, 'libcst' in sys.modules, 'black' in sys.modules)\n"
    )
    fast = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert fast.stdout.splitlines() == [
        "nothing would change: create 0 files, change 0, remove 0, leave 25 unchanged",
        "0 False False",
    ]

    (out / "README.md").write_text("mine\n")  # an edit: the full check runs, and finds it
    slow = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert slow.stdout.splitlines()[-1] == "1 True True"
    assert "you edited README.md" in slow.stderr
