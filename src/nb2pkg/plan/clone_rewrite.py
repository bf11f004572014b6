"""The LibCST passes of clone merging (plan.clones): blanking or renaming a step's names
and literals, naming each literal by its use, and finding code that renaming would change."""

from __future__ import annotations

import re
from functools import cache

import libcst as cst

from nb2pkg.analysis import code_of, derives
from nb2pkg.naming import identifier, words_of

LITERALS = (cst.SimpleString, cst.ConcatenatedString, cst.Integer, cst.Float, cst.Imaginary)
# renaming or replacing inside these changes what the code means
_UNSAFE = (cst.Global, cst.Nonlocal, cst.Import, cst.ImportFrom, cst.Match)
# the keyword each of them is written with: code without one of these words has none of them
_UNSAFE_WORDS = re.compile(r"\b(global|nonlocal|import|match)\b")


def is_literal(node: cst.CSTNode) -> bool:
    """A literal, or a list, tuple, set or dict of literals (`["INLAND", "NEAR BAY"]`),
    which copies that differ in it take as one parameter."""
    if not _may_be_literal(type(node)):
        return False  # most nodes: a name, a call, an operator (asked once per class)
    if isinstance(node, LITERALS):
        return True
    if isinstance(node, cst.UnaryOperation):
        return isinstance(node.operator, (cst.Minus, cst.Plus)) and isinstance(
            node.expression, (cst.Integer, cst.Float)
        )
    if isinstance(node, (cst.List, cst.Tuple, cst.Set)):
        return all(isinstance(e, cst.Element) and is_literal(e.value) for e in node.elements)
    if isinstance(node, cst.Dict):
        return all(isinstance(e, cst.DictElement) and is_literal(e.key) and is_literal(e.value) for e in node.elements)
    return False


@cache  # one entry per LibCST node class: a bounded set
def _may_be_literal(cls: type) -> bool:
    return derives(cls, (*LITERALS, cst.UnaryOperation, cst.List, cst.Tuple, cst.Set, cst.Dict))


_CALL_PARAMETERS = {"print": "label", "isin": "values", "suptitle": "title", "savefig": "path", "open": "path"}


def has_unsafe(statements: list[cst.BaseStatement]) -> bool:
    """Whether the statements hold a node of `_UNSAFE`; their code (printed once: plan/printed.py)
    is searched for the keywords first, and only code that has one of them is walked."""
    if not any(_UNSAFE_WORDS.search(code_of(statement)) for statement in statements):
        return False
    finder = _UnsafeFinder()
    for statement in statements:
        top(statement).visit(finder)
    return finder.found


class _UnsafeFinder(cst.CSTVisitor):
    def __init__(self) -> None:
        self.found = False

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, _UNSAFE):
            self.found = True
        return not self.found


class Rewrite(cst.CSTTransformer):
    """Renames the step's own names (never an attribute or a keyword) and replaces
    literals: with a blank (`blank_literals`) or, for the literal numbers in `literals`,
    with the parameter named there. It records each literal's source and, from where it
    is used, a name for a parameter standing for it (`context`). A string statement (a
    docstring) is left alone: it says, it does not compute."""

    def __init__(
        self,
        renames: dict[str, str],
        literals: dict[int, str],
        blank_literals: bool = False,
        outer: frozenset[str] = frozenset(),
        numbered: frozenset[str] | set[str] = frozenset(),
    ) -> None:
        super().__init__()
        self.renames = renames
        self.replace_literals = literals
        self.blank_literals = blank_literals
        self.outer_names = outer  # blanked as `_g0`, `_g1`..., each recorded in `outer`
        self.numbered = numbered  # added to `renames` as `_v<n>` where first seen
        self.outer: list[str] = []
        self.literals: list[str] = []
        self.contexts: list[str] = []  # a parameter name for each literal, in the same order
        self.around: list[str] = []  # where the walk is: `call:title`, `title` (a keyword)...
        self.parenthesize = False  # each name put for a literal in parentheses (`visited`)

    def visit_Expr(self, node: cst.Expr) -> bool:
        return not isinstance(node.value, (cst.SimpleString, cst.ConcatenatedString))

    def on_visit(self, node: cst.CSTNode) -> bool:
        return not is_literal(node) and super().on_visit(node)  # `"a" "b"`, `[1, 2]`: one literal

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
        name = updated_node.value
        if name in self.outer_names:
            if name not in self.outer:
                self.outer.append(name)
            return updated_node.with_changes(value=f"_g{self.outer.index(name)}")
        if name in self.numbered and name not in self.renames:
            self.renames[name] = f"_v{len(self.renames)}"
        renamed = self.renames.get(name, name)
        return updated_node if renamed == name else updated_node.with_changes(value=renamed)

    def leave_Attribute(self, original_node: cst.Attribute, updated_node: cst.Attribute) -> cst.Attribute:
        if updated_node.attr.value == original_node.attr.value:
            return updated_node  # not renamed: the same code (a name's own parentheses are not touched)
        return updated_node.with_changes(attr=original_node.attr)

    def visit_Arg(self, node: cst.Arg) -> None:
        self.around.append(node.keyword.value if node.keyword else "")

    def leave_Arg(self, original_node: cst.Arg, updated_node: cst.Arg) -> cst.Arg:
        self.around.pop()
        kept, keyword = original_node.keyword, updated_node.keyword
        if kept is None or (keyword is not None and keyword.value == kept.value):
            return updated_node  # not renamed: the same code
        return updated_node.with_changes(keyword=kept)

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Attribute):
            self.around.append(f"call:{node.func.attr.value}")  # `plt.title(...)`: says what it sets
        else:  # `save_fig(...)`: the function's own name is taken, and may say nothing
            self.around.append(f"bare:{getattr(node.func, 'value', '')}")

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.Call:
        self.around.pop()
        return updated_node

    def visit_Comparison(self, node: cst.Comparison) -> None:
        left = node.left
        subject = left.attr.value if isinstance(left, cst.Attribute) else getattr(left, "value", "")
        self.around.append(f"compare:{subject if isinstance(subject, str) else ''}")

    def leave_Comparison(self, original_node: cst.Comparison, updated_node: cst.Comparison) -> cst.Comparison:
        self.around.pop()
        return updated_node

    def visit_Assign(self, node: cst.Assign) -> None:
        target = node.targets[0].target
        self.around.append(f"assign:{target.value if isinstance(target, cst.Name) else ''}")

    def leave_Assign(self, original_node: cst.Assign, updated_node: cst.Assign) -> cst.Assign:
        self.around.pop()
        return updated_node

    def visit_SubscriptElement(self, node: cst.SubscriptElement) -> None:
        self.around.append("subscript:")

    def leave_SubscriptElement(
        self, original_node: cst.SubscriptElement, updated_node: cst.SubscriptElement
    ) -> cst.SubscriptElement:
        self.around.pop()
        return updated_node

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode) -> cst.CSTNode:  # type: ignore[override]
        result = super().on_leave(original_node, updated_node)
        if not is_literal(original_node) or isinstance(result, cst.RemovalSentinel):
            return result  # type: ignore[return-value]
        index = len(self.literals)
        self.literals.append(cst.Module(body=[]).code_for_node(original_node))
        self.contexts.append(_context(original_node, self.around))
        if self.blank_literals:
            name = cst.Name(f"_literal_{type(original_node).__name__}")
        elif index in self.replace_literals:
            name = cst.Name(self.replace_literals[index]).with_changes(
                lpar=getattr(result, "lpar", ()), rpar=getattr(result, "rpar", ())
            )
        else:
            return result  # type: ignore[return-value]
        if self.parenthesize and not name.lpar:
            return name.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        return name

    def state(self) -> tuple[dict[str, str], int, int, int, int]:
        """What walking a statement changes, to go back to when LibCST refuses the result."""
        return dict(self.renames), len(self.outer), len(self.literals), len(self.contexts), len(self.around)

    def restore(self, state: tuple[dict[str, str], int, int, int, int]) -> None:
        renames, outer, literals, contexts, around = state
        self.renames.clear()
        self.renames.update(renames)
        del self.outer[outer:], self.literals[literals:], self.contexts[contexts:], self.around[around:]


def _context(node: cst.CSTNode, around: list[str]) -> str:
    """A parameter name for a literal from where it is used: the keyword it is passed as
    (`title=`), the function it is passed to (`plt.title(...)`, `ax.set_xlabel(...)`),
    the column it is compared with (`df.Sex == "male"` -> `sex`), the name it is
    assigned to; else what it is (`text`, `number`, `values`...)."""
    fallback = _fallback(node)
    for context in reversed(around):
        kind, _, word = context.rpartition(":") if ":" in context else ("keyword", "", context)
        if kind == "subscript":
            return "column" if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)) else "position"
        if word and kind in ("keyword", "compare", "assign"):
            return identifier(word, fallback)
        if word and kind in ("call", "bare"):
            if word in _CALL_PARAMETERS:
                return _CALL_PARAMETERS[word]
            if word.startswith(("read_", "load", "to_csv", "to_json", "to_excel", "to_parquet", "to_pickle")):
                return "path"  # `pd.read_csv("train.csv")`, `df.to_csv(...)`
            if kind == "bare":
                continue
            words = [w for w in words_of(word) if w not in ("set", "get")]
            return identifier(" ".join(words), fallback) if words else fallback
    return fallback


def _fallback(node: cst.CSTNode) -> str:
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        text = node.evaluated_value if isinstance(node, cst.SimpleString) else None
        return "name" if isinstance(text, str) and text.isidentifier() else "text"
    if isinstance(node, (cst.List, cst.Tuple, cst.Set)):
        return "values"
    return "mapping" if isinstance(node, cst.Dict) else "number"


def top(statement: cst.BaseStatement) -> cst.SimpleStatementLine | cst.BaseCompoundStatement:
    assert isinstance(statement, (cst.SimpleStatementLine, cst.BaseCompoundStatement))
    return statement


def visited(statement: cst.BaseStatement, transformer: Rewrite) -> cst.BaseStatement:
    """The statement rewritten. A literal right after a word (`not(1)`, `x in[1, 2]`,
    `return[a, b]`) leaves no room for the name put in its place (`not_literal`): LibCST
    refuses the statement, which is walked again with every such name in parentheses."""
    before = transformer.state()
    try:
        result = statement.visit(transformer)
    except cst.CSTValidationError:
        transformer.restore(before)
        transformer.parenthesize = True
        try:
            result = statement.visit(transformer)
        finally:
            transformer.parenthesize = False
    assert isinstance(result, cst.BaseStatement)  # names and literals are replaced, never statements
    return result
