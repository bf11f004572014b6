"""The pure comparison of `verify` (nb2pkg.verify.compare), one cell at a time, no kernel:
what the original cell showed and what the converted one showed in, a verdict out.

Each row is a pair that must come out `match` or `differs`; the rows come in pairs close
to each other (the same error name / another one, a long address / a short number), so
that a mask or a merge that is too broad, or too narrow, fails a row. The whole-notebook
verdicts (failures, setup cells, unstable runs) are tabled in test_verify.py."""

from __future__ import annotations

import pytest

from nb2pkg.verify import Item, Ran, compare
from nb2pkg.verify.compare import trace_failures


def text(content: str) -> Item:
    return Item("text", content)


def stderr(content: str) -> Item:
    return Item("stderr", content)


def value(content: str) -> Item:
    return Item("value", content)


def error(content: str) -> Item:
    return Item("error", content)


def figure(size: str) -> Item:
    return Item("figure", size)


# (case, what the original cell showed, what the converted cell showed, verdict)
ROWS = [
    ("the same print", [text("3\n")], [text("3\n")], "match"),
    ("another print", [text("3\n")], [text("4\n")], "differs"),
    ("a print in two writes is the same print", [text("a\n"), text("b\n")], [text("a\nb\n")], "match"),
    ("the same lines in another order", [text("a\n"), text("b\n")], [text("b\na\n")], "differs"),
    ("an empty write shows nothing", [text("")], [], "match"),
    ("nothing shown where the original printed", [text("x\n")], [], "differs"),
    (
        "stderr flushed at another moment between prints",
        [text("a\n"), stderr("warn\n"), text("b\n")],
        [text("a\n"), text("b\n"), stderr("warn\n")],
        "match",
    ),
    ("another stderr", [stderr("warn\n")], [stderr("WARN\n")], "differs"),
    ("a value is not the same as a print of it", [value("42")], [text("42")], "differs"),
    ("the same value", [value("42")], [value("42")], "match"),
    ("an extra value shown", [value("42")], [value("42"), value("43")], "differs"),
    ("a value and a print swapped", [value("1"), text("x\n")], [text("x\n"), value("1")], "differs"),
    (
        "the same error with another message (paths, ids)",
        [error("KeyError: 'a' in /home/me/nb.ipynb")],
        [error("KeyError: 'a' in /tmp/x/nb.ipynb")],
        "match",
    ),
    ("another error", [error("KeyError: 'a'")], [error("IndexError: 'a'")], "differs"),
    ("an object's address", [value("<Model at 0x7f3a2b1c9d40>")], [value("<Model at 0x7f00deadbeef>")], "match"),
    ("a short hexadecimal number is data, not an address", [value("0x1f")], [value("0x2e")], "differs"),
    (
        "%time's timings",
        [text("CPU times: user 1 ms\nWall time: 2 ms\n")],
        [text("CPU times: user 9 ms\nWall time: 7 ms\n")],
        "match",
    ),
    ("a timing outside %time's lines is data", [text("took 1 ms\n")], [text("took 9 ms\n")], "differs"),
    (
        "%timeit's line",
        [text("1.2 µs ± 3 ns per loop (mean ± std. dev. of 7 runs, 1,000,000 loops each)\n")],
        [text("9.9 µs ± 8 ns per loop (mean ± std. dev. of 7 runs, 100,000 loops each)\n")],
        "match",
    ),
    (
        "%timeit's note of a slow run, on a busy machine only",
        [text("1.2 µs ± 3 ns per loop (mean ± std. dev. of 7 runs, 1,000,000 loops each)\n")],
        [
            text(
                "The slowest run took 5.12 times longer than the fastest. This could mean that an "
                "intermediate result is being cached.\n"
                "9.9 µs ± 8 ns per loop (mean ± std. dev. of 7 runs, 100,000 loops each)\n"
            )
        ],
        "match",
    ),
    (
        "a warning from another file and line, and its source line re-quoted by black",
        [stderr("/home/me/nb.py:3: UserWarning: careful\n  warn('careful')\n")],
        [stderr('/tmp/p/src/pkg/data.py:41: UserWarning: careful\n  warn("careful")\n')],
        "match",
    ),
    (
        "a warning of another category",
        [stderr("/a/x.py:3: UserWarning: careful\n")],
        [stderr("/a/x.py:3: FutureWarning: careful\n")],
        "differs",
    ),
    (
        "a warning with another message",
        [stderr("/a/x.py:3: UserWarning: careful\n")],
        [stderr("/a/x.py:3: UserWarning: careless\n")],
        "differs",
    ),
    ("temporary paths", [text("saved to /tmp/abc123/out.csv\n")], [text("saved to /tmp/zz9/out.csv\n")], "match"),
    ("other paths are data", [text("saved to /home/a/out.csv\n")], [text("saved to /home/b/out.csv\n")], "differs"),
    (
        "IPython's cell file names",
        [stderr("<ipython-input-3-0a1b2c> in f()\n")],
        [stderr("<ipython-input-7-ffee00> in f()\n")],
        "match",
    ),
    ("the same figure", [figure("640x480")], [figure("640x480")], "match"),
    ("a figure of another size", [figure("640x480")], [figure("800x600")], "differs"),
    ("a figure missing", [figure("640x480"), text("x\n")], [text("x\n")], "differs"),
]


@pytest.mark.parametrize(("original", "converted", "verdict"), [row[1:] for row in ROWS], ids=[row[0] for row in ROWS])
def test_one_cell(original: list[Item], converted: list[Item], verdict: str) -> None:
    first = [Ran(tuple(original))]
    comparison = compare(first, first, [Ran(tuple(converted), sources=(1,))])
    assert [cell.status for cell in comparison.cells] == [verdict]
    assert comparison.verdict == verdict
    assert comparison.matched == (verdict == "match")
    # a difference comes with the lines that differ; a match with none
    assert bool(comparison.cells[0].diff) is (verdict == "differs")


def test_a_difference_shows_both_sides() -> None:
    first = [Ran((text("559 rows\n"),))]
    comparison = compare(first, first, [Ran((text("230 rows\n"),), sources=(1,))])
    assert "-[text] 559 rows" in comparison.cells[0].diff
    assert "+[text] 230 rows" in comparison.cells[0].diff


# (case, the summary's cells as (error or None, names bound), each failed cell -> its root)
FAILURES = [
    ("no error", [(None, ()), (None, ("x",))], {}),
    ("an error of its own", [("KeyError: 'a'", ())], {1: 1}),
    (
        "a NameError for a name a failed cell would have bound follows from it",
        [("ModuleNotFoundError: No module named 'm'", ("m", "df")), ("NameError: name 'df' is not defined", ())],
        {1: 1, 2: 1},
    ),
    (
        "a NameError for another name is its own",
        [("ModuleNotFoundError: No module named 'm'", ("m",)), ("NameError: name 'df' is not defined", ())],
        {1: 1, 2: 2},
    ),
    (
        "a name bound again by a later cell no longer follows from the failure",
        [("KeyError: 'a'", ("df",)), (None, ("df",)), ("NameError: name 'df' is not defined", ())],
        {1: 1, 3: 3},
    ),
    (
        "a chain: the root is the first failure",
        [
            ("OSError: disk", ("a",)),
            ("NameError: name 'a' is not defined", ("b",)),
            ("NameError: name 'b' is not defined", ()),
        ],
        {1: 1, 2: 1, 3: 1},
    ),
]


@pytest.mark.parametrize(("cells", "roots"), [row[1:] for row in FAILURES], ids=[row[0] for row in FAILURES])
def test_failure_roots(cells: list[tuple[str | None, tuple[str, ...]]], roots: dict[int, int]) -> None:
    ran = [Ran((error(e),) if e else (), binds=frozenset(binds)) for e, binds in cells]
    assert {cell: root for cell, (_, root) in trace_failures(ran).items()} == roots
