"""render.formatting.format_code gives exactly `black.format_str`'s result while it skips
black's second pass where the first changed only whitespace and quote characters: on
generated code (a property over code built to make black split, join, re-quote and
re-indent), on every corpus notebook's code, and on every text converting a corpus
notebook formats."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path
from types import ModuleType

import black
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nb2pkg.render.formatting as formatting
from nb2pkg import render
from nb2pkg.convert import convert, default_package
from nb2pkg.dataflow import build_dataflow
from nb2pkg.errors import InputError
from nb2pkg.notebook import read_notebook
from nb2pkg.render.formatting import format_code, only_layout_changed
from support import black_mode, blacks, corpus_notebooks

MODE = black_mode()
NOTEBOOKS = corpus_notebooks()


def test_blacks_own_output_takes_one_pass() -> None:
    text = blacks("x = {'a':1,\n  'b' : [1,2,3]}\n")
    assert format_code(text) == text


def test_a_first_pass_that_only_respaces_and_requotes_is_final() -> None:
    text = "def f( a ):\n  return {'a':a}\n"
    once = black._format_str_once(text, mode=MODE)  # type: ignore[attr-defined]  # black's private API
    assert only_layout_changed(text, once)
    assert format_code(text) == blacks(text) == once


def test_an_added_trailing_comma_takes_the_second_pass() -> None:
    text = "result = function_name(" + ", ".join(f"argument_number_{n}" for n in range(6)) + ")\n"
    once = black._format_str_once(text, mode=MODE)  # type: ignore[attr-defined]
    assert not only_layout_changed(text, once)  # the split added a comma
    assert format_code(text) == blacks(text)


# What black's second pass is for (black's test data trailing_comma_optional_parens1-3 and
# its magic trailing comma cases): the first pass adds trailing commas, so the second runs.
SECOND_PASS_CASES = [
    "if e1234123412341234.winerror not in (_winapi.ERROR_SEM_TIMEOUT,\n"
    "                        _winapi.ERROR_PIPE_BUSY) or _check_timeout(t):\n    pass\n",
    "if (e123456.get_tk_patchlevel() >= (8, 6, 0, 'final') or\n"
    "    (8, 5, 8) <= get_tk_patchlevel() < (8, 6)):\n    pass\n",
    "def f():\n    return _(\n"
    + ",\n".join(f"        '{'qweasdzxc' * 11} {n}'" for n in range(2))
    + '\n    ) % {"reported_username": reported_username, "report_reason": report_reason}\n',
    "zero(one,).two(three,).four(five,)\nfunc1(arg1).func2(arg2,).func3(arg3).func4(arg4,).func5(arg5)\n"
    "(a, b, c, d,) = func1(arg1) and func2(arg2)\nfunc(argument1, (one, two,), argument4, argument5, argument6)\n",
]


@pytest.mark.parametrize("text", SECOND_PASS_CASES)
def test_blacks_second_pass_cases_run_it(text: str) -> None:
    once = black._format_str_once(text, mode=MODE)  # type: ignore[attr-defined]
    assert not only_layout_changed(text, once)
    assert format_code(text) == blacks(text)


def test_the_second_pass_runs_on_the_statements_the_first_changed_and_only_those() -> None:
    split = SECOND_PASS_CASES[0]  # black splits it, adding a trailing comma
    text = f"import os\n\n\n{split}\n\nx=[1,2]\n\n\n# kept\ndef f( a ):\n  return a\n\n\n{split}"
    assert format_code(text) == blacks(text)


def _indented(code: str) -> str:
    return "".join(f"    {line}\n" for line in code.splitlines())


def test_in_a_function_the_second_pass_runs_on_the_body_statements_the_first_changed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    split = SECOND_PASS_CASES[0]
    text = f'def step(a ):\n    """Doc."""\n    x=[1,2]\n{_indented(split)}\n    # kept\n    return x\n'
    formatted: list[str] = []
    once = black._format_str_once  # type: ignore[attr-defined]

    def counted(code: str, mode: black.Mode) -> str:
        formatted.append(code)
        return once(code, mode=mode)

    monkeypatch.setattr(black, "_format_str_once", counted)
    assert format_code(text) == blacks(text)
    assert formatted[1].startswith("def _():\n    if e1234123412341234.winerror")  # the split statement alone
    assert len(formatted) == 2  # the docstring, `x = [1, 2]` and the return only moved


@pytest.mark.parametrize(
    "function",
    [
        # a string after the first statement would be a docstring alone: the whole function
        "def f():\n    x = 1\n    u'''  Long\n  string.'''\n" + _indented(SECOND_PASS_CASES[0]),
        # a signature the first pass splits: the whole function
        "def f(first_long_parameter_name, second_long_parameter_name, third_parameter_name=None):\n"
        + _indented(SECOND_PASS_CASES[1]),
        # a nested function and a decorated async one
        "@decorator\nasync def f():\n    def inner():\n" + _indented(_indented(SECOND_PASS_CASES[2])),
    ],
)
def test_function_bodies_black_splits_are_formatted_as_black_does(function: str) -> None:
    assert format_code(function) == blacks(function)


def test_a_string_statement_is_not_read_as_a_docstring_on_the_second_pass() -> None:
    # black drops the `u`, which is more than layout, and strips a docstring's spaces: alone,
    # the string would be the module's docstring
    text = f"x = 1\nu'''  Long\n  string.'''\n{SECOND_PASS_CASES[0]}"
    assert format_code(text) == blacks(text)


def test_a_black_without_the_single_pass_runs_its_own_two(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(black, "_format_str_once")
    assert format_code("x=( 1, )\n") == "x = (1,)\n"


def test_what_black_cannot_parse_fails_as_in_black() -> None:
    with pytest.raises(black.InvalidInput) as ours:
        format_code("def f(:\n")
    with pytest.raises(black.InvalidInput) as theirs:
        blacks("def f(:\n")
    assert str(ours.value) == str(theirs.value)


# Code built to make black work: names short and long (lines that fit, lines it splits),
# quotes either way, trailing commas (magic), comments inside brackets, nested calls,
# returns and assignments whose right side gets optional parentheses, docstrings.
NAMES = st.sampled_from(["a", "value", "long_variable_name_here", "x" * 40, "some.attribute.chain", "f(x)"])
STRINGS = st.sampled_from(["'single'", '"double"', "'it\\'s'", '"say \\"hi\\""', "'" + "w" * 50 + "'", "f'{a}'"])
ATOMS = st.one_of(NAMES, STRINGS, st.sampled_from(["1", "0XFF", "1E5", "None", "(1,)", "[]"]))


@st.composite
def expressions(draw: st.DrawFn, depth: int = 2) -> str:
    if depth == 0 or draw(st.booleans()):
        return draw(ATOMS)
    items = draw(st.lists(expressions(depth - 1), min_size=1, max_size=5))
    comma = draw(st.sampled_from(["", ",", ", "]))
    space = draw(st.sampled_from(["", " ", "\n    "]))
    kind = draw(st.sampled_from(["call", "list", "dict", "tuple", "binary"]))
    if kind == "call":
        return f"{draw(NAMES)}({space}{', '.join(items)}{comma})"
    if kind == "list":
        return f"[{space}{', '.join(items)}{comma}]"
    if kind == "dict":
        return "{" + ", ".join(f"{draw(STRINGS)}: {item}" for item in items) + comma + "}"
    if kind == "tuple":
        return f"({', '.join(items)},)"
    return " + ".join(items)


@st.composite
def statements(draw: st.DrawFn) -> str:
    value = draw(expressions())
    kind = draw(st.sampled_from(["assign", "return", "expr", "comment", "with", "if", "del"]))
    if kind == "assign":
        return f"{draw(st.sampled_from(['x', 'result', 'x[0]', 'a, b']))} = {value}"
    if kind == "return":
        return f"return {value}"
    if kind == "comment":
        return f"call(  # {draw(STRINGS)}\n    {value})  #note"
    if kind == "with":
        return f"with open({value}) as handle:\n    pass"
    if kind == "if":
        return f"if {value}:\n    pass\nelse :\n    x=1"
    if kind == "del":
        return "del (a), b"
    return value


# What a function's body holds besides statements: a nested function, a string that is
# no docstring, black's second-pass cases one level in (the second pass runs on a body's
# statements one by one: render.formatting._body_again).
BODY = st.one_of(
    statements(),
    expressions().map(lambda value: f"def inner(x):\n    return {value}"),
    st.just("'a string after the first statement'"),
    expressions().map(lambda value: f"result = await client.fetch({value}, timeout_in_seconds=1)"),
    st.sampled_from(SECOND_PASS_CASES),
)
SIGNATURES = st.sampled_from(
    ["def f(a, b=1):", "async def f(a):", "def f(first_long_parameter_name, second_long_parameter_name, third=None):"]
)


@st.composite
def functions(draw: st.DrawFn) -> str:
    body = draw(st.lists(BODY, min_size=1, max_size=6))
    doc = draw(st.sampled_from(["", "    '''Doc.'''\n", '    """  Doc with space.  """\n']))
    gaps = st.sampled_from(["", "", "\n", "    # a comment\n", "\n\n    #note\n"])
    inner = "".join(draw(gaps) + "".join("    " + line + "\n" for line in s.splitlines()) for s in body)
    decorator = draw(st.sampled_from(["", "@decorator\n", "@decorator(  'x' )\n# between\n"]))
    return f"{decorator}{draw(SIGNATURES)}\n{doc}{inner}"


# Between top-level statements: what black keeps, drops or adds blank lines around.
GAPS = st.sampled_from(["", "\n\n", "\n# a comment\n", "\n\n\n\n#comment\n\n", "\n    # indented\n\n"])
TOP_LEVEL = st.one_of(
    functions(),
    statements().filter(lambda s: not s.startswith("return")),
    st.sampled_from(["'a string statement'", "u'''  Long\n  string.'''", "class C :\n    x=1"]),
    st.sampled_from(SECOND_PASS_CASES),  # where the second pass matters: it must run
    expressions().map(lambda value: f"x = {value}"),
)


@st.composite
def modules_of_code(draw: st.DrawFn) -> str:
    """A module of several top-level statements, as nb2pkg writes its modules: black's
    second pass then runs on some of them only (render.formatting._second_pass)."""
    doc = draw(st.sampled_from(["", '"""Module."""\n\n', "'''  Module.'''\n"]))
    parts = draw(st.lists(TOP_LEVEL, min_size=1, max_size=5))
    body = "".join(part.rstrip("\n") + "\n" + draw(GAPS) for part in parts)
    return f"{doc}import os\n\n\n{body}"


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(modules_of_code())
def test_generated_code_is_formatted_as_black_formats_it(text: str) -> None:
    try:
        compile(text, "generated", "exec")
    except SyntaxError:
        return  # only code that runs is ever formatted
    assert format_code(text) == blacks(text)


@pytest.mark.slow
@pytest.mark.corpus
@pytest.mark.skipif(not NOTEBOOKS, reason="the shared corpus is not beside the checkout")
def test_corpus_code_is_formatted_as_black_formats_it() -> None:
    for path in NOTEBOOKS:
        try:
            notebook = read_notebook(path)
        except InputError:
            continue
        cells = [c.source for c in notebook.code_cells if not c.source.lstrip().startswith(("%", "!"))]
        for text in [*cells, "\n\n".join(cells)]:
            try:
                compile(text, path.name, "exec")
            except SyntaxError:
                continue  # IPython syntax: converted before it is formatted
            assert format_code(text) == blacks(text), path.name


def _modules_calling_format_code() -> list[ModuleType]:
    """Every module of nb2pkg.render that imported `format_code` (each calls it by its own
    name, so each is patched): found, not listed, so that a module that starts or stops
    calling black is still covered."""
    found = []
    for info in pkgutil.iter_modules(render.__path__, "nb2pkg.render."):
        module = importlib.import_module(info.name)
        if module is not formatting and getattr(module, "format_code", None) is formatting.format_code:
            found.append(module)
    return found


@pytest.mark.slow
@pytest.mark.corpus
@pytest.mark.skipif(not NOTEBOOKS, reason="the shared corpus is not beside the checkout")
@pytest.mark.parametrize("path", NOTEBOOKS[::4], ids=[p.name[:60] for p in NOTEBOOKS[::4]])
def test_what_a_conversion_formats_is_formatted_as_black_does(
    path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []

    def checked(text: str) -> str:
        seen.append(text)
        formatted = formatting.format_code(text)
        assert formatted == blacks(text)
        return formatted

    callers = _modules_calling_format_code()
    assert {"modules", "scaffold", "black_style"} <= {module.__name__.rsplit(".", 1)[1] for module in callers}
    for module in callers:
        monkeypatch.setattr(module, "format_code", checked)
    try:
        flow = build_dataflow(read_notebook(path))
    except InputError:
        return
    convert(flow, tmp_path / "project", default_package(path))
    assert seen
