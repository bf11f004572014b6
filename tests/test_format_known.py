"""Formatting stored instead of computed: render.known holds the part of the output tests
every project shares as black formats it, reused while its key (black's version, mode and
the source text) matches. Stale, the conversion still gives black's result (it runs black),
but slowly: this test fails then, and `python tests/test_format_known.py` writes it again."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nb2pkg.render.known as known
from nb2pkg.notebook import Cell, Notebook, read_notebook
from nb2pkg.render.formatting import format_code, format_key
from nb2pkg.render.output_tests import project_head, shared_code, shared_code_source

KNOWN = Path(known.__file__)
REWRITE = "python tests/test_format_known.py"


def test_stored_shared_output_tests_are_blacks_formatting() -> None:
    source = shared_code_source()
    assert format_key(source) == known.SHARED_OUTPUT_TESTS_KEY, f"render/known.py is stale: run `{REWRITE}`"
    assert format_code(source) == known.SHARED_OUTPUT_TESTS


def test_the_shared_part_is_the_stored_one() -> None:
    assert shared_code() == format_code(shared_code_source())


def test_a_changed_source_is_formatted_again() -> None:
    assert format_key(shared_code_source() + "\n") != known.SHARED_OUTPUT_TESTS_KEY
    assert format_key("x=1\n") != format_key("x = 1\n")


FIXTURES = sorted((Path(__file__).resolve().parents[1] / "fixtures" / "convert").glob("*/input.ipynb"))


@pytest.mark.parametrize("path", FIXTURES[::3], ids=[p.parent.name for p in FIXTURES[::3]])
def test_the_head_formatted_alone_is_the_start_of_the_whole_module(path: Path) -> None:
    notebook = read_notebook(path)
    for package in ("pkg", "a_package_name_long_enough_that_black_must_split_the_lines_that_name_it"):
        head = project_head(package, notebook, path.name)
        whole = format_code(head + shared_code_source().partition("\n\n\n")[0] + "\n\n\n")
        assert format_code(head) + shared_code() == whole + "\n\n" + format_code(
            shared_code_source().partition("\n\n\n")[2]
        )


@settings(max_examples=15, deadline=None)
@given(
    package=st.from_regex(r"[a-z][a-z0-9_]{0,90}", fullmatch=True),
    name=st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=90),
    ids=st.lists(st.from_regex(r"[a-z0-9-]{1,40}", fullmatch=True), max_size=12, unique=True),
)
def test_the_head_is_formatted_as_it_was_with_the_masks(package: str, name: str, ids: list[str]) -> None:
    """The masks left the head for the stored part: the head formatted alone ends where
    black formatted it with the masks after it, for any package, notebook name and ids."""
    cells = tuple(Cell(index, "code", "x = 1\n", id=cell_id) for index, cell_id in enumerate(ids))
    notebook = Notebook(Path(name.replace("/", "_") + ".ipynb"), cells)
    head = project_head(package, notebook, notebook.path.name)
    masks = shared_code_source().partition("\n\n\n")[0]
    assert format_code(head) + format_code(masks) == format_code(head + masks)


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
