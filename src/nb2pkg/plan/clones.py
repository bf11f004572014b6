"""Copy-pasted steps become one function, called once per use.

Two steps are clones when their code is the same once the names they bind or take
(parameters, results, locals) are renamed and the literals they use are replaced:
nine "fit, predict, report" cells for nine models. The first step's code becomes one
function; its parameters are the names each call passes (generalised: `model_a` and
`model_b` make `model`) and, for each literal that differs between the copies, one
parameter each call passes by keyword (`title="Decision tree"`; a list or dict of
literals is one literal). Every step keeps its
place, its arguments, its results and its displays, so the summary and `run()` make the
same calls in the same order; only the code is shared.

What stays apart, on purpose:
- near-clones (one copy has an extra line): the difference would be a flag parameter;
- copies that differ in a name they read from outside other than a class or function
  they call (`LogisticRegression()` in one, `DecisionTreeClassifier()` in the other, which
  becomes a parameter): a module (`np.sqrt`, `math.sqrt`) or a builtin is another object;
- copies that differ in more than three literals or called names, or in as many as
  they have statements (one statement that differs in a literal is a call the summary
  shows, not a function to share), or that would take more than six parameters in all (a flag
  soup, not an abstraction);
- steps a cell tag names, steps with `global`, `nonlocal`, imports or `match` (renaming
  or replacing there changes what the code means), steps in different modules.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import libcst as cst

from nb2pkg.analysis import code_of
from nb2pkg.limits import parse_quietly
from nb2pkg.naming import identifier, unique, words_of
from nb2pkg.plan.clone_rewrite import Rewrite, has_unsafe, top, visited
from nb2pkg.plan.docstrings import step_doc
from nb2pkg.plan.files import tree_of
from nb2pkg.plan.model import Plan, Segment, Step
from nb2pkg.plan.step_names import step_name

_MAX_DIFFERENCES = 3
_MAX_PARAMETERS = 6
_ESTIMATOR_METHODS = r"(fit|predict|predict_proba|score|decision_function|fit_predict)"
_ESTIMATOR_NAMES = r"(Classifier|Regressor|Regression|SVC|SVR|KMeans|Clustering|NB|Forest|Boost\w*)$"


@dataclass(frozen=True)
class _Shape:
    """A step's code with its own names numbered and its literals blanked."""

    key: str
    names: tuple[str, ...]  # the step's name for each number, in numbering order
    outer: tuple[str, ...]  # the imported or package names it reads, in the same way
    literals: tuple[str, ...]  # each literal's source, in document order
    contexts: tuple[str, ...]  # a parameter name for each literal, from where it is used


def merge_clones(plan: Plan) -> Plan:
    """The plan with each group of clone steps calling one shared function."""
    groups: dict[str, list[tuple[int, _Shape]]] = {}
    steps = plan.steps
    # what a copy may call differently: imported or package names, not a function whose
    # calls pass it notebook variables (`f(x, limit=limit)`: plan.definitions)
    outer = frozenset(plan.imports) | (frozenset(plan.provided()) - frozenset(plan.lifted()))
    # A step is shaped (printed, parsed, dumped) only when another has its outline: copies
    # share an outline, so a step alone with its outline has no copy.
    outlines: dict[tuple[object, ...], int] = {}
    for step in steps:
        outlines[_outline(step)] = outlines.get(_outline(step), 0) + 1
    candidates = _candidates(steps, outlines)
    for position, step in enumerate(steps):
        shape = _shape(step, outer) if position in candidates else None
        if shape is not None:
            groups.setdefault(shape.key, []).append((position, shape))
    merged: dict[int, Step] = {}
    taken = {s.name for s in steps} | set(plan.provided()) | set(plan.imports)
    for members in groups.values():
        if len(members) < 2:
            continue
        calls = _merged(steps, members, taken - {steps[position].name for position, _ in members}, plan.imports)
        if calls is not None:
            taken.add(calls[0].name)
            merged.update(zip((position for position, _ in members), calls, strict=True))
    if not merged:
        return plan
    replaced = iter(merged.get(position, step) for position, step in enumerate(steps))
    items = tuple(next(replaced) if isinstance(item, Step) else item for item in plan.items)
    return replace(plan, items=items)


def _merged(
    steps: tuple[Step, ...], members: list[tuple[int, _Shape]], taken: set[str], plan_imports: Iterable[str]
) -> list[Step] | None:
    """The group's steps, each calling the one function built from the first, or None
    when the copies differ in more literals than parameters can say."""
    shapes = [shape for _, shape in members]
    if len({(len(s.names), len(s.outer), len(s.literals)) for s in shapes}) > 1:
        return None  # a name seen only as an attribute or keyword: the same text, not the same names
    differing = _differing_literals(shapes)
    first = steps[members[0][0]]
    template = shapes[0]
    code_names = _names_in(first)
    outer = [k for k, own in enumerate(template.outer) if len({shape.outer[k] for shape in shapes}) > 1]
    extra = len(differing) + len(outer)
    statements = sum(len(segment.statements) for segment in first.segments)
    if extra > _MAX_DIFFERENCES or extra >= statements or len(first.params) + extra > _MAX_PARAMETERS:
        return None  # more that differs than is shared: separate functions say it better
    if not all(_only_called(first, template.outer[k]) for k in outer):
        return None  # `np.sqrt` in one copy, `math.sqrt` in another: not one thing passed in
    renames: dict[str, str] = {}
    for number, own in enumerate(template.names):
        general = _general_name([shape.names[number] for shape in shapes], own, first)
        if general != own and (general in code_names or general in renames.values()):
            general = own
        renames[own] = general
    outer_names: list[str] = []
    for k in outer:
        name = unique(_callable_name([shape.outer[k] for shape in shapes]), code_names | set(renames.values()))
        renames[template.outer[k]] = name
        outer_names.append(name)
    literal_names = _literal_names(template, differing, set(renames.values()) | code_names)
    segments = _rewritten(first.segments, renames, dict(zip(differing, literal_names, strict=True)))
    function = replace(
        first,
        params=tuple(renames[p] for p in first.params) + tuple(outer_names) + tuple(literal_names),
        returns=tuple(renames[r] for r in first.returns),
        initialised=tuple(renames[n] for n in first.initialised),
        deletes=tuple(renames[n] for n in first.deletes),
        value=renames.get(first.value, first.value),
        segments=segments,
    )
    imported = frozenset(plan_imports)
    name = step_name(None, segments, function.returns, taken, imported)
    # the first copy's docstring says where a parameter every call passes alike comes from
    passed = dict(re.findall(r"^    (\w+): (.+)\.$", first.doc, re.M))
    passed.update(
        (param, _listed(names))
        for number, own in enumerate(template.names)
        if (param := renames[own]) in function.params and len(set(names := [s.names[number] for s in shapes])) > 1
    )
    passed.update((param, _listed([s.outer[k] for s in shapes])) for k, param in zip(outer, outer_names, strict=True))
    passed.update(
        (param, _listed([s.literals[index] for s in shapes]))
        for index, param in zip(differing, literal_names, strict=True)
    )
    doc = step_doc(None, "", segments, function.params, function.returns, passed, imported)
    function = replace(function, name=name, doc=doc)
    calls = []
    for position, shape in members:
        step = steps[position]
        arguments = tuple(f"{param}={shape.outer[k]}" for k, param in zip(outer, outer_names, strict=True))
        arguments += tuple(
            f"{param}={shape.literals[index]}" for index, param in zip(differing, literal_names, strict=True)
        )
        calls.append(replace(step, name=name, function=function, arguments=arguments))
    return calls


def _outline(step: Step) -> tuple[object, ...]:
    """What two steps of one shape have in common (their shapes' keys start with their
    signatures, whose lengths these are, and hold the kinds of their statements, which
    blanking names and literals does not change), found without printing them."""
    kinds: list[tuple[str, bool]] = []
    for segment in step.segments:
        for statement in segment.statements:
            if isinstance(statement, cst.SimpleStatementLine):
                kinds += [(type(small).__name__, False) for small in statement.body]
            else:  # `async def`, `async for`, `async with` are kinds of their own in an ast
                kinds.append((type(statement).__name__, bool(getattr(statement, "asynchronous", None))))
    own = {*step.params, *step.returns, *step.initialised, *step.deletes}
    sizes = (len(step.params), len(step.returns), len(step.initialised), len(step.deletes))
    return (*sizes, step.value in own, step.shows_value, step.module, tuple(kinds))


def _candidates(steps: tuple[Step, ...], outlines: dict[tuple[object, ...], int]) -> set[int]:
    """The positions of the steps worth shaping: another step has their outline and the
    same attributes and keywords (which blanking leaves as they are). A step whose code
    does not parse as it is, is shaped all the same."""
    kept: dict[int, tuple[object, ...]] = {}
    for position, step in enumerate(steps):
        outline = _outline(step)
        if outlines[outline] > 1:
            kept[position] = (outline, _attributes_and_keywords(step))
    counts: dict[tuple[object, ...], int] = {}
    for key in kept.values():
        counts[key] = counts.get(key, 0) + 1
    return {position for position, key in kept.items() if counts[key] > 1 or key[1] is None}


def _attributes_and_keywords(step: Step) -> tuple[str, ...] | None:
    """The attribute and keyword names of the step's code (`.head`, `axis=`), sorted, from
    the trees the plan parsed; None when a segment's code does not parse."""
    found: list[str] = []
    for segment in step.segments:
        tree = tree_of("".join(code_of(statement) for statement in segment.statements))
        if tree is None:
            return None
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute):
                found.append("." + node.attr)
            elif isinstance(node, ast.keyword):
                found.append(f"{node.arg}=")
    return tuple(sorted(found))


def _shape(step: Step, outer: frozenset[str]) -> _Shape | None:
    """The step's shape, or None for a step that is never merged."""
    statements = [statement for segment in step.segments for statement in segment.statements]
    if not statements or any(_tagged_name(s) for s in step.segments) or has_unsafe(statements):
        return None
    own = [*step.params, *step.returns, *step.initialised, *step.deletes]
    local = {n for s in step.segments for n in s.facts.defines | s.facts.deletes} - set(own)
    numbering = {name: f"_v{number}" for number, name in enumerate(dict.fromkeys(own))}
    # the other names it binds are numbered as the code first names them
    blank = Rewrite(numbering, {}, blank_literals=True, outer=outer - set(numbering) - local, numbered=local)
    code = cst.Module(body=[top(visited(s, blank)) for s in statements]).code
    try:
        key = ast.dump(parse_quietly(code))  # comments and layout aside
    except SyntaxError:
        return None
    signature = (
        tuple(numbering[n] for n in step.params),
        tuple(numbering[n] for n in step.returns),
        tuple(numbering[n] for n in step.initialised),
        tuple(numbering[n] for n in step.deletes),
        numbering.get(step.value, ""),
        step.shows_value,
        step.module,
    )
    return _Shape(
        f"{signature}\n{key}", tuple(numbering), tuple(blank.outer), tuple(blank.literals), tuple(blank.contexts)
    )


def _listed(values: list[str]) -> str:
    """What the calls pass, for the docstring's Args: "`logreg`, `tree` or `knn`, one per call"."""
    shown = [f"`{v}`" if len(v) <= 40 else f"`{v[:37]}...`" for v in dict.fromkeys(values)]
    if len(shown) > 4:
        shown = [*shown[:3], f"{len(shown) - 3} more"]
    text = shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} or {shown[-1]}"
    return f"{text}, one per call"


def _differing_literals(shapes: Sequence[_Shape]) -> list[int]:
    """The positions of the literals that are not the same in every copy."""
    count = len(shapes[0].literals)
    return [i for i in range(count) if len({_literal_value(s.literals[i]) for s in shapes}) > 1]


def _literal_value(source: str) -> object:
    """`'a'` and `"a"` are the same literal."""
    try:
        return repr(ast.literal_eval(source))
    except (ValueError, SyntaxError):
        return source


def _general_name(names: list[str], own: str, template: Step) -> str:
    """One name for what the copies call differently: the words they share at the start
    or the end (`model_a`, `model_b` -> `model`; `X_test_1`, `X_test_2` -> `X_test`),
    else `model` for what the code fits or predicts with (`logreg`, `tree`), else the
    first copy's name."""
    if len(set(names)) == 1:
        return own
    parts = [name.split("_") for name in names]
    for shared in (_common_prefix(parts), _common_prefix([p[::-1] for p in parts])[::-1]):
        candidate = "_".join(shared).strip("_")
        if candidate.isidentifier() and not candidate[0].isdigit() and not candidate.isdigit():
            return candidate
    code = "".join(segment.source for segment in template.segments)
    if re.search(rf"\b{re.escape(own)}\.{_ESTIMATOR_METHODS}\(", code):
        return "model"
    return own


def _callable_name(names: list[str]) -> str:
    """A parameter name for the class or function the copies call differently: the words
    their names share at the end (`RandomForestClassifier`, `DecisionTreeClassifier` ->
    `classifier`), else `estimator` for scikit-learn-like models, else `function`."""
    words = [words_of(name) for name in names]
    shared = _common_prefix([w[::-1] for w in words])[::-1]
    if shared:
        return identifier(" ".join(shared), "function")
    if all(re.search(_ESTIMATOR_NAMES, name) for name in names):
        return "estimator"
    return "function" if all(name[:1].islower() for name in names) else "kind"


def _only_called(step: Step, name: str) -> bool:
    """Whether every use of `name` in the step calls it (`LogisticRegression(...)`)."""
    tree = parse_quietly(cst.Module(body=[top(s) for seg in step.segments for s in seg.statements]).code)
    called = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    uses = [node for node in ast.walk(tree) if isinstance(node, ast.Name) and node.id == name]
    return bool(uses) and all(id(node) in called for node in uses)


def _common_prefix(parts: list[list[str]]) -> list[str]:
    shared: list[str] = []
    for words in zip(*parts, strict=False):
        if len(set(words)) != 1:
            break
        shared.append(words[0])
    return shared


def _literal_names(template: _Shape, differing: list[int], taken: set[str]) -> list[str]:
    """A parameter name for each differing literal, from where the first copy uses it."""
    names: list[str] = []
    for index in differing:
        names.append(unique(template.contexts[index], taken | set(names)))
    return names


def _rewritten(segments: tuple[Segment, ...], renames: dict[str, str], literals: dict[int, str]) -> tuple[Segment, ...]:
    """The first copy's segments with its names generalised and its differing literals
    read from parameters (one rewriter for all, so literals are numbered as in `_shape`)."""
    rewrite = Rewrite(renames, literals)
    result = []
    for segment in segments:
        statements = tuple(visited(s, rewrite) for s in segment.statements)
        source = cst.Module(body=[top(s) for s in statements]).code
        facts = replace(
            segment.facts,
            defines=_renamed(segment.facts.defines, renames),
            mutates=_renamed(segment.facts.mutates, renames),
            uses=_renamed(segment.facts.uses, renames),
        )
        result.append(replace(segment, statements=statements, source=source, facts=facts))
    return tuple(result)


def _renamed(names: frozenset[str], renames: dict[str, str]) -> frozenset[str]:
    return frozenset(renames.get(name, name) for name in names)


def _names_in(step: Step) -> set[str]:
    found: set[str] = set()
    for segment in step.segments:
        for node in ast.walk(parse_quietly(cst.Module(body=[top(s) for s in segment.statements]).code)):
            if isinstance(node, ast.Name):
                found.add(node.id)
            elif isinstance(node, ast.arg):
                found.add(node.arg)
    return found


def _tagged_name(segment: Segment) -> bool:
    return any(tag.startswith("nb2pkg:name=") for tag in segment.cell.tags)
