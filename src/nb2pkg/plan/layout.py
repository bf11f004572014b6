"""Where each step and definition goes (`data`, `preprocess`, `features`, `models`,
`plots`, `utils`)

The module follows from what the code calls: loading -> data; cleaning and
transforming -> preprocess; encoders, scalers, dummies -> features; fitting,
predicting, metrics -> models; figures -> plots. A heading that says "features" puts
a step in `features`. The cell tag `nb2pkg:module=NAME` decides instead, when present;
a tagged module may have any name `nb2pkg.tags` accepts. What a step is called:
`plan.step_names`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

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


def draws(code: str) -> bool:
    """Whether code makes or changes a figure."""
    return _DRAWS.search(code) is not None


def choose_module(run: Iterable[Segment], heading: str | None) -> str:
    """The module a step belongs in."""
    segments = list(run)
    tagged = cell_tag(segments, "module")
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
    tagged = cell_tag([segment], "module")
    if tagged:
        return tagged
    code = segment.source
    for pattern, module in ((_DRAWS, "plots"), (_MODELS, "models"), (_FEATURES, "features"), (_LOADS, "data")):
        if pattern.search(code):
            return module
    return "utils"


def _heading_module(heading: str | None) -> str | None:
    if not heading:
        return None
    lowered = heading.lower()
    for stems, module in _HEADING_MODULES:
        if any(stem in lowered for stem in stems):
            return module
    return None


def cell_tag(segments: list[Segment], key: str) -> str | None:
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
