"""The render's shortcuts give what the slow paths give (issue 16): `pipeline.py`'s blocks
written in black's style while black formats the rest (render.stand_ins), and the names
calls nb2pkg writes read, from Python's tree (render.reads), and the steps pyflakes need
not check for unused variables (render.modules.may_leave_unused), on generated code and
notebooks and on all that converting the corpus and the synthetic notebooks renders."""

from __future__ import annotations

import importlib.util
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import libcst as cst
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nb2pkg.convert import convert, default_package
from nb2pkg.dataflow import build_dataflow
from nb2pkg.errors import InputError
from nb2pkg.notebook import read_notebook
from nb2pkg.plan import build_plan, build_segments
from nb2pkg.plan.model import Step
from nb2pkg.render import modules, scaffold, summary
from nb2pkg.render.formatting import format_code
from nb2pkg.render.modules import may_leave_unused, needed_names, step_function
from nb2pkg.render.reads import plain_needed_names
from nb2pkg.render.stand_ins import exploded_import, exploded_return, format_around, stable_block
from nb2pkg.render.unused import _unused_variables
from support import EXAMPLE, FIXTURES, ROOT, black_mode, blacks, corpus_notebooks
from support.notebook_fuzz import generate_cells, with_copies, write_notebook

MODE = black_mode()
NOTEBOOKS = corpus_notebooks()


# Names short and long (lines that fit, lines black splits), and the values a keyword
# argument of a merged copy passes: names, numbers and strings black keeps or rewrites.
NAMES = st.sampled_from(["a", "df", "value_2", "model_x", "n" * 20, "very_long_name_" * 3, "_p"])
VALUES = st.one_of(
    NAMES,
    st.sampled_from(
        ['"a.csv"', "'a.csv'", '"it\'s"', "'say \"hi\"'", '"é"', "1", "-1", "0", "1.5", "1E5", "0XFF", "1_000"]
    ),
    st.sampled_from(["None", "True", "x.y", "u'x'", 'f"{a}"', "(1)", "[1, 2]", '"' + "w" * 60 + '"']),
)


@st.composite
def calls(draw: st.DrawFn) -> str:
    returns = draw(st.lists(NAMES, max_size=4, unique=True))
    positional = draw(st.lists(NAMES, max_size=3, unique=True))
    keywords = [f"{k}={draw(VALUES)}" for k in draw(st.lists(NAMES, max_size=3, unique=True))]
    call = f"{draw(NAMES)}.{draw(NAMES)}({', '.join(positional + keywords)})"
    return f"{', '.join(returns)} = {call}" if returns else call


TITLES = st.one_of(NAMES, st.sampled_from(["setup", "it's", "with space", "é"]))


def _function(blocks: list[str], indent: int) -> str:
    """`run()` around `blocks`, as pipeline.py has it: in a `with` when `indent` is 8."""
    code = "\n".join(blocks) or "pass"
    body = "\n".join((" " * indent + line if line.strip() else "") for line in code.splitlines())
    around = "    with working_directory(NOTEBOOK_DIR):\n" if indent == 8 else ""
    return f'def run() -> dict[str, object]:\n    """Run it."""\n{around}{body}\n    return {{"a": a}}\n'


@pytest.mark.slow
@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TITLES, calls(), st.sampled_from([4, 8]))
def test_a_stable_block_is_what_black_writes(title: str, call: str, indent: int) -> None:
    known = stable_block("step", title, call, indent)
    if known is None:
        return
    original = f"with step({title!r}):\n    {call}"
    assert blacks(_function([original], indent)) == _function([known], indent)


IMPORTED = st.lists(st.one_of(NAMES, st.sampled_from(["CONSTANT_" * 3, "a as b", "name_" * 9])), max_size=12)


def _imports(module: str, names: list[str]) -> list[str]:
    return [f"from {module} import {', '.join(sorted(set(names)))}"] if names else []


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.tuples(TITLES, calls()), max_size=12),
    st.sampled_from([4, 8]),
    IMPORTED,
    IMPORTED,
    st.lists(NAMES, max_size=15, unique=True),
)
def test_a_run_formatted_around_its_stable_parts_is_blacks(
    steps: list[tuple[str, str]], indent: int, first: list[str], second: list[str], returned: list[str]
) -> None:
    blocks = [f"with step({title!r}):\n    {call}" for title, call in steps]
    stable = [stable_block("step", title, call, indent) for title, call in steps]
    imports = ["import os", *_imports("pkg.config", first), *_imports("pkg.a_module_of_the_package", second)]
    lines = {n: known for n, line in enumerate(imports) if (known := exploded_import(line, n))}
    items = [f'"{n}": {n}' for n in sorted(returned)]
    back = exploded_return(items, 4, len(imports))

    def text(parts: list[str], markers: bool) -> str:
        heads = [lines[n][0] if markers and n in lines else line for n, line in enumerate(imports)]
        result = back[0] if markers and back else "return {" + ", ".join(items) + "}"
        return "\n".join(heads) + "\n\n\n" + _function(parts, indent).replace('return {"a": a}', result)

    aside = (*lines.values(), *([back] if back else []))
    fast = format_around(text, blocks, stable, format_code, aside, first=len(imports) + 1)
    assert fast == blacks(text(blocks, False))


def test_a_marker_named_in_the_code_falls_back_to_black() -> None:
    blocks = ["with step('a'):\n    x = m.f(__nb2pkg_stand_in_0__)", "with step('b'):\n    y = m.g(x)"]
    stable = [None, stable_block("step", "b", "y = m.g(x)", 4)]

    def text(parts: list[str], markers: bool) -> str:
        return _function(parts, 4)

    assert format_around(text, blocks, stable, format_code) == blacks(text(blocks, False))


def _checking(real: Callable[..., str]) -> Callable[..., str]:
    def checked(
        build: Callable[[list[str], bool], str],
        blocks: list[str],
        stable: list[str | None],
        fmt: Callable[[str], str],
        lines: tuple[tuple[str, str], ...] = (),
        first: int = 0,
    ) -> str:
        fast = real(build, blocks, stable, fmt, lines, first)
        assert fast == blacks(build(blocks, False))
        return fast

    return checked


# names the walk treats apart: builtins, IPython's history and display, dynamic calls,
# the function's own name, `__class__`
ODD = st.sampled_from(["print", "id", "_", "_1", "_i2", "display", "eval", "run", "__class__", "True"])
ARGUMENT_VALUES = st.one_of(
    VALUES, ODD, st.sampled_from(["lambda: a", "[a for a in b]", "f'{a}'", "a[0]", "(a := 1)", "*a", "m.f(a)"])
)


@st.composite
def plain_calls(draw: st.DrawFn) -> str:
    odd = draw(st.integers(0, 3)) == 0  # mostly code of the plain kind, sometimes not
    names = st.one_of(NAMES, ODD) if odd else NAMES
    values = ARGUMENT_VALUES if odd else VALUES
    returns = draw(st.lists(names, max_size=3, unique=True))
    arguments = draw(st.lists(st.one_of(names, values), max_size=3))
    keywords = [f"{k}={draw(values)}" for k in draw(st.lists(NAMES, max_size=2, unique=True))]
    target = draw(st.sampled_from(["", "", "x.y = ", "[p, q] = ", "a, *b = "])) if odd else ""
    call = f"{draw(names)}.{draw(NAMES)}({', '.join(arguments + keywords)})"
    return f"{target}{', '.join(returns)} = {call}" if returns and not target else f"{target}{call}"


@pytest.mark.slow
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(plain_calls(), max_size=6), st.sampled_from(["def run():\n", "def run(a):\n", "", "x = 1\n"]))
def test_plain_needed_names_are_the_walks(lines: list[str], head: str) -> None:
    code = head + "".join(("    " if head.startswith("def") else "") + line + "\n" for line in lines)
    if head.startswith("def") and not lines:
        code += "    pass\n"
    _same_as_the_walk(code)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(NAMES, st.one_of(VALUES, VALUES, ARGUMENT_VALUES)), max_size=4))
def test_plain_needed_names_of_keyword_arguments_are_the_walks(pairs: list[tuple[str, str]]) -> None:
    code = f"dict({', '.join(f'{k}={v}' for k, v in pairs)})"
    _same_as_the_walk(code)


@st.composite
def plain_expressions(draw: st.DrawFn, depth: int = 2) -> str:
    """Expressions of every kind the module-level reader takes, and some it leaves to the walk."""
    atoms = st.one_of(
        NAMES,
        ODD,
        st.sampled_from(['"s"', "1", "None", "x.y", "f'{a}'", "[a for a in b]", "lambda: a"]),
        st.sampled_from(["get_ipython().run_line_magic('time', 'x + y')", "get_ipython().system('ls')"]),
    )
    if depth == 0 or draw(st.booleans()):
        return draw(atoms)
    a, b = draw(plain_expressions(depth - 1)), draw(plain_expressions(depth - 1))
    shapes = [
        f"{a}[{b}]",
        f"{a}[1:{b}]",
        f"({a} + {b})",
        f"({a} < {b} <= 3)",
        f"({a} and not {b})",
        f"({a} if {b} else 0)",
        f"{{{a}: {b}}}",
        f"{{{a}, {b}}}",
        f"print({a}, *{b})",
        f"{a}.method({b}, key=-{b})",
        f"({a} in {b})",
        f"(~{a} ** {b})",
    ]
    return draw(st.sampled_from(shapes))


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::SyntaxWarning")  # `"s"[1]`, `1(a)`: compiled only to skip what does not
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(plain_expressions(), min_size=1, max_size=4), st.sampled_from(["", "x = 1\n", "del q\n"]))
def test_plain_needed_names_of_module_expressions_are_the_walks(lines: list[str], head: str) -> None:
    code = head + "".join(line + "\n" for line in lines)
    _same_as_the_walk(code)


def _same_as_the_walk(code: str) -> None:
    """What the plain reader finds in `code` (when it takes it) is what needed_names finds;
    code that does not compile is no case."""
    try:
        compile(code, "generated", "exec")
    except SyntaxError:
        return
    _plain_checked(code)


def _plain_checked(code: str) -> set[str] | None:
    plain = plain_needed_names(code)
    assert plain is None or plain == needed_names(code), code
    return plain


def _patched(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scaffold, "format_around", _checking(format_around))
    monkeypatch.setattr(scaffold, "plain_needed_names", _plain_checked)
    monkeypatch.setattr(summary, "plain_needed_names", _plain_checked)


def _synthetic(cells: int, folder: Path) -> Path:
    spec = importlib.util.spec_from_file_location("curve", ROOT / "bench" / "curve.py")
    assert spec is not None and spec.loader is not None
    curve = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("curve", curve)
    spec.loader.exec_module(curve)
    return curve.write_synthetic(cells, folder / f"synthetic{cells}.ipynb")


@pytest.mark.parametrize("cells", [12, 75])
def test_the_synthetic_pipelines_are_formatted_as_black_does(
    cells: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _patched(monkeypatch)
    path = _synthetic(cells, tmp_path)
    convert(build_dataflow(read_notebook(path)), tmp_path / "project", default_package(path))


@pytest.mark.slow
@pytest.mark.corpus
@pytest.mark.skipif(not NOTEBOOKS, reason="the shared corpus is not beside the checkout")
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name[:60] for p in NOTEBOOKS])
def test_corpus_pipelines_are_formatted_as_black_does(
    path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _patched(monkeypatch)
    try:
        flow = build_dataflow(read_notebook(path))
    except InputError:
        return
    convert(flow, tmp_path / "project", default_package(path))


def _check_unused_shortcut(path: Path) -> int:
    """Every step `may_leave_unused` skips has no unused variable by pyflakes; the count."""
    try:
        plan = build_plan(build_segments(build_dataflow(read_notebook(path))))
    except InputError:
        return 0
    lifted = plan.lifted()
    skipped = [s for s in plan.steps if not may_leave_unused(s)]
    for step in skipped:
        code = cst.Module(body=[step_function(step, lifted)]).code
        assert _unused_variables(code) == [], (path.name, step.name)
    return len(skipped)


ALL_NOTEBOOKS = [*sorted(FIXTURES.glob("convert/*/input.ipynb")), EXAMPLE, *NOTEBOOKS]


@pytest.mark.slow
@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=lambda p: p.parent.name if p.name == "input.ipynb" else p.stem)
def test_steps_not_checked_for_unused_variables_have_none(path: Path) -> None:
    _check_unused_shortcut(path)


def test_the_synthetic_steps_not_checked_have_no_unused_variable(tmp_path: Path) -> None:
    assert _check_unused_shortcut(_synthetic(60, tmp_path)) > 0  # the shortcut is taken


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10_000))
def test_generated_steps_not_checked_have_no_unused_variable(seed: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        _check_unused_shortcut(_generated_notebook(seed, Path(folder)))


def _generated_notebook(seed: int, folder: Path) -> Path:
    """Notebook `seed` of the fuzzer: ten cells, some of them copies of others."""
    return write_notebook(folder / f"n{seed}.ipynb", with_copies(generate_cells(seed, size=10), seed))


def _check_step_code(path: Path, folder: Path) -> int:
    """Converting the notebook, each step's code, printed from its statements' own code,
    is LibCST's print of the step function; the number of steps rendered."""
    seen = []

    def checked(step: Step, lifted: dict[str, tuple[str, ...]] | None = None) -> tuple[cst.FunctionDef, str]:
        function, code = rendered(step, lifted)
        assert code == cst.Module(body=[function]).code, (path.name, step.name)
        seen.append(step)
        return function, code

    try:
        flow = build_dataflow(read_notebook(path))
    except InputError:
        return 0
    rendered = modules.rendered_step
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(modules, "rendered_step", checked)
        convert(flow, folder / "project", default_package(path))
    return len(seen)


# What LibCST prints otherwise than a line moved in: lines in strings, lines after a
# backslash, a block's comments, blank lines and continuation lines short of its indentation.
AWKWARD_CELLS = [
    "import pandas as pd\nframe = pd.DataFrame({'a': [1,\n  2]})  # a comment\n\n# before\nx = 1; y = 2",
    "def helper(v):\n    '''Doc\n  on two lines.'''\n    w = (v +\n  1)\n# shallow\n\n    return w\n",
    "total = helper(x) + \\\n    y\ntext = '''a\nb'''\nfor i in range(3):\n\tif i:\n\t\ttotal += i\n  # odd\n\ttotal -= 1",
    "print(total, text)\nframe.head()",
    "class Box:\n    size = 1\n\n\n    def grow(self):\n        return self.size + 1\nbox = Box()\nprint(box.grow())",
    "import asyncio\nTRAIN = 'data/train.csv'\nawait asyncio.sleep(0)\ntrain = pd.read_csv(TRAIN)\ntrain.shape",
]


def test_a_steps_code_is_libcsts_print_of_it(tmp_path: Path) -> None:
    path = write_notebook(tmp_path / "awkward.ipynb", [("code", cell) for cell in AWKWARD_CELLS])
    assert _check_step_code(path, tmp_path) > 0


@pytest.mark.slow
@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=lambda p: p.parent.name if p.name == "input.ipynb" else p.stem)
def test_every_steps_code_is_libcsts_print_of_it(path: Path, tmp_path: Path) -> None:
    _check_step_code(path, tmp_path)


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10_000))
def test_generated_steps_code_is_libcsts_print_of_it(seed: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        _check_step_code(_generated_notebook(seed, Path(folder)), Path(folder))
