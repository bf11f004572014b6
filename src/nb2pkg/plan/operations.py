"""What a step's code does, read from its syntax: the calls it makes (with the names their
statements bind), the names it binds, the columns it sets, the titles it draws, and the
words of everything it mentions. Names and docstrings (`plan.step_names`,
`plan.docstrings`) are built from this summary, so that both say the same true thing."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from dataclasses import dataclass

from nb2pkg.naming import is_reserved
from nb2pkg.plan.files import read_tree
from nb2pkg.plan.model import Segment


@dataclass(frozen=True)
class Call:
    """One call of the code, in the order the code is written."""

    func: str  # the callee as written: "pd.read_csv", "model.fit", "print", "" for `f()()`
    attr: str  # its last part: "read_csv", "fit", "print"
    receiver: str  # the first name of a dotted callee ("pd", "model"), "" for a plain name
    target: tuple[str, ...]  # the names its statement binds (`df = pd.read_csv(...)`: df)
    args: tuple[str, ...]  # its positional arguments that are names or dotted names (`df[...]`: df)
    strings: tuple[str, ...]  # its positional string literal arguments
    inner: tuple[str, ...]  # the callees of its positional arguments that are calls (`print(len(df))`: len)
    keywords: tuple[tuple[str, str], ...]  # (keyword, value as written) of short keyword arguments


@dataclass(frozen=True)
class Code:
    """The summary of a step's code the names and docstrings read."""

    calls: tuple[Call, ...]
    bound: tuple[str, ...]  # names the code binds, in the order of their first binding
    rebound: frozenset[str]  # names the code binds in more than one place
    origins: tuple[tuple[str, str], ...]  # (name, what binds it, as a phrase) for its last binding
    columns: tuple[str, ...]  # string keys the code assigns (`df["age"] = ...`: age)
    keys: tuple[str, ...]  # string keys the code reads or assigns, in order
    first_change: int  # how many calls come before the first change in place (for ordering)
    changed: tuple[str, ...]  # names the code changes in place (`df["c"] = ...`, `xs.append(...)`, `inplace=True`)
    asserted: tuple[str, ...]  # the names and dotted names `assert` tests read (not the callees)
    reads: tuple[str, ...]  # the names the code reads, in order
    words: frozenset[str]  # every lowercase word of its names, attributes and string literals
    imported: frozenset[str]  # names bound by the notebook's imports (modules, mostly)

    def called(self, *attrs: str) -> tuple[Call, ...]:
        """The calls whose last part is one of `attrs`."""
        return tuple(c for c in self.calls if c.attr in attrs)

    def origin(self, name: str) -> str:
        return dict(self.origins).get(name, "")


def read_code(run: Iterable[Segment], imported: frozenset[str] = frozenset()) -> Code:
    """The summary of the code of `run`'s segments (a segment that does not parse adds nothing)."""
    return read_sources(tuple(segment.source for segment in run), imported)


def read_sources(sources: tuple[str, ...], imported: frozenset[str] = frozenset()) -> Code:
    """`read_code` of segments of these sources: it reads nothing else of them."""
    trees = []
    for source in sources:
        try:
            trees.append(read_tree(source))
        except (SyntaxError, ValueError):
            continue
    collector = _Collector(imported)
    for tree in trees:
        collector.visit(tree)
    words = frozenset(w for text in collector.texts for w in split_words(text))
    return Code(
        tuple(collector.calls),
        tuple(dict.fromkeys(collector.bound)),
        frozenset(n for n in collector.bound if collector.bound.count(n) > 1),
        tuple(collector.origins.items()),
        tuple(dict.fromkeys(collector.columns)),
        tuple(dict.fromkeys(collector.keys)),
        collector.first_change if collector.changed else len(collector.calls),
        tuple(dict.fromkeys(collector.changed)),
        tuple(dict.fromkeys(collector.asserted)),
        tuple(dict.fromkeys(collector.reads)),
        words,
        imported,
    )


def split_words(text: str) -> list[str]:
    """Lowercase words of a name, class name or text: `RandomForestClassifier` -> random,
    forest, classifier; `X_train` -> x, train; `SVCModel` -> svc, model; `freq_2h` -> freq, 2h."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", text)
    return re.findall(r"[a-z0-9]+", spaced.lower())


def dotted(node: ast.expr) -> str:
    """`a.b.c` as written, "" for anything else."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted(node.value)
        return f"{base}.{node.attr}" if base else ""
    return ""


def _targets(node: ast.expr) -> list[str]:
    if isinstance(node, ast.Name):
        return [node.id]
    if isinstance(node, (ast.Tuple, ast.List)):
        return [n for element in node.elts for n in _targets(element)]
    if isinstance(node, ast.Starred):
        return _targets(node.value)
    return []


class _Collector(ast.NodeVisitor):
    """Walks the code in source order, remembering what `Code` holds."""

    def __init__(self, imported: frozenset[str]) -> None:
        self.imported = imported
        self.calls: list[Call] = []
        self.bound: list[str] = []
        self.origins: dict[str, str] = {}
        self.columns: list[str] = []
        self.keys: list[str] = []
        self.texts: list[str] = []
        self.asserted: list[str] = []
        self.changed: list[str] = []
        self.first_change = 0
        self.reads: list[str] = []
        self._target: tuple[str, ...] = ()

    def visit_Assign(self, node: ast.Assign) -> None:
        self._assign(node.targets, node.value)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._assign([node.target], node.value)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._assign([node.target], node.value)

    def _assign(self, targets: list[ast.expr], value: ast.expr | None) -> None:
        names = tuple(n for t in targets for n in _targets(t))
        for target in targets:
            key = target.slice if isinstance(target, ast.Subscript) else None
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                self.columns.append(key.value)
            if isinstance(target, (ast.Subscript, ast.Attribute)) and (base := _base_name(target)):
                self._change(base)
            self.visit(target)
        self.bound.extend(names)
        if value is None:
            return
        pairs = [(n, value) for n in names]
        first = targets[0]
        same = isinstance(first, ast.Tuple) and isinstance(value, ast.Tuple) and len(first.elts) == len(value.elts)
        if len(targets) == 1 and same:  # `a, b = 1, 2`: each its own value
            assert isinstance(first, ast.Tuple) and isinstance(value, ast.Tuple)
            pairs = [(n, v) for t, v in zip(first.elts, value.elts, strict=True) for n in _targets(t)]
        for name, part in pairs:
            self.origins[name] = _origin(part, part is value and len(names) > 1, self.imported)
        previous, self._target = self._target, names
        self.visit(value)
        self._target = previous

    def visit_For(self, node: ast.For) -> None:
        self.bound.extend(_targets(node.target))
        self.generic_visit(node)

    def visit_Assert(self, node: ast.Assert) -> None:
        callees = {id(n.func) for n in ast.walk(node.test) if isinstance(n, ast.Call)}
        for sub in ast.walk(node.test):
            if isinstance(sub, (ast.Name, ast.Attribute)) and id(sub) not in callees and (name := dotted(sub)):
                self.asserted.append(name)
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        self.texts.append(node.id)
        if isinstance(node.ctx, ast.Load):
            self.reads.append(node.id)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        self.texts.append(node.attr)
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str) and len(node.value) <= 200:
            self.texts.append(node.value)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        if isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
            self.keys.append(node.slice.value)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = dotted(node.func)
        attr = node.func.attr if isinstance(node.func, ast.Attribute) else func
        receiver = func.split(".")[0] if "." in func else ""
        if not receiver and isinstance(node.func, ast.Attribute):
            receiver = _base_name(node.func.value)  # `pd.read_csv(p).dropna()`: pd
        names = tuple(d for a in node.args if (d := dotted(a) or _subscripted(a)))
        strings = tuple(a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str))
        inner = tuple(d for a in node.args if isinstance(a, ast.Call) and (d := dotted(a.func)))
        keywords = tuple(
            (k.arg, ast.unparse(k.value)) for k in node.keywords if k.arg and len(ast.unparse(k.value)) <= 40
        )
        self.generic_visit(node)  # first: `pd.read_csv(p).dropna()` reads, then drops
        self.calls.append(Call(func, attr, receiver, self._target, names, strings, inner, keywords))
        in_place = ("inplace", "True") in keywords or attr in _MUTATORS
        if in_place and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name):
            self._change(node.func.value.id)

    def _change(self, name: str) -> None:
        if not self.changed:
            self.first_change = len(self.calls)
        self.changed.append(name)


# Methods that change their object, whatever it is (lists, dicts, sets, frames).
_MUTATORS = frozenset(["append", "extend", "insert", "update", "pop", "remove", "clear", "setdefault", "add", "sort"])


def _base_name(node: ast.expr) -> str:
    while isinstance(node, (ast.Attribute, ast.Call, ast.Subscript)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else ""


def _subscripted(node: ast.expr) -> str:
    return _base_name(node) if isinstance(node, ast.Subscript) else ""  # `df.loc[...]`: df


def _origin(value: ast.expr, unpacked: bool, imported: frozenset[str]) -> str:
    """What binds a name, as a phrase for an Args/Returns line: "from `train_test_split(...)`"."""
    node = value
    if isinstance(node, ast.Call):
        func = dotted(node.func)
        if not func and isinstance(node.func, ast.Attribute) and (base := _base_name(node.func)):
            return f"the result of calls on `{base}` ending in `.{node.func.attr}(...)`"
        if func:
            return f"{'part of ' if unpacked else ''}the result of `{func}(...)`"
    if isinstance(node, ast.Subscript) and (base := dotted(node.value)):
        return f"a selection of `{base}`"
    names = [n for n in ast.walk(node) if isinstance(n, ast.Name)]
    local = {n.id for n in names if isinstance(n.ctx, ast.Store)}  # comprehension variables
    reads = sorted({n.id for n in names} - local - imported - {n.id for n in names if is_reserved(n.id)})
    if reads:
        return f"computed from {', '.join(f'`{r}`' for r in reads[:4])}"
    if isinstance(node, ast.Constant) and len(repr(node.value)) <= 30:
        return f"the literal `{ast.unparse(node)}`"
    if isinstance(node, (ast.List, ast.Tuple, ast.Dict, ast.Set, ast.ListComp, ast.DictComp)):
        return "a literal the code builds" if not unpacked else ""
    return ""
