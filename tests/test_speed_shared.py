"""Work the stages share instead of redoing gives what redoing gives (issue 16):
- `clone_rewrite.has_unsafe` looks for the keywords in the printed code before it walks
  the tree: it answers as the walk does;
- a segment's code is its statements printed one by one (`plan.printed`), which is what
  printing a module of them gives;
- a step's reading (`step_names.read_step`) is shared by its name and its docstring: it is
  what reading the code afresh gives, for each set of imported names;
- the caches hold a whole notebook's cells (each parsed once however large it is) and a
  conversion empties them when it ends, with the same files whether they were warm or cold;
- a cell's code and a segment's (the same ending in a newline) share one Python tree,
  which is the tree (or the error) parsing either text gives.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Callable
from pathlib import Path

import libcst as cst
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nb2pkg.analysis import parse
from nb2pkg.analysis.parsed import code_of, printed
from nb2pkg.api import convert
from nb2pkg.dataflow import build_dataflow
from nb2pkg.limits import python_tree
from nb2pkg.notebook import read_notebook
from nb2pkg.plan import build_segments
from nb2pkg.plan.clone_rewrite import _UNSAFE, has_unsafe, top
from nb2pkg.plan.operations import read_code
from nb2pkg.plan.step_names import read_step
from support import ROOT, analysed_corpus_code, corpus_notebooks

# statements with and without the nodes renaming must not touch, and with their keywords
# where they are no such node (a string, a comment, an attribute, a longer word)
LINES = [
    "x = 1",
    "import os",
    "from a import b as c",
    "global g",
    "def f():\n    nonlocal_ = 1\n    global h\n    return h",
    "def f():\n    def g():\n        nonlocal y\n    return g",
    "match command:\n    case 1:\n        pass",
    "match = 3",
    "s = 'import this'",
    "t = x  # global warming",
    "y = obj.match(z)",
    "importer = imports + 1",
    "if c:\n    import json",
    "for i in range(3):\n    print(i)",
    "try:\n    from x import y\nexcept ImportError:\n    y = None",
    "class A:\n    '''match me'''",
]


def _walked_unsafe(statements: list[cst.BaseStatement]) -> bool:
    found = []

    class Finder(cst.CSTVisitor):
        def on_visit(self, node: cst.CSTNode) -> bool:
            found.append(isinstance(node, _UNSAFE))
            return True

    for statement in statements:
        top(statement).visit(Finder())
    return any(found)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(LINES), min_size=1, max_size=5))
def test_has_unsafe_answers_as_the_walk(lines: list[str]) -> None:
    statements = list(cst.parse_module("\n".join(lines) + "\n").body)
    assert has_unsafe(statements) == _walked_unsafe(statements)


def _code_cells(path: Path) -> list[str]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return ["".join(c["source"]) if isinstance(c["source"], list) else c["source"] for c in data["cells"]]


def _parsed(source: str) -> cst.Module | None:
    try:
        return cst.parse_module(source)
    except (cst.ParserSyntaxError, RecursionError):
        return None


@pytest.mark.slow
@pytest.mark.parametrize("path", corpus_notebooks()[:40], ids=lambda p: p.stem)
def test_corpus_cells_print_and_walk_alike(path: Path) -> None:
    for source in _code_cells(path):
        module = _parsed(source)
        if module is None or not module.body:
            continue
        statements = list(module.body)
        assert has_unsafe(statements) == _walked_unsafe(statements)
        assert "".join(code_of(s) for s in statements) == cst.Module(body=statements).code


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(LINES), min_size=1, max_size=5), st.sampled_from(["    ", "\t", "  "]))
def test_statements_print_as_their_module(lines: list[str], indent: str) -> None:
    source = "\n\n# a comment\n".join(line.replace("    ", indent) for line in lines) + "\n"
    statements = list(cst.parse_module(source).body)
    assert "".join(code_of(s) for s in statements) == cst.Module(body=statements).code


def test_read_step_is_the_reading_afresh() -> None:
    segments = [s for s in build_segments(build_dataflow(read_notebook(ROOT / "examples" / "explore.ipynb")))]
    code_segments = [s for s in segments if s.role == "code"]
    assert code_segments
    for imported in (frozenset(), frozenset({"pd", "np"})):
        for segment in code_segments:
            code, verbs = read_step([segment], imported)
            assert code == read_code([segment], imported)
            assert verbs and verbs == read_step([segment], imported)[1]
    # the imported names are part of what is read: the cache keeps them apart
    both = read_step(code_segments, frozenset({"pd"}))[0]
    assert both.imported == frozenset({"pd"})
    assert read_step(code_segments, frozenset())[0].imported == frozenset()


def _synthetic(cells: int, path: Path) -> Path:
    import sys

    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from curve import write_synthetic
    finally:
        sys.path.remove(str(ROOT / "bench"))
    return write_synthetic(cells, path)


def test_conversion_empties_the_caches_and_gives_the_same_files(tmp_path: Path) -> None:
    notebook = _synthetic(40, tmp_path / "n.ipynb")
    parse("x = 1\n")  # warm: a tree a conversion did not make
    first = convert(notebook, tmp_path / "a", write=False)
    assert parse.cache_info().currsize == 0 and printed.cache_info().currsize == 0
    second = convert(notebook, tmp_path / "a", write=False)
    assert first.conversion.files == second.conversion.files


@pytest.mark.slow
def test_a_notebook_larger_than_the_old_caches_parses_each_cell_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 5,000 cells: 4,500 code cells, more than the 4,096 trees the cache held before
    notebook = read_notebook(_synthetic(5000, tmp_path / "n.ipynb"))
    parsed: list[str] = []
    real = cst.parse_module

    def counted(source: str, *args: object, **kwargs: object) -> cst.Module:
        parsed.append(source)
        return real(source, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(cst, "parse_module", counted)
    parse.cache_clear()
    build_segments(build_dataflow(notebook))
    code = [c.source for c in notebook.cells if c.kind == "code"]
    assert len(parsed) - len(set(parsed)) == 0  # nothing parsed twice
    assert len(parsed) <= len(code) + len(code) // 5


EXPRESSIONS = [
    "df.head()",
    "(y := f(x))",
    "sum(v for v in xs)",
    "np.mean(a) + model.fit(X, y).score(X, y)",
    "[print(i) for i in range(3)]",
    "pd.read_csv('a.csv').describe()",
    "random.random()",
    "xs.append(1)",
    "lambda: (yield)",
    "plt.plot(x)",
    "await client.get(u)",
    "df.sort_values('a', inplace=True)",
]


def _computes_only_in_two_walks(node: cst.BaseExpression, imports: dict[str, str]) -> bool:
    from nb2pkg.plan.displays import calls_in
    from nb2pkg.plan.purity import _computes

    kinds = (cst.NamedExpr, cst.Await, cst.Yield)
    found = []

    class Finder(cst.CSTVisitor):
        def on_visit(self, visited: cst.CSTNode) -> bool:
            found.append(isinstance(visited, kinds))
            return True

    node.visit(Finder())
    if any(found):
        return False
    return all(_computes(call, imports, frozenset({"ax"})) for call in calls_in(node))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(EXPRESSIONS), min_size=1, max_size=3))
def test_computes_only_in_one_walk_answers_as_two(parts: list[str]) -> None:
    from nb2pkg.plan.purity import computes_only

    imports = {"np": "numpy", "pd": "pandas", "plt": "matplotlib.pyplot", "random": "random"}
    node = cst.parse_expression(" + ".join(f"({p})" for p in parts))
    assert computes_only(node, imports, frozenset({"ax"})) == _computes_only_in_two_walks(node, imports)


BLOCKS = [
    "for i in xs:\n    del d[i]\n",
    "for i in xs:\n    y = i\n",
    "if c:\n    del x\n",
    "try:\n    f()\nexcept ValueError as e:\n    print(e)\n",
    "try:\n    f()\nexcept* ValueError as e:\n    pass\n",
    "while (n := next(it)):\n    total += n\n",
    "for v in (w := range(3)):\n    pass\n",
    "for v in [(u := 1) or 2]:\n    pass\n",
    "with open(p) as fh:\n    text = fh.read()\n",
    "with (m := lock()):\n    pass\n",
    "if c:\n    def f():\n        del y\n",
    "if c:\n    s = 'del x'  # except here\n",
    "for d in dels:\n    deleted = d\n",
]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(BLOCKS), min_size=1, max_size=4))
def test_path_shortcuts_answer_as_the_walks(blocks: list[str]) -> None:
    from nb2pkg.analysis import conditional_deletes
    from nb2pkg.analysis.paths import _conditional_walrus, _definite_walrus, _touched

    statements = list(cst.parse_module("".join(blocks)).body)
    assert conditional_deletes(statements) == conditional_deletes(statements, look_first=False)
    for statement in statements:
        heads = [statement.iter] if isinstance(statement, cst.For) else []
        heads += [statement.test] if isinstance(statement, cst.While) else []
        heads += [item.item for item in statement.items] if isinstance(statement, cst.With) else []
        for head in heads:
            assert _definite_walrus(head) == frozenset(_touched([head]) - _conditional_walrus(head))


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.sampled_from(["", "# a note", "   # indented note", "#"]), max_size=3),
    st.sampled_from(LINES),
)
def test_a_statement_without_its_leading_lines_prints_as_the_cut_code(leading: list[str], line: str) -> None:
    from nb2pkg.plan.results import _code

    source = "".join(f"{text}\n" for text in leading) + line + "\n"
    statement = cst.parse_module("x = 0\n" + source).body[1]
    expected = cst.Module(body=[]).code_for_node(statement.with_changes(leading_lines=()))
    assert _code(statement) == expected


# -- one tree for a text and the same text ending in other blanks (limits.python_tree) ----


def _parsed_or_error(parse_text: Callable[[str], ast.Module], text: str) -> str | tuple[object, ...]:
    try:
        return ast.dump(parse_text(text), include_attributes=True)
    except SyntaxError as error:
        return (type(error), error.msg, error.lineno, error.offset, error.end_lineno, error.end_offset)
    except ValueError as error:  # a null character
        return (type(error), str(error))


def _as_python_parses(text: str) -> None:
    assert _parsed_or_error(python_tree, text) == _parsed_or_error(ast.parse, text)


ENDINGS = ["", "\n", "\n\n", " ", "\t\n", "\n  \n", " \n\n\t"]


@pytest.mark.corpus
def test_python_tree_gives_each_corpus_cell_its_own_tree_whatever_it_ends_with() -> None:
    cells = [python for _, python in analysed_corpus_code()]
    assert len(cells) > 500
    for python in cells:
        for ending in ENDINGS:
            _as_python_parses(python.rstrip() + ending)


PIECES = [*"ab1 (:)='\"\\#\n\t\f\r", "if a:", "def f():", "    ", "'''", "x = ", "\x00"]
CODE = st.lists(st.sampled_from(PIECES), max_size=30).map("".join)


@pytest.mark.filterwarnings("ignore::SyntaxWarning")  # `1a`: the reference parse's own warning
@settings(max_examples=400, deadline=None)
@given(CODE, st.sampled_from(ENDINGS))
def test_python_tree_parses_or_fails_as_python_does(code: str, ending: str) -> None:
    """The same tree, positions included, or the same error at the same place, whether
    a text with the same start was parsed before or not."""
    _as_python_parses(code)
    _as_python_parses(code + ending)
