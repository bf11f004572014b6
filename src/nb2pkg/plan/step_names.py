"""What a step is called: a verb phrase from its section's heading, else from what the
code does and produces. The cell tag `nb2pkg:name=FUNC` decides instead, when present."""

from __future__ import annotations

import re
from collections.abc import Iterable

from nb2pkg.naming import identifier, words_of
from nb2pkg.plan.layout import cell_tag
from nb2pkg.plan.model import Segment

_VERBS = frozenset(
    [
        "load",
        "read",
        "clean",
        "prepare",
        "preprocess",
        "train",
        "fit",
        "evaluate",
        "plot",
        "build",
        "compute",
        "create",
        "make",
        "split",
        "explore",
        "visualize",
        "visualise",
        "merge",
        "filter",
        "select",
        "encode",
        "scale",
        "normalize",
        "normalise",
        "transform",
        "aggregate",
        "summarize",
        "summarise",
        "predict",
        "test",
        "check",
        "save",
        "write",
        "run",
        "get",
        "set",
        "define",
        "add",
        "remove",
        "drop",
        "fill",
        "calculate",
        "count",
        "compare",
        "analyze",
        "analyse",
        "inspect",
        "show",
        "describe",
        "download",
        "fetch",
        "extract",
        "parse",
        "process",
        "sort",
        "group",
        "join",
        "convert",
        "generate",
        "sample",
        "tune",
        "validate",
        "score",
        "apply",
        "update",
        "initialize",
        "setup",
        "engineer",
        "impute",
        "find",
        "measure",
        "estimate",
        "simulate",
        "draw",
        "collect",
        "format",
        "rename",
        "reshape",
        "combine",
        "tokenize",
        "label",
        "classify",
        "cluster",
    ]
)
_STOPWORDS = frozenset(
    [
        "the",
        "a",
        "an",
        "of",
        "and",
        "our",
        "to",
        "with",
        "for",
        "in",
        "on",
        "some",
        "my",
        "let",
        "lets",
        "us",
        "step",
        "part",
        "section",
        "using",
        "by",
        "from",
        "at",
        "into",
        "this",
        "that",
        "these",
        "those",
        "its",
        "it",
        "is",
        "are",
        "be",
    ]
)
_DEFAULT_VERB = {
    "data": "load",
    "preprocess": "prepare",
    "features": "build",
    "models": "train",
    "plots": "plot",
    "utils": "compute",
}


def step_name(heading: str | None, run: Iterable[Segment], returns: tuple[str, ...], module: str) -> str:
    """A verb phrase from the heading, else from what the step does and produces."""
    segments = list(run)
    tagged = cell_tag(segments, "name")
    if tagged:
        return identifier(tagged, "step")
    if heading:
        from_heading = _name_from_heading(heading, module)
        if from_heading:
            return from_heading
    return _name_from_code(segments, returns, module)


def _name_from_heading(heading: str, module: str) -> str | None:
    words = [w for w in words_of(heading) if w not in _STOPWORDS and not w.isdigit()]
    if not words or set(words) <= {
        "plot",
        "plots",
        "figure",
        "figures",
        "chart",
        "charts",
        "graph",
        "graphs",
        "visualization",
        "visualisation",
        "visualizations",
        "results",
        "result",
    }:
        return None
    for position, word in enumerate(words):
        verb = _verb(word)
        if verb:
            rest = [w for i, w in enumerate(words) if i != position] or ["data"]
            return identifier(" ".join([verb, *rest][:4]), "step")
    return identifier(" ".join([_DEFAULT_VERB.get(module, "compute"), *words][:4]), "step")


def _verb(word: str) -> str | None:
    if word in _VERBS:
        return word
    if word.endswith("ing"):
        stem = word[:-3]
        for candidate in (stem, stem + "e", stem[:-1] if len(stem) > 2 and stem[-1] == stem[-2] else stem):
            if candidate in _VERBS:
                return candidate
    if word.endswith(("ation", "ition")):  # "evaluation" -> "evaluate", "preparation" -> "prepare"
        candidate = word[:-3] + "e"
        if candidate in _VERBS:
            return candidate
    if word == "analysis":
        return "analyse"
    return None


def _name_from_code(segments: list[Segment], returns: tuple[str, ...], module: str) -> str:
    code = "".join(s.source for s in segments)
    if module == "plots":
        title = re.search(r"\b(?:title|set_title|suptitle)\(\s*[rfbu]?['\"]([^'\"]+)['\"]", code)
        if title:
            return "plot_" + identifier(" ".join(words_of(title.group(1))[:4]), "figure")
    loaded = re.search(r"^(\w+)\s*=\s*[\w.]*read_\w+\(", code, re.MULTILINE)
    if loaded:
        return identifier(f"load {loaded.group(1)}", "step")
    fitted = re.search(r"\b(\w+)\.fit\(", code)
    if fitted and module == "models":
        return identifier(f"train {fitted.group(1)}", "step")
    evaluated = re.search(r"\b(\w+)\.(?:predict|score)\w*\(", code)
    if evaluated and module == "models":
        return identifier(f"evaluate {evaluated.group(1)}", "step")
    subject = returns[0] if returns else _first_changed(segments)
    verb = _DEFAULT_VERB.get(module, "compute")  # a module a cell tag names
    return identifier(f"{verb} {subject}" if subject else f"{verb} {module}", "step")


def _first_changed(segments: list[Segment]) -> str:
    for segment in segments:
        for name in sorted(segment.facts.mutates | segment.facts.defines):
            return name
    return ""
