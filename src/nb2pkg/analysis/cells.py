"""Analyse cells one after another, each in the context the earlier ones leave."""

from __future__ import annotations

import re
from functools import lru_cache
from types import MappingProxyType
from typing import Iterable

import libcst as cst

from nb2pkg.analysis.facts import CellFacts, Context, ParseError
from nb2pkg.analysis.walker import CellWalker
from nb2pkg.ipython import is_known_magic, to_python
from nb2pkg.notebook import Notebook


def analyse_notebook(notebook: Notebook) -> tuple[CellFacts | None, ...]:
    """Facts for every cell in order; None for markdown and raw cells."""
    facts = _analyse_all(notebook, Context())
    shadowed = shadowed_builtins(facts)
    # A function defined before the cell that rebinds a builtin it reads sees the new
    # value when called after it: its body's reads of that name are notebook reads.
    return _analyse_all(notebook, Context(shadowed=shadowed)) if shadowed else facts


def shadowed_builtins(facts: Iterable[CellFacts | None]) -> frozenset[str]:
    """Builtins and IPython names (`type`, `print`, `_`) some cell of the notebook binds."""
    from nb2pkg.analysis.walker import NOTEBOOK_BUILTINS

    return frozenset(n for f in facts if f is not None for n in f.defines if n in NOTEBOOK_BUILTINS)


def _analyse_all(notebook: Notebook, context: Context) -> tuple[CellFacts | None, ...]:
    results: list[CellFacts | None] = []
    for cell in notebook.cells:
        if cell.kind != "code":
            results.append(None)
            continue
        facts, context = analyse_cell(cell.source, context)
        results.append(facts)
    return tuple(results)


@lru_cache(maxsize=4096)
def parse(python: str) -> cst.Module:
    """LibCST's tree of `python`, parsed once however often the stages ask for it (trees
    are immutable, so sharing one is safe); a syntax error is raised each time."""
    return cst.parse_module(python)


def analyse_cell(source: str, context: Context = Context()) -> tuple[CellFacts, Context]:
    """What one cell defines, uses and mutates, and the context it leaves behind."""
    translated = to_python(source)
    magic = translated.cell_magic
    if translated.python is None:
        assert magic is not None
        warnings: tuple[str, ...] = ()
        if not is_known_magic(magic.name, cell=True):
            warnings = (f"unknown cell magic `%%{magic.name}`: kept in the notebook, not analysed",)
        return CellFacts(magics=(magic,), warnings=warnings), context
    try:
        module = parse(translated.python)
    except cst.ParserSyntaxError as error:
        problem = _parse_error(translated.python, error, translated.line_offset)
        facts = CellFacts(
            magics=(magic,) if magic else (),
            warnings=(
                f"line {problem.line}: does not parse ({problem.message}); "
                "kept as it is, not analysed",
            ),
            parse_error=problem,
            python=translated.python,
        )
        return facts, context
    walker = CellWalker(context)
    if magic is not None:
        walker.cell_magic(magic, translated.python)  # walks the body with the magic's rules
    else:
        walker.walk_module(module)
    return _facts(walker, translated.python), _next_context(walker)


def _facts(walker: CellWalker, python: str) -> CellFacts:
    return CellFacts(
        defines=frozenset(walker.defines),
        uses=frozenset(walker.uses),
        mutates=frozenset(walker.mutates),
        deletes=frozenset(walker.deletes),
        imports=frozenset(walker.imports),
        magics=tuple(walker.magics),
        functions=tuple(sorted(walker.defined_functions.items())),
        warnings=tuple(walker.warnings),
        star_import=walker.star,
        python=python,
        through=tuple(
            (name, frozenset(reads), frozenset(writes))
            for name, (reads, writes) in sorted(walker.through.items())
            if name not in walker.defined_functions
        ),
        direct_uses=frozenset(walker.direct_uses),
        dynamic=walker.dynamic,
        rebinds_globals=walker.rebinds_globals,
        builtin_reads=frozenset(walker.builtin_reads),
    )


def _next_context(walker: CellWalker) -> Context:
    before = walker.context
    return Context(
        bound=(before.bound | walker.defines) - walker.deletes,  # `del type`: the builtin again
        imported=frozenset(walker.imported),
        functions=MappingProxyType(walker.functions),
        aliases=MappingProxyType({k: frozenset(v) for k, v in walker.aliases.items() if v}),
        star=before.star or walker.star,
        lazy_annotations=walker.lazy_annotations,
        shadowed=before.shadowed,
    )


def _parse_error(python: str, error: cst.ParserSyntaxError, offset: int) -> ParseError:
    # Python's own compiler words syntax errors best ("Missing parentheses in call to
    # 'print'"); LibCST's message is the fallback for code Python itself accepts.
    python2 = _PYTHON2.search(python) is not None
    try:
        compile(python, "<cell>", "exec", dont_inherit=True)
    except SyntaxError as syntax:
        python2 = python2 or syntax.msg.startswith("Missing parentheses in call to")
        return ParseError((syntax.lineno or 1) + offset, syntax.msg, python2)
    except (ValueError, OverflowError):
        pass
    message = str(error.message).splitlines()[0] if error.message else "invalid syntax"
    return ParseError(error.raw_line + offset, message, python2)


# Python 2 statements and literals Python 3 rejects; only asked of cells that do not parse.
_PYTHON2 = re.compile(
    r"""^\s*print(\s+[^\s=(.,)\[]|\s*>>|\s*$)"""  # print statement
    r"""|^\s*exec\s+["'\w]"""  # exec statement
    r"""|^\s*except\s+[\w.]+\s*,\s*\w+\s*:"""  # except E, e:
    r"""|^\s*raise\s+[\w.]+\s*,"""  # raise E, "message"
    r"""|\bur["']|`[^`\n]+`|<>|\b\d+[lL]\b|\b0[0-7]+\b""",  # ur"", backticks, <>, 10L, 0777
    re.MULTILINE,
)

