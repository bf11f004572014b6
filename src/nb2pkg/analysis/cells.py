"""Analyse cells one after another, each in the context the earlier ones leave."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from types import MappingProxyType

import libcst as cst

from nb2pkg.analysis.facts import CellFacts, Context, ParseError
from nb2pkg.analysis.last_result import names_read, shown_expression, with_last_result
from nb2pkg.analysis.main_guard import unguarded
from nb2pkg.analysis.names import NOTEBOOK_BUILTINS
from nb2pkg.analysis.parsed import forget_statement_codes, parse, printed, value_hidden
from nb2pkg.analysis.paths import loaded_names
from nb2pkg.analysis.walker import CellWalker
from nb2pkg.diagnostics import Diagnostic
from nb2pkg.ipython import Magic, is_known_magic, to_python
from nb2pkg.limits import Refusal, check_python, check_size, forget_python_trees
from nb2pkg.notebook import Cell, Notebook
from nb2pkg.tags import check_module_tags


def analyse_notebook(notebook: Notebook) -> tuple[CellFacts | None, ...]:
    """Facts for every cell in order; None for markdown and raw cells."""
    return analyse_notebook_in_context(notebook)[0]


def analyse_notebook_in_context(notebook: Notebook) -> tuple[tuple[CellFacts | None, ...], tuple[Analysed | None, ...]]:
    """`analyse_notebook`, and for each code cell how it was analysed (for `analyse_cell`'s
    `again`: a later stage analysing the same code in the same context reuses it)."""
    facts, analysed = _analyse_all(notebook, Context())
    shadowed = shadowed_builtins(facts)
    # A function defined before the cell that rebinds a builtin it reads sees the new
    # value when called after it: its body's reads of that name are notebook reads.
    return _analyse_all(notebook, Context(shadowed=shadowed)) if shadowed else (facts, analysed)


def shadowed_builtins(facts: Iterable[CellFacts | None]) -> frozenset[str]:
    """Builtins and IPython names (`type`, `print`, `_`) some cell of the notebook binds."""
    return frozenset(n for f in facts if f is not None for n in f.defines if n in NOTEBOOK_BUILTINS)


def _analyse_all(
    notebook: Notebook, context: Context
) -> tuple[tuple[CellFacts | None, ...], tuple[Analysed | None, ...]]:
    results: list[CellFacts | None] = []
    analysed: list[Analysed | None] = []
    shown: cst.BaseExpression | None = None  # what the code cell before showed, read again
    for cell in notebook.cells:
        if cell.kind != "code":
            results.append(None)
            analysed.append(None)
            continue
        before = context
        facts, context = analyse_cell(cell.source, context)
        run = _last_result_run(facts, before, shown)
        if run is not None:  # `_` as the expression that showed it (analysis/last_result.py)
            facts, context = analyse_cell(run, before)
            facts = replace(facts, rewritten=True)
        shown = _shown(cell, facts, context)
        results.append(facts)
        analysed.append(Analysed(cell.source, facts, before, context))
    names = {name for facts in results if facts is not None for name in facts.defines | facts.uses}
    check_module_tags(notebook, names)  # a module the user named must shadow none of them
    return tuple(results), tuple(analysed)


def _last_result_run(facts: CellFacts, before: Context, shown: cst.BaseExpression | None) -> str | None:
    """The cell's code with `_` read as the last value shown, when that is the same."""
    if shown is None or "_" not in facts.builtin_reads or "_" in before.bound | before.shadowed:
        return None
    assert facts.python is not None
    run = with_last_result(parse(facts.python), facts, shown, names_read(shown))
    return None if run is None else run.code


def _shown(cell: Cell, facts: CellFacts, after: Context) -> cst.BaseExpression | None:
    # an error (saved, or expected by Jupyter's tag) shows nothing: `_` stays what it was
    if cell.error or "raises-exception" in cell.tags or not facts.analysed or facts.python is None:
        return None
    return shown_expression(facts, parse(facts.python), after.bound | after.shadowed)


@dataclass(frozen=True)
class Analysed:
    """One cell's analysis: its source, its facts, the context before and after."""

    source: str
    facts: CellFacts
    before: Context
    after: Context

    def reused(self, python: str, context: Context) -> tuple[CellFacts, Context] | None:
        """The facts and the context after of walking `python` (no cell magic) in
        `context`, when that is what this analysis walked; None when it is not known.
        The walk depends on the code and the context alone, and a newline after the last
        statement changes nothing of it (a cell's last line has none; its statements
        printed as a segment end with one). Code nb2pkg rewrote (`rewritten`) is reused
        only as it is: walked again, it would not be a rewrite."""
        facts = self.facts
        newline = not facts.rewritten and facts.python is not None and python == facts.python + "\n"
        if python != facts.python and not newline:
            return None  # another code
        if not facts.analysed or any(m.cell for m in facts.magics):
            return None  # not walked, or walked as a `%%magic` body
        if context is not self.before and context != self.before:
            return None
        return (facts if python == facts.python else replace(facts, python=python)), self.after


def forget_code() -> None:
    """Empty the analysis's caches of trees, printed statements and names (a conversion
    calls it when it ends: a batch worker then holds no more than one notebook's)."""
    parse.cache_clear()
    forget_python_trees()
    printed.cache_clear()
    forget_statement_codes()
    value_hidden.cache_clear()
    loaded_names.cache_clear()


def analyse_cell(
    source: str,
    context: Context = Context(),
    limited: bool = True,
    tree: cst.Module | None = None,
    again: Analysed | None = None,
) -> tuple[CellFacts, Context]:
    """What one cell defines, uses and mutates, and the context it leaves behind.

    `limited=False` is for code nb2pkg generated from cells that passed the limits (a
    whole module can be larger than any one cell): it is still compiled first. `tree`:
    statements LibCST parsed whose code is `source` (a segment of a cell), walked as
    they are instead of parsing `source` again when `source` is plain Python. `again`:
    an earlier analysis (of the segment's cell), reused when it walked the same code in
    an equal context."""
    too_big = check_size(source) if limited else None
    if too_big is not None:  # not even IPython's rewrite: its time grows with the text
        return _refused(too_big, None, source, 0), context
    translated = to_python(source)
    magic = translated.cell_magic
    if translated.python is None:
        assert magic is not None
        warnings: tuple[Diagnostic, ...] = ()
        if not is_known_magic(magic.name, cell=True):
            warnings = (
                Diagnostic(None, None, f"unknown cell magic `%%{magic.name}`: kept in the notebook, not analysed"),
            )
        return CellFacts(magics=(magic,), warnings=warnings), context
    reusable = again is not None and magic is None
    # The code an analysis walked passed the checks below (the same code with a final
    # newline passes them too): reused, it is not checked again. Code nb2pkg rewrote is
    # not what was checked: reused only after the checks.
    known = again.reused(translated.python, context) if again is not None and reusable else None
    if known is not None and not known[0].rewritten:
        return known
    refusal = check_python(translated.python, limited)
    # top-level `await` is code (IPython's autoawait): its step becomes an `async def`;
    # under a cell magic, which runs the body itself, the cell stays as it is
    if refusal is not None and not (refusal.kind == "await" and magic is None):
        return _refused(refusal, magic, translated.python, translated.line_offset), context
    if known is not None:
        return known
    plain = tree is not None and magic is None and translated.python == source
    try:
        run = _main_guard_run(translated.python, magic, context)
        if run is not None:
            facts, after = _walked(run.code, magic, context, run)
            return replace(facts, rewritten=True), after
        return _walked(translated.python, magic, context, tree if plain else None)
    except cst.ParserSyntaxError as error:  # CPython compiles it, LibCST does not
        problem = _parse_error(translated.python, error, translated.line_offset)
        return _not_parsed(problem, magic, translated.python), context
    except (RecursionError, MemoryError):  # the limits are meant to make this unreachable
        refusal = Refusal("limit", 1, "nested too deeply for nb2pkg's analysis")
        return _refused(refusal, magic, translated.python, translated.line_offset), context


def analyse_tree(module: cst.Module, python: str, context: Context = Context()) -> tuple[CellFacts, Context]:
    """`analyse_cell(python, context, limited=False)` for code nb2pkg generated as the tree
    `module` of statements LibCST parsed from cells (`python` is its code): the tree is
    walked as it is, not printed, rewritten by IPython, compiled and parsed again."""
    try:
        return _walked(python, None, context, module)
    except (RecursionError, MemoryError):  # as analyse_cell: the code is not analysed
        refusal = Refusal("limit", 1, "nested too deeply for nb2pkg's analysis")
        return _refused(refusal, None, python, 0), context


def _main_guard_run(python: str, magic: Magic | None, context: Context) -> cst.Module | None:
    """The cell's code with its top-level `if __name__ == "__main__":` guards replaced by
    what they run in a notebook (analysis/main_guard.py); None when it has none, when the
    notebook binds `__name__` itself, or when magics run in the cell (a cell magic's body,
    a line magic the summary must show as the user wrote it). Read from the code, not
    from a tree a later stage gives (a segment's own statements may be those rewritten)."""
    if magic is not None or "__main__" not in python or "get_ipython()" in python:
        return None
    if "__name__" in context.shadowed or "__name__" in context.bound:
        return None
    return unguarded(python, parse(python))


def _walked(
    python: str, magic: Magic | None, context: Context, module: cst.Module | None = None
) -> tuple[CellFacts, Context]:
    module = parse(python) if module is None else module
    walker = CellWalker(context)
    if magic is not None:
        walker.cell_magic(magic, python)  # walks the body with the magic's rules
    else:
        walker.walk_module(module)
    return _facts(walker, python), _next_context(walker)


def _refused(refusal: Refusal, magic: Magic | None, python: str, offset: int) -> CellFacts:
    """A cell CPython does not compile, or beyond nb2pkg's limits: kept, not analysed."""
    python2 = refusal.kind == "syntax" and (
        _PYTHON2.search(python) is not None or refusal.message.startswith("Missing parentheses in call to")
    )
    return _not_parsed(ParseError(refusal.line + offset, refusal.message, python2, refusal.kind), magic, python)


def _not_parsed(problem: ParseError, magic: Magic | None, python: str) -> CellFacts:
    if problem.kind == "syntax":
        why = f"does not parse ({problem.message})"
    elif problem.kind == "limit":
        why = f"beyond nb2pkg's limits ({problem.message})"
    else:
        why = problem.message
    return CellFacts(
        magics=(magic,) if magic else (),
        warnings=(Diagnostic(None, problem.line, f"{why}; kept as it is, not analysed"),),
        parse_error=problem,
        python=python,
    )


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
    # Only code CPython compiles gets here (check_python came first), so LibCST's own
    # message is all there is (syntax newer than LibCST knows, for example).
    message = str(error.message).splitlines()[0] if error.message else "invalid syntax"
    return ParseError(error.raw_line + offset, message, _PYTHON2.search(python) is not None)


# Python 2 statements and literals Python 3 rejects; only asked of cells that do not parse.
_PYTHON2 = re.compile(
    r"""^\s*print(\s+[^\s=(.,)\[]|\s*>>|\s*$)"""  # print statement
    r"""|^\s*exec\s+["'\w]"""  # exec statement
    r"""|^\s*except\s+[\w.]+\s*,\s*\w+\s*:"""  # except E, e:
    r"""|^\s*raise\s+[\w.]+\s*,"""  # raise E, "message"
    r"""|\bur["']|`[^`\n]+`|<>|\b\d+[lL]\b|\b0[0-7]+\b""",  # ur"", backticks, <>, 10L, 0777
    re.MULTILINE,
)
