"""What a plain conversion imports: each `nb2pkg NB --out DIR` process pays its imports, so
what only a rare notebook needs is imported where it is needed (issue 16)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from support import make_notebook, write_notebook

# Imported only for what a simple notebook does not have; each was imported at start.
LAZY = [
    "importlib.metadata",  # the installed distributions: for a notebook's local modules
]


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """The modules in `sys.modules` after converting a simple notebook through the CLI."""
    folder = tmp_path_factory.mktemp("startup")
    notebook = write_notebook(
        folder / "simple.ipynb",
        make_notebook([("markdown", "# Roots"), "import math\n", "root = math.sqrt(2)\n", "print(root)\n"]),
    )
    out = folder / "roots"
    probe = (
        "import sys\nfrom nb2pkg.cli.app import app\n"
        f"try:\n    app([{str(notebook)!r}, '--out', {str(out)!r}, '-q'])\n"
        "except SystemExit as done:\n    print(done.code)\n    print(*sorted(sys.modules), sep='\\n')\n"
    )
    ran = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=folder)
    code, *modules = ran.stdout.splitlines()
    assert code == "0", ran.stderr
    assert (out / "pyproject.toml").is_file()
    return set(modules)


def test_a_plain_conversion_imports_what_it_uses(imported: set[str]) -> None:
    assert {"libcst", "black", "typer", "nb2pkg.convert"} <= imported


@pytest.mark.parametrize("module", LAZY)
def test_a_plain_conversion_does_not_import(imported: set[str], module: str) -> None:
    assert module not in imported


def test_the_interpreter_probe_starts_before_the_converter_is_imported(tmp_path: Path) -> None:
    """The probe of the kernel's interpreter (a child process) runs while LibCST, black and
    the converter are imported: what is imported when it starts is only what reading the
    notebook needs."""
    notebook = write_notebook(tmp_path / "simple.ipynb", make_notebook(["x = 1\n", "print(x)\n"]))
    probe = (
        "import sys\nfrom nb2pkg import environment\n"
        "started = environment.start_probe\n"
        "def watched(python):\n"
        "    print(*sorted(m for m in ('libcst', 'black', 'nb2pkg.convert', 'nb2pkg.dataflow') if m in sys.modules))\n"
        "    return started(python)\n"
        "environment.start_probe = watched\n"
        "from nb2pkg import api\n"
        f"api.convert({str(notebook)!r}, out={str(tmp_path / 'out')!r}, write=False, python=sys.executable)\n"
    )
    ran = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=tmp_path)
    assert ran.stdout.splitlines() == [""], ran.stderr


def test_batch_workers_start_with_the_converter_and_without_the_command_line() -> None:
    """What the fork server of `batch`'s workers imports before the first worker starts
    (workers.PRELOAD): the converter, and neither the command line (typer, rich) nor
    nbformat, which most notebooks do not need and which a worker imports when one does."""
    probe = (
        "import importlib, sys\nfrom nb2pkg.workers import PRELOAD\n"
        "for module in PRELOAD:\n    importlib.import_module(module)\n"
        "print(*sorted(sys.modules), sep='\\n')\n"
    )
    ran = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    modules = set(ran.stdout.splitlines())
    assert {"libcst", "black", "nb2pkg.convert", "pyflakes.checker", "pebble.pool.process"} <= modules
    assert not {"typer", "rich", "nbformat", "jsonschema"} & modules


@pytest.mark.parametrize(
    ("arguments", "started"),
    [
        (["batch", "notebooks", "--out", "projects"], True),
        (["batch", "notebooks", "--out", "projects", "--jobs", "1"], True),
        (["batch", "notebooks", "--dask", "tcp://scheduler:8786"], False),
        (["batch", "notebooks", "--dask=tcp://scheduler:8786"], False),
        (["batch", "--help"], False),
        (["notebook.ipynb", "--out", "batch"], False),
    ],
)
def test_batch_starts_its_workers_fork_server_before_importing_the_command_line(
    arguments: list[str], started: bool
) -> None:
    """`nb2pkg batch` starts the fork server its workers come from before typer is
    imported, so the converter's imports there overlap the command line's here; a batch
    on dask, `--help` and other commands start none."""
    probe = (
        "import sys, types\n"
        "cli = types.ModuleType('nb2pkg.cli')\n"
        "def main():\n"
        "    from multiprocessing import forkserver\n"
        "    print(forkserver._forkserver._forkserver_pid is not None, 'typer' in sys.modules)\n"
        "cli.main = main\n"
        "sys.modules['nb2pkg.cli'] = cli\n"
        f"sys.argv = ['nb2pkg', *{arguments!r}]\n"
        "from nb2pkg.__main__ import main as entry\n"
        "entry()\n"
    )
    ran = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert ran.stdout.split() == [str(started), "False"], ran.stderr


def _converted_by(tmp_path: Path, entry: str, before: str, after: str) -> list[str]:
    """What a fresh interpreter prints when the `main` of `entry` converts a small notebook
    (`before` run first, `after` once `main` is done); the project is written."""
    notebook = write_notebook(tmp_path / "roots.ipynb", make_notebook(["import math\n", "print(math.sqrt(2))\n"]))
    probe = (
        f"import gc, sys\nsys.argv = ['nb2pkg', {str(notebook)!r}, '--out', {str(tmp_path / 'out')!r}, '-q']\n"
        f"from {entry} import main\n{before}"
        "code = 0\ntry:\n    main()\nexcept SystemExit as done:\n    code = done.code\n"
        f"print(code)\n{after}"
    )
    ran = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=tmp_path)
    assert (tmp_path / "out" / "pyproject.toml").is_file(), ran.stderr
    return ran.stdout.split()


def test_the_command_leaves_what_it_holds_to_the_exit_not_to_the_collector(tmp_path: Path) -> None:
    """When the command is done, the console entry freezes the objects the process holds
    (gc.freeze), so the interpreter's exit does not walk them all again; what the command
    wrote is whole."""
    printed = _converted_by(tmp_path, "nb2pkg.__main__", "", "print(gc.get_freeze_count() > 10_000)\n")
    assert printed == ["0", "True"]


def test_a_plain_conversion_runs_no_collection_before_the_exit(tmp_path: Path) -> None:
    """The console script's conversion keeps the collector off to its end and freezes what
    the process holds before it resumes it: no collection walks the conversion's objects
    just before the exit frees them (one did, a twentieth of a small notebook's process)."""
    watch = "walked = []\ngc.callbacks.append(lambda phase, info: phase == 'stop' and walked.append(1))\n"
    printed = _converted_by(
        tmp_path, "nb2pkg.cli", watch, "print(len(walked), gc.isenabled(), gc.get_freeze_count() > 10_000)\n"
    )
    assert printed == ["0", "0", "True", "True"]
