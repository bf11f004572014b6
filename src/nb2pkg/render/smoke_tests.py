"""The generated smoke tests, `tests/test_PACKAGE.py`: every module imports, the summary
notebook reads only names bound before it, the pipeline runs when its input files are
there. Written in black's style (render.black_style), black only where that is not sure."""

from __future__ import annotations

from nb2pkg.plan import Plan
from nb2pkg.render.black_style import (
    Piece,
    as_is,
    bracketed,
    from_import,
    module_docstring,
    piece,
    string_statement,
    strings,
)
from nb2pkg.render.checks import SUMMARY_CHECK, input_files, read_before_bound
from nb2pkg.render.modules import import_module_name


def tests_module(package: str, module_names: list[str], plan: Plan, needs_arguments: bool) -> str:
    """Tests that fail on a broken project: every module imports, every name the summary
    notebook reads is bound before it (and every function it calls from the package
    exists), and the pipeline runs when the files it reads are there."""
    # the summary check every project shares is in black's style already, and so is most
    # of the rest: black for what the helpers cannot lay out for sure
    head, tests = tests_pieces(package, module_names, plan, needs_arguments)
    return head.formatted() + "\n" + SUMMARY_CHECK + "\n\n" + tests.formatted()


def tests_pieces(package: str, module_names: list[str], plan: Plan, needs_arguments: bool) -> tuple[Piece, Piece]:
    """The smoke tests' module up to the summary check, and the tests after it."""
    modules = [f"{package}.{m}" for m in ["config", *module_names, "pipeline"]]
    docstring = [
        f"Tests of {package}: every module imports, the summary notebook reads only names",
        "bound before it, and the pipeline runs when its input files are there.",
    ]
    head = piece(
        (module_docstring(docstring), '"""' + "\n".join(docstring) + '"""'),
        "\n\nimport ast\nimport builtins\nimport importlib\nimport json\nimport re\nfrom pathlib import Path\n\n"
        "import pytest\n\n",
        (from_import(package, "config", 0), f"from {package} import config"),
        "\n\n",
        _listed("PACKAGE =", [package], f"PACKAGE = {package!r}", single=True),
        _listed("MODULES =", modules, "MODULES = [" + ", ".join(f'"{m}"' for m in modules) + "]"),
        _listed("INPUT_FILES =", input_files(plan), f"INPUT_FILES = {input_files(plan)!r}"),
        "# Names the notebook itself reads without binding them (it fails there too).\n",
        _listed("NOTEBOOK_UNBOUND =", read_before_bound(plan), f"NOTEBOOK_UNBOUND = {read_before_bound(plan)!r}"),
        'NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"\n',
    )
    skip = '    pytest.skip("run() needs values from cells that stay in the notebook")\n' if needs_arguments else ""
    draws = any(import_module_name(node).startswith("matplotlib") for node in plan.imports.values())
    headless = '    import matplotlib\n\n    matplotlib.use("Agg")\n' if draws else ""
    missing = f"    missing = [p for p in INPUT_FILES if not (config.{plan.data.variable} / p).exists()]"
    tests = piece(
        '@pytest.mark.parametrize("module", MODULES)\n'
        "def test_module_imports(module: str) -> None:\n"
        "    importlib.import_module(module)\n\n\n"
        "def test_summary_reads_only_bound_names() -> None:\n"
        '    summaries = [p for p in sorted(NOTEBOOKS.glob("*.ipynb")) if made_by_nb2pkg(p)]\n'
        "    if not summaries:\n"
        '        pytest.skip("no summary notebook in notebooks/")\n'
        "    problems = [problem for path in summaries for problem in unbound_reads(path)]\n"
        '    assert not problems, "\\n".join(problems)\n\n\n'
        "def test_pipeline_runs() -> None:\n"
        f"{skip}",
        as_is(missing),
        f'\n    if missing:\n        pytest.skip(f"input data not found: {{missing}}")\n{headless}',
        (from_import(package, "pipeline", 4), f"    from {package} import pipeline"),
        "\n\n    pipeline.run()\n",
    )
    return head, tests


def _listed(head: str, values: list[str], raw: str, single: bool = False) -> tuple[str | None, str]:
    """`head [values]` (or `head value`, `single`) of strings, as black writes it, and as
    black reads it."""
    literals = strings(values)
    if literals is None:
        return None, raw + "\n"
    known = string_statement(head, literals[0], 0) if single else bracketed(f"{head} [", literals, "]", 0, display=True)
    return (None if known is None else known + "\n"), raw + "\n"
