"""A step's interface: the parameters it reads from earlier code and the names it returns
to later code, by dataflow, in the order the code first mentions them."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import libcst as cst

from nb2pkg.analysis import conditional_deletes, target_names, walk_nodes
from nb2pkg.plan.model import Segment


def step_interface(
    run: list[Segment],
    later: Later,
    module_names: set[str],
    earlier: set[str],
    lifted: dict[str, tuple[str, ...]],
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Parameters: what the step's own code reads first. Reads and `global` writes
    inside functions defined elsewhere happen in those functions' namespaces."""
    bound: set[str] = set()
    uses: set[str] = set()
    carried: set[str] = set()  # bound on some paths by the segments so far, never on all
    killed: set[str] = set()  # bound or deleted on every path by the segments so far
    defined_here: set[str] = set()
    for segment in run:
        own = set(segment.facts.direct_uses)
        elsewhere: set[str] = set()
        for function, reads, writes in segment.facts.through:
            if function in defined_here:
                own |= reads & segment.facts.uses  # the walker knows what was bound before the call
            else:
                # the call passes them now (what the segment bound before the call is its own)
                own |= set(lifted.get(function, ())) & segment.facts.uses
                elsewhere |= writes
        own |= _closure_reads(segment, earlier)
        uses |= own - bound
        # compound code may read a name before binding it on the path it takes (`if c: k
        # = 1` then `del k`): when earlier code bound it, that value must come in
        uses |= (segment.reads - bound) & earlier
        # what an earlier segment bound on some paths only may still hold the value from
        # before the step: a read of it here needs that value
        carried |= segment.partial - killed
        uses |= (own | segment.reads | segment.facts.uses) & carried & earlier
        # a name deleted on some paths only (`if c: del x`) may still be bound after
        bound |= (segment.facts.defines | segment.partial) - elsewhere
        definite = (segment.facts.defines | segment.facts.deletes) - segment.partial
        carried -= definite
        killed |= definite
        defined_here |= {n for n, _ in segment.facts.functions} | (segment.facts.defines & _callables(segment))
    # A module-level name the step also binds is local to the whole function: what the
    # step reads of it before binding must come in as an argument.
    params = uses - (module_names - bound)
    # `try: cache` / `except NameError: cache = {}` asks whether earlier code bound it: when
    # none did, the function's own read raises the NameError its handler catches, as the
    # notebook's did, where an argument would raise it at the call
    params -= guarded_reads(run) - earlier - _MODULE_DUNDERS
    # A function or lambda the step defines reads the notebook's globals when called;
    # in the module those are the step's own names (closures), or they must come in.
    params |= {r for s in run for _, d in s.facts.functions for r in d.reads} - bound - module_names
    # a name deleted on every path (`del c`) is unbound after: nothing to return. A value
    # it was given and makes anew from itself (`df = df.dropna()`) is returned even when no
    # later code reads it: after the step, the summary's namespace (and `run()`'s result)
    # holds the new one, as the notebook's did (not a module's name: an import rebound)
    kept = bound - deleted_by(run)
    returns = {name for name in kept if later.is_live(name)}
    if params:
        returns |= kept & params & _remade(run) - module_names
    # A name bound only on some paths (a loop that may run zero times, an `if` without
    # `else`, a `try`) keeps the value it had before when the path is not taken: that
    # value must come in, to be returned or read after the loop as the notebook did.
    partial = partial_through(run) & earlier
    if partial:
        params |= partial & (returns | {n for s in run for n in s.reads})
    text = "".join(s.source for s in run)
    return _in_text_order(params, text), _in_text_order(returns, text)


# What a module defines and a notebook does not: read in a module, no NameError to catch.
_MODULE_DUNDERS = frozenset({"__file__", "__cached__", "__loader__", "__package__", "__spec__", "__path__"})
# Handlers that catch a NameError (a bare `except:` too).
_CATCHES_NAME_ERROR = frozenset({"NameError", "Exception", "BaseException"})


def _remade(run: list[Segment]) -> set[str]:
    """The names a top-level assignment of the run binds from themselves (`df = df.dropna()`,
    `X = scaler.fit_transform(X)`, `a, b = b, a`, `n += 1`)."""
    found: set[str] = set()
    for segment in run:
        for statement in segment.statements:
            for small in statement.body if isinstance(statement, cst.SimpleStatementLine) else ():
                if isinstance(small, cst.Assign):
                    targets = {n for target in small.targets for n in target_names(target.target)}
                elif isinstance(small, cst.AugAssign):
                    targets = set(target_names(small.target))
                else:
                    continue
                found |= targets & _names_in(small.value) if isinstance(small, cst.Assign) else targets
    return found


def _names_in(node: cst.CSTNode) -> set[str]:
    read: set[str] = set()
    walk_nodes(node, lambda current: read.add(current.value) if isinstance(current, cst.Name) else None)
    return read


def guarded_reads(run: list[Segment]) -> set[str]:
    """The names read in the body of a `try` that has a handler catching NameError."""
    found: set[str] = set()

    def names(node: cst.CSTNode) -> bool | None:
        if isinstance(node, cst.Name):
            found.add(node.value)
        elif isinstance(node, cst.Attribute):
            walk_nodes(node.value, names)  # not `.attr`
            return False
        elif isinstance(node, cst.Arg):
            walk_nodes(node.value, names)  # not the keyword
            return False
        return None

    def tries(node: cst.CSTNode) -> bool | None:
        if isinstance(node, cst.Try) and any(_catches_name_error(handler) for handler in node.handlers):
            walk_nodes(node.body, names)
        return None

    for segment in run:
        if "try" in segment.source:
            for statement in segment.statements:
                walk_nodes(statement, tries)
    return found


def _catches_name_error(handler: cst.ExceptHandler) -> bool:
    kinds = handler.type.elements if isinstance(handler.type, cst.Tuple) else [handler.type]
    for kind in kinds:
        node = kind.value if isinstance(kind, cst.Element) else kind
        if node is None or (isinstance(node, cst.Name) and node.value in _CATCHES_NAME_ERROR):
            return True
    return False


def deleted_by(run: list[Segment] | tuple[Segment, ...]) -> set[str]:
    """Names the run deletes on every path and does not bind again after."""
    gone: set[str] = set()
    for segment in run:
        gone = (gone - segment.facts.defines - segment.partial) | (segment.facts.deletes - segment.partial)
    return gone


def unbound_returns(run: list[Segment], params: tuple[str, ...], returns: tuple[str, ...]) -> tuple[str, ...]:
    """Returned names that some path leaves unbound and no argument gives a value to:
    None first keeps the return from failing where the notebook went on. Not functions
    (a `def` in a loop), names deleted on some paths, where None would change nothing, nor
    names a `try` reads to learn whether they are bound (`guarded_reads`): None would
    answer yes."""
    through = partial_through(run)
    candidates = [n for n in returns if n in through and n not in params]
    if not candidates:
        return ()
    excluded = {n for s in run for n, _ in s.facts.functions}
    excluded |= {n for s in run for n in conditional_deletes(s.statements)}
    excluded |= guarded_reads(run)
    return tuple(n for n in candidates if n not in excluded)


def partial_through(run: list[Segment] | tuple[Segment, ...]) -> set[str]:
    """Names whose value before the run may still be theirs after it: bound or deleted
    on some paths by some segment, and on every path by none."""
    partial = {n for s in run for n in s.partial}
    if not partial:
        return partial
    killed = {n for s in run for n in (s.facts.defines | s.facts.deletes) - s.partial}
    return partial - killed


def _closure_reads(segment: Segment, earlier: set[str]) -> set[str]:
    """Notebook names a lambda or generator the segment keeps for later reads: the step
    must have them (as arguments) for the closure to see them."""
    from nb2pkg.analysis import late_reads

    if "lambda" not in segment.source and " for " not in segment.source:
        return set()  # most segments: no need to look
    return set(late_reads(segment.statements)) & earlier


def _callables(segment: Segment) -> set[str]:
    """Names the segment binds to lambdas or other callables it defines inline."""
    if "lambda" not in segment.source:
        return set()  # most segments: no pattern to compile per name
    return {name for name in segment.facts.defines if re.search(rf"\b{re.escape(name)}\s*=\s*lambda\b", segment.source)}


@dataclass(frozen=True)
class Liveness:
    """`_is_live` for the code after any segment, from one pass over the notebook's
    segments instead of a scan of the rest of it per step and name: per name, the
    positions of the segments where the scan would stop, and what it would answer there."""

    segments: tuple[Segment, ...]
    stops: Mapping[str, tuple[tuple[int, bool], ...]]

    @classmethod
    def of(cls, segments: tuple[Segment, ...]) -> Liveness:
        stops: dict[str, list[tuple[int, bool]]] = {}
        for position, segment in enumerate(segments):
            for name, answer in _stops(segment).items():
                stops.setdefault(name, []).append((position, answer))
        return cls(segments, MappingProxyType({n: tuple(found) for n, found in stops.items()}))

    def after(self, start: int) -> Later:
        """The code from segment `start` on."""
        return Later(self, start)

    def is_live(self, name: str, start: int) -> bool:
        if not _WORD.fullmatch(name):  # `\bname\b` is not a whole word of \w: the scan itself
            return _is_live(name, self.segments[start:])
        found = self.stops.get(name, ())
        at = bisect_left(found, (start, False))
        return found[at][1] if at < len(found) else False


@dataclass(frozen=True)
class Later:
    """The code after a step, as `step_interface` asks about it."""

    liveness: Liveness
    start: int

    def is_live(self, name: str) -> bool:
        return self.liveness.is_live(name, self.start)


_WORD = re.compile(r"\w+")


def _stops(segment: Segment) -> dict[str, bool]:
    """The names whose scan in `_is_live` stops at `segment`, and its answer there."""
    if segment.role == "markdown":
        return {}
    if segment.role == "kept" and not segment.facts.analysed:
        return dict.fromkeys(_WORD.findall(segment.source), True)  # code nb2pkg cannot read
    facts = segment.facts
    answers = dict.fromkeys({r for _, deferred in facts.functions for r in deferred.reads}, True)
    answers.update(dict.fromkeys((facts.defines | facts.deletes) - segment.partial, False))
    answers.update(dict.fromkeys(facts.uses | segment.reads, True))
    return answers


def _is_live(name: str, later: tuple[Segment, ...]) -> bool:
    """Whether code after the step reads `name` before binding it again."""
    for segment in later:
        if segment.role == "markdown":
            continue
        if segment.role == "kept" and not segment.facts.analysed:
            if re.search(rf"\b{re.escape(name)}\b", segment.source):
                return True  # code nb2pkg cannot read might use it
            continue
        if name in segment.facts.uses:
            return True
        if name in segment.reads:
            return True  # read after a loop or branch that may not have bound it, then rebound
        if name in (segment.facts.defines | segment.facts.deletes) and name not in segment.partial:
            return False  # rebound on every path: the value before is not read
        for _, deferred in segment.facts.functions:
            if name in deferred.reads:
                return True  # a function defined later reads it when called
    return False


def _in_text_order(names: set[str], text: str) -> tuple[str, ...]:
    def first(name: str) -> tuple[int, str]:
        match = re.search(rf"(?<![\w.]){re.escape(name)}\b", text)
        return (match.start() if match else len(text), name)

    return tuple(sorted(names, key=first))
