"""Property-based attacks: random notebook JSON (valid-ish and broken) and random cell
texts through `nb2pkg inspect` and `convert`. Whatever the input, the exit-code contract
holds: 0, 1 or 2, never 3; for 2 exactly one line on stderr, naming the file; never a
traceback; and nothing outside the output folder changes.

Fast by default (in-process through typer's CliRunner, 100 examples a test); set
NB2PKG_PROPERTY_EXAMPLES (say 5000) for a long run.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from nb2pkg.cli.app import app

ROOT = Path(__file__).resolve().parents[1]
# hostile notebooks make nbformat and IPython warn; each property takes 10 to 40 s
pytestmark = [pytest.mark.filterwarnings("ignore"), pytest.mark.slow]
EXAMPLES = int(os.environ.get("NB2PKG_PROPERTY_EXAMPLES", "100"))
runner = CliRunner()
fast = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)
# Nesting goes well past nb2pkg's limits (100 levels) and CPython's (200 parentheses):
# such cells must be kept, never crash the parser. The subprocess test goes deeper still.
IN_PROCESS_DEPTH = 2000


# Cell texts.

IPYTHON = [
    "%matplotlib inline",
    "!pip install numpy",
    "%%time\nx = 1",
    "df?",
    "files = !ls",
    "%timeit f(x)",
    "await thing()",
    "async for a in b:\n    pass",
    "async with c as d:\n    pass",
    "%load_ext autoreload",
    "print x",
    "def f(:",
    "x = 1;",
    "get_ipython().run_line_magic('time', 'x')",
    "%%bash\necho hi",
    "from __future__ import annotations\nx: Undefined = 1",
    "exec('x = 1')",
    "del x",
    "global g",
    "import os, sys as system\nfrom . import local",
    "lambda: (yield)",
    "class A:\n  def m(self): return B",
    "x = f'{y!r:>{w}}'",
    "match p:\n    case [a, *_]: pass",
    "try:\n    pass\nexcept* E:\n    pass",
]


def nested(depth: int) -> st.SearchStrategy[str]:
    opener = st.sampled_from(["(", "[", "{", "f(", "-", "not ", "lambda: ", "[x for x in "])

    def build(pair: tuple[str, int]) -> str:
        token, count = pair
        closer = {"(": ")", "[": "]", "{": "}", "f(": ")", "[x for x in ": "]"}.get(token, "")
        return "y = " + token * count + "1" + closer * count

    chains = st.integers(1, depth).map(lambda n: "z = " + " + ".join(["a"] * n))
    elifs = st.integers(1, depth).map(lambda n: "if a:\n  pass\n" + "elif a:\n  pass\n" * n)
    ifs = st.integers(1, min(depth, 90)).map(
        lambda n: "".join("  " * i + "if a:\n" for i in range(n)) + "  " * n + "x = 1"
    )
    return st.one_of(st.tuples(opener, st.integers(1, depth)).map(build), chains, elifs, ifs)


def cell_texts(depth: int = IN_PROCESS_DEPTH, surrogates: bool = True) -> st.SearchStrategy[str]:
    junk = st.binary(max_size=200).map(lambda data: data.decode("latin-1"))
    surrogate = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)  # text() never draws them
    lone = st.tuples(st.text(max_size=10), surrogate).map(lambda pair: f"s = '{pair[0]}{pair[1]}'")
    piece = st.one_of(
        st.text(max_size=80),
        junk,
        *([lone] if surrogates else []),
        st.sampled_from(IPYTHON),
        nested(depth),
        st.from_regex(r"[a-z_]{1,8} = [a-z_0-9 +*()\[\].]{0,20}", fullmatch=True),
    )
    return st.lists(piece, max_size=6).map("\n".join)


# Notebooks as JSON data.

json_leaves = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20))
any_json = st.recursive(
    json_leaves,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)


def weighted(*choices: tuple[int, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    """One of `choices`, each as often as its weight (`st.one_of` counts a strategy
    given twice only once)."""
    table = [strategy for weight, strategy in choices for _ in range(weight)]
    return st.integers(0, len(table) - 1).flatmap(lambda index: table[index])


def maybe(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly the valid value, sometimes (1 in 8) anything at all: wrong types everywhere,
    rarely enough that a notebook with a dozen fields is often whole."""
    return weighted((7, valid), (1, any_json))


def sources(depth: int) -> st.SearchStrategy[Any]:
    text = cell_texts(depth)
    return maybe(st.one_of(text, text.map(lambda t: t.splitlines(keepends=True))))


def cells(depth: int) -> st.SearchStrategy[dict[str, Any]]:
    """A cell with every field nbformat 4.5 asks for, each sometimes of a wrong type,
    sometimes missing, sometimes with keys nobody expects."""
    tags = st.lists(
        st.text(max_size=30) | st.sampled_from(["nb2pkg:module=models", "nb2pkg:keep", "parameters"]), max_size=3
    )
    cell = st.fixed_dictionaries(
        {
            "cell_type": maybe(st.sampled_from(["code", "code", "markdown", "raw"])),
            "source": sources(depth),
            "metadata": maybe(st.fixed_dictionaries({}, optional={"tags": maybe(tags)})),
            "id": maybe(st.from_regex(r"[a-zA-Z0-9-_]{1,64}", fullmatch=True)),
            "execution_count": maybe(st.none() | st.integers(0, 99)),
            "outputs": maybe(st.just([])),
        }
    )
    dropped = st.sets(st.sampled_from(["metadata", "id", "execution_count", "outputs", "source"]), max_size=1)
    extra = st.dictionaries(st.text(max_size=8), any_json, max_size=1)
    return st.tuples(cell, dropped, extra).map(
        lambda parts: {**parts[2], **{key: value for key, value in parts[0].items() if key not in parts[1]}}
    )


def notebooks(depth: int = IN_PROCESS_DEPTH) -> st.SearchStrategy[Any]:
    kernel = st.fixed_dictionaries(
        {"name": st.just("python3"), "language": maybe(st.just("python")), "display_name": st.text(max_size=10)}
    )
    metadata = maybe(
        st.fixed_dictionaries(
            {"kernelspec": maybe(kernel)}, optional={"language_info": maybe(st.just({"name": "python"}))}
        )
    )
    notebook = st.fixed_dictionaries(
        {
            "cells": maybe(st.lists(cells(depth), max_size=6)),
            "metadata": metadata,
            "nbformat": maybe(st.sampled_from([4, 4, 4, 4, 3, 5, 1])),
            "nbformat_minor": maybe(st.integers(0, 10)),
        },
        optional={"worksheets": any_json},
    )
    return weighted((8, notebook), (1, any_json))


def files(depth: int = IN_PROCESS_DEPTH) -> st.SearchStrategy[bytes]:
    """What lands on disk: the JSON, sometimes cut short, sometimes not JSON at all."""
    as_json = notebooks(depth).map(lambda data: json.dumps(data).encode())
    cut = st.tuples(as_json, st.floats(0, 1)).map(lambda pair: pair[0][: int(len(pair[0]) * pair[1])])
    deep = st.tuples(st.integers(1, 20_000), st.sampled_from(["[", '{"a": '])).map(
        lambda pair: (
            f'{{"nbformat": 4, "metadata": {{}}, "cells": {pair[1] * pair[0]}'.encode()
            + ("]" if pair[1] == "[" else "}").encode() * pair[0]
            + b"}"
        )
    )
    return weighted(
        (6, as_json),
        (1, cut),
        (1, st.binary(max_size=300)),
        (1, deep),
        (1, as_json.map(lambda data: b"\xef\xbb\xbf" + data)),
    )


# What the contract says, and the known failures that belong to other branches.


@dataclass(frozen=True)
class Outcome:
    code: int
    stdout: str
    stderr: str


def cpython_rejects_a_cell(content: bytes) -> bool:
    """Whether a code cell of the notebook, as Python, is one CPython will not compile
    (`b = *0`, top-level `await`, a NUL) although it may parse."""
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        cells = json.loads(content.decode("utf-8-sig"))["cells"]
        texts = [
            "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            for cell in cells
            if cell.get("cell_type") == "code"
        ]
    except Exception:  # noqa: BLE001 - not a notebook this far: nothing to compile
        return False
    for text in texts:
        try:
            compile(TransformerManager().transform_cell(str(text)), "<cell>", "exec")
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return True
        except Exception:  # noqa: BLE001 - IPython's own trouble with the text: not CPython's verdict
            continue
    return False


def check_contract(outcome: Outcome, notebook: Path, content: bytes) -> None:
    assert "Traceback" not in outcome.stdout + outcome.stderr, outcome.stderr
    assert outcome.code in (0, 1, 2), (outcome.code, outcome.stderr)
    if outcome.code == 2:
        lines = outcome.stderr.splitlines()
        assert len(lines) == 1, outcome.stderr
        assert lines[0].startswith(str(notebook)), outcome.stderr
    event(f"exit {outcome.code}")


def tree_digest(folder: Path, skip: Path) -> dict[str, str]:
    """Every file and link under `folder` (but `skip`), with a hash of its content."""
    found = {}
    for path in sorted(folder.rglob("*")):
        if path == skip or skip in path.parents:
            continue
        if path.is_symlink():
            found[str(path)] = "-> " + os.readlink(path)
        elif path.is_file():
            found[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            found[str(path)] = "folder"
    return found


def invoke(args: list[str]) -> Outcome:
    result = runner.invoke(app, args)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception  # escaped the command's error handling: a traceback for the user
    return Outcome(result.exit_code, result.stdout, result.stderr)


def attack(content: bytes, command: list[str]) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        notebook = root / "work" / "explore.ipynb"
        notebook.parent.mkdir()
        notebook.write_bytes(content)
        (root / "work" / "data.csv").write_text("a,b\n1,2\n", encoding="utf-8")  # a neighbour to keep
        (root / "victim.txt").write_text("not nb2pkg's\n", encoding="utf-8")
        out = root / "work" / "project"
        before = tree_digest(root, out)
        outcome = invoke([*command, *(["--out", str(out)] if command[0] == "convert" else []), str(notebook)])
        check_contract(outcome, notebook, content)
        assert tree_digest(root, out) == before


@fast
@given(files(), st.sampled_from([["inspect", "--json"], ["inspect"], ["inspect", "--graph"]]))
def test_inspect_keeps_the_contract(content: bytes, command: list[str]) -> None:
    attack(content, command)


@fast
@given(files())
def test_convert_keeps_the_contract(content: bytes) -> None:
    attack(content, ["convert", "-q"])


@settings(fast, max_examples=max(20, EXAMPLES // 2))
@given(st.lists(cell_texts(surrogates=False), min_size=1, max_size=8))
def test_convert_of_valid_notebooks_with_random_cells(texts: list[str]) -> None:
    """Valid notebooks, random code: reaches grouping and rendering, not only reading."""
    data = {
        "cells": [
            {"cell_type": "code", "id": f"c{i}", "metadata": {}, "source": text, "execution_count": None, "outputs": []}
            for i, text in enumerate(texts)
        ],
        "metadata": {"kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    attack(json.dumps(data).encode(), ["convert", "-q"])


@pytest.mark.slow
@settings(fast, max_examples=max(5, EXAMPLES // 15))
@given(files(depth=3000), st.sampled_from([["inspect", "--json"], ["convert", "-q", "--out", "project"]]))
def test_a_real_process_keeps_the_contract(content: bytes, command: list[str]) -> None:
    """Through `python -m nb2pkg`, where a crash of the parser cannot take the tests down."""
    with tempfile.TemporaryDirectory() as scratch:
        notebook = Path(scratch) / "explore.ipynb"
        notebook.write_bytes(content)
        done = subprocess.run(
            [sys.executable, "-m", "nb2pkg", *command, notebook.name],
            cwd=scratch,
            capture_output=True,
            text=True,
            errors="replace",
            check=False,
            timeout=600,
            env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
        )
        outcome = Outcome(done.returncode, done.stdout, done.stderr)
        if done.returncode < 0:  # killed by a signal: a crash in native code
            outcome = Outcome(done.returncode, done.stdout, done.stderr + f"\nkilled by signal {-done.returncode}")
        check_contract(outcome, Path(notebook.name), content)
