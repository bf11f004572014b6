"""`Diagnostic.text`: the one place a warning becomes the text the CLI prints, the
project's record keeps and `inspect` shows under its cell."""

from __future__ import annotations

import pytest

from nb2pkg.diagnostics import Diagnostic


@pytest.mark.parametrize(
    ("diagnostic", "text", "under_cell"),
    [
        (Diagnostic(4, 1, "uses `exec`"), "cell 4: line 1: uses `exec`", "line 1: uses `exec`"),
        (Diagnostic(5, None, "uses `x`"), "cell 5: uses `x`", "uses `x`"),
        (
            Diagnostic(None, None, "nbformat 3 notebook upgraded"),
            "nbformat 3 notebook upgraded",
            "nbformat 3 notebook upgraded",
        ),
        (Diagnostic(None, 2, "does not parse"), "line 2: does not parse", "line 2: does not parse"),  # as analysed
        (Diagnostic(12, 30, "a: b: c"), "cell 12: line 30: a: b: c", "line 30: a: b: c"),  # the message as it is
    ],
)
def test_text(diagnostic: Diagnostic, text: str, under_cell: str) -> None:
    assert diagnostic.text() == text
    assert diagnostic.text(cell=False) == under_cell


def test_in_cell_numbers_an_analysed_cell() -> None:
    assert Diagnostic(None, 3, "m").in_cell(7) == Diagnostic(7, 3, "m")
