"""Formatting stored instead of computed: render.known holds the part of the output tests
every project shares as black formats it, reused while its key (black's version, mode and
the source text) matches. Stale, the conversion still gives black's result (it runs black),
but slowly: this test fails then, and `python tests/test_format_known.py` writes it again."""

from __future__ import annotations

import sys
from pathlib import Path

import nb2pkg.render.known as known
from nb2pkg.render.formatting import format_code, format_key
from nb2pkg.render.output_tests import _shared_code, shared_code_source

KNOWN = Path(known.__file__)
REWRITE = "python tests/test_format_known.py"


def test_stored_shared_output_tests_are_blacks_formatting() -> None:
    source = shared_code_source()
    assert format_key(source) == known.SHARED_OUTPUT_TESTS_KEY, f"render/known.py is stale: run `{REWRITE}`"
    assert format_code(source) == known.SHARED_OUTPUT_TESTS


def test_the_shared_part_is_the_stored_one() -> None:
    assert _shared_code() == format_code(shared_code_source())


def test_a_changed_source_is_formatted_again() -> None:
    assert format_key(shared_code_source() + "\n") != known.SHARED_OUTPUT_TESTS_KEY
    assert format_key("x=1\n") != format_key("x = 1\n")


def known_module() -> str:
    """render/known.py's text for the current source, black and mode."""
    source = shared_code_source()
    text = format_code(source)
    literal = f"r'''{text}'''"
    assert "'''" not in text and not text.endswith("\\") and eval(literal) == text  # noqa: S307 - our own text
    return (
        '"""Formatting stored so that a conversion need not compute it: the part of\n'
        "tests/test_outputs.py every project shares, as black formats it\n"
        "(render.output_tests.shared_code_source()), and the key it was made with\n"
        "(render.formatting.format_key: black's version, mode and the source). Written by\n"
        f'`{REWRITE}`; tests/test_format_known.py fails when it is stale."""\n\n'
        f'SHARED_OUTPUT_TESTS_KEY = "{format_key(source)}"\n'
        f"SHARED_OUTPUT_TESTS = {literal}\n"
    )


if __name__ == "__main__":
    KNOWN.write_text(known_module(), encoding="utf-8")
    sys.stdout.write(f"wrote {KNOWN}\n")
