"""Walk one cell's syntax tree in evaluation order and record its dataflow.

The walk follows pyflakes' model: every name reduces to a load, a store or a delete,
resolved through a stack of scopes. Statements are visited in the order Python runs
them (the value of `x = x + 1` before its target), which is what decides whether a
read is a *use* (needs a value from an earlier cell) or reads the cell's own binding.
Function bodies run later: what they read is collected as `Deferred` facts and charged
to the cells that reference the function.

The walk is one class in layers, one module each, every layer using those below it:
`names.NameBook` (the record of the cell and the name operations), `magics.MagicWalk`,
`expressions.ExpressionWalk` (expressions, function bodies, targets), and here the
statements. The layers call each other both ways (a statement holds expressions, a
lambda holds a body, a magic holds code) and share one record, so they are base classes
rather than functions; the few calls up a layer are declared abstract where they are made.
"""

from __future__ import annotations

import libcst as cst

from nb2pkg.analysis.expressions import ExpressionWalk
from nb2pkg.analysis.facts import Deferred
from nb2pkg.analysis.magics import is_automagic
from nb2pkg.analysis.mutation import root_name
from nb2pkg.analysis.scopes import Collector, Scope, dotted_name, import_binding, target_names


class CellWalker(ExpressionWalk):
    """Analyses one cell, given what earlier cells left in `context`: walks its statements
    in the order Python runs them."""

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
            self.if_statement(node)
        elif isinstance(node, cst.For):
            self.for_statement(node)
        elif isinstance(node, cst.While):
            self.while_statement(node)
        elif isinstance(node, cst.With):
            self.with_statement(node)
        elif isinstance(node, (cst.Try, cst.TryStar)):
            self.try_statement(node)
        elif isinstance(node, cst.Match):
            self.match_statement(node)
        else:
            self.generic(node)

    def if_statement(self, node: cst.If) -> None:
        self.expr(node.test)
        self.suite(node.body)
        if isinstance(node.orelse, cst.If):
            self.statement(node.orelse)
        elif node.orelse is not None:
            self.suite(node.orelse.body)

    def for_statement(self, node: cst.For) -> None:
        self.expr(node.iter)
        self.store_loop_target(node.target, node.iter)
        self.suite(node.body)
        if node.orelse is not None:
            self.suite(node.orelse.body)

    def while_statement(self, node: cst.While) -> None:
        self.expr(node.test)
        self.suite(node.body)
        if node.orelse is not None:
            self.suite(node.orelse.body)

    def with_statement(self, node: cst.With) -> None:
        for item in node.items:
            self.expr(item.item)
            if item.asname is not None:
                self.store_target(item.asname.name)
        self.suite(node.body)

    def match_statement(self, node: cst.Match) -> None:
        self.expr(node.subject)
        for case in node.cases:
            self.pattern(case.pattern)
            if case.guard is not None:
                self.expr(case.guard)
            self.suite(case.body)

    def suite(self, suite: cst.BaseSuite) -> None:
        if isinstance(suite, cst.IndentedBlock):
            for statement in suite.body:
                self.statement(statement)
        elif isinstance(suite, cst.SimpleStatementSuite):
            for small in suite.body:  # `if x: y = 1` on one line
                self.small_statement(small)

    def small_statement(self, node: cst.BaseSmallStatement) -> None:
        if isinstance(node, cst.Expr):
            self.expression_statement(node)
        elif isinstance(node, cst.Assign):
            self.assign(node)
        elif isinstance(node, cst.AugAssign):
            self.augmented_assign(node)
        elif isinstance(node, cst.AnnAssign):
            self.annotated_assign(node)
        elif isinstance(node, cst.Del):
            self.delete_target(node.target)
        elif isinstance(node, cst.Import):
            self.import_statement(node)
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
            self.return_statement(node, self.collector)
        else:  # Return, Raise, Assert
            self.generic(node)

    def expression_statement(self, node: cst.Expr) -> None:
        value = node.value
        if isinstance(value, cst.Name) and is_automagic(value.value) and not self.is_known(value.value):
            self.line_magic(value.value, "")  # a bare `ls` runs `%ls` (automagic)
        else:
            self.expr(value)

    def import_statement(self, node: cst.Import) -> None:
        for alias in node.names:
            self.imports.add(dotted_name(alias.name))
            self.store(import_binding(alias), imported=True)

    def return_statement(self, node: cst.Return, collector: Collector) -> None:
        """A `return` inside a function body being collected: what it returns decides
        whether the function returns a value, or a closure whose body runs later."""
        if node.value is not None and self.scopes[-1] is collector.scope:
            collector.returns_value = True
        if isinstance(node.value, cst.Lambda) or (
            isinstance(node.value, cst.Name)
            and node.value.value in self.scopes[-1].locals
            and self.scopes[-1].kind == "function"
        ):
            collector.returns_callable = True  # a closure: its body runs later
        self.generic(node)

    def assign(self, node: cst.Assign) -> None:
        targets = [t.target for t in node.targets]
        names = [t for t in targets if isinstance(t, cst.Name)]
        if isinstance(node.value, cst.Lambda) and len(names) == len(targets):
            deferred = self.lambda_def(node.value)
            for name in names:
                self.store(name.value, value=deferred)
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

    def store_loop_target(self, target: cst.BaseExpression, iterable: cst.BaseExpression) -> None:
        """`for d in frames:` makes each name a possible alias of an item of `frames`."""
        self.store_target(target)
        source = root_name(iterable)
        if source is not None and not self.scopes:
            for name in target_names(target):
                self.rebind_alias(name, source)

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
            if not isinstance(node.names, cst.ImportStar) and any(
                alias.name.value == "annotations" for alias in node.names if isinstance(alias.name, cst.Name)
            ):
                self.lazy_annotations = True
            return  # compiler directives, not names
        self.imports.add(module)
        if isinstance(node.names, cst.ImportStar):
            self.star = True
            self.warn(f"`from {module} import *`: nb2pkg cannot see which names it binds; import the names you use")
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

    def pattern(self, node: cst.MatchPattern | cst.MatchStar) -> None:
        """A `case` pattern: its values and class names are read, its captures bound."""
        if isinstance(node, cst.MatchValue):
            self.expr(node.value)
        elif isinstance(node, cst.MatchAs):
            self.as_pattern(node)
        elif isinstance(node, cst.MatchStar):
            if node.name is not None:
                self.store(node.name.value)
        elif isinstance(node, (cst.MatchList, cst.MatchTuple)):
            for element in node.patterns:
                self.pattern(element if isinstance(element, cst.MatchStar) else element.value)
        elif isinstance(node, cst.MatchMapping):
            self.mapping_pattern(node)
        elif isinstance(node, cst.MatchClass):
            self.class_pattern(node)
        elif isinstance(node, cst.MatchOr):
            for alternative in node.patterns:
                self.pattern(alternative.pattern)

    def as_pattern(self, node: cst.MatchAs) -> None:
        if node.pattern is not None:
            self.pattern(node.pattern)
        if node.name is not None:
            self.store(node.name.value)

    def mapping_pattern(self, node: cst.MatchMapping) -> None:
        for element in node.elements:
            self.expr(element.key)
            self.pattern(element.pattern)
        if node.rest is not None:
            self.store(node.rest.value)

    def class_pattern(self, node: cst.MatchClass) -> None:
        self.expr(node.cls)
        for element in node.patterns:
            self.pattern(element.value)
        for keyword in node.kwds:
            self.pattern(keyword.pattern)

    # -- definitions -----------------------------------------------------------------

    def function_def(self, node: cst.FunctionDef) -> None:
        for decorator in node.decorators:
            self.expr(decorator.decorator)
        self.definition_time(node.params)
        if node.returns is not None and not self.lazy_annotations:
            self.expr(node.returns.annotation)
        self.current_name = node.name.value
        deferred = self.body(node.params, node.body)
        self.store(node.name.value, value=deferred)

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
