"""convert parses each generated package module once, for its imports, and compiles the
tree it got: the same errors and the same warnings as compiling the text, as it did
before (less the parse's own copy of a warning, which named no file: `<unknown>`)."""

from __future__ import annotations

import ast
import subprocess
import sys
import warnings
from collections.abc import Callable
from pathlib import Path

import pytest

from nb2pkg import api
from nb2pkg.convert import _check_compiles, _generated_imports, _package_trees
from nb2pkg.errors import InternalError
from nb2pkg.render import compiled as compiled_module
from support import make_notebook, write_notebook

MODULES = [
    "import os\nfrom pkg import config\nfrom sklearn.metrics import f1_score\n",
    "return 1\n",  # compiles only inside a function: the compiler's error, not the parser's
    "def f(a, a):\n    pass\n",
    "x = 1\nif x is 1:\n    pass\n",  # a compiler warning
    "pattern = '\\d+'\n",  # a parser warning, from an invalid escape
    "def f(:\n",  # does not parse
]


def before(files: dict[str, str]) -> None:
    """What convert did before: parse for the imports (its warnings, named `<unknown>`,
    are no longer given), then compile the text."""
    for name, text in files.items():
        if name.startswith("src/pkg/"):
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    ast.parse(text)
            except SyntaxError:
                pass
    _check_compiles(Path("nb.ipynb"), files, {})


def now(files: dict[str, str]) -> None:
    _check_compiles(Path("nb.ipynb"), files, _package_trees(files, "pkg"))


def outcome(convert: Callable[[dict[str, str]], None], files: dict[str, str]) -> tuple[list[str], str]:
    """The warnings (every one, repeats too) and the error of `convert` on `files`."""
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        try:
            convert(files)
            error = ""
        except InternalError as problem:
            error = str(problem)
    return [f"{w.category.__name__}: {w.message} {w.filename}:{w.lineno}" for w in seen], error


@pytest.mark.parametrize("text", MODULES)
def test_compiling_the_parsed_tree_errs_and_warns_as_compiling_the_text(text: str) -> None:
    files = {"src/pkg/module.py": text, "tests/test_pkg.py": "import pkg\n"}
    assert outcome(now, files) == outcome(before, files)


def test_the_imports_come_from_the_parsed_modules() -> None:
    files = {"src/pkg/a.py": MODULES[0], "src/pkg/b.py": "def f(:\n", "tests/t.py": "import pytest\n"}
    assert _generated_imports(_package_trees(files, "pkg"), "pkg") == {"os", "sklearn.metrics"}


def test_a_module_replaced_after_parsing_is_compiled_from_its_text() -> None:
    files = {"src/pkg/a.py": "x = 1\n"}
    trees = _package_trees(files, "pkg")
    files["src/pkg/a.py"] = "return 1\n"
    with pytest.raises(InternalError, match="'return' outside function"):
        _check_compiles(Path("nb.ipynb"), files, trees)


def test_the_imports_of_every_block_are_found() -> None:
    nested = (
        "def run():\n    from pkg import config\n    import json\n"
        "try:\n    import yaml\nexcept ImportError:\n    import tomllib\nelse:\n    pass\nfinally:\n    import csv\n"
        "class C:\n    def m(self):\n        if True:\n            import numpy.linalg\n"
        "match x:\n    case 1:\n        from collections import abc\n"
        "with open(p) as f:\n    for i in f:\n        while i:\n            import re\n"
        "lambda: __import__('not_an_import_statement')\n"
    )
    found = _generated_imports(_package_trees({"src/pkg/a.py": nested}, "pkg"), "pkg")
    assert found == {"json", "yaml", "tomllib", "csv", "numpy.linalg", "collections", "re"}


def test_an_invalid_escape_of_the_notebook_is_reported_once_with_its_module(tmp_path: Path) -> None:
    """The user's `"\\d"` is warned of by the generated module that holds it, once: not by
    each of nb2pkg's own parses of the notebook's code (a file named `<unknown>`, which
    Python 3.12 and later show by default)."""
    cells = ["import re\npattern = re.compile('\\d+')\n", "found = pattern.findall('a1b22')\n", "print(found)\n"]
    notebook = write_notebook(tmp_path / "escapes.ipynb", make_notebook(cells))
    ran = subprocess.run(
        [sys.executable, "-W", "always", "-m", "nb2pkg", str(notebook), "--out", str(tmp_path / "out"), "-q"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert ran.returncode == 0, ran.stderr
    warned = [line for line in ran.stderr.splitlines() if "invalid escape sequence" in line]
    assert len(warned) == 1 and warned[0].startswith("src/escapes/"), ran.stderr


# The code every project's generated tests share is compiled once a process, the rest of
# such a module around it (render.compiled): the same errors and warnings as compiling
# the module whole, and the shared code is what the generated tests do hold.
AROUND = [
    ("x = 1\n", "y = 2\n"),
    ("def f(:\n", ""),  # before it, a parse error
    ("", "return 1\n"),  # after it, the compiler's error
    ("x = [\n", "]\n"),  # a bracket around it: the parts do not compile, the whole does not
    ("x = '''\n", "'''\n"),  # a string around it: the parts do not compile, the whole does
    ("x = 1", ""),  # it does not start a line: compiled whole
    ("x = 1\n", "from __future__ import annotations\n"),  # a future import after code
    ("x = 1\n", "global x\n"),  # a global after the name is bound
    ("pattern = '\\d'\n", ""),  # warnings, each at its line of the whole module
    ("", "pattern = '\\d'\nif x is 1:\n    pass\n"),
    ("import os\n", "\0"),  # a NUL: Python's ValueError
]


def compiled(compiler: Callable[[str], None], text: str) -> tuple[list[str], str]:
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        try:
            compiler(text)
            error = ""
        except (SyntaxError, ValueError) as problem:
            error = f"{type(problem).__name__}: {problem}"
    return [f"{w.category.__name__}: {w.message} {w.filename}:{w.lineno}" for w in seen], error


@pytest.mark.parametrize("shared", [0, 1])
@pytest.mark.parametrize(("before", "after"), AROUND)
def test_a_module_holding_shared_test_code_errs_and_warns_as_compiled_whole(
    shared: int, before: str, after: str
) -> None:
    text = before + compiled_module._shared()[shared] + after
    whole = compiled(lambda code: compile(code, "tests/test_outputs.py", "exec", dont_inherit=True), text)
    assert compiled(lambda code: compiled_module.compile_generated("tests/test_outputs.py", code), text) == whole


def test_the_shared_test_code_compiles_alone_and_is_cut_out_of_the_generated_tests() -> None:
    """Each piece is a whole module that compiles without a warning and ends a line; the
    output tests and the smoke tests of a conversion each hold one, so they are compiled
    in parts (were a template to change, these would go back to being compiled whole)."""
    pieces = compiled_module._shared()
    assert len(pieces) == 2
    for piece in pieces:
        assert piece.endswith("\n") and compiled_module._shared_compiles(piece)
        assert compiled(lambda code: compile(code, "x.py", "exec", dont_inherit=True), piece) == ([], "")
    files = api.convert(Path("examples/explore.ipynb"), out=Path("build/explore"), write=False).conversion.files
    for name in ("tests/test_outputs.py", "tests/test_explore.py"):
        parts = compiled_module._parts(files[name])
        assert len(parts) > 1 and any(part in pieces for part in parts)
        assert "".join(parts) == files[name]
