"""The differential check: convert a notebook, run the original and the summary notebook
(with the package) in fresh IPython shells, and compare what each original cell showed
with what the summary cells that stand for it show. Also run `python -m PACKAGE` when
the original ran without an error.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from support.shell_runner import CellRun, Event, ShellServer


@dataclass(frozen=True)
class Verdict:
    """`ok`, or the first difference found, as one line (`kind: detail`)."""

    problem: str = ""
    detail: str = ""
    original_failed: bool = False  # the original itself raised (compared up to there)

    @property
    def ok(self) -> bool:
        return not self.problem

    @property
    def refused(self) -> bool:
        """`python -m` said it cannot do what the notebook did (a kept cell binds what the
        steps need) instead of printing something else: honest, counted apart."""
        return self.problem == "python -m fails" and "run the summary notebook" in self.detail.lower()


def _code_cells(notebook: dict) -> list[tuple[str, str, list]]:
    """(id, source, source_cells) of each code cell."""
    found = []
    for cell in notebook["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        meta = (cell.get("metadata") or {}).get("nb2pkg") or {}
        found.append((cell.get("id") or "", source, list(meta.get("source_cells") or [])))
    return found


def _groups(original_ids: list[str], summary: list[tuple[str, str, list]]) -> list[tuple[list[int], list[int]]]:
    """Original and summary cells joined through `source_cells` (a cell split into
    several summary cells, or several cells merged into one, is one group)."""
    parent = {f"o{i}": f"o{i}" for i in range(len(original_ids))} | {f"s{j}": f"s{j}" for j in range(len(summary))}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    position = {cell_id: i for i, cell_id in enumerate(original_ids)}
    for j, (_, _, sources) in enumerate(summary):
        for source in sources:
            i = position.get(source) if isinstance(source, str) else (source - 1 if isinstance(source, int) else None)
            if i is not None and i in range(len(original_ids)):
                parent[find(f"s{j}")] = find(f"o{i}")
    groups: dict[str, tuple[list[int], list[int]]] = {}
    for key in parent:
        root = find(key)
        entry = groups.setdefault(root, ([], []))
        (entry[0] if key[0] == "o" else entry[1]).append(int(key[1:]))
    return [(sorted(o), sorted(s)) for o, s in groups.values()]


def _merged(runs: list[CellRun]) -> tuple[Event, ...]:
    events: list[Event] = []
    for run in runs:
        for kind, text in run.events:
            if kind == "out" and not text:
                continue
            if events and kind == "out" and events[-1][0] == "out":
                events[-1] = ("out", events[-1][1] + text)
            else:
                events.append((kind, text))
    return tuple(events)


def _first_error(events: tuple[Event, ...]) -> tuple[Event, ...]:
    """What was shown up to and including the first error."""
    for position, (kind, _) in enumerate(events):
        if kind == "error":
            return events[: position + 1]
    return events


def _kept_reasons(summary: dict, error: str) -> str:
    """Why the cells that bind the names `python -m` says it needs stay in the notebook."""
    match = re.search(r"the steps need (.+)$", error)
    if not match:
        return ""
    reasons = []
    for name in match.group(1).split(", "):
        for cell in summary["cells"]:
            reason = ((cell.get("metadata") or {}).get("nb2pkg") or {}).get("kept")
            source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
            if reason and re.search(rf"(^|\s)(def |for |class )?{re.escape(name)}\b", source, re.MULTILINE):
                reasons.append(f"`{name}`: {reason}")
                break
    return " (kept: " + "; ".join(reasons) + ")" if reasons else ""


def compare(notebook_path: Path, out: Path, server: ShellServer, package: str) -> Verdict:
    """Run both notebooks and compare them group by group (see `_groups`)."""
    original = json.loads(notebook_path.read_text(encoding="utf-8"))
    summary = json.loads((out / "notebooks" / notebook_path.name).read_text(encoding="utf-8"))
    ocells = _code_cells(original)
    scells = _code_cells(summary)
    oruns = server.run_cells([source for _, source, _ in ocells], notebook_path.parent)
    sruns = server.run_cells([source for _, source, _ in scells], notebook_path.parent, (str(out / "src"),))
    for oi, sj in sorted(_groups([cell_id for cell_id, _, _ in ocells], scells), key=lambda g: (g[0] or [999], g[1])):
        want = _merged([oruns[i] for i in oi])
        got = _merged([sruns[j] for j in sj])
        failed = any(k == "error" for k, _ in want)
        if want != got and not (failed and _first_error(want) == _first_error(got)):
            where = f"original cells {[i + 1 for i in oi]}, summary cells {[j + 1 for j in sj]}"
            kind = "error in summary" if any(k == "error" for k, _ in got) and not failed else "outputs differ"
            return Verdict(kind, f"{where}: original {list(want)!r} summary {list(got)!r}", failed)
        if failed:  # as "run all" does, nothing after the first error counts
            return Verdict(original_failed=True)
    if not any(k == "error" for run in oruns for k, _ in run.events):
        ran = server.run_module(package, notebook_path.parent, (str(out / "src"),))
        if not ran.ok:
            return Verdict("python -m fails", ran.error + _kept_reasons(summary, ran.error))
    return Verdict()


def check(notebook_path: Path, work: Path, server: ShellServer) -> Verdict:
    """Convert `notebook_path` into `work/project` and compare (conversion errors too)."""
    from nb2pkg import api
    from nb2pkg.errors import InputError

    out = work / "project"
    shutil.rmtree(out, ignore_errors=True)
    package = "fuzzed"
    try:
        api.convert(notebook_path, out=out, name=package, force=True)
    except InputError as error:
        return Verdict("input error", str(error))
    except Exception as error:  # a crash of nb2pkg is a finding, whatever it is
        return Verdict("convert crashes", f"{type(error).__name__}: {error}")
    return compare(notebook_path, out, server, package)


_COLLISIONS = "a notebook name the generated code also uses [name collisions]"

# Failure classes, in the order they are tried on a shrunk notebook: the first whose
# pattern the notebook's code matches names the class.
CLASSES: tuple[tuple[str, str], ...] = (
    ("namespace as a value (exec/eval/globals/locals)", r"\b(exec|eval|globals|locals)\("),
    ("IPython names and __name__", r"(?<![\w.])(_|In|Out|__name__)(?!\w)"),
    (_COLLISIONS, r"^(NOTEBOOK_DIR|config|run|warnings) = |\A(?![\s\S]*import os)[\s\S]*^os = "),
    ("shadowed builtins and module names", r"^(type|sum|list|dict|max|id|vars|print|os) \s*=|^sum \+="),
    ("code at import (decorators, class bodies, defaults, f-strings)", r"^@|^class |=len\(|' f'"),
    ("late binding (lambda, closure, generator)", r"lambda|\(v \+ \w+ for v in"),
    ("names bound in loops/if/try/del", r"^(for|while|if|try)\b|^del "),
    ("trailing ; and lone ;", r";\s*$"),
)


def classify(cells: list[tuple[str, str]], verdict: Verdict) -> str:
    """The failure class of a (shrunk) failing notebook, by what its code contains."""
    code = "\n".join(source for kind, source in cells if kind == "code")
    if verdict.refused:
        return "python -m refuses: a kept cell binds what the steps need, " + _kept_class(verdict.detail)
    if verdict.detail.startswith("original cells [], summary cells [2]:"):
        return _COLLISIONS  # the summary's import cell itself failed
    if "UnboundLocalError" in verdict.detail and re.search(r"^(if|for|while|try)\b|^del |maybe", code, re.MULTILINE):
        return "names bound in loops/if/try/del"
    for name, pattern in CLASSES:
        if re.search(pattern, code, re.MULTILINE):
            return name
    return f"other: {verdict.problem}"


# Why a cell stays in the notebook (its `kept` reason) -> the rule that kept it.
_KEPT_CLASSES = (
    ("only on some paths", "bound on some paths only"),
    ("lambda or generator", "late binding (summary faithful)"),
    ("closure or generator", "late binding: closure factory kept (summary faithful)"),
    ("dynamically", "namespace as a value (summary faithful)"),
    ("only the notebook has", "IPython names (summary faithful)"),
    ("definition does work", "code at import (summary faithful)"),
    ("builtin", "shadowed builtin read then rebound (summary faithful)"),
    ("a function that stays in the notebook", "calls a kept function after binding what it reads"),
    ("used other than by direct calls", "a function reading notebook variables, not only called directly"),
)


def _kept_class(detail: str) -> str:
    for words, name in _KEPT_CLASSES:
        if words in detail:
            return name
    return "other kept cell"
