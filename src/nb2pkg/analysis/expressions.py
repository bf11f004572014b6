"""Expressions in evaluation order, the function bodies they define, and assignment targets.

A call may change an object in place (`df.drop(..., inplace=True)`, `clean(df)` when the
notebook's `clean` changes its parameter) or run a magic; a comprehension and a lambda
passed on run now, in scopes of their own; a function body runs later, so it is walked
as deferred and yields the `Deferred` charged to the cells that call it. A target binds
names, each of which may alias another or run a notebook function when used.
"""

from __future__ import annotations

import re
from abc import abstractmethod
from collections.abc import Mapping
from functools import cache
from typing import cast

import libcst as cst

from nb2pkg.analysis.closures import free_names
from nb2pkg.analysis.facts import Deferred
from nb2pkg.analysis.magics import MagicWalk
from nb2pkg.analysis.mutation import (
    MUTATES_FIRST_ARGUMENT,
    method_mutates_receiver,
    root_name,
)
from nb2pkg.analysis.scopes import (
    Collector,
    Scope,
    children,
    derives,
    function_scope,
    parameter_names,
    target_names,
    walk_nodes,
)

# Leaves that hold no names: skipped by the generic walk.
_Comprehension = cst.ListComp | cst.SetComp | cst.GeneratorExp | cst.DictComp

_LEAVES = (
    cst.BaseParenthesizableWhitespace,
    cst.LeftParen,
    cst.RightParen,
    cst.LeftSquareBracket,
    cst.RightSquareBracket,
    cst.LeftCurlyBrace,
    cst.RightCurlyBrace,
    cst.Comma,
    cst.Dot,
    cst.Colon,
    cst.AssignEqual,
    cst.Semicolon,
    cst.BaseBinaryOp,
    cst.BaseUnaryOp,
    cst.BaseBooleanOp,
    cst.BaseCompOp,
    cst.BaseAugOp,
    cst.Newline,
    cst.EmptyLine,
    cst.TrailingWhitespace,
    cst.Comment,
    cst.SimpleString,
    cst.Integer,
    cst.Float,
    cst.Imaginary,
    cst.FormattedStringText,
    cst.Ellipsis,
)


class ExpressionWalk(MagicWalk):
    """The walk of expressions, function bodies and targets; statements are the walker's."""

    @abstractmethod
    def suite(self, suite: cst.BaseSuite) -> None:
        """Walk a block of statements (the walker's)."""

    # -- expressions -----------------------------------------------------------------

    def expr(self, node: cst.CSTNode) -> None:
        kind = _kind(type(node))  # the node's class decides: asked once per class
        if kind == "name":
            self.load(cast(cst.Name, node).value)
        elif kind == "attribute":
            self.expr(cast(cst.Attribute, node).value)
        elif kind == "call":
            self.call(cast(cst.Call, node))
        elif kind == "comprehension":
            self.comprehension(cast(_Comprehension, node))
        elif kind == "lambda":
            self.inline_lambda(cast(cst.Lambda, node))
        elif kind == "walrus":
            walrus = cast(cst.NamedExpr, node)
            self.expr(walrus.value)
            for name in target_names(walrus.target):
                self.store(name, walrus=True)
        elif kind == "arg":
            self.expr(cast(cst.Arg, node).value)
        elif kind == "yield" and self.collector is not None:
            self.collector.returns_callable = True  # a generator runs when consumed
            self.generic(node)
        elif kind != "leaf":
            self.generic(node)

    def generic(self, node: cst.CSTNode) -> None:
        for child in children(node):
            self.expr(child)

    def call(self, node: cst.Call) -> None:
        if self.magic_call(node):
            return
        self.expr(node.func)
        for arg in node.args:
            self.expr(arg.value)
        func = node.func
        if isinstance(func, cst.Attribute):
            if func.attr.value in ("query", "eval") and node.args:
                self.query_references(node.args[0].value)
            if method_mutates_receiver(node):
                self.mutate(func.value)
            called = func.attr.value
        elif isinstance(func, cst.Name):
            called = func.value
            self.mutated_arguments(node, called)
        else:
            return
        if called in MUTATES_FIRST_ARGUMENT and node.args and node.args[0].keyword is None:
            self.mutate(node.args[0].value)

    def query_references(self, expression: cst.BaseExpression) -> None:
        """`df.query("a > @limit")` reads `limit`."""
        text = _literal(expression)
        for name in re.findall(r"@([A-Za-z_]\w*)", text or ""):
            self.load(name)

    def mutated_arguments(self, node: cst.Call, name: str) -> None:
        """`clean(df)` where the notebook's `clean` changes its parameter in place."""
        if self.collector is not None or self.resolve(name) is not None:
            return
        deferred = self.functions.get(name)
        if deferred is None or not deferred.mutated_params:
            return
        for position, arg in enumerate(node.args):
            if arg.star:
                return
            if arg.keyword is not None:
                param = arg.keyword.value
            elif position < len(deferred.params):
                param = deferred.params[position]
            else:
                continue
            if param in deferred.mutated_params:
                self.mutate(arg.value)

    def comprehension(self, node: _Comprehension) -> None:
        self.expr(node.for_in.iter)  # the first iterable is evaluated outside
        clause: cst.CompFor | None = node.for_in
        self.scopes.append(Scope("comprehension"))
        first = True
        while clause is not None:
            if not first:
                self.expr(clause.iter)
            first = False
            self.store_target(clause.target)
            for condition in clause.ifs:
                self.expr(condition.test)
            clause = clause.inner_for_in
        if isinstance(node, cst.DictComp):
            self.expr(node.key)
            self.expr(node.value)
        else:
            self.expr(node.elt)
        self.scopes.pop()

    def inline_lambda(self, node: cst.Lambda) -> None:
        if self.collector is not None:
            self.definition_time(node.params)
            self.body(node.params, node.body)
            return
        # A lambda the cell passes on (`df.apply(lambda r: ...)`) runs during the cell.
        self.definition_time(node.params)
        self.scopes.append(function_scope(node.params, node.body, kind="inline"))
        self.expr(node.body)
        self.scopes.pop()

    # -- function bodies -------------------------------------------------------------

    def definition_time(self, params: cst.Parameters) -> None:
        """Defaults and annotations are evaluated where the function is defined."""
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            if param.default is not None:
                self.expr(param.default)
        if self.lazy_annotations:
            return
        stars = [star for star in (params.star_arg, params.star_kwarg) if isinstance(star, cst.Param)]
        for param in (*params.posonly_params, *params.params, *params.kwonly_params, *stars):
            if param.annotation is not None:
                self.expr(param.annotation.annotation)

    def lambda_def(self, node: cst.Lambda) -> Deferred | None:
        self.definition_time(node.params)
        return self.body(node.params, node.body)

    def body(self, params: cst.Parameters, body: cst.BaseSuite | cst.BaseExpression) -> Deferred | None:
        """Walk a function body as deferred; the top-level one yields its `Deferred`."""
        name = self.current_name if isinstance(body, cst.BaseSuite) else "<lambda>"
        scope = function_scope(params, body, name)
        top = self.collector is None
        if top:
            self.collector = Collector(scope, parameter_names(params)[0])
        self.scopes.append(scope)
        if isinstance(body, cst.BaseExpression):
            self.expr(body)
            if top and self.collector is not None:
                self.collector.returns_value = True  # a lambda gives its expression's value
        else:
            self.suite(body)
        self.scopes.pop()
        if not top:
            return None
        collector, self.collector = self.collector, None
        assert collector is not None
        # a returned local (`return path`) can only be a closure if the body makes one (or
        # gets one from a notebook function that makes them); asked only when it matters
        if (
            isinstance(body, cst.BaseSuite)
            and collector.returns_callable
            and not _makes_functions(body, self.functions)
        ):
            collector.returns_callable = False
        return collector.freeze()

    # -- targets ---------------------------------------------------------------------

    def store_target(self, target: cst.BaseExpression, value: cst.BaseExpression | None = None) -> None:
        """Bind an assignment target; `value` is what a plain name is bound to."""
        if isinstance(target, cst.Name):
            if value is None:
                self.store(target.value)
            else:
                self.store(target.value, alias=root_name(value), runs=self.runs(value))
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self.store_target(element.value)
        elif isinstance(target, cst.StarredElement):
            self.store_target(target.value)
        elif isinstance(target, (cst.Attribute, cst.Subscript)):
            self.expr(target)
            self.mutate(target)
        else:
            self.expr(target)

    def runs(self, value: cst.BaseExpression) -> Deferred | None:
        """What using a new name may run: `f = g`, `m = Model()`, `p = partial(f, 1)`,
        `fs = [f]`, `it = gen()`; None when it holds no notebook function."""
        if isinstance(value, cst.Name):
            return self.functions.get(value.value)
        if isinstance(value, cst.GeneratorExp):  # runs as it is consumed, reading names then
            reads = frozenset(n for n in free_names(value) if not self.is_builtin(n) and self.resolve(n) is None)
            return Deferred(reads=reads, returns_callable=True) if reads else None
        if isinstance(value, cst.Call) and isinstance(value.func, cst.Name):
            called = self.functions.get(value.func.value)
            if called is not None and (called.is_class or called.returns_callable):
                return called
        held = [
            self.functions[name]
            for name in _passed_names(value)
            if name in self.functions and self.resolve(name) is None
        ]
        if not held:
            return None
        merged = held[0]
        for deferred in held[1:]:
            merged = merged.merge(deferred)
        return merged


@cache  # one entry per LibCST node class: a bounded set
def _kind(cls: type) -> str:
    """How `CellWalk.expr` walks a node of this class (its branches, in their order)."""
    for kind, classes in _KINDS:
        if derives(cls, classes):
            return kind
    return "other"


_KINDS: tuple[tuple[str, type | tuple[type, ...]], ...] = (
    ("name", cst.Name),
    ("attribute", cst.Attribute),
    ("call", cst.Call),
    ("comprehension", (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)),
    ("lambda", cst.Lambda),
    ("walrus", cst.NamedExpr),
    ("arg", cst.Arg),
    ("yield", cst.Yield),
    ("leaf", _LEAVES),
)


def _passed_names(value: cst.BaseExpression) -> list[str]:
    """Names passed on as values: call arguments and container elements, not callees."""
    if isinstance(value, cst.Call):
        return [n for arg in value.args for n in _passed_names(arg.value)]
    if isinstance(value, (cst.List, cst.Tuple, cst.Set)):
        return [n for element in value.elements for n in _passed_names(element.value)]
    if isinstance(value, cst.Dict):
        return [
            n
            for element in value.elements
            if isinstance(element, cst.DictElement)
            for n in _passed_names(element.value)
        ]
    if isinstance(value, cst.Name):
        return [value.value]
    return []


def _literal(node: cst.BaseExpression) -> str | None:
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def _makes_functions(body: cst.BaseSuite, functions: Mapping[str, Deferred]) -> bool:
    """Whether a function body makes a function, lambda, class or generator, or calls
    one of the notebook `functions` that return them (makers)."""
    maker = _Maker(functions)
    walk_nodes(body, maker.on_visit)
    return maker.found


_MAKING = frozenset({cst.FunctionDef, cst.Lambda, cst.ClassDef, cst.GeneratorExp, cst.Yield})


class _Maker(cst.CSTVisitor):
    def __init__(self, functions: Mapping[str, Deferred]) -> None:
        super().__init__()
        self.functions = functions  # asked name by name: not a set of makers built per body
        self.found = False

    def on_visit(self, node: cst.CSTNode) -> bool:
        kind = type(node)  # classes nothing subclasses: `isinstance` of one costs more, asked of every node
        self.found = self.found or kind in _MAKING or (kind is cst.Call and self._calls_maker(cast(cst.Call, node)))
        return not self.found

    def _calls_maker(self, call: cst.Call) -> bool:
        return type(call.func) is cst.Name and self._maker(call.func.value)

    def _maker(self, name: str) -> bool:
        called = self.functions.get(name)
        return called is not None and (called.returns_callable or called.is_class)
