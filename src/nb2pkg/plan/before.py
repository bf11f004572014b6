"""What the segments before a point of the notebook bound, for points that only move
forward: each segment is looked at once however many steps ask. (Asking again from the
first cell for every step made the plan quadratic in the number of cells.)"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Generic, TypeVar

from nb2pkg.plan.imports import import_bindings
from nb2pkg.plan.kept import kept_imports
from nb2pkg.plan.model import Segment

Item = TypeVar("Item")


class GrowingUnion(Generic[Item]):
    """The names `pick` gives for the first `end` items of a sequence that only grows
    (or is read further each time): what was counted is not counted again."""

    def __init__(self, pick: Callable[[Item], Iterable[str]]) -> None:
        self._pick = pick
        self._upto = 0
        self.names: set[str] = set()

    def upto(self, items: Sequence[Item], end: int | None = None) -> set[str]:
        end = len(items) if end is None else end
        if end < self._upto:  # not met in a plan: counted again from the start
            self._upto, self.names = 0, set()
        for item in items[self._upto : end]:
            self.names.update(self._pick(item))
        self._upto = end
        return self.names


class Before:
    """For `position`s in increasing order, what `segments[:position]` left bound: every name
    (`bound`), the code of those that bind names dynamically (`dynamic`), and which
    imported names a later binding made values (`rebound_imports`)."""

    def __init__(self, segments: Sequence[Segment], imported: set[str]) -> None:
        self._segments = segments
        self._imported = imported
        self._start()

    def _start(self) -> None:
        self._upto = 0
        self.bound: set[str] = set()
        self._dynamic: list[str] = []
        self._latest: dict[str, str] = {}  # imported name -> role of its latest binding

    def advance(self, position: int) -> None:
        if position < self._upto:  # not met in a plan: looked at again from the start
            self._start()
        for segment in self._segments[self._upto : position]:
            # `del n` on every path unbinds it: a later read finds nothing, as in the notebook
            self.bound = (self.bound - (segment.facts.deletes - segment.partial)) | segment.facts.defines
            if segment.facts.dynamic:
                self._dynamic.append(segment.source)
            # as plan.imports.rebound_imports: a kept cell's own import lines are imports
            imports = (
                {n for node in kept_imports(segment) for n in import_bindings(node)}
                if segment.role == "kept"
                else set()
            )
            for name in segment.facts.defines & self._imported:
                self._latest[name] = "import" if name in imports else segment.role
        self._upto = position

    @property
    def dynamic(self) -> str:
        return "\n".join(self._dynamic)

    def rebound_imports(self) -> set[str]:
        """`rebound_imports(segments, position, imported)` at the current position."""
        return {name for name, role in self._latest.items() if role in ("code", "kept", "display")}
