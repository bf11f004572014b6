"""The default command's common forms parsed without typer (issue 16): for every command
line the console script's own parser reads, typer would run the command with the same
parameters, and the two runs print the same, exit the same and write the same files."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.main import get_command
from typer.testing import CliRunner

from nb2pkg.cli.converting import COMMANDS, plain_arguments
from support import make_notebook, write_notebook

cli_app = importlib.import_module("nb2pkg.cli.app")  # the module: its `app` is the Typer app
cli_convert = importlib.import_module("nb2pkg.cli.convert")

# Pieces of command lines: the options the parser reads, in every spelling, and what it
# must leave to typer (other options, "--", a command's name, attached short values...).
TOKENS = [
    "nb.ipynb",
    "other.ipynb",
    "dir",
    "pkg",
    "convert",
    "batch",
    "verify",
    "inspect",
    "report",
    "merge",
    "--out",
    "-o",
    "--out=dir",
    "--out=",
    "-o=dir",
    "-odir",
    "--name",
    "--name=pkg",
    "--python",
    "--python=py",
    "--force",
    "--force=1",
    "--quiet",
    "-q",
    "-qo",
    "--verify",
    "--dry-run",
    "--check",
    "--no-color",
    "--timeout",
    "5",
    "--",
    "-",
    "",
    "--forc",
    "-x.ipynb",
    "--version",
    "--help",
    "-h",
]

COMMON = [
    ["nb.ipynb"],
    ["nb.ipynb", "--out", "dir", "-q"],
    ["nb.ipynb", "-o", "dir", "--force", "--quiet"],
    ["convert", "nb.ipynb", "--out=dir"],
    ["--check", "nb.ipynb", "--out", "dir"],
    ["nb.ipynb", "--dry-run", "--no-color", "--name", "pkg"],
    ["nb.ipynb", "--python", "py", "--verify"],
]


def typer_parameters(arguments: list[str], monkeypatch: pytest.MonkeyPatch) -> dict[str, Any] | None:
    """The parameters the typer app runs the command with for `arguments`; None when it
    runs something else or refuses them."""
    seen: list[dict[str, Any]] = []
    names = [parameter.name for parameter in get_command(cli_app.app).commands["convert"].params]  # type: ignore[attr-defined]

    def record(*values: Any) -> None:
        seen.append(dict(zip(names, values, strict=True)))

    monkeypatch.setattr(cli_convert, "convert_notebook", record)
    CliRunner().invoke(cli_app.app, arguments)
    return seen[0] if seen else None


# Options in each spelling, by the parameter they set: command lines of one notebook and
# some of these are ones the parser reads, and with a token of TOKENS among them, mostly
# ones it must not.
PIECES = [
    ("out", ["--out", "dir"]),
    ("out", ["-o", "dir"]),
    ("out", ["--out=dir"]),
    ("name", ["--name", "pkg"]),
    ("name", ["--name=pkg"]),
    ("python", ["--python", "py"]),
    ("force", ["--force"]),
    ("quiet", ["-q"]),
    ("quiet", ["--quiet"]),
    ("verify", ["--verify"]),
    ("dry-run", ["--dry-run"]),
    ("check", ["--check"]),
    ("color", ["--no-color"]),
]


@st.composite
def command_lines(draw: st.DrawFn) -> list[str]:
    pieces = draw(st.lists(st.sampled_from(PIECES), max_size=5, unique_by=lambda piece: piece[0]))
    pieces.insert(draw(st.integers(0, len(pieces))), ("notebook", [draw(st.sampled_from(["nb.ipynb", "dir"]))]))
    tokens = (["convert"] if draw(st.booleans()) else []) + [token for _, piece in pieces for token in piece]
    for _ in range(draw(st.sampled_from([0, 0, 1, 2]))):
        tokens.insert(draw(st.integers(0, len(tokens))), draw(st.sampled_from(TOKENS)))
    return tokens


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(arguments=command_lines())
def test_what_the_parser_reads_typer_reads_alike(arguments: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    parsed = plain_arguments(arguments)
    if parsed is not None:
        assert parsed == typer_parameters(arguments, monkeypatch)


@pytest.mark.parametrize("arguments", COMMON, ids=" ".join)
def test_the_common_forms_run_without_typer(arguments: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    parsed = plain_arguments(arguments)
    assert parsed is not None
    assert parsed == typer_parameters(arguments, monkeypatch)


def test_the_parser_knows_every_command_name() -> None:
    group = get_command(cli_app.app)
    assert {name.split()[0] for name in group.commands} == set(COMMANDS)  # type: ignore[attr-defined]


def run(arguments: list[str], folder: Path, through_typer: bool) -> tuple[int, str, str, set[str], bool]:
    """Exit code, stdout and stderr of the console script (or of the typer app), the files
    of `folder` after it, and whether typer was imported."""
    entry = "nb2pkg.cli.app" if through_typer else "nb2pkg.cli"
    probe = (
        f"import sys\nfrom {entry} import main\nsys.argv = ['nb2pkg', *{arguments!r}]\n"
        "try:\n    main()\nfinally:\n    sys.stderr.write('typer' in sys.modules and '[typer]' or '')\n"
    )
    ran = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=folder)
    files = {str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file()}
    imported = ran.stderr.endswith("[typer]")
    return ran.returncode, ran.stdout, ran.stderr.removesuffix("[typer]"), files, imported


CASES = [
    ("converts", [], ["nb.ipynb", "--out", "out"]),
    ("converts quietly", [], ["nb.ipynb", "-o", "out", "-q"]),
    ("in sync", [["nb.ipynb", "--out", "out"]], ["nb.ipynb", "--out", "out", "--check"]),
    ("out of sync", [["nb.ipynb", "--out", "out"], "edit"], ["nb.ipynb", "--out", "out", "--check"]),
    ("diff", [["nb.ipynb", "--out", "out"], "edit"], ["--dry-run", "nb.ipynb", "--out", "out", "--no-color"]),
    ("no notebook", [], ["missing.ipynb", "--out", "out"]),
    ("bad name", [], ["nb.ipynb", "--name", "not-a-name"]),
    ("out under a file", [], ["nb.ipynb", "--out", "nb.ipynb/out"]),
    ("hand edit", [["nb.ipynb", "--out", "out"], "hand"], ["nb.ipynb", "--out", "out"]),
]


@pytest.mark.slow
@pytest.mark.parametrize(("before", "arguments"), [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_the_console_script_ends_as_the_typer_app_does(tmp_path: Path, before: list[Any], arguments: list[str]) -> None:
    results = []
    for through_typer in (False, True):
        folder = tmp_path / ("typer" if through_typer else "plain")
        folder.mkdir()
        cells = ["import math\n", "root = math.sqrt(2)\n", "print(root)\n"]
        write_notebook(folder / "nb.ipynb", make_notebook([("markdown", "# Roots"), *cells]))
        for step in before:
            if step == "edit":
                write_notebook(folder / "nb.ipynb", make_notebook([("markdown", "# Roots"), *cells, "root * 2\n"]))
            elif step == "hand":
                module = next((folder / "out" / "src").rglob("utils.py"), None) or next((folder / "out").rglob("*.py"))
                module.write_text(module.read_text(encoding="utf-8") + "# mine\n", encoding="utf-8")
            else:
                assert run(step, folder, through_typer=True)[0] == 0
        results.append(run(arguments, folder, through_typer))
    (code, stdout, stderr, files, imported), (typer_code, typer_stdout, typer_stderr, typer_files, _) = results
    assert (code, stdout.replace("plain", "typer"), stderr.replace("plain", "typer")) == (
        typer_code,
        typer_stdout,
        typer_stderr,
    )
    assert files == typer_files
    assert not imported
