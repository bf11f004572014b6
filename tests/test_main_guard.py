"""`if __name__ == "__main__":` at a cell's top level is always true in a notebook: the
cell converts as the guard's body (analysis/main_guard.py); any other read of `__name__`
keeps its cell in the notebook, as before."""

from __future__ import annotations

import libcst as cst
import pytest

from nb2pkg.analysis import analyse_cell
from nb2pkg.analysis.main_guard import unguarded
from test_plan import segments_of


@pytest.mark.parametrize(
    ("code", "run"),
    [
        ('if __name__ == "__main__":\n    main()\n', "main();\n"),
        ("if '__main__' == __name__: main(); done()\n", "main(); done();\n"),
        ('if __name__ == "__main__":\n    a = 1\nelse:\n    a = 2\n', "a = 1\n"),
        # a value ending the guard's block ended no cell: the notebook showed nothing
        ('if __name__ == "__main__":\n    a.append(1)\n    len(a)\n', "a.append(1)\nlen(a);\n"),
        ('if __name__ == "__main__":\n    len(a)\nb = 1\n', "len(a)\nb = 1\n"),
        ('if __name__ == "__main__":\n    a = 1\nelif x:\n    a = 2\nb = a\n', "a = 1\nb = a\n"),
        (
            'x = 1\n\n# run it\nif __name__ == "__main__":  # always\n    for i in range(3):\n        x += i\n    # end\ny = x\n',
            "x = 1\n\n# run it\n# always\nfor i in range(3):\n    x += i\n# end\ny = x\n",
        ),
    ],
)
def test_a_main_guard_is_its_body(code: str, run: str) -> None:
    module = unguarded(code, cst.parse_module(code))
    assert module is not None and module.code == run


@pytest.mark.parametrize(
    "code",
    [
        "print(__name__)\n",
        'if __name__ != "__main__":\n    main()\n',
        'if __name__ == "__main__" and ready:\n    main()\n',
        'if __name__ == "main":\n    main()\n',
        'def f():\n    if __name__ == "__main__":\n        main()\n',
        'for _ in range(1):\n    if __name__ == "__main__":\n        main()\n',
    ],
)
def test_other_reads_of_name_are_left_alone(code: str) -> None:
    assert unguarded(code, cst.parse_module(code)) is None


def test_the_cell_facts_are_those_of_the_body() -> None:
    facts, _ = analyse_cell('if __name__ == "__main__":\n    values.append(3)\nelse:\n    other = 1')
    assert facts.mutates == {"values"} and "other" not in facts.defines
    assert "__name__" not in facts.builtin_reads


@pytest.mark.parametrize(
    ("cells", "roles"),
    [
        (["values = [1, 2]", 'if __name__ == "__main__":\n    values.append(3)'], ("code", "code")),
        (["values = [1, 2]", "print(__name__)"], ("code", "kept")),
    ],
)
def test_a_guarded_cell_converts(cells: list[str], roles: tuple[str, ...]) -> None:
    assert tuple(s.role for s in segments_of(*cells)) == roles


def test_a_notebook_that_binds_name_keeps_its_guard() -> None:
    """`__name__` is then a notebook variable the guard reads, which may not be "__main__"."""
    segments = segments_of('__name__ = "x"', "values = [1]", 'if __name__ == "__main__":\n    values.append(3)')
    assert 'if __name__ == "__main__":' in segments[-1].source
    assert "__name__" in segments[-1].facts.uses
