"""A cell's statements have the code LibCST prints of them, cut from the cell's own text
(analysis.parsed): on cells built to put lines where LibCST's accounting differs from
Python's (comments before, between and after blocks at every indentation, decorators,
semicolons, continuation lines, strings over several lines, no final line break), on
generated cells and on every cell of the corpus."""

from __future__ import annotations

import libcst as cst
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nb2pkg.analysis.parsed import _statement_codes
from support import analysed_corpus_code, corpus_notebooks

NOTEBOOKS = corpus_notebooks()
PRINTER = cst.Module(body=[])


def assert_cut_as_printed(python: str) -> int:
    """Each statement cut from `python` is LibCST's print of it; how many were cut."""
    module = cst.parse_module(python)
    cut = _statement_codes(module, python)
    for statement, code in cut:
        assert code == PRINTER.code_for_node(statement), python
    assert not cut or len(cut) >= len(module.body) - 1  # all, or all but a last block (see parsed.py)
    return len(cut)


CELLS = [
    "x = 1\n",
    "# a header\n\nx = 1; y = 2  # two on a line\n\n\n# before\nz = [1,\n  2]\n# the end\n",
    "def f(a):\n    return a\n    # in the block\n  # between\n# after\n\ny = f(1)\n",
    "for i in range(3):\n    if i:\n        print(i)\n\n        # deep, after a blank line\n    # the loop's\nprint('done')",
    "@decorator\n# between decorators\n@other(1)\n\ndef g():\n    '''Doc\nover lines.'''\n    pass\n",
    "# before the decorator\n@decorator\nclass C:\n    x = 1\n\n\n\nc = C()\n",
    "total = 1 + \\\n    2\ntext = '''a\n\nb'''\nif total: print(text)\nelse: pass\n# footer\n\n",
    "x = 1\n\n\n",
    "if x:\n    pass\n",
    "try:\n    x = 1\nexcept Exception:  # why\n    pass\nfinally:\n    y = 2\n\t# tabbed\nz = 3",
    "with open(p) as f:\n    data = f.read()\n\n\n\t\n  \ndata",
    "if x:\n    if x:\n        x = 1\n\n  # LibCST loses the blank line above me\ny = 2",
]


@pytest.mark.parametrize("python", CELLS)
def test_statements_are_cut_as_libcst_prints_them(python: str) -> None:
    assert assert_cut_as_printed(python) > 0


def test_what_cannot_be_cut_surely_is_printed() -> None:
    assert assert_cut_as_printed("x = 1\r\ny = 2\r\n") == 0  # other line breaks
    assert assert_cut_as_printed("if x:\n\ty = 1\n") == 0  # printed with four spaces, not a tab
    # LibCST drops the blank line before a comment that ends the cell after a block
    assert assert_cut_as_printed("x = 1\nif x:\n    if x:\n        x = 1\n\n  # c") == 1


# Lines between and inside statements: comments at every indentation, blank lines.
GAPS = st.lists(st.sampled_from(["", "# c", "    # c", "  # c", "        # c", "\t# c", "    "]), max_size=3)
SIMPLE = st.sampled_from(["x = 1", "a = 1; b = 2", "f(x,\n  y)", "s = '''a\nb'''", "y = 1 + \\\n  2", "del x"])


@st.composite
def statements(draw: st.DrawFn, depth: int = 0) -> str:
    if depth == 2 or draw(st.booleans()):
        return draw(SIMPLE)
    header = draw(
        st.sampled_from(["if x:", "for i in y:", "def f():", "class C:", "@d\ndef g():", "@d\n# c\n@e\ndef h():"])
    )
    body = draw(st.lists(statements(depth + 1), min_size=1, max_size=3))
    inner = [line for part in body for line in [*draw(GAPS), *part.split("\n")]]
    indented = [("    " + line if line.strip() and not line.startswith(("  #", "\t")) else line) for line in inner]
    return "\n".join([header, *indented, *draw(GAPS)])


@st.composite
def cells(draw: st.DrawFn) -> str:
    parts = draw(st.lists(statements(), min_size=1, max_size=4))
    text = "\n".join(line for part in parts for line in [*draw(GAPS), part])
    return text + draw(st.sampled_from(["", "\n", "\n\n", "\n# footer\n"]))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(cells())
def test_generated_cells_are_cut_as_libcst_prints_them(python: str) -> None:
    try:
        cst.parse_module(python)
        compile(python, "cell", "exec")
    except (cst.ParserSyntaxError, SyntaxError):
        return
    assert_cut_as_printed(python)


@pytest.mark.slow
@pytest.mark.corpus
@pytest.mark.skipif(not NOTEBOOKS, reason="the shared corpus is not beside the checkout")
def test_every_corpus_cell_is_cut_as_libcst_prints_it() -> None:
    cut = sum(assert_cut_as_printed(python) for _, python in analysed_corpus_code())
    assert cut > 1000
