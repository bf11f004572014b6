"""Code nb2pkg writes without running black on it is in black's style: black leaves it
as it is, so a template edit that breaks the style fails here, not in a project."""

from __future__ import annotations

from nb2pkg.render.checks import SUMMARY_CHECK
from nb2pkg.render.formatting import format_code


def test_the_summary_check_is_in_blacks_style() -> None:
    assert format_code(SUMMARY_CHECK) == SUMMARY_CHECK
