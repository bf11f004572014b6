"""Hostile notebook text never injects into the generated project: file names, markdown
that becomes docstrings, and `pip install` lines go through a whole conversion, and
every file still parses and says exactly what the notebook said."""

from __future__ import annotations

import ast
import json
from dataclasses import replace
from pathlib import Path

import black
import libcst as cst
import nbformat
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nb2pkg import api
from nb2pkg.dataflow import build_dataflow
from nb2pkg.escape import docstring_literal, docstring_text, markdown_code, printable
from nb2pkg.notebook import read_notebook
from nb2pkg.plan import build_plan, build_segments
from nb2pkg.render.modules import step_function
from support import make_notebook, tomllib, write_notebook

HOSTILE_NAMES = [
    'quote".ipynb',
    "apostrophe's.ipynb",
    "back\\slash.ipynb",
    'triple """ quotes.ipynb',
    "triple ''' quotes.ipynb",
    "new\nline.ipynb",
    "carriage\rreturn.ipynb",
    "named \\N{BULLET} escape.ipynb",
    "hex \\x41 and \\u0041.ipynb",
    "ends with backslash \\",
    "`backticks` and ``more``.ipynb",
    "<b>html<\\b> & | pipes |.ipynb",
    "[link](http:evil.example) *em* _u_.ipynb",
    '"; import os; os.system("x"); ".ipynb',
    'x"]\n[tool.evil]\nk = "v.ipynb',
    "bidi \u202etxt.ipynb",
    "tab\there.ipynb",
    "undecodable \udcff byte.ipynb",
    "  spaces around  .ipynb",
    'ends with quote".ipynb',
]
HOSTILE_MARKDOWN = [
    '# Load the data """; import evil; """',
    "# Load the data '''; import evil; '''",
    "# Load the data\\\n\nA trailing backslash\\",
    "# Load the data \\N{BULLET} \\x41 \\u0041 \\U00000041",
    '# Load the data\n\nIt ends with a quote"',
    "# Load the data\n\nA NUL \0 inside",
    "# Load the data\n\n    indented ``` code\n\ttab",
]


def convert_notebook(folder: Path, name: str, cells: list[str | tuple[str, str]]) -> api.Converted:
    notebook = write_notebook(folder / name, make_notebook(cells))
    return api.convert(notebook, folder / "out")


def python_files(converted: api.Converted) -> dict[str, ast.Module]:
    """Every generated .py file, compiled as Python would and parsed."""
    trees = {}
    for path, text in converted.conversion.files.items():
        if path.endswith(".py"):
            compile(text, path, "exec", dont_inherit=True)
            trees[path] = ast.parse(text)
    return trees


def pyproject(converted: api.Converted) -> dict:
    return tomllib.loads(converted.conversion.files["pyproject.toml"])


def notebook_requirements(converted: api.Converted) -> list[str]:
    """The requirements from the notebook: all but python -m's own `typer` (test_main_cli)."""
    return [r for r in pyproject(converted)["project"]["dependencies"] if not r.startswith("typer")]


def read_back(converted: api.Converted, relative: str) -> str:
    """A generated file as written to disk (the writer also had to encode it)."""
    return (converted.out / relative).read_text(encoding="utf-8", errors="surrogateescape")


def code_spans(markdown: str) -> list[str]:
    markdown_it = pytest.importorskip("markdown_it")
    tokens = markdown_it.MarkdownIt().parse(markdown)
    return [child.content for token in tokens for child in token.children or () if child.type == "code_inline"]


def assert_name_is_shown_literally(converted: api.Converted, name: str) -> None:
    shown = printable(name)
    files = python_files(converted)
    package = converted.conversion.package
    expected = f"Code of the notebook {shown}, made into a package by nb2pkg."
    assert ast.get_docstring(files[f"src/{package}/__init__.py"]) == docstring_text(expected)
    config = ast.get_docstring(files[f"src/{package}/config.py"])
    assert config == docstring_text(f"Constants and paths of the notebook {shown}.")
    assert pyproject(converted)["project"]["description"] == expected
    readme = converted.conversion.files["README.md"]
    assert markdown_code(name) in readme
    assert shown in code_spans(readme)
    assert "\n" not in shown and "\r" not in shown


@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=range(len(HOSTILE_NAMES)))
def test_hostile_file_names_are_shown_not_run(tmp_path: Path, name: str) -> None:
    converted = convert_notebook(tmp_path, name, ["import json\nRATE = 2", "x = json.dumps(RATE)\nx"])
    assert_name_is_shown_literally(converted, name)
    # No name adds a table, a key or a statement.
    assert set(pyproject(converted)) == {"build-system", "project", "tool"}
    assert notebook_requirements(converted) == []
    for path, tree in python_files(converted).items():
        assert not any(
            isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "system" for node in ast.walk(tree)
        ), path
    nbformat.validate(nbformat.reads(read_back(converted, f"notebooks/{name}"), as_version=4))


PIP_CASES = [
    ("!pip install 'numpy>=1\", \"evil==6.6.6'", [], ['numpy>=1", "evil==6.6.6']),
    ("%pip install 'numpy==1.26\"]\\n[tool.evil]'", [], ['numpy==1.26"]\\n[tool.evil]']),
    ("!pip install numpy==1.26,evil==6.6.6", [], ["numpy==1.26,evil==6.6.6"]),
    ("!pip install -U --upgrade -q 'pandas==2.1' --no-deps", ["pandas==2.1"], []),
    ("!pip install -r requirements.txt -e . tqdm==4.0", ["tqdm==4.0"], ["-r requirements.txt", "-e ."]),
    (
        "!pip install git+https://github.com/a/b.git ./local ../wheel.whl",
        [],
        ["git+https://github.com/a/b.git", "./local", "../wheel.whl"],
    ),
    (
        "!pip install 'b @ https://example.org/b.tar.gz' {pkg} $PKG",
        [],
        ["b @ https://example.org/b.tar.gz", "{pkg}", "$PKG"],
    ),
    (
        "%pip install \"rich[jupyter] >=13 ; python_version >= '3.10'\" 'Scikit_Learn==1.4'",
        ['rich[jupyter]>=13; python_version >= "3.10"', "Scikit_Learn==1.4"],
        [],
    ),
]


@pytest.mark.parametrize(("line", "kept", "refused"), PIP_CASES, ids=range(len(PIP_CASES)))
def test_pip_install_lines_add_only_valid_requirements(
    tmp_path: Path, line: str, kept: list[str], refused: list[str]
) -> None:
    converted = convert_notebook(tmp_path, "pips.ipynb", ["x = 1", line, "y = x + 1\ny"])
    assert notebook_requirements(converted) == kept
    warnings = [(w.cell, w.message) for w in converted.conversion.warnings if "not added" in w.message]
    assert [(cell, message.split("`")[1]) for cell, message in warnings] == [
        (2, f"pip install {text}") for text in refused
    ]
    readme = converted.conversion.files["README.md"]
    assert ("not added" in readme) == bool(refused)
    assert all(markdown_code(text) in readme for text in refused)
    assert all("\n" not in message for _, message in warnings)
    python_files(converted)


@pytest.mark.parametrize("markdown", HOSTILE_MARKDOWN, ids=range(len(HOSTILE_MARKDOWN)))
def test_markdown_docstrings_keep_their_text(tmp_path: Path, markdown: str) -> None:
    cells = [("markdown", markdown), "import json\nraw = json.loads('[1, 2]')\ntotal = sum(raw)", "total"]
    converted = convert_notebook(tmp_path, "md.ipynb", cells)
    plan = build_plan(build_segments(build_dataflow(read_notebook(tmp_path / "md.ipynb"))))
    functions = {
        node.name: node
        for tree in python_files(converted).values()
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef)
    }
    for step in plan.steps:
        assert ast.get_docstring(functions[step.name]) == docstring_text(step.doc)
    modules = python_files(converted).values()
    assert not any(
        isinstance(node, ast.Import) and node.names[0].name == "evil" for tree in modules for node in ast.walk(tree)
    )
    summary = json.loads(read_back(converted, "notebooks/md.ipynb"))
    nbformat.validate(nbformat.from_dict(summary))
    assert markdown.replace("\0", "") in {"".join(c["source"]).replace("\0", "") for c in summary["cells"]}


HOSTILE_DOCS = [
    'ends with a quote"',
    'a """ run """" of """"" quotes',
    "a ''' run and \"\"\" both '''",
    "trailing backslash \\",
    "\\N{BULLET} \\x41 \\u0041 \\",
    "NUL \0 and lone \ud800 surrogate",
    "line\x0cfeed\x0bvertical\x1cfile\u2028separator\x85next",
    "first\n\n   indented\n\ttabbed   \n",
    "\r\nwindows\r\nlines\r",
    "'",
    '"',
]


def render_docstring_in_context(doc: str) -> str:
    """A step function with `doc` as its docstring, formatted by black as nb2pkg does."""
    source = "def f():\n    return 1\n"
    step_like = cst.parse_module(source).body[0]
    assert isinstance(step_like, cst.FunctionDef)
    literal = cst.SimpleString(docstring_literal(doc, "    "))
    body = [cst.SimpleStatementLine([cst.Expr(literal)]), *step_like.body.body]
    text = cst.Module(body=[step_like.with_changes(body=step_like.body.with_changes(body=body))]).code
    return black.format_str(text, mode=black.Mode())


@pytest.mark.parametrize("doc", HOSTILE_DOCS, ids=range(len(HOSTILE_DOCS)))
def test_docstring_literals_keep_their_text(doc: str) -> None:
    text = render_docstring_in_context(doc)
    function = ast.parse(text).body[0]
    assert isinstance(function, ast.FunctionDef)
    assert ast.get_docstring(function) == docstring_text(doc)
    assert len(function.body) == 2
    text.encode("utf-8")  # no lone surrogate left to break writing


def test_docstring_text_is_what_a_reader_expects() -> None:
    assert docstring_text("  Load.\n\n  Then clean.  \n") == "Load.\n\nThen clean."
    assert docstring_text("a\0b\ud800") == "ab\ufffd"
    assert docstring_text("a\r\nb\rc") == "a\nb\nc"


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("plain.ipynb", "`plain.ipynb`"),
        ("a`b", "``a`b``"),
        ("``x", "``` ``x ```"),
        ("x`", "`` x` ``"),
        (" padded ", "`  padded  `"),
        ("new\nline", "`new\\nline`"),
        ("nul\0", "`nul\\x00`"),
        ("bidi\u202e", "`bidi\\u202e`"),
        ("<b>|</b> \\", "`<b>|</b> \\`"),
    ],
)
def test_markdown_code_spans(text: str, span: str) -> None:
    assert markdown_code(text) == span
    assert code_spans(span) == [printable(text)]


def test_step_docstrings_keep_hostile_text(tmp_path: Path) -> None:
    """The renderer's own docstring path (`step_function`), not only the literal helper."""
    cells = [("markdown", "# Load the data"), "import json\nraw = json.loads('[1]')\ntotal = sum(raw)", "total"]
    notebook = write_notebook(tmp_path / "step.ipynb", make_notebook(cells))
    plan = build_plan(build_segments(build_dataflow(read_notebook(notebook))))
    for doc in HOSTILE_DOCS:
        step = replace(plan.steps[0], doc=doc)
        code = black.format_str(cst.Module(body=[step_function(step)]).code, mode=black.Mode())
        function = ast.parse(code).body[0]
        assert isinstance(function, ast.FunctionDef)
        assert ast.get_docstring(function) == docstring_text(doc)


# File names Linux accepts: no `/`, no NUL, not `.` or `..`.
FILE_NAMES = st.text(
    alphabet=st.characters(blacklist_characters="/\0", blacklist_categories=()), min_size=1, max_size=30
).map(lambda stem: stem + ".ipynb")
# Lone surrogates are left out: the summary notebook keeps the markdown cell verbatim and
# writing it fails (output/summary, reported apart); docstrings of them are tested above.
MARKDOWN = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)) | st.sampled_from(['"', "'", "\\", "`", "\n", "#", "\0"]),
    max_size=60,
)
SLOW_SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))


@pytest.mark.slow
@SLOW_SETTINGS
@given(name=FILE_NAMES)
def test_random_file_names(tmp_path_factory: pytest.TempPathFactory, name: str) -> None:
    folder = tmp_path_factory.mktemp("names")
    try:
        (folder / name).touch()
    except (OSError, UnicodeEncodeError):  # too long, or not encodable: no such file can exist
        return
    converted = convert_notebook(folder, name, ["import json\nRATE = 2", "x = json.dumps(RATE)\nx"])
    assert_name_is_shown_literally(converted, name)


@pytest.mark.slow
@SLOW_SETTINGS
@given(text=MARKDOWN)
def test_random_markdown_docstrings(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    folder = tmp_path_factory.mktemp("markdown")
    cells = [
        ("markdown", "# Load the data\n\n" + text),
        "import json\nraw = json.loads('[1]')\ntotal = sum(raw)",
        "total",
    ]
    converted = convert_notebook(folder, "md.ipynb", cells)
    plan = build_plan(build_segments(build_dataflow(read_notebook(folder / "md.ipynb"))))
    functions = {
        node.name: node
        for tree in python_files(converted).values()
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef)
    }
    for step in plan.steps:
        assert ast.get_docstring(functions[step.name]) == docstring_text(step.doc)
    nbformat.validate(nbformat.reads(read_back(converted, "notebooks/md.ipynb"), as_version=4))


@pytest.mark.slow
@settings(max_examples=400, deadline=None)
@given(text=st.text(alphabet=st.characters(blacklist_categories=()) | st.sampled_from("\"'\\\n\t"), max_size=40))
def test_random_docstring_literals(text: str) -> None:
    function = ast.parse(render_docstring_in_context(text)).body[0]
    assert isinstance(function, ast.FunctionDef)
    assert ast.get_docstring(function) == docstring_text(text)


@pytest.mark.parametrize("folder", ['we"ird \\N{x} \\x41', "new\nline 'q'", "`tick` <b>|", "ends\\"])
def test_hostile_notebook_folders_are_string_literals(tmp_path: Path, folder: str) -> None:
    """The notebook's folder, seen from the project, lands in config.py as a string and in
    the README as a code span: the same path, never code."""
    (tmp_path / folder).mkdir()
    cells = ["RATE = 2", "x = RATE * 2\nx", "import os\nnames = os.listdir('sub')", "t = open('a.txt').read()"]
    notebook = write_notebook(tmp_path / folder / "nb.ipynb", make_notebook(cells))
    converted = api.convert(notebook, tmp_path / "out")
    config = python_files(converted)[f"src/{converted.conversion.package}/config.py"]
    strings = {
        node.value for node in ast.walk(config) if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }
    relative = f"../{folder}"
    assert relative in strings  # NOTEBOOK_DIR: os.listdir('sub') needs the notebook's folder
    assert (tmp_path / folder).resolve().as_posix() in strings  # DATA_DIR: a.txt is read there
    assert markdown_code(relative) in converted.conversion.files["README.md"]


@settings(max_examples=300, deadline=None)
@given(
    targets=st.lists(
        st.text(alphabet=st.characters(blacklist_categories=()) | st.sampled_from("\"',;[]=<>@ \n"), max_size=30),
        max_size=4,
    )
)
def test_random_pip_targets_give_valid_toml_and_requirements(targets: list[str]) -> None:
    from packaging.requirements import Requirement

    from nb2pkg.render.dependencies import infer_dependencies
    from nb2pkg.render.scaffold import pyproject as write_pyproject

    dependencies = infer_dependencies([], targets, installed={}, distributions={})
    for requirement in dependencies.requirements:
        assert str(Requirement(requirement)) == requirement and Requirement(requirement).url is None
    assert len(dependencies.requirements) + len(dependencies.refused) <= len(targets)
    written = tomllib.loads(write_pyproject("pkg", dependencies, "nb.ipynb"))
    assert written["project"]["dependencies"] == list(dependencies.requirements)
    assert set(written) == {"build-system", "project", "tool"}
