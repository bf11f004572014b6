"""Walk one cell's syntax tree in evaluation order and record its dataflow.

The walk follows pyflakes' model: every name reduces to a load, a store or a delete,
resolved through a stack of scopes. Statements are visited in the order Python runs
them (the value of `x = x + 1` before its target), which is what decides whether a
read is a *use* (needs a value from an earlier cell) or reads the cell's own binding.
Function bodies run later: what they read is collected as `Deferred` facts and charged
to the cells that reference the function.
"""

from __future__ import annotations

import re
from typing import Iterable

import libcst as cst

from nb2pkg.analysis.facts import Deferred
from nb2pkg.analysis.magics import MagicWalk, is_automagic
from nb2pkg.analysis.mutation import (
    MUTATES_FIRST_ARGUMENT,
    method_mutates_receiver,
    root_name,
)
from nb2pkg.analysis.scopes import (
    Collector,
    Scope,
    dotted_name,
    function_scope,
    import_binding,
    parameter_names,
    target_names,
)

# Leaves that hold no names: skipped by the generic walk.
_LEAVES = (
    cst.BaseParenthesizableWhitespace, cst.LeftParen, cst.RightParen,
    cst.LeftSquareBracket, cst.RightSquareBracket, cst.LeftCurlyBrace,
    cst.RightCurlyBrace, cst.Comma, cst.Dot, cst.Colon, cst.AssignEqual,
    cst.Semicolon, cst.BaseBinaryOp, cst.BaseUnaryOp, cst.BaseBooleanOp,
    cst.BaseCompOp, cst.BaseAugOp, cst.Newline, cst.EmptyLine,
    cst.TrailingWhitespace, cst.Comment, cst.SimpleString, cst.Integer, cst.Float,
    cst.Imaginary, cst.FormattedStringText, cst.Ellipsis,
)


class CellWalker(MagicWalk):
    """Analyses one cell, given what earlier cells left in `context`: walks its statements
    and expressions in evaluation order; names are recorded by `NameBook`, magics by
    `MagicWalk`."""

    # -- entry points ---------------------------------------------------------------

    def walk_module(self, module: cst.Module, first_line: int = 1) -> None:
        for index, statement in enumerate(module.body):
            self.position = (module, index, first_line)
            self.statement(statement)
        self.position = None

    # -- statements ----------------------------------------------------------------

    def statement(self, node: cst.CSTNode) -> None:
        if isinstance(node, cst.SimpleStatementLine):
            for small in node.body:
                self.small_statement(small)
        elif isinstance(node, cst.FunctionDef):
            self.function_def(node)
        elif isinstance(node, cst.ClassDef):
            self.class_def(node)
        elif isinstance(node, cst.If):
            self.expr(node.test)
            self.suite(node.body)
            if isinstance(node.orelse, cst.If):
                self.statement(node.orelse)
            elif node.orelse is not None:
                self.suite(node.orelse.body)
        elif isinstance(node, cst.For):
            self.expr(node.iter)
            self.store_loop_target(node.target, node.iter)
            self.suite(node.body)
            if node.orelse is not None:
                self.suite(node.orelse.body)
        elif isinstance(node, cst.While):
            self.expr(node.test)
            self.suite(node.body)
            if node.orelse is not None:
                self.suite(node.orelse.body)
        elif isinstance(node, cst.With):
            for item in node.items:
                self.expr(item.item)
                if item.asname is not None:
                    self.store_target(item.asname.name)
            self.suite(node.body)
        elif isinstance(node, (cst.Try, cst.TryStar)):
            self.try_statement(node)
        elif isinstance(node, cst.Match):
            self.expr(node.subject)
            for case in node.cases:
                self.pattern(case.pattern)
                if case.guard is not None:
                    self.expr(case.guard)
                self.suite(case.body)
        else:
            self.generic(node)

    def suite(self, suite: cst.BaseSuite) -> None:
        if isinstance(suite, cst.IndentedBlock):
            for statement in suite.body:
                self.statement(statement)
        else:
            for small in suite.body:  # `if x: y = 1` on one line
                self.small_statement(small)

    def small_statement(self, node: cst.BaseSmallStatement) -> None:
        if isinstance(node, cst.Expr):
            value = node.value
            if isinstance(value, cst.Name) and is_automagic(value.value) and not self.is_known(value.value):
                self.line_magic(value.value, "")  # a bare `ls` runs `%ls` (automagic)
            else:
                self.expr(value)
        elif isinstance(node, cst.Assign):
            self.assign(node)
        elif isinstance(node, cst.AugAssign):
            self.augmented_assign(node)
        elif isinstance(node, cst.AnnAssign):
            self.annotated_assign(node)
        elif isinstance(node, cst.Del):
            self.delete_target(node.target)
        elif isinstance(node, cst.Import):
            for alias in node.names:
                self.imports.add(dotted_name(alias.name))
                self.store(import_binding(alias), imported=True)
        elif isinstance(node, cst.ImportFrom):
            self.import_from(node)
        elif isinstance(node, cst.Global):
            if self.scopes:
                self.rebinds_globals = True
                names = ", ".join(item.name.value for item in node.names)
                self.warn(
                    f"`global {names}` in notebook function `{self.scopes[-1].name}`: "
                    "calling it rebinds notebook names, so it cannot move into the package "
                    "as it is"
                )
        elif isinstance(node, (cst.Nonlocal, cst.Pass, cst.Break, cst.Continue)):
            pass
        elif isinstance(node, cst.Return) and self.collector is not None:
            if node.value is not None and self.scopes[-1] is self.collector.scope:
                self.collector.returns_value = True
            if isinstance(node.value, cst.Lambda) or (
                isinstance(node.value, cst.Name) and node.value.value in self.scopes[-1].locals
                and self.scopes[-1].kind == "function"
            ):
                self.collector.returns_callable = True  # a closure: its body runs later
            self.generic(node)
        else:  # Return, Raise, Assert
            self.generic(node)

    def assign(self, node: cst.Assign) -> None:
        targets = [t.target for t in node.targets]
        if isinstance(node.value, cst.Lambda) and all(isinstance(t, cst.Name) for t in targets):
            deferred = self.lambda_def(node.value)
            for target in targets:
                self.store(target.value, value=deferred)
            return
        self.expr(node.value)
        for target in targets:
            self.store_target(target, node.value)

    def augmented_assign(self, node: cst.AugAssign) -> None:
        target = node.target
        if isinstance(target, cst.Name):
            self.load(target.value)
            self.expr(node.value)
            self.store(target.value)
        else:
            self.expr(target)
            self.expr(node.value)
            self.mutate(target)

    def annotated_assign(self, node: cst.AnnAssign) -> None:
        if (not self.scopes or self.scopes[-1].kind == "class") and not self.lazy_annotations:
            self.expr(node.annotation.annotation)  # evaluated at module and class level
        if node.value is None:
            if not isinstance(node.target, cst.Name):
                self.expr(node.target)
            return
        self.expr(node.value)
        self.store_target(node.target, node.value)

    def store_target(
        self, target: cst.BaseExpression, value: cst.BaseExpression | None = None
    ) -> None:
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

    def store_loop_target(self, target: cst.BaseExpression, iterable: cst.BaseExpression) -> None:
        """`for d in frames:` makes each name a possible alias of an item of `frames`."""
        self.store_target(target)
        source = root_name(iterable)
        if source is not None and not self.scopes:
            for name in target_names(target):
                self.rebind_alias(name, source)

    def runs(self, value: cst.BaseExpression) -> Deferred | None:
        """What using a new name may run: `f = g`, `m = Model()`, `p = partial(f, 1)`,
        `fs = [f]`, `it = gen()`; None when it holds no notebook function."""
        if isinstance(value, cst.Name):
            return self.functions.get(value.value)
        if isinstance(value, cst.GeneratorExp):  # runs as it is consumed, reading names then
            from nb2pkg.analysis.closures import free_names

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

    def delete_target(self, target: cst.BaseExpression) -> None:
        if isinstance(target, cst.Name):
            self.delete(target.value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self.delete_target(element.value)
        else:
            self.expr(target)
            self.mutate(target)

    def import_from(self, node: cst.ImportFrom) -> None:
        module = "." * len(node.relative) + (dotted_name(node.module) if node.module else "")
        if module == "__future__":
            if not isinstance(node.names, cst.ImportStar):
                if any(alias.name.value == "annotations" for alias in node.names if isinstance(alias.name, cst.Name)):
                    self.lazy_annotations = True
            return  # compiler directives, not names
        self.imports.add(module)
        if isinstance(node.names, cst.ImportStar):
            self.star = True
            self.warn(
                f"`from {module} import *`: nb2pkg cannot see which names it binds; "
                "import the names you use"
            )
            return
        for alias in node.names:
            self.store(import_binding(alias), imported=True)

    def try_statement(self, node: cst.Try | cst.TryStar) -> None:
        self.suite(node.body)
        for handler in node.handlers:
            if handler.type is not None:
                self.expr(handler.type)
            names = target_names(handler.name.name) if handler.name is not None else []
            kept = {name for name in names if name in self.defines}  # bound if it does not run
            for name in names:
                self.store(name)
            self.suite(handler.body)
            for name in names:  # Python deletes the name when the handler ends
                if not self.scopes and name not in kept:
                    self.defines.discard(name)
        if node.orelse is not None:
            self.suite(node.orelse.body)
        if node.finalbody is not None:
            self.suite(node.finalbody.body)

    def pattern(self, node: cst.MatchPattern) -> None:
        if isinstance(node, cst.MatchValue):
            self.expr(node.value)
        elif isinstance(node, cst.MatchAs):
            if node.pattern is not None:
                self.pattern(node.pattern)
            if node.name is not None:
                self.store(node.name.value)
        elif isinstance(node, cst.MatchStar):
            if node.name is not None:
                self.store(node.name.value)
        elif isinstance(node, (cst.MatchList, cst.MatchTuple)):
            for element in node.patterns:
                self.pattern(element if isinstance(element, cst.MatchStar) else element.value)
        elif isinstance(node, cst.MatchMapping):
            for element in node.elements:
                self.expr(element.key)
                self.pattern(element.pattern)
            if node.rest is not None:
                self.store(node.rest.value)
        elif isinstance(node, cst.MatchClass):
            self.expr(node.cls)
            for element in node.patterns:
                self.pattern(element.value)
            for keyword in node.kwds:
                self.pattern(keyword.pattern)
        elif isinstance(node, cst.MatchOr):
            for element in node.patterns:
                self.pattern(element.pattern)

    # -- definitions -----------------------------------------------------------------

    def definition_time(self, params: cst.Parameters) -> None:
        """Defaults and annotations are evaluated where the function is defined."""
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            if param.default is not None:
                self.expr(param.default)
        if self.lazy_annotations:
            return
        for param in (*params.posonly_params, *params.params, *params.kwonly_params,
                      params.star_arg, params.star_kwarg):
            if isinstance(param, cst.Param) and param.annotation is not None:
                self.expr(param.annotation.annotation)

    def function_def(self, node: cst.FunctionDef) -> None:
        for decorator in node.decorators:
            self.expr(decorator.decorator)
        self.definition_time(node.params)
        if node.returns is not None and not self.lazy_annotations:
            self.expr(node.returns.annotation)
        self.current_name = node.name.value
        deferred = self.body(node.params, node.body)
        self.store(node.name.value, value=deferred)

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
        else:
            self.suite(body)
        self.scopes.pop()
        if not top:
            return None
        collector, self.collector = self.collector, None
        assert collector is not None
        return collector.freeze()

    def class_def(self, node: cst.ClassDef) -> None:
        for decorator in node.decorators:
            self.expr(decorator.decorator)
        for arg in (*node.bases, *node.keywords):
            self.expr(arg.value)
        scope = Scope("class", name=node.name.value)
        self.scopes.append(scope)
        self.suite(node.body)  # a class body runs when the class is defined
        self.scopes.pop()
        merged = Deferred(is_class=True)
        for part in scope.parts:
            merged = merged.merge(part)
        for base in node.bases:  # inherited methods run too
            if isinstance(base.value, cst.Name) and base.value.value in self.functions:
                merged = merged.merge(self.functions[base.value.value])
        self.store(node.name.value, value=merged if self.collector is None else None)

    # -- expressions -----------------------------------------------------------------

    def expr(self, node: cst.CSTNode) -> None:
        if isinstance(node, cst.Name):
            self.load(node.value)
        elif isinstance(node, cst.Attribute):
            self.expr(node.value)
        elif isinstance(node, cst.Call):
            self.call(node)
        elif isinstance(node, (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)):
            self.comprehension(node)
        elif isinstance(node, cst.Lambda):
            self.inline_lambda(node)
        elif isinstance(node, cst.NamedExpr):
            self.expr(node.value)
            for name in target_names(node.target):
                self.store(name, walrus=True)
        elif isinstance(node, cst.Arg):
            self.expr(node.value)
        elif isinstance(node, cst.Yield) and self.collector is not None:
            self.collector.returns_callable = True  # a generator runs when consumed
            self.generic(node)
        elif not isinstance(node, _LEAVES):
            self.generic(node)

    def generic(self, node: cst.CSTNode) -> None:
        for child in _children(node):
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

    def comprehension(self, node: cst.ListComp | cst.SetComp | cst.GeneratorExp | cst.DictComp) -> None:
        clause: cst.CompFor | None = node.for_in
        self.expr(clause.iter)  # the first iterable is evaluated outside
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


def _children(node: cst.CSTNode) -> Iterable[cst.CSTNode]:
    for name in _fields(type(node)):
        value = getattr(node, name)
        if isinstance(value, cst.CSTNode):
            yield value
        elif isinstance(value, (tuple, list)):
            for item in value:
                if isinstance(item, cst.CSTNode):
                    yield item


_FIELD_CACHE: dict[type, tuple[str, ...]] = {}


def _fields(cls: type) -> tuple[str, ...]:
    try:
        return _FIELD_CACHE[cls]
    except KeyError:
        import dataclasses

        names = tuple(
            f.name
            for f in dataclasses.fields(cls)
            if not f.name.startswith("whitespace") and f.name not in ("lpar", "rpar")
        )
        _FIELD_CACHE[cls] = names
        return names


def _passed_names(value: cst.BaseExpression) -> list[str]:
    """Names passed on as values: call arguments and container elements, not callees."""
    if isinstance(value, cst.Call):
        return [n for arg in value.args for n in _passed_names(arg.value)]
    if isinstance(value, (cst.List, cst.Tuple, cst.Set)):
        return [n for element in value.elements for n in _passed_names(element.value)]
    if isinstance(value, cst.Dict):
        return [n for element in value.elements if isinstance(element, cst.DictElement)
                for n in _passed_names(element.value)]
    if isinstance(value, cst.Name):
        return [value.value]
    return []


def _literal(node: cst.BaseExpression) -> str | None:
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


