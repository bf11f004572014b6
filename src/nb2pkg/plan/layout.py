"""Where each step and definition goes (`data`, `preprocess`, `features`, `models`,
`plots`, `utils`) and what a step is called.

The module follows from what the code calls: loading -> data; cleaning and
transforming -> preprocess; encoders, scalers, dummies -> features; fitting,
predicting, metrics -> models; figures -> plots. A heading that says "features" puts
a step in `features`. Cell tags `nb2pkg:module=NAME` and `nb2pkg:name=FUNC` decide
instead, when present; a tagged module may have any name `nb2pkg.tags` accepts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from nb2pkg.naming import identifier, words_of
from nb2pkg.plan.model import Segment
from nb2pkg.tags import module_tag

_DRAWS = re.compile(
    r"\b(plt|sns|pyplot|seaborn|px|go)\.\w+\(|\b(ax|axes|axs|fig|figure)\b[\w\[\]., ]*\.\w+\(|\.plot(\.\w+)?\(|\.hist\(|\.boxplot\("
)
_MODELS = re.compile(
    r"\.(fit|predict|predict_proba|score|partial_fit|decision_function)\(|\bcross_val\w*\(|\b\w*Search\w*CV\(|"
    r"\btrain_test_split\(|\b(mean_\w+_error|\w+_score|confusion_matrix|classification_report)\("
)
_FEATURES = re.compile(
    r"\bget_dummies\(|\w+(Encoder|Scaler|Vectorizer|Imputer|Transformer|Features|Binarizer|Discretizer)\(|"
    r"\.fit_transform\(|\bPCA\("
)
_LOADS = re.compile(
    r"\bread_\w+\(|\bopen\(|\bload\w*\(|\bloadtxt\(|\bgenfromtxt\(|\bfetch_\w+\(|\.read_text\(|\.read_bytes\("
)
_TRANSFORMS = re.compile(
    r"\.(dropna|fillna|drop|drop_duplicates|merge|join|rename|astype|replace|apply|map|groupby|pivot\w*|melt|"
    r"query|assign|sort_values|reset_index|set_index|concat|str\.\w+)\(|\bconcat\(|\]\s*="
)

_HEADING_MODULES = (
    (("plot", "chart", "visual", "figure", "graph"), "plots"),
    (("feature", "encod", "engineer"), "features"),
    (("model", "train", "fit", "predict", "evaluat", "score", "metric"), "models"),
    (("load", "read", "download", "dataset"), "data"),
    (("clean", "prepar", "preprocess", "transform", "wrangl", "filter"), "preprocess"),
)

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


def draws(code: str) -> bool:
    """Whether code makes or changes a figure."""
    return _DRAWS.search(code) is not None


def choose_module(run: Iterable[Segment], heading: str | None) -> str:
    """The module a step belongs in."""
    segments = list(run)
    tagged = _tag(segments, "module")
    if tagged:
        return tagged
    code = "".join(s.source for s in segments)
    heading_module = _heading_module(heading)
    if _DRAWS.search(code):
        return "plots"
    if _MODELS.search(code):
        return "models"
    if _FEATURES.search(code) or heading_module == "features":
        return "features"
    if _LOADS.search(code):
        return "data"
    if _TRANSFORMS.search(code) or any(s.facts.mutates for s in segments) or heading_module == "preprocess":
        return "preprocess"
    return heading_module or "utils"


def name_definition_module(segment: Segment) -> str:
    """The module a notebook function or class moves to (by purpose, else `utils`)."""
    tagged = _tag([segment], "module")
    if tagged:
        return tagged
    code = segment.source
    for pattern, module in ((_DRAWS, "plots"), (_MODELS, "models"), (_FEATURES, "features"), (_LOADS, "data")):
        if pattern.search(code):
            return module
    return "utils"


def step_name(heading: str | None, run: Iterable[Segment], returns: tuple[str, ...], module: str) -> str:
    """A verb phrase from the heading, else from what the step does and produces."""
    segments = list(run)
    tagged = _tag(segments, "name")
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


def _heading_module(heading: str | None) -> str | None:
    if not heading:
        return None
    lowered = heading.lower()
    for stems, module in _HEADING_MODULES:
        if any(stem in lowered for stem in stems):
            return module
    return None


def _tag(segments: list[Segment], key: str) -> str | None:
    """`nb2pkg:module=NAME` / `nb2pkg:name=FUNC` on any of the step's cells; module names
    are taken as they are (the analysis checked them, see `nb2pkg.tags`)."""
    if key == "module":
        return next((name for s in segments if (name := module_tag(s.cell)) is not None), None)
    prefix = f"nb2pkg:{key}="
    for segment in segments:
        for tag in segment.cell.tags:
            if tag.startswith(prefix) and tag[len(prefix) :].strip():
                return tag[len(prefix) :].strip()
    return None
