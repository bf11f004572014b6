"""The tests from the notebook's own outputs: `tests/expected/cell_NNN.txt`, what each
original code cell showed when the notebook was saved (masked as `verify` masks), and
`tests/test_outputs.py`, which runs the summary notebook once and compares.

The generated module must not import nb2pkg: the masks, the reading of outputs, the
grouping of summary cells and the text format are copied into it from `nb2pkg.shown`,
the code `verify` runs, so both compare the same way. `tests/expected/skip.txt` is not
made here: `nb2pkg verify` writes it (see `skip_file`), after running the original."""

from __future__ import annotations

import ast
import inspect
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path

from nb2pkg import shown
from nb2pkg.escape import docstring_literal, printable
from nb2pkg.notebook import Cell, Notebook
from nb2pkg.render.black_style import Piece, as_is, bracketed, module_docstring, operation, piece, string, strings
from nb2pkg.render.formatting import format_code, format_key
from nb2pkg.render.known import SHARED_OUTPUT_TESTS, SHARED_OUTPUT_TESTS_KEY
from nb2pkg.shown import MASKS, SHARED, Item, as_text, normalise

EXPECTED = "tests/expected"
SKIP_FILE = f"{EXPECTED}/skip.txt"
OUTPUT_TESTS = "tests/test_outputs.py"
CELL_TIMEOUT = 600  # seconds a cell of the summary may run in the generated test


def expected_name(number: int) -> str:
    return f"{EXPECTED}/cell_{number:03d}.txt"


def expected_items(cell: Cell) -> list[Item]:
    """What the output tests expect of an original code cell: its saved outputs, masked."""
    return normalise(cell.outputs) if cell.kind == "code" else []


def expected_files(notebook: Notebook) -> dict[str, str]:
    """One readable file per original code cell that has saved outputs."""
    files = {}
    for cell in notebook.code_cells:
        items = expected_items(cell)
        if items:
            files[expected_name(cell.number)] = _header(cell, notebook.path.name) + "\n" + as_text(items)
    return files


def _header(cell: Cell, notebook_name: str) -> str:
    first = next((line.strip() for line in cell.source.splitlines() if line.strip()), "")
    shown = printable(first if len(first) <= 72 else first[:71] + "…")
    return (
        f"# Cell {cell.number} of {printable(notebook_name)}: {shown}\n"
        "# What its saved outputs show, which tests/test_outputs.py expects of the summary notebook\n"
        "# (masked as `nb2pkg verify` masks: addresses, timings, temporary paths; errors by name).\n"
    )


def skip_file(skips: Mapping[int, str]) -> str:
    """`tests/expected/skip.txt`: the cells the output tests skip, `cell N: reason`."""
    lines = [
        "# Cells whose saved outputs tests/test_outputs.py does not compare, and why, as",
        "# `nb2pkg verify` found them when it ran the original notebook (twice). Written",
        "# by nb2pkg verify; it leaves the file alone once you edit it.",
        *(f"cell {number}: {reason}" for number, reason in sorted(skips.items())),
    ]
    return "\n".join(lines) + "\n"


def output_tests_module(package: str, notebook: Notebook, summary_name: str, saved_outputs: bool) -> str:
    """`tests/test_outputs.py`; when the notebook saved no outputs (no `expected_files`),
    a module that says so."""
    name = printable(notebook.path.name)
    if not saved_outputs:
        note = (
            f"The notebook {name} has no saved outputs, so there is nothing to compare the\n"
            f"summary notebook's outputs with: only the smoke tests in test_{package}.py check this\n"
            "project. Run the notebook, save it with its outputs and convert it again to get\n"
            "tests that compare them."
        )
        return format_code(docstring_literal(note) + "\n")
    # black for what differs between projects only: the masks and the code every project
    # shares are stored as black formats them (a third of a small conversion otherwise)
    return project_head_piece(package, notebook, summary_name).formatted() + shared_code()


def project_head(package: str, notebook: Notebook, summary_name: str) -> str:
    """The start of tests/test_outputs.py, what differs between projects: the docstring,
    the imports and where the summary notebook and its cells are, as black reads it."""
    return project_head_piece(package, notebook, summary_name).raw


def project_head_piece(package: str, notebook: Notebook, summary_name: str) -> Piece:
    """`project_head` in black's style where the helpers know it, and as black reads it."""
    about = _about(printable(notebook.path.name))
    docstring = docstring_literal(about)
    ids = {cell.id: cell.number for cell in notebook.cells if cell.id}
    keys = strings(list(ids))
    summary = string(summary_name)
    return piece(
        (
            module_docstring(about.split("\n"), closing_line=True) if docstring == f'"""{about}\n"""' else None,
            docstring,
        ),
        "\n\nimport base64\nimport difflib\nimport json\nimport os\nimport re\nimport struct\n"
        "import sys\nimport tempfile\nfrom collections.abc import Sequence\n"
        "from dataclasses import dataclass\nfrom pathlib import Path\nfrom typing import Any\n\n"
        "import pytest\n\n",
        as_is(f"import {package} as PACKAGE"),
        '\n\nTESTS = Path(__file__).resolve().parent\nEXPECTED = TESTS / "expected"\n',
        (
            summary and operation("SUMMARY =", ["TESTS.parent", '"notebooks"', summary], "/", 0),
            f'SUMMARY = TESTS.parent / "notebooks" / {summary_name!r}',
        ),
        f"\nCELL_TIMEOUT = {CELL_TIMEOUT}  # seconds a cell may run\n"
        "# The original notebook's cells: how many, and the ids by which the summary's cells\n"
        "# name the cells they stand for.\n"
        f"CELL_COUNT = {len(notebook.cells)}\n",
        (
            None
            if keys is None
            else bracketed(
                "CELL_IDS = {", [f"{k}: {n}" for k, n in zip(keys, ids.values(), strict=True)], "}", 0, display=True
            ),
            f"CELL_IDS = {ids!r}",
        ),
        "\n",
    )


def _about(name: str) -> str:
    return (
        f"The summary notebook shows what the notebook {name} showed when it was saved.\n\n"
        "The summary notebook runs once, in a fresh kernel of the Python running pytest, in a\n"
        "temporary folder (the project stays as it is; the summary finds its data itself). What\n"
        "its cells show is compared with tests/expected/cell_NNN.txt, the saved outputs of the\n"
        "original cells they stand for, masked as `nb2pkg verify` masks them. Cells listed in\n"
        "tests/expected/skip.txt (by `nb2pkg verify`: outputs that vary from run to run, or\n"
        "that the original itself does not show here) are skipped with the reason."
    )


def _mask(pattern: re.Pattern[str], replacement: str) -> str:
    flags = "".join(f", re.{flag.name}" for flag in (re.MULTILINE, re.IGNORECASE, re.DOTALL) if pattern.flags & flag)
    return f"(re.compile({pattern.pattern!r}{flags}), {replacement!r}),"


@cache
def shared_code() -> str:
    """The code every project's tests/test_outputs.py ends with (render.compiled compiles
    it once a process), as black formats it: stored in render.known (black on 10,000
    characters takes a third of a small notebook's conversion), unless its source, black's
    version or its mode changed since it was stored; then black, as always."""
    text = shared_code_source()
    return SHARED_OUTPUT_TESTS if format_key(text) == SHARED_OUTPUT_TESTS_KEY else format_code(text)


def shared_code_source() -> str:
    """What black formats into the part of the output tests every project shares: the
    masks, then `Item`, the functions shared with nb2pkg verify and the runner."""
    masks = "".join(_mask(pattern, replacement) for pattern, replacement in MASKS)
    return (
        "# What legitimately varies from run to run, and what it becomes (as in nb2pkg verify).\n"
        f"MASKS = ({masks})\n\n\n{_shared_source()}\n\n\n{_RUNNER}"
    )


def _shared_source() -> str:
    """`Item` and the shared functions, as nb2pkg's own source holds them (found by name
    in the file, decorators included)."""
    path = Path(inspect.getfile(shown))
    lines = path.read_text(encoding="utf-8").splitlines()
    tree = ast.parse("\n".join(lines))
    wanted = [member.__name__ for member in (Item, *SHARED)]
    found = {
        node.name: "\n".join(lines[min([d.lineno for d in node.decorator_list] + [node.lineno]) - 1 : node.end_lineno])
        for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name in wanted
    }
    return "\n\n\n".join(found[name] for name in wanted)


# The part of the generated module that is the same for every project: PACKAGE is the
# package's module, which the module imports under that name.
_RUNNER = '''
def skipped() -> dict[int, str]:
    """tests/expected/skip.txt: `cell N: reason` per line."""
    path = EXPECTED / "skip.txt"
    lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
    found = {}
    for line in lines:
        match = re.fullmatch(r"cell (\\d+): (.+)", line.strip())
        if match:
            found[int(match.group(1))] = match.group(2)
    return found


def expected(number: int) -> list[Item]:
    path = EXPECTED / f"cell_{number:03d}.txt"
    return from_text(path.read_bytes().decode("utf-8")) if path.is_file() else []


def sources_of(cell: dict[str, Any]) -> list[str | int]:
    """The original cells a summary cell stands for (its nb2pkg metadata)."""
    marks = (cell.get("metadata") or {}).get("nb2pkg") or {}
    listed = marks.get("source_cells") if isinstance(marks, dict) else None
    return [s for s in listed or [] if isinstance(s, (str, int)) and not isinstance(s, bool)]


def checks() -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """(summary cells, original cells) for each comparison with saved outputs: summary
    cells standing for overlapping original cells compare as one; an original cell no
    summary cell stands for (its code is in the package) must show nothing."""
    number_of: dict[str | int, int] = {**{n: n for n in range(1, CELL_COUNT + 1)}, **CELL_IDS}
    document = json.loads(SUMMARY.read_text(encoding="utf-8-sig")) if SUMMARY.is_file() else {}
    groups = group_cells([sources_of(cell) for cell in document.get("cells", [])], number_of)
    found = [(members, numbers) for _, members, numbers in groups if any(map(expected, numbers))]
    covered = {n for _, _, numbers in groups for n in numbers}
    return found + [((), (n,)) for n in range(1, CELL_COUNT + 1) if n not in covered and expected(n)]


CHECKS = checks()


def kernel_environment() -> dict[str, str]:
    """This environment with a fixed hash seed (string sets print in the same order in
    every run, as in nb2pkg verify's), the package under test first on the path, and
    matplotlib's backend left to the kernel: its inline backend makes figures outputs,
    where the MPLBACKEND=Agg of a headless test run would hide them."""
    env = {key: value for key, value in os.environ.items() if key != "MPLBACKEND"}
    source = str(Path(PACKAGE.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join([source, *filter(None, [os.environ.get("PYTHONPATH")])])
    env["PYTHONHASHSEED"] = "0"
    return env


@pytest.fixture(scope="module")
def summary_shows() -> list[list[Item]]:
    """What each cell of the summary notebook shows: every cell runs, also after one raises."""
    reason = "the output tests run the summary notebook: pip install nbclient ipykernel (the `test` extra)"
    pytest.importorskip("nbclient", reason=reason)
    pytest.importorskip("ipykernel", reason=reason)
    import nbformat
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager
    from nbclient import NotebookClient

    notebook = nbformat.read(SUMMARY, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    with tempfile.TemporaryDirectory(prefix=f"{PACKAGE.__name__}-outputs-") as work:
        # A kernel of this interpreter, whatever `python3` means elsewhere on the machine.
        spec = Path(work, "kernels", "tested-python")
        spec.mkdir(parents=True)
        argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
        kernel = {"argv": argv, "display_name": "the Python running pytest", "language": "python"}
        (spec / "kernel.json").write_text(json.dumps(kernel), encoding="utf-8")
        specs = KernelSpecManager(kernel_dirs=[str(spec.parent)])
        manager = AsyncKernelManager(kernel_name="tested-python", kernel_spec_manager=specs)
        folder = Path(work, "run")
        folder.mkdir()
        client = NotebookClient(
            notebook,
            km=manager,
            timeout=CELL_TIMEOUT,
            allow_errors=True,
            resources={"metadata": {"path": str(folder)}},
        )
        client.execute(env=kernel_environment())
    return [read_items(cell) for cell in notebook.cells]


def label(numbers: tuple[int, ...]) -> str:
    return "+".join(f"cell_{n:03d}" for n in numbers)


@pytest.mark.parametrize(("members", "numbers"), CHECKS, ids=[label(numbers) for _, numbers in CHECKS])
def test_summary_shows_the_saved_outputs(
    members: tuple[int, ...], numbers: tuple[int, ...], request: pytest.FixtureRequest
) -> None:
    skips = skipped()
    reasons = [f"cell {n}: {skips[n]}" for n in numbers if n in skips]
    if reasons:
        pytest.skip("; ".join(reasons))
    shows = request.getfixturevalue("summary_shows")  # only now: all skipped runs nothing
    want = as_text(normalise([item for n in numbers for item in expected(n)]))
    got = as_text(normalise([item for m in members for item in shows[m - 1]]))
    if got != want:
        where = f"summary cell {members[0]}" if members else "no summary cell: its code is in the package"
        diff = difflib.unified_diff(want.splitlines(), got.splitlines(), "saved", "summary", lineterm="")
        cells = ", ".join(map(str, numbers))
        pytest.fail(f"cell{'s' if len(numbers) > 1 else ''} {cells} ({where}) shows other outputs than saved:\\n" + "\\n".join(diff), pytrace=False)
'''
