"""IPython's `_` (the last value a cell showed) as the expression that showed it.

`x * 2` shows 20, and the next cell's `result = _ + 1` reads that 20; a step has no `_`.
When the code cell just before (markdown between is fine) ended with an expression that
surely shows a value (an operation, a literal, a display of values, a call of a builtin
that never returns None) and only reads (no call that could change anything), the `_`
cell is the same as the cell with `(x * 2)` in place of `_`: the expression's names
cannot have changed in between, as long as the `_` cell itself binds, changes and
deletes none of them (nor `_`). Any other `_` (a notebook that binds `_`, a `_` read
inside a function or lambda, which runs later, after other cells showed other values)
keeps its cell in the notebook, as before.
"""

from __future__ import annotations

import libcst as cst

from nb2pkg.analysis.facts import CellFacts
from nb2pkg.analysis.parsed import value_hidden
from nb2pkg.analysis.scopes import visited_nodes

# Builtins that only compute, and never return None.
_VALUE_BUILTINS = frozenset(
    {"len", "sum", "round", "abs", "min", "max", "sorted", "str", "int", "float", "bool", "list", "tuple", "set"}
)
_LITERALS = (cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString, cst.ConcatenatedString)
_OPERATIONS = (cst.BinaryOperation, cst.UnaryOperation, cst.Comparison)
_DISPLAYS = (cst.Tuple, cst.List, cst.Set, cst.Dict)


def shown_expression(facts: CellFacts, module: cst.Module, bound: frozenset[str]) -> cst.BaseExpression | None:
    """The expression whose value the cell showed last, when it surely showed one and
    reading it again gives the same value; None otherwise. `bound`: the notebook's names
    so far (a builtin they rebind is not the builtin)."""
    if not facts.analysed or facts.magics or facts.python is None or value_hidden(facts.python) or not module.body:
        return None
    last = module.body[-1]
    if not isinstance(last, cst.SimpleStatementLine) or not isinstance(last.body[-1], cst.Expr):
        return None
    value = last.body[-1].value
    sure = isinstance(value, (*_LITERALS, *_OPERATIONS, *_DISPLAYS)) or _value_call(value, bound)
    return value if sure and _reads_only(value, bound) else None


def with_last_result(
    module: cst.Module, facts: CellFacts, shown: cst.BaseExpression, shown_names: frozenset[str]
) -> cst.Module | None:
    """The cell with `(shown)` for each `_` it reads; None when that would not be the same."""
    if "_" not in facts.builtin_reads or facts.magics or facts.dynamic:
        return None
    if (facts.defines | facts.mutates | facts.deletes) & (shown_names | {"_"}):
        return None
    finder = _Underscores()
    module.visit(finder)
    if finder.late or not finder.found:
        return None
    replaced = module.visit(_Replace(cst.parse_expression(f"({cst.Module(body=[]).code_for_node(shown)})")))
    assert isinstance(replaced, cst.Module)
    return replaced


def names_read(node: cst.CSTNode) -> frozenset[str]:
    """The plain names an expression reads."""
    names = _Names()
    node.visit(names)
    return frozenset(names.found)


class _Names(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.found: set[str] = set()

    def visit_Name(self, name: cst.Name) -> None:
        self.found.add(name.value)

    def visit_Attribute(self, attribute: cst.Attribute) -> bool:
        attribute.value.visit(self)
        return False  # `df.shape`: `shape` is no name


def _value_call(node: cst.BaseExpression, bound: frozenset[str]) -> bool:
    return (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Name)
        and node.func.value in _VALUE_BUILTINS
        and node.func.value not in bound
    )


def _reads_only(node: cst.CSTNode, bound: frozenset[str]) -> bool:
    """Whether evaluating the expression again changes nothing and gives the same value:
    names, attributes, subscripts, literals, operations, displays and value builtins."""
    simple: tuple[type[cst.CSTNode], ...] = (*_LITERALS, *_OPERATIONS, *_DISPLAYS)
    simple += (cst.Name, cst.Attribute, cst.Subscript, cst.BooleanOperation, cst.FormattedString, cst.Ellipsis)
    expressions = visited_nodes(node, cst.BaseExpression)  # type: ignore[type-abstract]  # any kind of one
    return all(isinstance(child, simple) or _value_call(child, bound) for child in expressions)


class _Underscores(cst.CSTVisitor):
    """Whether the cell reads `_` (`found`), and whether some read runs later (`late`):
    in a function, a lambda or a class body."""

    def __init__(self) -> None:
        self.found = False
        self.late = False
        self.depth = 0

    def visit_Name(self, node: cst.Name) -> None:
        if node.value == "_":
            self.found = True
            self.late = self.late or self.depth > 0

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        node.value.visit(self)
        return False

    def visit_Arg(self, node: cst.Arg) -> bool:
        node.value.visit(self)
        return False  # `f(_=1)` names a keyword

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            self.depth += 1
        return super().on_visit(node)

    def on_leave(self, original_node: cst.CSTNode) -> None:
        if isinstance(original_node, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            self.depth -= 1
        super().on_leave(original_node)


class _Replace(cst.CSTTransformer):
    """Each `_` read becomes the expression (checked first: none is late, none a target)."""

    def __init__(self, value: cst.BaseExpression) -> None:
        self.value = value
        self.names: set[int] = set()  # `obj._`, `f(_=1)`: names, not reads

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self.names.add(id(node.attr))

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            self.names.add(id(node.keyword))

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
        return self.value if original.value == "_" and id(original) not in self.names else updated
