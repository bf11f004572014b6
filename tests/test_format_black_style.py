"""What nb2pkg writes in black's style without black is what black writes: each helper of
render.black_style against black on the same statement (names and strings short and long,
few and many arguments, every indentation the templates use), and the pieces of
`__main__.py` and `pipeline.py` against black on the raw text, for generated package
names and plans and on the corpus."""

from __future__ import annotations

import io
import json
import keyword
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyflakes.api import check as pyflakes_check
from pyflakes.reporter import Reporter

from nb2pkg.convert import default_package
from nb2pkg.dataflow import build_dataflow
from nb2pkg.errors import InputError
from nb2pkg.notebook import Cell, Notebook, read_notebook, read_notebook_text
from nb2pkg.plan import Gaps, Plan, build_plan, build_segments
from nb2pkg.plan.gaps import BINDS, CHANGES, KeptWrite
from nb2pkg.render import output_tests, scaffold, smoke_tests, with_results_returned
from nb2pkg.render.black_style import (
    Piece,
    bracketed,
    call,
    docstring,
    from_import,
    joined,
    module_docstring,
    operation,
    string,
    string_statement,
    subscript_assignment,
)
from nb2pkg.render.checks import SUMMARY_CHECK
from nb2pkg.render.command import _parameter
from nb2pkg.render.main_cli import main_module, main_pieces, refusing_piece
from nb2pkg.render.pipeline_style import step_piece
from nb2pkg.render.scaffold import pipeline_module, pipeline_pieces
from support import blacks, corpus_notebooks, make_notebook

NOTEBOOKS = corpus_notebooks()
PACKAGES = st.from_regex(r"[a-z][a-z0-9_]{0,90}", fullmatch=True).filter(lambda name: not keyword.iskeyword(name))
NAMES = st.from_regex(r"[a-z_][a-z0-9_]{0,50}(\.[a-z_][a-z0-9_]{0,20})?", fullmatch=True).filter(
    lambda name: not any(keyword.iskeyword(part) or keyword.issoftkeyword(part) for part in name.split("."))
)
TEXT = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=90)
LITERALS = TEXT.map(string).filter(lambda literal: literal is not None)  # in black's style


def nested(statement: str, indent: int) -> str:
    """`statement` (its first line unindented) inside `if x:` blocks `indent` spaces in."""
    return "".join(f"{' ' * level}if x:\n" for level in range(0, indent, 4)) + " " * indent + statement + "\n"


def assert_black_lays_out(raw: str, known: str | None, indent: int) -> None:
    """`known`, when given, is black's result on `raw`, a statement `indent` spaces in."""
    if known is not None:
        assert nested(known.lstrip(), indent) == blacks(nested(raw, indent))


@settings(max_examples=200, deadline=None)
@given(TEXT)
def test_strings_take_blacks_quotes(value: str) -> None:
    literal = string(value)
    if literal is not None:
        assert blacks(f"x = {value!r}\n") == f"x = {literal}\n"
        assert eval(literal) == value


@settings(max_examples=300, deadline=None)
@given(NAMES, st.lists(st.one_of(NAMES, LITERALS), min_size=1, max_size=8))
@pytest.mark.parametrize("indent", [0, 4, 8])
@pytest.mark.parametrize("tail", ["", ".method()"])
def test_calls_are_split_as_black_splits_them(indent: int, tail: str, head: str, arguments: list[str]) -> None:
    if any("," in a or "#" in a or "(" in a or "[" in a or "{" in a for a in arguments):
        return
    raw = f"{head}({', '.join(arguments)}){tail}"
    assert_black_lays_out(raw, call(head, arguments, indent, tail), indent)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["x =", "NOTEBOOK_UNBOUND ="]), st.lists(LITERALS, max_size=8))
@pytest.mark.parametrize("indent", [0, 4])
def test_lists_are_split_as_black_splits_them(indent: int, head: str, items: list[str]) -> None:
    if any("," in item or "#" in item for item in items):
        return
    raw = f"{head} [{', '.join(items)}]"
    assert_black_lays_out(raw, bracketed(head + " [", items, "]", indent, display=True), indent)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(LITERALS, st.integers(0, 10_000)), max_size=8))
def test_dicts_are_split_as_black_splits_them(items: list[tuple[str, int]]) -> None:
    entries = [f"{key}: {value}" for key, value in items]
    raw = "CELL_IDS = {" + ", ".join(entries) + "}"
    assert_black_lays_out(raw, bracketed("CELL_IDS = {", entries, "}", 0, display=True), 0)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(NAMES, LITERALS), min_size=2, max_size=5))
@pytest.mark.parametrize("indent", [0, 4])
def test_operations_are_split_as_black_splits_them(indent: int, operands: list[str]) -> None:
    raw = "SUMMARY = " + " / ".join(operands)
    assert_black_lays_out(raw, operation("SUMMARY =", operands, "/", indent), indent)


@settings(max_examples=200, deadline=None)
@given(NAMES, NAMES.filter(lambda n: "." not in n))
@pytest.mark.parametrize("indent", [0, 4, 8])
def test_imports_of_one_name_are_wrapped_as_black_wraps_them(indent: int, module: str, name: str) -> None:
    assert_black_lays_out(f"from {module} import {name}", from_import(module, name, indent), indent)


@settings(max_examples=300, deadline=None)
@given(NAMES, st.from_regex(r"[A-Z_]{1,90}", fullmatch=True), NAMES.filter(lambda n: "." not in n))
@pytest.mark.parametrize("indent", [4, 8])
def test_subscript_assignments_are_split_as_black_splits_them(indent: int, target: str, key: str, name: str) -> None:
    raw = f'{target}["{key}"] = str({name})'
    assert_black_lays_out(raw, subscript_assignment(target, f'"{key}"', "str", name, indent), indent)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["return", "name =", "x.y ="]), LITERALS)
@pytest.mark.parametrize("indent", [0, 4, 8])
def test_string_statements_are_wrapped_as_black_wraps_them(indent: int, head: str, literal: str) -> None:
    assert_black_lays_out(f"{head} {literal}", string_statement(head, literal, indent), indent)


@settings(max_examples=200, deadline=None)
@given(st.lists(TEXT, min_size=2, max_size=4))
@pytest.mark.parametrize("closing_line", [False, True])
def test_module_docstrings_close_as_black_closes_them(closing_line: bool, lines: list[str]) -> None:
    known = module_docstring(lines, closing_line)
    if known is not None:
        raw = '"""' + "\n".join(lines) + ("\n" if closing_line else "") + '"""\n'
        assert blacks(raw) == known + "\n"


@settings(max_examples=300, deadline=None)
@given(TEXT, st.lists(st.one_of(st.just(""), TEXT), max_size=4))
@pytest.mark.parametrize("indent", [0, 4, 8])
def test_docstrings_are_left_as_black_leaves_them(indent: int, first: str, rest: list[str]) -> None:
    pad = " " * indent
    text = first if not rest else first + "".join(f"\n{pad}{line}" if line else "\n" for line in rest) + "\n" + pad
    known = docstring(text, indent)
    if known is not None:
        raw = f'"""{text}"""'
        assert nested(known.lstrip(), indent) == blacks(nested(raw, indent))
    if not rest and text.isalnum() and text.isascii():
        assert known is not None


@settings(max_examples=200, deadline=None)
@given(NAMES.filter(lambda n: "." not in n), NAMES.filter(lambda n: "." not in n), NAMES.filter(lambda n: "." not in n))
def test_the_step_helper_is_blacks(name: str, logging_name: str, time_name: str) -> None:
    piece = step_piece(name, logging_name, time_name)
    assert piece.known is None or piece.known == blacks(piece.raw)
    if max(map(len, (name, logging_name, time_name))) < 20:
        assert piece.known is not None


def plan_of(*cells: str) -> Plan:
    notebook = read_notebook_text(Path("case.ipynb"), json.dumps(make_notebook(list(cells))))
    return with_results_returned(build_plan(build_segments(build_dataflow(notebook))))


PLANS = {
    "nothing read": plan_of("x = 1", "print(x)"),
    "a data file": plan_of("import pandas as pd", "df = pd.read_csv('data/train.csv')", "print(df)"),
    "the notebook's folder": plan_of("import os", "os.chdir('..')", "print(open('notes.txt').read())"),
    "options": plan_of(
        "TEST_SIZE = 0.2  # the share held out\nNAME = 'it''s'\nDEBUG = False\n" + "LONG_" * 12 + "X = 1",
        "print(TEST_SIZE, NAME, DEBUG)",
    ),
    # the command's last line splits: its dict of constants, one a line
    "many options": plan_of(
        "".join(f"CONSTANT_NUMBER_{n} = {n}\n" for n in range(8)),
        "print(" + " + ".join(f"CONSTANT_NUMBER_{n}" for n in range(8)) + ")",
    ),
    "a few options": plan_of(
        "A_CONSTANT = 1\nANOTHER_CONSTANT = 2\nTHIRD = 3", "print(A_CONSTANT, ANOTHER_CONSTANT, THIRD)"
    ),
}


PIPELINE_PLANS = {
    **PLANS,
    "session settings": plan_of("import warnings\nwarnings.filterwarnings('ignore')", "x = 1", "print(x)"),
    "an await": plan_of("import asyncio\nawait asyncio.sleep(0)\ny = 2", "print(y)"),
    "many results": plan_of(
        "first_of_many_values, second_of_many_values, third_of_many_values, fourth_value = 1, 2, 3, 4",
        "total = first_of_many_values + second_of_many_values + third_of_many_values + fourth_value",
        "print(total)",
    ),
    "no step": plan_of(("markdown", "# Notes"), ""),
    "no step, a shell command in the notebook's folder": plan_of("!ls data"),
}


def assert_pieces_are_blacks(pieces: list[Piece]) -> None:
    """Every known piece is black's result on its raw text, and the pieces joined are
    black's result on the raw texts joined (black formats top-level statements alone)."""
    for piece in pieces:
        assert piece.known is None or piece.known == blacks(piece.raw)
    assert joined(pieces) == blacks("\n\n".join(piece.raw for piece in pieces))


@settings(max_examples=60, deadline=None)
@given(PACKAGES, st.sampled_from(sorted(PLANS)), st.sampled_from(["explore.ipynb", 'it\'s "quoted" \\ here.ipynb']))
def test_the_command_module_is_blacks_for_any_package(package: str, plan: str, notebook_name: str) -> None:
    assert_pieces_are_blacks(main_pieces(package, PLANS[plan], notebook_name))


@settings(max_examples=300, deadline=None)
@given(NAMES.filter(lambda name: "." not in name), TEXT, st.sampled_from(["str", "int | None", "Path | None"]))
@pytest.mark.parametrize("arguments", [[], ["show_default=False"], ["exists=True", "file_okay=False"]])
@pytest.mark.parametrize("default", ["None", '"INFO"'])
def test_the_commands_parameters_are_split_as_black_splits_them(
    arguments: list[str], default: str, name: str, help_text: str, kind: str
) -> None:
    known, read = _parameter(name, kind, help_text, arguments, default)
    option = ", ".join([f"help={help_text!r}", *arguments])
    assert read == f"    {name}: Annotated[{kind}, typer.Option({option})] = {default},"  # what black reads
    if known is not None:
        raw = f"def main(\n    {name}: Annotated[{kind}, typer.Option({option})] = {default},\n) -> None:\n    pass\n"
        assert blacks(raw) == f"def main(\n{known}\n) -> None:\n    pass\n"


def test_the_commands_parameters_take_each_of_blacks_layouts() -> None:
    shapes = [_parameter("size", "int | None", "h" * size, ["show_default=False"], "None")[0] for size in range(100)]
    assert None not in shapes
    # on its line; the subscript split; then its items: the call on its line, its
    # arguments on theirs, one argument a line
    assert {known.count("\n") for known in shapes if known} == {0, 2, 3, 5, 6}


def test_most_of_the_command_module_is_written_without_black() -> None:
    plan = PLANS["a data file"]
    pieces = main_pieces("package", plan, "explore.ipynb")
    assert [piece.known is None for piece in pieces] == [False] * 6
    for name in ("options", "many options", "a few options"):
        assert main_pieces("package", PLANS[name], "explore.ipynb")[1].known is not None, name
    assert main_module("package", Gaps(), plan, "explore.ipynb") == blacks("\n\n".join(p.raw for p in pieces))


@settings(max_examples=100, deadline=None)
@given(PACKAGES, st.sampled_from(sorted(PIPELINE_PLANS)))
def test_the_pipeline_is_blacks_for_any_package(package: str, plan: str) -> None:
    assert_pieces_are_blacks(pipeline_pieces(PIPELINE_PLANS[plan], package)[0])


@pytest.mark.parametrize("plan", sorted(PIPELINE_PLANS))
def test_the_pipeline_of_a_plain_plan_is_written_without_black(plan: str, monkeypatch: pytest.MonkeyPatch) -> None:
    pieces, _ = pipeline_pieces(PIPELINE_PLANS[plan], "package")
    expected = blacks("\n\n".join(piece.raw for piece in pieces))
    if plan != "an await":  # its step awaits a call black formats
        monkeypatch.setattr(scaffold, "format_code", lambda text: pytest.fail(f"black formats {text!r}"))
    assert pipeline_module(PIPELINE_PLANS[plan], "package")[0] == expected


@pytest.mark.parametrize("plan", [name for name in PIPELINE_PLANS if name.startswith("no step")])
def test_a_notebook_with_no_step_has_a_run_that_only_returns(plan: str) -> None:
    """No `pass`, no step helper, no folder to run in and no imports nothing uses: what a
    reviewer would cut."""
    assert not PIPELINE_PLANS[plan].steps
    module = pipeline_module(PIPELINE_PLANS[plan], "package")[0]
    assert module.count("\ndef ") == 1 and "import" not in module and "pass" not in module
    assert module.endswith('produced."""\n    return {}\n')


@pytest.mark.parametrize("plan", sorted(PIPELINE_PLANS))
def test_the_pipeline_names_only_what_it_defines_or_imports(plan: str) -> None:
    """black takes code with undefined names: pyflakes does not (a helper used, its import left out)."""
    module = pipeline_module(PIPELINE_PLANS[plan], "package")[0]
    found = io.StringIO()
    reporter = Reporter(found, found)
    assert pyflakes_check(module, "pipeline.py", reporter) == 0, found.getvalue()


KEPT_WRITES = st.builds(
    KeptWrite,
    st.integers(1, 400),
    NAMES.filter(lambda n: "." not in n),
    st.sampled_from([BINDS, CHANGES]),
    NAMES.filter(lambda n: "." not in n),
)


@settings(max_examples=100, deadline=None)
@given(
    PACKAGES,
    st.lists(NAMES.filter(lambda n: "." not in n), max_size=5).map(tuple),
    st.lists(KEPT_WRITES, max_size=4).map(tuple),
)
def test_the_refusing_command_module_is_blacks(
    package: str, loose: tuple[str, ...], writes: tuple[KeptWrite, ...]
) -> None:
    piece = refusing_piece(package, Gaps(loose=loose, writes=writes))
    assert piece.known is None or piece.known == blacks(piece.raw)
    if len(package) < 30 and not writes:
        assert piece.known is not None


@settings(max_examples=60, deadline=None)
@given(
    PACKAGES, st.sampled_from(sorted(PLANS)), st.lists(NAMES.filter(lambda n: "." not in n), max_size=6), st.booleans()
)
def test_the_smoke_tests_are_blacks_for_any_package(package: str, plan: str, modules: list[str], needs: bool) -> None:
    for piece in smoke_tests.tests_pieces(package, modules, PLANS[plan], needs):
        assert piece.known is None or piece.known == blacks(piece.raw)


def test_the_smoke_tests_are_written_without_black() -> None:
    head, tests = smoke_tests.tests_pieces("package", ["data", "models"], PLANS["a data file"], False)
    assert head.known is not None and tests.known is not None
    assert smoke_tests.tests_module("package", ["data", "models"], PLANS["a data file"], False) == (
        blacks(head.raw) + "\n" + SUMMARY_CHECK + "\n\n" + blacks(tests.raw)
    )


@pytest.mark.corpus
@pytest.mark.skipif(not NOTEBOOKS, reason="the shared corpus is not beside the checkout")
@pytest.mark.parametrize("path", NOTEBOOKS[::3], ids=[p.name[:60] for p in NOTEBOOKS[::3]])
def test_corpus_command_modules_and_smoke_tests_are_blacks(path: Path) -> None:
    try:
        plan = with_results_returned(build_plan(build_segments(build_dataflow(read_notebook(path)))))
    except InputError:
        return
    package = default_package(path)
    assert_pieces_are_blacks(main_pieces(package, plan, path.name))
    modules = sorted({step.module for step in plan.steps})
    for piece in smoke_tests.tests_pieces(package, modules, plan, False):
        assert piece.known is None or piece.known == blacks(piece.raw)


@settings(max_examples=60, deadline=None)
@given(
    package=PACKAGES,
    name=st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=90),
    ids=st.lists(st.from_regex(r"[a-z0-9-]{1,40}", fullmatch=True), max_size=12, unique=True),
)
def test_the_output_tests_head_is_blacks(package: str, name: str, ids: list[str]) -> None:
    cells = tuple(Cell(index, "code", "x = 1\n", id=cell_id) for index, cell_id in enumerate(ids))
    notebook = Notebook(Path(name.replace("/", "_") + ".ipynb"), cells)
    piece = output_tests.project_head_piece(package, notebook, notebook.path.name)
    assert piece.known is None or piece.known == blacks(piece.raw)
    if name.isascii() and name.isalnum():
        assert piece.known is not None


@pytest.mark.corpus
@pytest.mark.skipif(not NOTEBOOKS, reason="the shared corpus is not beside the checkout")
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name[:60] for p in NOTEBOOKS])
def test_corpus_pipelines_are_blacks(path: Path) -> None:
    try:
        plan = with_results_returned(build_plan(build_segments(build_dataflow(read_notebook(path)))))
    except InputError:
        return
    pieces, gaps = pipeline_pieces(plan, default_package(path))
    assert_pieces_are_blacks(pieces)
    if gaps:
        assert_pieces_are_blacks([refusing_piece(default_package(path), gaps)])


@pytest.mark.corpus
@pytest.mark.skipif(not NOTEBOOKS, reason="the shared corpus is not beside the checkout")
def test_corpus_output_tests_heads_are_blacks() -> None:
    for path in NOTEBOOKS:
        try:
            notebook = read_notebook(path)
        except InputError:
            continue
        piece = output_tests.project_head_piece(default_package(path), notebook, path.name)
        assert piece.known is None or piece.known == blacks(piece.raw), path.name
