"""`nb2pkg verify`. First the comparison without a kernel (tables: what each cell showed
in, a verdict out); then real kernels (marked slow): it must pass on faithful
conversions, fail on a broken one, say when the original itself fails, and stop cleanly.

Each table case is three runs (the original twice, the summary once) written as cells,
and what a user reads from the verdict: the counts, the closing line, the exit status."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nb2pkg import api
from nb2pkg.cli.app import app
from nb2pkg.verify import Item, Ran, Verification, compare, verify
from nb2pkg.verify.compare import trace_failures
from nb2pkg.verify.names import bound_names
from support import EXAMPLE, FIXTURES, make_notebook, run_in_kernel, write_notebook

runner = CliRunner()
FIXTURE_CASES = sorted((FIXTURES / "convert").glob("*/input.ipynb"))


def text(content: str) -> Item:
    return Item("text", content)


def error(content: str) -> Item:
    return Item("error", content)


def cell(*items: Item, sources: tuple = (), binds: tuple = (), saved: str | None = None, code: bool = True) -> Ran:
    return Ran(tuple(items), sources=sources, binds=frozenset(binds), saved_error=saved, code=code)


SETUP = cell(binds=("autoreload",))
IMPORTS = cell(binds=("data", "config", "os"))
MISSING = "FileNotFoundError: [Errno 2] No such file or directory: 'missing.csv'"
REMOVED = "AttributeError: module 'numpy' has no attribute 'asscalar'"


def line(first: list[Ran], summary: list[Ran], second: list[Ran] | None = None) -> str:
    comparison = compare(first, first if second is None else second, summary)
    return Verification(Path("nb.ipynb"), Path("p/notebooks/nb.ipynb"), comparison, 1.0).closing_line()


# (case, original, summary, second run of the original or None for the same, verdict, closing line)
CASES = [
    (
        "everything shown is shown again",
        [cell(text("3\n")), cell(Item("value", "42"))],
        [SETUP, IMPORTS, cell(text("3\n"), sources=(1,)), cell(Item("value", "42"), sources=(2,))],
        None,
        "match",
        "2/2 cells match",
    ),
    (
        "cells that show nothing count too: the total is the notebook's code cells",
        [cell(), cell(text("a\n")), cell(), cell(code=False)],
        [SETUP, IMPORTS, cell(sources=(1,)), cell(text("a\n"), sources=(2,)), cell(sources=(3,))],
        None,
        "match",
        "3/3 cells match",
    ),
    (
        "a difference",
        [cell(text("559 rows\n"))],
        [SETUP, IMPORTS, cell(text("230 rows\n"), sources=(1,))],
        None,
        "differs",
        "0/1 cells match",
    ),
    (
        "what varies between two runs of the original is unstable, not a difference",
        [cell(text("0.31\n")), cell(text("done\n"))],
        [SETUP, IMPORTS, cell(text("0.77\n"), sources=(1,)), cell(text("done\n"), sources=(2,))],
        [cell(text("0.52\n")), cell(text("done\n"))],
        "match",
        "2/2 cells match (1 unstable in the original, ignored)",
    ),
    (
        "a cell that shows something in one run only does not change the totals",
        [cell(), cell(Item("stderr", "building the font cache\n")), cell(text("x\n"))],
        [SETUP, IMPORTS, cell(sources=(1,)), cell(sources=(2,)), cell(text("x\n"), sources=(3,))],
        [cell(), cell(), cell(text("x\n"))],
        "match",
        "3/3 cells match (1 unstable in the original, ignored)",
    ),
    (
        "the original raises at cell 2 (a removed API) and the summary does too: said, and every cell compared",
        [
            cell(text("1\n")),
            cell(error(REMOVED)),
            cell(error("NameError: name 'x' is not defined")),
            cell(text("end\n")),
        ],
        [
            SETUP,
            IMPORTS,
            cell(text("1\n"), sources=(1,)),
            cell(error(REMOVED), sources=(2,), binds=("x",)),
            cell(error("NameError: name 'x' is not defined"), sources=(3,)),
            cell(text("end\n"), sources=(4,)),
        ],
        None,
        "match",
        "4/4 cells match; the original raises at cell 2: AttributeError: module 'numpy' has no attribute "
        "'asscalar' (2 of its cells raise)",
    ),
    (
        "an error the saved outputs show is part of the notebook",
        [cell(error("ZeroDivisionError: division by zero"), saved="ZeroDivisionError")],
        [SETUP, IMPORTS, cell(error("ZeroDivisionError: division by zero"), sources=(1,))],
        None,
        "match",
        "1/1 cells match; the original raises at cell 1: ZeroDivisionError: division by zero, "
        "as its saved outputs show",
    ),
    (
        "the original cannot run here: a missing file",
        [cell(), cell(error(MISSING)), cell(error("NameError: name 'df' is not defined"))],
        [
            SETUP,
            IMPORTS,
            cell(sources=(1,)),
            cell(error(MISSING), sources=(2,), binds=("df",)),
            cell(error("NameError: name 'df' is not defined"), sources=(3,)),
        ],
        None,
        "cannot verify",
        "3/3 cells match; the original itself fails here at cell 2: FileNotFoundError: [Errno 2] No such file "
        "or directory: 'missing.csv' (2 of its cells raise)",
    ),
    (
        "a difference before the original stops is a difference",
        [cell(text("5\n")), cell(error(MISSING))],
        [SETUP, IMPORTS, cell(text("6\n"), sources=(1,)), cell(error(MISSING), sources=(2,))],
        None,
        "differs",
        "1/2 cells match; the original itself fails here at cell 2: FileNotFoundError: [Errno 2] "
        "No such file or directory: 'missing.csv'",
    ),
    (
        "the same missing package stops the original and the summary's setup: cannot verify",
        [cell(error("ModuleNotFoundError: No module named 'sklearn'")), cell(text("x\n"))],
        [
            SETUP,
            cell(error("ModuleNotFoundError: No module named 'sklearn'"), binds=("tree",)),
            cell(text("x\n"), sources=(2,)),
        ],
        None,
        "cannot verify",
        "1/2 cells match; the summary fails at its cell 2: ModuleNotFoundError: No module "
        "named 'sklearn'; the original itself fails here at cell 1: ModuleNotFoundError: No module named 'sklearn'",
    ),
    (
        "a setup that fails of its own is a difference, even if the original stops later",
        [cell(text("x\n")), cell(error(MISSING))],
        [
            SETUP,
            cell(error("ModuleNotFoundError: No module named 'mylib'"), binds=("data",)),
            cell(text("x\n"), sources=(1,)),
            cell(error(MISSING), sources=(2,)),
        ],
        None,
        "differs",
        "2/2 cells match; the summary fails at its cell 2: ModuleNotFoundError: No module named "
        "'mylib'; the original itself fails here at cell 2: FileNotFoundError: [Errno 2] No such file or "
        "directory: 'missing.csv'",
    ),
    (
        "a missing package the saved outputs show is the notebook's own lesson",
        [cell(error("ModuleNotFoundError: No module named 'nope'"), saved="ModuleNotFoundError")],
        [SETUP, IMPORTS, cell(error("ModuleNotFoundError: No module named 'nope'"), sources=(1,))],
        None,
        "match",
        "1/1 cells match; the original raises at cell 1: ModuleNotFoundError: No module named "
        "'nope', as its saved outputs show",
    ),
    (
        "the summary's setup fails: that failure is the news, not the NameErrors after it",
        [cell(text("150\n")), cell(text("0.96\n"))],
        [
            SETUP,
            cell(error("ModuleNotFoundError: No module named 'mylib'"), binds=("data", "mylib", "models")),
            cell(error("NameError: name 'data' is not defined"), sources=(1,)),
            cell(error("NameError: name 'models' is not defined"), sources=(2,)),
        ],
        None,
        "differs",
        "0/2 cells match; the summary fails at its cell 2: ModuleNotFoundError: No module named 'mylib'",
    ),
    (
        "a step that fails where the original went on: the cells after it differ, under it",
        [cell(text("42\n")), cell(error(REMOVED)), cell(text("84\n"))],
        [
            SETUP,
            IMPORTS,
            cell(text("42\n"), error(REMOVED), sources=(1, 2), binds=("total", "x")),
            cell(error("NameError: name 'total' is not defined"), sources=(3,)),
        ],
        None,
        "differs",
        "2/3 cells match; the original raises at cell 2: AttributeError: module 'numpy' has no attribute 'asscalar'",
    ),
    (
        "a cell moved into the package must show nothing",
        [cell(text("defined\n")), cell(text("x\n"))],
        [SETUP, IMPORTS, cell(text("x\n"), sources=(2,))],
        None,
        "differs",
        "1/2 cells match",
    ),
    (
        "a cell split into a kept definition and a step compares as one",
        [cell(text("a\nb\n"))],
        [SETUP, IMPORTS, cell(text("a\n"), sources=(1,)), cell(text("b\n"), sources=(1,))],
        None,
        "match",
        "1/1 cells match",
    ),
    (
        "ids link the summary to the original's cells",
        [Ran((text("x\n"),), id="abc")],
        [SETUP, IMPORTS, cell(text("x\n"), sources=("abc",))],
        None,
        "match",
        "1/1 cells match",
    ),
]


@pytest.mark.parametrize(
    ("original", "summary", "second", "verdict", "closing"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_verdict(original: list[Ran], summary: list[Ran], second: list[Ran] | None, verdict: str, closing: str) -> None:
    comparison = compare(original, original if second is None else second, summary)
    assert comparison.verdict == verdict
    assert line(original, summary, second) == closing


def test_the_same_runs_give_the_same_counts_whatever_varied() -> None:
    summary = [SETUP, IMPORTS, cell(sources=(1,)), cell(text("x\n"), sources=(2,))]
    counts = {
        (c.matched, c.total)
        for c in (
            compare([cell(), cell(text("x\n"))], [cell(text("warn\n")), cell(text("x\n"))], summary),
            compare([cell(text("warn\n")), cell(text("x\n"))], [cell(), cell(text("x\n"))], summary),
            compare([cell(), cell(text("x\n"))], [cell(), cell(text("x\n"))], summary),
        )
    }
    assert counts == {(2, 2)}


def test_consequences_name_the_first_failure() -> None:
    summary = [
        SETUP,
        cell(error("ImportError: cannot import name 'f'"), binds=("data",)),
        cell(error("NameError: name 'data' is not defined"), sources=(1,), binds=("df",)),
        cell(error("NameError: name 'df' is not defined"), sources=(2,)),
        cell(error("NameError: name 'undefined_here' is not defined"), sources=(3,)),
    ]
    comparison = compare(
        [cell(text("1\n")), cell(text("2\n")), cell(text("3\n"))],
        [cell(text("1\n")), cell(text("2\n")), cell(text("3\n"))],
        summary,
    )
    by_cell = {c.summary_cell: (c.status, c.after, c.cause) for c in comparison.cells}
    assert by_cell[2] == ("differs", 0, "")
    assert by_cell[3] == by_cell[4] == ("differs", 2, "ImportError: cannot import name 'f'")
    assert by_cell[5] == ("differs", 0, "")  # a NameError of its own
    assert trace_failures(summary) == {
        2: ("ImportError: cannot import name 'f'", 2),
        3: ("NameError: name 'data' is not defined", 2),
        4: ("NameError: name 'df' is not defined", 2),
        5: ("NameError: name 'undefined_here' is not defined", 5),
    }


def test_a_name_bound_again_is_no_longer_missing() -> None:
    summary = [
        cell(error(REMOVED), binds=("x",)),
        cell(binds=("x",)),
        cell(error("NameError: name 'x' is not defined")),
    ]
    assert trace_failures(summary)[3] == ("NameError: name 'x' is not defined", 3)


def test_json_says_what_failed() -> None:
    original = [cell(text("1\n")), cell(error(MISSING))]
    summary = [SETUP, IMPORTS, cell(text("1\n"), sources=(1,)), cell(error(MISSING), sources=(2,), binds=("df",))]
    data = Verification(Path("nb.ipynb"), Path("s.ipynb"), compare(original, original, summary), 2.0).as_json()
    assert data["verdict"] == "cannot verify"
    assert (data["matched"], data["total"], data["unstable"]) == (2, 2, 0)
    assert data["original_errors"] == [{"cell": 2, "error": MISSING, "as_saved": False, "environment": True}]
    assert data["summary_failure"] is None
    assert [c["status"] for c in data["cells"]] == ["match", "match"]
    assert data["cells"][1]["error"] == MISSING


@pytest.mark.parametrize(
    ("source", "names"),
    [
        ("x = 1", {"x"}),
        ("a, (b, c) = f()", {"a", "b", "c"}),
        ("import os.path\nfrom pkg import data as d, models", {"os", "d", "models"}),
        ("def fit(X):\n    inner = 1\n    return inner", {"fit"}),
        ("class Model:\n    size = 3", {"Model"}),
        ("for i, row in rows:\n    total += row", {"i", "row", "total"}),
        ("with open(p) as fh:\n    text = fh.read()", {"fh", "text"}),
        ("try:\n    import x\nexcept ImportError as e:\n    x = None", {"x", "e"}),
        ("%load_ext autoreload\n%autoreload 2", set()),
        ("files = !ls", {"files"}),
        ("print x", {"print", "x"}),  # Python 2: every word, in case
        ("f = lambda v: (w := v)", {"f"}),
        ("del old", {"old"}),
    ],
)
def test_bound_names(source: str, names: set[str]) -> None:
    assert bound_names(source) == names


# -- the command's output and exit codes, from a comparison (no kernel) -------------------


def run_cli(monkeypatch: pytest.MonkeyPatch, outcome: object, *options: str):  # type: ignore[no-untyped-def]
    """`nb2pkg verify` with the kernels replaced by a ready result (or an exception)."""
    import nb2pkg.verify

    def fake(notebook: Path, project: Path, *args: object) -> Verification:
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome  # type: ignore[return-value]

    monkeypatch.setattr(nb2pkg.verify, "verify", fake)
    return runner.invoke(app, ["verify", "nb.ipynb", "project", *options])


def result_of(original: list[Ran], summary: list[Ran]) -> Verification:
    return Verification(Path("nb.ipynb"), Path("project/notebooks/nb.ipynb"), compare(original, original, summary), 3.0)


def test_cli_failures_after_the_first_are_one_line_under_it(monkeypatch: pytest.MonkeyPatch) -> None:
    summary = [
        SETUP,
        cell(error("ModuleNotFoundError: No module named 'mylib'"), binds=("data",)),
        cell(error("NameError: name 'data' is not defined"), sources=(1,), binds=("X",)),
        cell(error("NameError: name 'X' is not defined"), sources=(2,)),
    ]
    result = run_cli(monkeypatch, result_of([cell(text("150\n")), cell(text("0.96\n"))], summary))
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "summary cell 2 (setup): outputs differ: it fails with ModuleNotFoundError: No module named 'mylib'",
        "    --- original",
        "    +++ summary",
        "    @@ -0,0 +1 @@",
        "    +[error] ModuleNotFoundError",
        "summary cells 3, 4 (original cells 1, 2): outputs differ after summary cell 2 failed "
        "(ModuleNotFoundError: No module named 'mylib')",
        "0/2 cells match; the summary fails at its cell 2: ModuleNotFoundError: No module named 'mylib' (3 s)",
    ]
    assert "NameError" not in result.stdout


def test_cli_original_that_cannot_run_here_exits_2_after_its_report(monkeypatch: pytest.MonkeyPatch) -> None:
    original = [cell(text("1\n")), cell(error(MISSING))]
    summary = [SETUP, IMPORTS, cell(text("1\n"), sources=(1,)), cell(error(MISSING), sources=(2,))]
    result = run_cli(monkeypatch, result_of(original, summary))
    assert result.exit_code == 2
    assert result.stdout.splitlines()[-1].startswith("2/2 cells match; the original itself fails here at cell 2")
    assert result.stderr == (
        "nb.ipynb: cell 2: the notebook itself fails here (FileNotFoundError: [Errno 2] No such "
        "file or directory: 'missing.csv'); make it run here first (a missing data file or "
        "package?)\n"
    )
    data = json.loads(run_cli(monkeypatch, result_of(original, summary), "--json").stdout)
    assert data["verdict"] == "cannot verify" and data["original_errors"][0]["cell"] == 2


def test_cli_exit_codes(monkeypatch: pytest.MonkeyPatch) -> None:
    same = [cell(text("x\n"))]
    assert run_cli(monkeypatch, result_of(same, [SETUP, IMPORTS, cell(text("x\n"), sources=(1,))])).exit_code == 0
    assert run_cli(monkeypatch, result_of(same, [SETUP, IMPORTS, cell(text("y\n"), sources=(1,))])).exit_code == 1


def test_cli_ctrl_c_is_one_line_and_130(monkeypatch: pytest.MonkeyPatch) -> None:
    result = run_cli(monkeypatch, KeyboardInterrupt())
    assert result.exit_code == 130
    assert result.stderr == "nb.ipynb: verify interrupted; its kernels are stopped\n"


# -- real kernels -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def example_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("verify") / "explore"
    api.convert(EXAMPLE, out=out)
    return out


@pytest.mark.kernel
@pytest.mark.slow
def test_example_verifies(example_project: Path) -> None:
    result = runner.invoke(app, ["verify", str(EXAMPLE), str(example_project), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["verdict"] == "match"
    assert data["matched"] == data["total"] == 12  # every code cell of the example
    assert data["original_errors"] == [] and data["summary_failure"] is None
    assert {c["status"] for c in data["cells"]} == {"match"}


@pytest.mark.kernel
@pytest.mark.slow
def test_a_broken_conversion_is_caught(example_project: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(example_project, broken)
    config = broken / "src" / "explore" / "config.py"
    config.write_text(config.read_text().replace("MIN_SQFT = 300", "MIN_SQFT = 900"))
    result = runner.invoke(app, ["verify", str(EXAMPLE), str(broken)])
    assert result.exit_code == 1
    assert "summary cell 9 (original cells 8, 10): outputs differ" in result.stdout
    assert "-[text] 559 rows after removing implausible sizes" in result.stdout
    assert result.stdout.splitlines()[-1].startswith("7/12 cells match (")  # downstream of the cleaning


@pytest.mark.kernel
@pytest.mark.slow
def test_a_failing_import_in_the_summary_is_reported_as_itself(example_project: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(example_project, broken)
    (broken / "src" / "explore" / "preprocess.py").write_text("raise ImportError('preprocess is broken')\n")
    result = runner.invoke(app, ["verify", str(EXAMPLE), str(broken)])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == "summary cell 3 (setup): outputs differ: it fails with ImportError: preprocess is broken"
    assert any(
        line.startswith("summary cells ")
        and line.endswith("outputs differ after summary cell 3 failed (ImportError: preprocess is broken)")
        for line in lines
    )
    assert "[error] NameError" not in result.stdout
    assert "; the summary fails at its cell 3: ImportError: preprocess is broken" in lines[-1]


@pytest.mark.kernel
@pytest.mark.slow
def test_original_that_fails_here_is_compared_to_the_end(tmp_path: Path) -> None:
    notebook = write_notebook(
        tmp_path / "nb.ipynb",
        make_notebook(
            [
                "import numpy as np",
                "total = int(np.arange(4).sum())\nprint(total)",
                "x = np.asscalar(np.array([total]))",
                "print(total * 2)",
                "print('end')",
            ]
        ),
    )
    project = tmp_path / "project"
    api.convert(notebook, out=project)
    result = verify(notebook, project)
    assert result.total == 5  # every cell, not just those before the failure
    assert result.comparison.original_failures[0].cell == 3
    assert "; the original raises at cell 3: AttributeError: module 'numpy' has no attribute 'asscalar'" in (
        result.closing_line()
    )
    assert result.comparison.status_of(5) == "match"  # compared after the failure too


@pytest.mark.kernel
@pytest.mark.slow
def test_original_that_cannot_run_here_still_reports_its_cells(tmp_path: Path) -> None:
    notebook = write_notebook(
        tmp_path / "nb.ipynb",
        make_notebook(["import pandas as pd", "print('start')", "df = pd.read_csv('missing.csv')", "print(len(df))"]),
    )
    project = tmp_path / "project"
    api.convert(notebook, out=project)
    result = runner.invoke(app, ["verify", str(notebook), str(project), "--json"])
    assert result.exit_code == 2
    data = json.loads(result.stdout)
    assert data["verdict"] == "cannot verify" and data["total"] == 4
    assert data["original_errors"][0]["cell"] == 3 and data["original_errors"][0]["environment"]
    error = result.stderr.splitlines()[-1]
    assert error.startswith(f"{notebook}: cell 3: the notebook itself fails here (FileNotFoundError")
    assert error.endswith("make it run here first (a missing data file or package?)")


@pytest.mark.kernel
@pytest.mark.slow
def test_no_summary_notebook_or_kernel(tmp_path: Path, example_project: Path) -> None:
    result = runner.invoke(app, ["verify", str(EXAMPLE), str(tmp_path)])
    assert result.exit_code == 2
    assert "has no summary notebook in notebooks/" in result.stderr
    result = runner.invoke(app, ["verify", str(EXAMPLE), str(example_project), "--kernel", "no-such-kernel"])
    assert result.exit_code == 2
    assert result.stderr == (
        "no-such-kernel: no such Jupyter kernel; install one (pip install ipykernel) or name another with --kernel\n"
    )


@pytest.mark.kernel
@pytest.mark.slow
def test_inputs_convert_accepts_verify_too(tmp_path: Path) -> None:
    """A byte-order mark, a cell without `source`: convert takes them, so does verify."""
    data = make_notebook(["x = 21", "print(x * 2)", "print('unused')"])
    del data["cells"][2]["source"]
    notebook = tmp_path / "bom.ipynb"
    notebook.write_text(json.dumps(data), encoding="utf-8-sig")
    project = tmp_path / "project"
    api.convert(notebook, out=project)
    result = runner.invoke(app, ["verify", str(notebook), str(project)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1].startswith("2/2 cells match")


def test_an_r_notebook_is_refused_before_any_kernel(tmp_path: Path, example_project: Path) -> None:
    notebook = write_notebook(tmp_path / "explore.ipynb", make_notebook(["x <- 1"], kernel="ir", language="R"))
    result = runner.invoke(app, ["verify", str(notebook), str(example_project)])
    assert result.exit_code == 2
    assert result.stderr == f"{notebook}: R kernel; nb2pkg converts Python notebooks\n"


@pytest.mark.kernel
@pytest.mark.slow
def test_a_linked_notebook_runs_beside_the_link(tmp_path: Path) -> None:
    """Its relative paths mean the folder the user named, as they do for convert."""
    (tmp_path / "store").mkdir()
    (tmp_path / "work").mkdir()
    write_notebook(tmp_path / "store" / "nb.ipynb", make_notebook(["print(open('data.txt').read())"]))
    (tmp_path / "work" / "data.txt").write_text("beside the link\n")
    (tmp_path / "work" / "nb.ipynb").symlink_to(tmp_path / "store" / "nb.ipynb")
    project = tmp_path / "project"
    api.convert(tmp_path / "work" / "nb.ipynb", out=project)
    result = verify(tmp_path / "work" / "nb.ipynb", project)
    assert result.comparison.original_failures == ()  # it found data.txt beside the link
    assert '/store"' not in next((project / "src").glob("*/config.py")).read_text()  # convert agrees
    assert result.ok, result.closing_line()


@pytest.mark.kernel
@pytest.mark.slow
def test_ctrl_c_stops_the_kernels_and_exits_130(tmp_path: Path) -> None:
    pid_file = tmp_path / "kernel.pid"
    notebook = write_notebook(
        tmp_path / "nb.ipynb",
        make_notebook([f"import os, time\nopen({str(pid_file)!r}, 'w').write(str(os.getpid()))", "time.sleep(120)"]),
    )
    project = tmp_path / "project"
    api.convert(notebook, out=project)
    process = subprocess.Popen(
        [sys.executable, "-m", "nb2pkg", "verify", str(notebook), str(project)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 60
    while not pid_file.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(0.5)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130
    assert err.splitlines()[-1] == f"{notebook}: verify interrupted; its kernels are stopped"
    assert "Traceback" not in err and "AssertionError" not in err
    kernel = int(pid_file.read_text())
    time.sleep(0.5)
    with pytest.raises(ProcessLookupError):
        os.kill(kernel, 0)


@pytest.mark.kernel
@pytest.mark.slow
def test_randomness_without_a_seed_is_unstable_not_a_mismatch(tmp_path: Path) -> None:
    notebook = write_notebook(
        tmp_path / "rand.ipynb",
        make_notebook(["import random", "value = random.random()\nprint(value)", "print('done')"]),
    )
    project = tmp_path / "project"
    api.convert(notebook, out=project)
    result = verify(notebook, project)
    assert result.ok
    assert result.unstable == 1
    assert result.closing_line() == "3/3 cells match (1 unstable in the original, ignored)"


def reader_view(path: Path, pythonpath: Path | None) -> tuple[str, list[str], int]:
    """An independent look at a run: all stdout, the shown values, the figures."""
    notebook = run_in_kernel(path, pythonpath)
    printed, values, figures = "", [], 0
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output.output_type == "stream" and output.name == "stdout":
                printed += output.text
            elif output.output_type in ("execute_result", "display_data"):
                figures += "image/png" in output.data
                if "image/png" not in output.data:
                    values.append(output.data.get("text/plain", ""))
            elif output.output_type == "error":
                values.append(output.ename)
    return printed, values, figures


def masked(view: tuple[str, list[str], int]) -> tuple[str, list[str], int]:
    import re

    def mask(text: str) -> str:
        text = re.sub(r"0x[0-9a-fA-F]+", "0x", text)
        # what %time and %timeit print varies, and so does whether %timeit warns that its
        # slowest run took much longer (on a loaded machine)
        varying = r"^(CPU times|Wall time|.* per loop|The slowest run took .* than the fastest).*$"
        text = re.sub(varying, "", text, flags=re.MULTILINE)
        # and whether `!pip install` says a newer pip exists, after a blank line: it looks
        # once a week, in whichever run of any test comes first; a run that said it reads
        # as one that did not
        return re.sub(r"(^\r?\n)?(^\[notice\] [^\n]*(\n|\Z))+", "", text, flags=re.MULTILINE)

    return mask(view[0]), [mask(v) for v in view[1]], view[2]


@pytest.mark.kernel
@pytest.mark.slow
@pytest.mark.parametrize("notebook", FIXTURE_CASES, ids=[c.parent.name for c in FIXTURE_CASES])
def test_fixture_verifies_and_agrees_with_an_independent_comparison(notebook: Path, tmp_path: Path) -> None:
    source = tmp_path / "original"
    shutil.copytree(notebook.parent, source, ignore=shutil.ignore_patterns("expected"))
    original = source / "input.ipynb"
    project = tmp_path / "project"
    api.convert(original, out=project)
    result = verify(original, project)
    assert result.ok, "\n".join(c.diff for c in result.cells if c.diff)
    before = masked(reader_view(original, None))
    after = masked(reader_view(project / "notebooks" / "input.ipynb", project / "src"))
    assert (before == after) == result.ok, (before, after)  # what differed, when it does
