"""Check that a converted project reproduces its notebook: run the original (twice, to
see what varies on its own) and the summary notebook in fresh kernels, and compare what
a reader sees, cell by cell.

This runs the notebooks' code, as running the notebooks does. Nothing here prints: the
caller gets a `Verification` and passes a `progress` callback to hear what is running.
"""

from __future__ import annotations

import base64
import difflib
import os
import re
import struct
import tempfile
import time
import weakref
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from nb2pkg.errors import CannotVerify

Progress = Callable[[str], None]
# Errors that mean the notebook cannot run here, not that it behaves differently.
ENVIRONMENT_ERRORS = frozenset({"FileNotFoundError", "ModuleNotFoundError", "ImportError"})

_MASKS = (
    (re.compile(r"0x[0-9a-fA-F]{4,}"), "0x…"),
    (re.compile(r"^(CPU times|Wall time):.*$", re.MULTILINE), "<time>"),
    (re.compile(r"^.* per loop \(mean ± std\. dev\. of .*$", re.MULTILINE), "<timeit>"),
    (re.compile(r"^The slowest run took .*$", re.MULTILINE), "<timeit>"),
    (re.compile(r"^\S+\.py:\d+: (\w+Warning): ", re.MULTILINE), r"<file>: \1: "),
    # the source line a warning echoes: black may have re-quoted or re-wrapped it
    (re.compile(r"^  \S.*$", re.MULTILINE), "  <source line>"),
    (re.compile(r"(/tmp|/var/folders)/[^\s'\"]+"), "<tmp>"),
    (re.compile(r"<ipython-input-\d+-[0-9a-f]+>"), "<cell>"),
)


@dataclass(frozen=True)
class Item:
    """One thing a reader sees: printed text, a shown value, a figure, an error."""

    kind: str  # "text", "value", "figure", "error"
    content: str


@dataclass(frozen=True)
class CellResult:
    summary_cell: int  # 1-based position in the summary notebook
    original_cells: tuple[int, ...]  # 1-based positions in the original
    status: str  # "match", "differs", "unstable"
    diff: str = ""


@dataclass(frozen=True)
class Verification:
    notebook: Path
    summary: Path
    cells: tuple[CellResult, ...]
    unstable: int
    seconds: float

    @property
    def matched(self) -> int:
        return sum(1 for c in self.cells if c.status != "differs")

    @property
    def ok(self) -> bool:
        return all(c.status != "differs" for c in self.cells)

    def closing_line(self) -> str:
        line = f"{self.matched}/{len(self.cells)} outputs match"
        if self.unstable:
            line += f" ({self.unstable} unstable in the original, ignored)"
        return line

    def as_json(self) -> dict[str, Any]:
        return {
            "notebook": str(self.notebook),
            "summary": str(self.summary),
            "matched": self.matched,
            "total": len(self.cells),
            "unstable": self.unstable,
            "seconds": round(self.seconds, 1),
            "cells": [
                {"summary_cell": c.summary_cell, "original_cells": list(c.original_cells),
                 "status": c.status, "diff": c.diff}
                for c in self.cells
            ],
        }


def find_summary(project: Path, notebook: Path) -> Path:
    folder = project / "notebooks"
    candidates = sorted(folder.glob("*.ipynb")) if folder.is_dir() else []
    for candidate in candidates:
        if candidate.name == notebook.name:
            return candidate
    if len(candidates) == 1:
        return candidates[0]
    raise CannotVerify(project, "has no summary notebook in notebooks/",
                       "convert the notebook into it first (nb2pkg NOTEBOOK --out PROJECT)")


def verify(
    notebook: Path, project: Path, kernel: str = "python3", timeout: int = 600,
    progress: Progress = lambda message: None,
) -> Verification:
    """Run both notebooks and compare them; raises `CannotVerify` when that cannot be done."""
    start = time.perf_counter()
    summary = find_summary(project, notebook)
    _check_kernel(kernel)
    progress(f"running {notebook.name} (1 of 3)")
    first = _execute(notebook, notebook.resolve().parent, None, kernel, timeout)
    _check_original(notebook, first)
    progress(f"running {notebook.name} again, to see what varies on its own (2 of 3)")
    second = _execute(notebook, notebook.resolve().parent, None, kernel, timeout)
    progress(f"running the summary notebook {summary.name} (3 of 3)")
    converted = _execute(summary, summary.resolve().parent, (project / "src").resolve(), kernel, timeout)
    cells, unstable = _compare(first, second, converted)
    return Verification(notebook, summary, tuple(cells), unstable, time.perf_counter() - start)


def _check_kernel(kernel: str) -> None:
    from jupyter_client.kernelspec import KernelSpecManager

    if kernel not in KernelSpecManager().find_kernel_specs():
        raise CannotVerify(kernel, "no such Jupyter kernel",
                           "install one (pip install ipykernel) or name another with --kernel")


def _check_original(notebook: Path, cells: list[Ran]) -> None:
    for number, ran in enumerate(cells, start=1):
        for item in ran.items:
            if item.kind == "error" and item.content.split(":")[0] in ENVIRONMENT_ERRORS:
                raise CannotVerify(notebook, f"the notebook itself fails: {item.content}",
                                   "make it run here first (a missing data file or package?)", cell=number)


@dataclass(frozen=True)
class Ran:
    """A cell after running: its id, the original cells it stands for, what it showed."""

    id: str | None
    sources: tuple[Any, ...]
    items: list[Item]


def _execute(path: Path, cwd: Path, pythonpath: Path | None, kernel: str, timeout: int) -> list[Ran]:
    """Run a notebook in a fresh kernel; what each cell showed."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = []  # nbclient skips empty cells and would leave their saved outputs
    try:
        with tempfile.TemporaryDirectory(prefix="nb2pkg-kernel-") as sockets, _pythonpath(pythonpath):
            client = NotebookClient(notebook, timeout=timeout, kernel_name=kernel, allow_errors=True,
                                    kernel_manager_class=_local_kernel_manager(sockets),
                                    resources={"metadata": {"path": str(cwd)}})
            client.execute()
    except CellTimeoutError as error:
        raise CannotVerify(path, f"a cell ran longer than {timeout} s ({str(error).splitlines()[0]})",
                           "raise --timeout") from None
    except DeadKernelError as error:
        raise CannotVerify(path, f"the kernel died ({error})", "check the notebook's memory use") from None
    return [
        Ran(cell.get("id"), tuple((cell.get("metadata", {}).get("nb2pkg") or {}).get("source_cells") or ()),
            _items(cell))
        for cell in notebook.cells
    ]


_RUNNING: "weakref.WeakSet[Any]" = weakref.WeakSet()  # kernel managers of this process


def kill_kernels() -> None:
    """Kill the kernels this process started and has not shut down yet (for a batch
    worker stopped at its time limit: kernels run in sessions of their own and would
    outlive it)."""
    import signal

    for manager in list(_RUNNING):
        provisioner = getattr(manager, "provisioner", None)
        process, group = getattr(provisioner, "process", None), getattr(provisioner, "pgid", None)
        try:
            if group and hasattr(os, "killpg"):
                os.killpg(group, signal.SIGKILL)  # the kernel and whatever it started
            elif process is not None:
                process.kill()
            if process is not None:
                process.wait(5)  # reaped: no zombie left behind
        except Exception:  # noqa: BLE001 - stopping anyway: a kernel already gone is fine
            pass


def _local_kernel_manager(folder: str) -> type:
    """Kernels talk over local sockets (IPC) in `folder`, not TCP: nothing listens on the
    network, and the kernel has nothing to warn about."""
    from jupyter_client.manager import KernelManager

    class LocalKernelManager(KernelManager):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(transport="ipc", ip=os.path.join(folder, "kernel"), **kwargs)
            _RUNNING.add(self)

    return LocalKernelManager


@contextmanager
def _pythonpath(path: Path | None) -> Iterator[None]:
    """The kernel inherits our environment: put the project's `src` first on its path."""
    if path is None:
        yield
        return
    previous = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join([str(path), *([previous] if previous else [])])
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = previous


def _items(cell: Any) -> list[Item]:
    items: list[Item] = []
    for output in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
        kind = output.get("output_type")
        if kind == "stream":
            items.append(Item("stderr" if output.get("name") == "stderr" else "text", output.get("text", "")))
        elif kind in ("execute_result", "display_data"):
            data = output.get("data", {})
            if "image/png" in data:
                items.append(Item("figure", _png_size(data["image/png"])))
            elif "text/plain" in data:
                items.append(Item("value", data["text/plain"]))
        elif kind == "error":
            items.append(Item("error", f"{output.get('ename')}: {output.get('evalue', '')}"[:200]))
    return items


def _png_size(encoded: str) -> str:
    try:
        header = base64.b64decode(encoded[:64])
        width, height = struct.unpack(">II", header[16:24])
        return f"{width}x{height}"
    except (ValueError, struct.error):
        return "figure"


def _normalise(items: list[Item]) -> list[Item]:
    """Printed text merged (stderr apart: when it shows between prints depends only on
    when each stream was flushed), and the legitimately varying parts masked."""
    errors = "".join(i.content for i in items if i.kind == "stderr")
    items = [i for i in items if i.kind != "stderr"] + ([Item("stderr", errors)] if errors else [])
    merged: list[Item] = []
    for item in items:
        content = item.content
        if item.kind == "error":
            content = content.split(":")[0]  # the error's name; messages carry paths and ids
        for pattern, replacement in _MASKS:
            content = pattern.sub(replacement, content)
        if item.kind == "text" and merged and merged[-1].kind == "text":
            merged[-1] = Item("text", merged[-1].content + content)
        elif not (item.kind == "text" and not content):
            merged.append(Item(item.kind, content))
    return merged


def _compare(first: list[Ran], second: list[Ran], converted: list[Ran]) -> tuple[list[CellResult], int]:
    """Each summary cell against the original cells it stands for (by id, else number)."""
    number_of: dict[Any, int] = {}
    for number, ran in enumerate(first, start=1):
        number_of[number] = number
        if ran.id:
            number_of[ran.id] = number
    covered: set[int] = set()
    results: list[CellResult] = []
    unstable = 0
    for position, numbers, shown in _groups(converted, number_of):
        covered.update(numbers)
        expected = _normalise([i for n in numbers for i in first[n - 1].items])
        again = _normalise([i for n in numbers for i in second[n - 1].items])
        actual = _normalise(shown)
        if not numbers:
            if any(i.kind == "error" for i in actual):  # the setup cells must run cleanly
                results.append(CellResult(position, (), "differs", _diff([], actual)))
            continue
        if not expected and not actual:
            continue
        if expected != again:
            unstable += 1
            results.append(CellResult(position, numbers, "unstable"))
        elif expected == actual:
            results.append(CellResult(position, numbers, "match"))
        else:
            results.append(CellResult(position, numbers, "differs", _diff(expected, actual)))
    for number, ran in enumerate(first, start=1):  # cells that moved must have shown nothing
        if number not in covered and _normalise(ran.items):
            results.append(CellResult(0, (number,), "differs", _diff(_normalise(ran.items), [])))
    return results, unstable


def _groups(converted: list[Ran], number_of: dict[Any, int]) -> list[tuple[int, tuple[int, ...], list[Item]]]:
    """Consecutive summary cells that stand for overlapping original cells (a cell split
    into a kept definition and a step) compare as one: (first position, cells, items)."""
    groups: list[tuple[int, tuple[int, ...], list[Item]]] = []
    for position, ran in enumerate(converted, start=1):
        numbers = tuple(number_of[s] for s in ran.sources if s in number_of)
        if groups and numbers and set(numbers) & set(groups[-1][1]):
            start, previous, items = groups[-1]
            groups[-1] = (start, tuple(sorted(set(previous) | set(numbers))), items + ran.items)
        else:
            groups.append((position, numbers, list(ran.items)))
    return groups


def _diff(expected: list[Item], actual: list[Item]) -> str:
    def lines(items: list[Item]) -> list[str]:
        return [f"[{i.kind}] {line}" for i in items for line in (i.content.splitlines() or [""])]

    diff = difflib.unified_diff(lines(expected), lines(actual), "original", "summary", lineterm="", n=1)
    return "\n".join(list(diff)[:40])
