"""From a notebook's dataflow to the virtual file tree of a project: pure, no I/O."""

from __future__ import annotations

import ast
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from packaging.requirements import Requirement

from nb2pkg.analysis import forget_code as forget_analysed
from nb2pkg.dataflow import Dataflow
from nb2pkg.diagnostics import Diagnostic
from nb2pkg.environment import Environment, Versions, normalise
from nb2pkg.errors import InternalError
from nb2pkg.escape import printable
from nb2pkg.ipython import Policy
from nb2pkg.naming import package_name
from nb2pkg.plan import (
    Definition,
    Kept,
    Plan,
    Step,
    build_plan,
    build_segments,
    forget_code,
    guarded_reads,
    merge_clones,
    with_data_paths,
    with_folder_needs,
)
from nb2pkg.render import (
    LOCK_FILE,
    OUTPUT_TESTS,
    Dependencies,
    LocalModules,
    PipTarget,
    compile_generated,
    data_dir_default,
    expected_files,
    infer_dependencies,
    init_module,
    lock_file,
    main_module,
    module_tree,
    output_tests_module,
    pipeline_module,
    pyproject,
    readme,
    render_config,
    render_module,
    summary_notebook,
    tests_module,
    with_results_returned,
)


@dataclass(frozen=True)
class Conversion:
    """A converted notebook: the files to write (relative POSIX path -> text) and a report."""

    package: str
    files: dict[str, str]
    modules: dict[str, list[str]]  # module -> its functions and classes, in order
    warnings: tuple[Diagnostic, ...]  # in the order the stages found them
    unknown_dependencies: tuple[str, ...]
    steps: tuple[str, ...] = ()  # the step functions, in the order the summary calls them
    kept_cells: tuple[int, ...] = ()  # 1-based code cells kept (in whole or part) in the summary
    local_modules: tuple[tuple[str, str], ...] = ()  # (import name, origin beside the notebook)
    copied: tuple[str, ...] = ()  # files copied as they are (local modules), not generated


# `python -m PACKAGE` is a Typer command (render.main_cli) with `Annotated` options: a
# requirement as if the notebook had `pip install`ed it, bounded by the Typer nb2pkg itself
# needs (not by what the notebook's environment has: no notebook used it); first, so the
# notebook's own line for typer, if any, wins. 0.16 is the oldest Typer whose options
# still parse with today's click (8.2 changed what Typer before 0.16 calls: `--help`
# raises and option values are taken for arguments); tests/test_main_cli.py runs it.
_CLI_REQUIREMENT = PipTarget("typer>=0.16")


def _asked_if_bound(plan: Plan) -> set[str]:
    """What a step's `try` reads to learn whether it is bound and no cell binds: the
    function's read raises the NameError its handler catches, as the notebook's did."""
    asked = {n for step in plan.steps for n in guarded_reads(list(step.segments))}
    if not asked:
        return asked
    segments = [s for item in plan.items for s in (item.segments if isinstance(item, Step) else (item.segment,))]
    segments += [*plan.constants, *(d.segment for d in plan.definitions)]
    return asked - {n for s in segments for n in s.facts.defines} - set(plan.imports)


def _beside_itself(local: LocalModules) -> list[Diagnostic]:
    """A local module file that finds files through `__file__` finds them beside its copy
    (a local package is copied with the files in its folder)."""
    return [
        Diagnostic(
            None,
            None,
            f"`{module.top}` finds files beside itself (`__file__`): copied into src/, it looks for "
            f"them there; copy the files it reads into src/ beside it",
        )
        for module in local.modules
        if module.top.endswith(".py") and "__file__" in module.files[0][1]
    ]


def default_package(notebook_path: Path, flow: Dataflow | None = None) -> str:
    """The package name for a notebook: from its file's name, never a module it imports."""
    return package_name(notebook_path.stem, imported_names(flow) if flow is not None else ())


def imported_names(flow: Dataflow) -> frozenset[str]:
    """The top-level names of the modules the notebook imports, in lowercase (as
    case-insensitive file systems compare them)."""
    return frozenset(
        module.split(".")[0].lower()
        for facts in flow.facts
        if facts is not None
        for module in facts.imports
        if not module.startswith(".")
    )


def convert(
    flow: Dataflow,
    out: Path,
    package: str | None = None,
    local: LocalModules = LocalModules(),
    installed: Versions | Mapping[str, str] | None = None,
) -> Conversion:
    """The project for `flow`'s notebook, to be written in `out`; `local` holds the
    modules beside the notebook it imports (see `local_modules.read_local_modules`),
    `installed` where the requirements' versions come from (`environment.notebook_versions`;
    a mapping is an environment known only by its versions, by PEP 503 name; None: none
    known, no lower bounds and no lock)."""
    try:
        return _converted(flow, out, package, local, installed)
    finally:  # the trees and printed code the stages shared are this notebook's alone
        forget_code()
        forget_analysed()
        module_tree.cache_clear()


def _converted(
    flow: Dataflow,
    out: Path,
    package: str | None,
    local: LocalModules,
    installed: Versions | Mapping[str, str] | None,
) -> Conversion:
    versions = _versions(installed)
    notebook = flow.notebook
    package = package or default_package(notebook.path)
    # input files from config.DATA_DIR after merging copies: a read path they differ in is
    # then one keyword argument each call passes (plan.data_paths)
    plan = with_data_paths(merge_clones(with_results_returned(build_plan(build_segments(flow)))))
    plan = with_folder_needs(plan)  # which cells still need the notebook's folder, once
    notebook_dir = PurePosixPath(
        # a linked notebook means the folder the link is in, as in Jupyter (record.notebook_location)
        Path(os.path.relpath(notebook.path.absolute().parent.resolve(), out.resolve())).as_posix()
    )
    data_dir = data_dir_default(plan, notebook.path.absolute().parent.resolve(), out)
    members = _module_members(plan)
    files: dict[str, str] = {}
    warnings = [*flow.warnings, *plan.warnings, *local.warnings, *_beside_itself(local)]
    source = f"src/{package}"
    files[f"{source}/__init__.py"] = init_module(notebook.path.name)
    files[f"{source}/config.py"] = render_config(plan, package, str(notebook_dir), notebook.path.name, data_dir)
    unbound = _asked_if_bound(plan)
    for module, items in sorted(members.items()):
        rendered = render_module(module, plan, package, items)
        if set(rendered.unresolved) - unbound:
            raise InternalError(
                notebook.path, f"module {module} reads {', '.join(rendered.unresolved)}, which nothing provides"
            )
        files[f"{source}/{module}.py"] = rendered.text
    pipeline, gaps = pipeline_module(plan, package)
    files[f"{source}/pipeline.py"] = pipeline
    files[f"{source}/__main__.py"] = main_module(package, gaps, plan, notebook.path.name)
    trees = _package_trees(files, package)  # parsed once: for their imports, then compiled
    generated = {module for module in _generated_imports(trees, package) if module.split(".")[0] not in local.names}
    imported = sorted({*_imported_modules(flow, local), *generated})
    dependencies, versions = _dependencies(imported, [_CLI_REQUIREMENT, *_pip_installs(flow)], versions)
    if versions.missing:
        warnings.append(Diagnostic(None, None, _missing_environment(versions)))
    warnings += [
        Diagnostic(r.cell, None, f"`pip install {printable(r.text)}` is not added to pyproject.toml: {r.reason}")
        for r in dependencies.refused
    ]
    summary_name = notebook.path.name
    files[f"notebooks/{summary_name}"] = summary_notebook(notebook, plan, package)
    module_map = {m: [member.name for member in items] for m, items in members.items()}
    origins = {module.name: module.origin for module in local.modules}
    files["README.md"] = readme(
        package,
        plan,
        notebook.path.name,
        str(notebook_dir),
        module_map,
        dependencies,
        summary_name,
        origins,
        gaps,
        data_dir,
        versions,
    )
    files["pyproject.toml"] = pyproject(
        package, dependencies, notebook.path.name, tuple(module.top for module in local.modules)
    )
    if versions.environment is not None and dependencies.requirements:
        files[LOCK_FILE] = lock_file(dependencies.requirements, versions.environment)
    files[f"tests/test_{package}.py"] = tests_module(package, sorted(members), plan, bool(gaps.loose))
    expected = expected_files(notebook)
    files[OUTPUT_TESTS] = output_tests_module(package, notebook, summary_name, bool(expected))
    files.update(expected)
    warnings.extend(gaps.warnings(package))
    _check_compiles(notebook.path, files, trees)  # nb2pkg's own files: the copied ones are the user's
    copied = local.files()
    files.update(copied)
    kept = sorted(
        {
            item.segment.cell.index + 1
            for item in plan.items
            if isinstance(item, Kept) and item.segment.cell.kind == "code"
        }
    )
    return Conversion(
        package,
        dict(sorted(files.items())),
        module_map,
        tuple(warnings),
        dependencies.unknown,
        tuple(step.name for step in plan.steps),
        tuple(kept),
        tuple(origins.items()),
        tuple(sorted(copied)),
    )


def _module_members(plan: Plan) -> dict[str, list[Step | Definition]]:
    """Each module's definitions and steps, in notebook order (a definition before the
    step of the same cell)."""
    ordered: list[tuple[int, int, Step | Definition]] = [(d.segment.cell.index, 0, d) for d in plan.definitions] + [
        (step.segments[0].cell.index, 1 + position, step.defined) for position, step in enumerate(plan.steps)
    ]
    members: dict[str, list[Step | Definition]] = {}
    for _, _, member in sorted(ordered, key=lambda item: item[:2]):
        if all(m is not member for m in members.get(member.module, [])):  # copies share one function (plan.clones)
            members.setdefault(member.module, []).append(member)
    return members


def _imported_modules(flow: Dataflow, local: LocalModules) -> list[str]:
    """What the notebook and its local modules import, less the local modules themselves."""
    imported = {module for facts in flow.facts if facts for module in facts.imports} | set(local.imports())
    return sorted(module for module in imported if module.split(".")[0] not in local.names)


def _versions(installed: Versions | Mapping[str, str] | None) -> Versions:
    if installed is None or isinstance(installed, Versions):
        return installed or Versions()
    return Versions(Environment.of_versions(installed), given=True)


def _dependencies(imported: list[str], pips: list[PipTarget], versions: Versions) -> tuple[Dependencies, Versions]:
    """The requirements, bounded by the versions of the notebook's environment, else by
    those it records; and the versions used. A kernel's environment that has none of the
    distributions the notebook needs is not the one it ran in (the `python3` kernel of an
    nb2pkg installed on its own): not used, with the reason."""
    environment = versions.environment
    if environment is not None:
        found = infer_dependencies(imported, pips, environment.versions(), environment.provides)
        # what nb2pkg itself needs (python -m's typer, IPython for display()) is in nb2pkg's
        # own environment too: no sign that the notebook ran there
        wanted = [name for name in map(_name, found.requirements) if normalise(name) not in _NB2PKG_OWN]
        if versions.given or not wanted or any(normalise(name) in environment.distributions for name in wanted):
            return found, versions
        why = f"the interpreter of its kernel has none of {', '.join(wanted)} installed"
        versions = replace(versions, environment=None, missing=why)
    return infer_dependencies(imported, pips, recorded=versions.recorded.modules), versions


_NB2PKG_OWN = frozenset({"typer", "ipython"})


def _name(requirement: str) -> str:
    return Requirement(requirement).name


def _missing_environment(versions: Versions) -> str:
    bounds = "only the lower bounds the notebook's outputs show" if versions.recorded.modules else "no lower bounds"
    return (
        f"the versions of the environment the notebook ran in are not known ({versions.missing}): "
        f"pyproject.toml has {bounds} and there is no lock; convert with --python PATH, the "
        "interpreter the notebook ran in"
    )


def _package_trees(files: Mapping[str, str], package: str) -> dict[str, tuple[str, ast.Module]]:
    """The package's generated modules, parsed: name -> (text, tree), for those that parse
    (_check_compiles reports the others as nb2pkg's bug)."""
    trees = {}
    for name, text in files.items():
        if name.startswith(f"src/{package}/") and name.endswith(".py"):
            try:
                trees[name] = (text, module_tree(text))
            except SyntaxError:
                continue
    return trees


def _generated_imports(trees: Mapping[str, tuple[str, ast.Module]], package: str) -> set[str]:
    """What the package's generated modules import (`IPython.display` for `display()`,
    which the notebook itself never imported), less the package itself."""
    found: set[str] = set()
    for _, tree in trees.values():
        for node in _statements(tree):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.add(node.module)
    return {module for module in found if module.split(".")[0] != package}


def _statements(tree: ast.Module) -> Iterator[ast.AST]:
    """Every statement of the module, in blocks however deep (an import is one): the
    expressions, most of a tree, are not walked."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        yield node
        for field in node._fields:
            value = getattr(node, field, None)
            if isinstance(value, list):
                stack.extend(item for item in value if isinstance(item, (ast.stmt, ast.excepthandler, ast.match_case)))


def _pip_installs(flow: Dataflow) -> list[PipTarget]:
    return [
        PipTarget(package, index + 1)
        for index, facts in enumerate(flow.facts)
        if facts
        for magic in facts.magics
        if magic.policy is Policy.SHELL
        for package in magic.packages
    ]


def _check_compiles(path: Path, files: dict[str, str], trees: Mapping[str, tuple[str, ast.Module]]) -> None:
    """Every generated module compiles. One already parsed (`trees`) is compiled from its
    tree: the same errors and compiler warnings without parsing it again. Not when it holds
    a backslash: parsing it again warns again of an invalid escape, as it always did. The
    code every project's tests share is compiled once a process (render.compiled)."""
    for name, text in files.items():
        if name.endswith(".py"):
            parsed, tree = trees.get(name, (None, None))
            try:
                compile_generated(name, text, tree if parsed is text and "\\" not in text else None)
            except SyntaxError as error:
                raise InternalError(path, f"generated {name} does not compile: {error}") from None
