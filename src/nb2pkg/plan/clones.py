"""Copy-pasted steps become one function, called once per use.

Two steps are clones when their code is the same once the names they bind or take
(parameters, results, locals) are renamed and the literals they use are replaced:
nine "fit, predict, report" cells for nine models. The first step's code becomes one
function; its parameters are the names each call passes (generalised: `model_a` and
`model_b` make `model`) and, for each literal that differs between the copies, one
parameter each call passes by keyword (`title="Decision tree"`). Every step keeps its
place, its arguments, its results and its displays, so the summary and `run()` make the
same calls in the same order; only the code is shared.

What stays apart, on purpose:
- steps of one statement: one call, which the summary shows as it is, not a wrapper;
- near-clones (one copy has an extra line): the difference would be a flag parameter;
- copies that differ in a name they read from outside (a notebook global, an import):
  the function would read another object than the notebook did;
- copies that would need more than three literal parameters, or more than six
  parameters in all (a flag soup, not an abstraction);
- steps a cell tag names, steps with `global`, `nonlocal`, imports or `match` (renaming
  or replacing there changes what the code means), steps in different modules.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

import libcst as cst

from nb2pkg.naming import identifier, unique, words_of
from nb2pkg.plan.docstrings import step_doc
from nb2pkg.plan.model import Plan, Segment, Step
from nb2pkg.plan.step_names import step_name

_MAX_LITERALS = 3
# one statement is one call: the summary shows it as it is (see plan.displays), a
# function around it would be a wrapper
_MIN_STATEMENTS = 2
_MAX_PARAMETERS = 6
_LITERALS = (cst.SimpleString, cst.ConcatenatedString, cst.Integer, cst.Float, cst.Imaginary)
_ESTIMATOR_METHODS = r"(fit|predict|predict_proba|score|decision_function|fit_predict)"
_CALL_PARAMETERS = {"print": "label", "suptitle": "title", "savefig": "path", "open": "path"}
_UNSAFE = (cst.Global, cst.Nonlocal, cst.Import, cst.ImportFrom, cst.Match)


@dataclass(frozen=True)
class _Shape:
    """A step's code with its own names numbered and its literals blanked."""

    key: str
    names: tuple[str, ...]  # the step's name for each number, in numbering order
    literals: tuple[str, ...]  # each literal's source, in document order


def merge_clones(plan: Plan) -> Plan:
    """The plan with each group of clone steps calling one shared function."""
    groups: dict[str, list[tuple[int, _Shape]]] = {}
    steps = plan.steps
    for position, step in enumerate(steps):
        shape = _shape(step)
        if shape is not None:
            groups.setdefault(shape.key, []).append((position, shape))
    merged: dict[int, Step] = {}
    taken = {s.name for s in steps} | set(plan.provided()) | set(plan.imports)
    for members in groups.values():
        if len(members) < 2:
            continue
        calls = _merged(steps, members, taken - {steps[position].name for position, _ in members})
        if calls is not None:
            taken.add(calls[0].name)
            merged.update(zip((position for position, _ in members), calls, strict=True))
    if not merged:
        return plan
    replaced = iter(merged.get(position, step) for position, step in enumerate(steps))
    items = tuple(next(replaced) if isinstance(item, Step) else item for item in plan.items)
    return replace(plan, items=items)


def _merged(steps: tuple[Step, ...], members: list[tuple[int, _Shape]], taken: set[str]) -> list[Step] | None:
    """The group's steps, each calling the one function built from the first, or None
    when the copies differ in more literals than parameters can say."""
    shapes = [shape for _, shape in members]
    differing = _differing_literals(shapes)
    first = steps[members[0][0]]
    if len(differing) > _MAX_LITERALS or len(first.params) + len(differing) > _MAX_PARAMETERS:
        return None
    template = shapes[0]
    code_names = _names_in(first)
    renames: dict[str, str] = {}
    for number, own in enumerate(template.names):
        general = _general_name([shape.names[number] for shape in shapes], own, first)
        if general != own and (general in code_names or general in renames.values()):
            general = own
        renames[own] = general
    literal_names = _literal_names(first, differing, set(renames.values()) | code_names)
    segments = _rewritten(first.segments, renames, dict(zip(differing, literal_names, strict=True)))
    function = replace(
        first,
        params=tuple(renames[p] for p in first.params) + tuple(literal_names),
        returns=tuple(renames[r] for r in first.returns),
        initialised=tuple(renames[n] for n in first.initialised),
        deletes=tuple(renames[n] for n in first.deletes),
        value=renames.get(first.value, first.value),
        segments=segments,
    )
    name = unique(step_name(None, segments, function.returns, first.module), taken)
    function = replace(function, name=name, doc=step_doc(None, "", name))
    calls = []
    for position, shape in members:
        step = steps[position]
        arguments = tuple(
            f"{param}={shape.literals[index]}" for index, param in zip(differing, literal_names, strict=True)
        )
        calls.append(replace(step, name=name, function=function, arguments=arguments))
    return calls


def _shape(step: Step) -> _Shape | None:
    """The step's shape, or None for a step that is never merged."""
    statements = [statement for segment in step.segments for statement in segment.statements]
    if len(statements) < _MIN_STATEMENTS or any(_tagged_name(s) for s in step.segments) or _has_unsafe(statements):
        return None
    own = [*step.params, *step.returns, *step.initialised, *step.deletes]
    own += sorted({n for s in step.segments for n in s.facts.defines | s.facts.deletes} - set(own))
    numbering = {name: f"_v{number}" for number, name in enumerate(dict.fromkeys(own))}
    blank = _Rewrite(numbering, {}, blank_literals=True)
    code = cst.Module(body=[_top(_visited(s, blank)) for s in statements]).code
    try:
        key = ast.dump(ast.parse(code))  # comments and layout aside
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
    return _Shape(f"{signature}\n{key}", tuple(numbering), tuple(blank.literals))


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


def _common_prefix(parts: list[list[str]]) -> list[str]:
    shared: list[str] = []
    for words in zip(*parts, strict=False):
        if len(set(words)) != 1:
            break
        shared.append(words[0])
    return shared


def _literal_names(step: Step, differing: list[int], taken: set[str]) -> list[str]:
    """A parameter name for each differing literal, from where the first copy uses it."""
    finder = _LiteralContext()
    for segment in step.segments:
        for statement in segment.statements:
            _top(statement).visit(finder)
    names: list[str] = []
    for index in differing:
        name = unique(finder.contexts[index], taken | set(names))
        names.append(name)
    return names


def _rewritten(segments: tuple[Segment, ...], renames: dict[str, str], literals: dict[int, str]) -> tuple[Segment, ...]:
    """The first copy's segments with its names generalised and its differing literals
    read from parameters (one rewriter for all, so literals are numbered as in `_shape`)."""
    rewrite = _Rewrite(renames, literals)
    result = []
    for segment in segments:
        statements = tuple(_visited(s, rewrite) for s in segment.statements)
        source = cst.Module(body=[_top(s) for s in statements]).code
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
        for node in ast.walk(ast.parse(cst.Module(body=[_top(s) for s in segment.statements]).code)):
            if isinstance(node, ast.Name):
                found.add(node.id)
            elif isinstance(node, ast.arg):
                found.add(node.arg)
    return found


def _tagged_name(segment: Segment) -> bool:
    return any(tag.startswith("nb2pkg:name=") for tag in segment.cell.tags)


def _has_unsafe(statements: list[cst.BaseStatement]) -> bool:
    finder = _UnsafeFinder()
    for statement in statements:
        _top(statement).visit(finder)
    return finder.found


class _UnsafeFinder(cst.CSTVisitor):
    def __init__(self) -> None:
        self.found = False

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, _UNSAFE):
            self.found = True
        return not self.found


class _Rewrite(cst.CSTTransformer):
    """Renames the step's own names (never an attribute or a keyword) and replaces
    literals: with a blank (`blank_literals`, recording each literal's source) or, for the
    literal numbers in `literals`, with the parameter named there. A string statement
    (a docstring) is left alone: it says, it does not compute."""

    def __init__(self, renames: dict[str, str], literals: dict[int, str], blank_literals: bool = False) -> None:
        super().__init__()
        self.renames = renames
        self.replace_literals = literals
        self.blank_literals = blank_literals
        self.literals: list[str] = []

    def visit_Expr(self, node: cst.Expr) -> bool:
        return not isinstance(node.value, (cst.SimpleString, cst.ConcatenatedString))

    def visit_ConcatenatedString(self, node: cst.ConcatenatedString) -> bool:
        return False  # one literal: `"a" "b"`

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
        return updated_node.with_changes(value=self.renames.get(updated_node.value, updated_node.value))

    def leave_Attribute(self, original_node: cst.Attribute, updated_node: cst.Attribute) -> cst.Attribute:
        return updated_node.with_changes(attr=original_node.attr)

    def leave_Arg(self, original_node: cst.Arg, updated_node: cst.Arg) -> cst.Arg:
        return updated_node.with_changes(keyword=original_node.keyword)

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode) -> cst.CSTNode:  # type: ignore[override]
        result = super().on_leave(original_node, updated_node)
        if not isinstance(original_node, _LITERALS) or isinstance(result, cst.RemovalSentinel):
            return result  # type: ignore[return-value]
        index = len(self.literals)
        self.literals.append(cst.Module(body=[]).code_for_node(original_node))
        if self.blank_literals:
            return cst.Name(f"_literal_{type(original_node).__name__}")
        if index in self.replace_literals:
            return cst.Name(self.replace_literals[index]).with_changes(
                lpar=getattr(result, "lpar", ()), rpar=getattr(result, "rpar", ())
            )
        return result  # type: ignore[return-value]


class _LiteralContext(cst.CSTVisitor):
    """A name for each literal (in `_Rewrite`'s order) from where it is used: the keyword
    it is passed as (`title=`), the function it is passed to (`plt.title(...)`,
    `ax.set_xlabel(...)`), the column it is compared with (`df.Sex == "male"` -> `sex`),
    the name it is assigned to; else `text` or `number`."""

    def __init__(self) -> None:
        super().__init__()
        self.contexts: list[str] = []
        self.around: list[str] = []

    def visit_Expr(self, node: cst.Expr) -> bool:
        return not isinstance(node.value, (cst.SimpleString, cst.ConcatenatedString))

    def visit_ConcatenatedString(self, node: cst.ConcatenatedString) -> bool:
        self.contexts.append(self._context(node))
        return False

    def visit_Arg(self, node: cst.Arg) -> None:
        self.around.append(node.keyword.value if node.keyword else "")

    def leave_Arg(self, original_node: cst.Arg) -> None:
        self.around.pop()

    def visit_Call(self, node: cst.Call) -> None:
        function = node.func.attr.value if isinstance(node.func, cst.Attribute) else getattr(node.func, "value", "")
        self.around.append(f"call:{function}")

    def leave_Call(self, original_node: cst.Call) -> None:
        self.around.pop()

    def visit_Comparison(self, node: cst.Comparison) -> None:
        left = node.left
        subject = left.attr.value if isinstance(left, cst.Attribute) else getattr(left, "value", "")
        self.around.append(f"compare:{subject if isinstance(subject, str) else ''}")

    def leave_Comparison(self, original_node: cst.Comparison) -> None:
        self.around.pop()

    def visit_Assign(self, node: cst.Assign) -> None:
        target = node.targets[0].target
        self.around.append(f"assign:{target.value if isinstance(target, cst.Name) else ''}")

    def leave_Assign(self, original_node: cst.Assign) -> None:
        self.around.pop()

    def visit_SubscriptElement(self, node: cst.SubscriptElement) -> None:
        self.around.append("subscript:")

    def leave_SubscriptElement(self, original_node: cst.SubscriptElement) -> None:
        self.around.pop()

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, _LITERALS) and not isinstance(node, cst.ConcatenatedString):
            self.contexts.append(self._context(node))
            return False
        return super().on_visit(node)

    def _context(self, node: cst.CSTNode) -> str:
        fallback = "text" if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)) else "number"
        for context in reversed(self.around):
            kind, _, word = context.rpartition(":") if ":" in context else ("keyword", "", context)
            if kind == "subscript":
                return "column" if fallback == "text" else "position"
            if word and kind in ("keyword", "compare", "assign"):
                return identifier(word, fallback)
            if word and kind == "call":
                if word in _CALL_PARAMETERS:
                    return _CALL_PARAMETERS[word]
                if word.startswith(("read_", "load", "to_csv", "to_json", "to_excel", "to_parquet", "to_pickle")):
                    return "path"  # `pd.read_csv("train.csv")`, `df.to_csv(...)`
                words = [w for w in words_of(word) if w not in ("set", "get")]
                return identifier(" ".join(words), fallback) if words else fallback
        return fallback


def _top(statement: cst.BaseStatement) -> cst.SimpleStatementLine | cst.BaseCompoundStatement:
    assert isinstance(statement, (cst.SimpleStatementLine, cst.BaseCompoundStatement))
    return statement


def _visited(statement: cst.BaseStatement, transformer: cst.CSTTransformer) -> cst.BaseStatement:
    result = statement.visit(transformer)
    assert isinstance(result, cst.BaseStatement)  # names and literals are replaced, never statements
    return result
