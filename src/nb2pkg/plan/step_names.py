"""What a step is called: a verb bound to what the code does (the table of
`plan.vocabulary`), then the main value the code produces or the object it changes.

The first step of a section takes its words from the heading when the heading is
related to the code (`vocabulary.related`) and says more than the verb: a verb of the
heading of the code's kind ("Load the data" -> `load_data`, "Cleaning" -> `clean_data`),
or words the code shares ("Survival rate" -> `compute_survival_rate`), or "data" and
"features" ("Features" -> `build_features`). Only the heading's words that name
something of the code go in ("Assign it to a variable called pokemon" ->
`create_pokemon`); a figure, fit or evaluation keeps the code's verb ("Estimating
probabilities" over a figure -> `plot_probabilities`); a heading that is only the
verb's noun ("Model", "Plots") leaves the name to the code.

The main value: for `load`, what the read is assigned to (`train_data =
pd.read_csv(...)`: `load_train_data`); for `train` and `evaluate`, the estimator the
code builds, its class name split into words without `Classifier`/`Regressor`
(`RandomForestClassifier(...)`: `train_random_forest`), else the fitted or predicting
object; for `plot`, the title, else what is plotted, else the kind of figure; otherwise
the first returned name, else the first object changed, else the last name bound, else
what it calls or reads. A one-letter name gives way to a longer one the code produces.
Never a module's name (`plot_plots`, `compute_utils`): `values` when nothing is left.

A name already taken gets the step's distinguishing words before any number: the
estimator, the title, the other names it produces, the columns it sets or reads, the
strings it passes, then what it reads and calls; `_2` comes only when none is left.
The cell tag `nb2pkg:name=FUNC` decides instead, when present."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from functools import lru_cache

from nb2pkg.naming import identifier, is_reserved, unique, words_of
from nb2pkg.plan.layout import cell_tag, draws
from nb2pkg.plan.model import Segment
from nb2pkg.plan.operations import Call, Code, read_sources, split_words
from nb2pkg.plan.step_functions import defined_only
from nb2pkg.plan.vocabulary import (
    CANONICAL,
    CODE_KINDS,
    TOPICS,
    VERB_KINDS,
    content_words,
    heading_verb,
    is_test_name,
    related,
    shares_word,
)

_METRIC = re.compile(
    r"(_score|_error|_loss)$|^(confusion_matrix|classification_report|roc_curve|auc|precision_recall_curve|"
    r"cross_val_score|cross_validate|cross_val_predict)$"
)
_ESTIMATOR = re.compile(
    r"(Classifier|Regressor|Regression|SVC|SVR|NB|KMeans|Clustering|SearchCV|Forest|Tree|Boost\w*|Model|"
    r"Perceptron|Lasso|Ridge|ElasticNet|Neighbors|LDA|QDA|Pipeline)$"
)
_PREPROCESSOR = re.compile(r"(Scaler|Encoder|Vectorizer|Imputer|Features|Transformer|Normalizer|Binarizer)$")
# (verb, last parts of calls that mean it, a pattern of last parts that means it)
_TABLE: tuple[tuple[str, frozenset[str], re.Pattern[str] | None], ...] = tuple(
    (verb, frozenset(names.split()), pattern)
    for verb, names, pattern in (
        ("evaluate", "predict predict_proba predict_log_proba decision_function score evaluate", _METRIC),
        ("train", "fit partial_fit fit_predict", None),
        ("split", "train_test_split", re.compile(r"^\w*(KFold|ShuffleSplit)$")),
        (
            "load",
            "open loadtxt genfromtxt imread read_text read_bytes",
            re.compile(r"^(read_|load(?!s$)|fetch_|textFile$)"),
        ),
        (
            "save",
            "savefig dump save savez savetxt write_text imwrite",
            re.compile(r"^to_(csv|excel|parquet|json|pickle|sql|feather|hdf)$"),
        ),
        ("list", "walk listdir scandir glob iglob iterdir", None),
        ("encode", "get_dummies factorize", re.compile(r"(Encoder|Vectorizer|Binarizer)$")),
        ("scale", "normalize", re.compile(r"(Scaler|Normalizer)$")),
        ("transform", "fit_transform PCA TSNE", None),
        ("clean", "dropna fillna drop_duplicates drop replace astype interpolate to_datetime to_numeric", None),
        ("merge", "merge join concat", None),
        ("aggregate", "groupby pivot_table pivot agg aggregate resample crosstab value_counts", None),
        ("sort", "sort_values sort_index", None),
        ("select", "query isin nlargest nsmallest sample", None),
    )
)
_CREATES = re.compile(
    r"^(Series|DataFrame|array|arange|zeros|ones|linspace|empty|full|eye|rand|randn|randint|normal|make_\w+)$"
)
_SHOWS = frozenset(["print", "display", "pprint", "help"])
_HEADING_OBJECTS = frozenset(["data", "dataset", "feature", "features"])  # "Features" -> build_features
_LOADS_INTO_DATA = frozenset(["load", "clean", "prepare", "preprocess"])  # "Cleaning" -> clean_data
_PACKAGE_MODULES = frozenset(
    [
        "data",
        "preprocess",
        "features",
        "models",
        "plots",
        "utils",
        "config",
        "pipeline",
        "loading",
        "preprocessing",
        "featurize",
        "modelling",
        "figures",
        "helpers",
        "settings",
    ]
)
_FIGURES = frozenset(["fig", "figure", "ax", "axes", "axs", "ax1", "ax2", "plt", "g", "grid"])
# What a figure of one kind is called when nothing else names it: `plot_histogram`.
_FIGURE_NOUNS = {
    "hist": "histogram",
    "histplot": "histogram",
    "scatter": "scatter",
    "scatterplot": "scatter",
    "bar": "bars",
    "barh": "bars",
    "barplot": "bars",
    "countplot": "counts",
    "boxplot": "boxes",
    "heatmap": "heatmap",
    "imshow": "image",
    "pie": "pie",
    "plot": "lines",
    "lineplot": "lines",
}
# Calls that frame a figure rather than say what it shows.
_FRAMING = frozenset(
    [
        "gca",
        "gcf",
        "figure",
        "subplots",
        "subplot",
        "show",
        "tight_layout",
        "xlabel",
        "ylabel",
        "legend",
        "grid",
        "axis",
    ]
)
_STYLES = dict.fromkeys(["rc", "use", "set_style", "set_theme", "set_context", "rcParams"], "style")
_MAX_WORDS = 5


def step_name(
    heading: str | None,
    run: Iterable[Segment],
    returns: tuple[str, ...],
    taken: Collection[str] = frozenset(),
    imported: Collection[str] = frozenset(),
) -> str:
    """The step's name, unique among `taken` (see the module docstring)."""
    segments = list(run)
    tagged = cell_tag(segments, "name")
    if tagged:
        return unique(identifier(tagged, "step"), taken)
    defined = defined_only(segments)  # `def animate(i): ...` defined in its step
    if defined:
        return unique(identifier(f"define_{defined[0]}", "step"), set(taken) | _PACKAGE_MODULES)
    code, verbs = read_step(segments, frozenset(imported))
    name = (_from_heading(heading, code, verbs, returns, segments) if heading else None) or _from_code(
        code, verbs, returns, segments
    )
    blocked = set(taken) | _PACKAGE_MODULES
    if name not in blocked:
        return name
    for words in _distinguishing(code, verbs, returns, segments):
        longer = "_".join([name, *[w for w in words if w not in name.split("_")][:2]])
        if longer != name and longer not in blocked and longer.isidentifier():
            return longer
    return unique(name, blocked)


def read_step(segments: list[Segment], imported: frozenset[str]) -> tuple[Code, tuple[str, ...]]:
    """`read_code` of a step's segments and the verbs of what it does (`_verbs`). Its name and then its docstring
    ask for both, and both depend on the segments' sources alone: they are read once."""
    return _read_step(tuple(segment.source for segment in segments), imported)


@lru_cache(maxsize=16)  # the step being named and documented, and a few before it
def _read_step(sources: tuple[str, ...], imported: frozenset[str]) -> tuple[Code, tuple[str, ...]]:
    code = read_sources(sources, imported)
    return code, _verbs(code, "".join(sources))


def _verbs(code: Code, source: str) -> tuple[str, ...]:
    """Every verb of the table the code's operations match, in the table's order; the
    first is the step's verb. Never empty: `compute` when nothing matched."""
    found: list[str] = []
    if draws(source):
        found.append("plot")
    attrs = [c.attr for c in code.calls]
    for verb, _, _ in _TABLE:
        if any(_matches(c, verb, code) for c in code.calls):
            found.append(verb)
    if code.asserted:
        found.append("check")
    if any(_CREATES.match(a) for a in attrs):
        found.append("create")
    if code.columns or set(code.changed) - set(code.bound):  # columns, or an object from outside: filling
        # a list the step builds itself is computing
        found.append("prepare")
    if not code.bound and set(attrs) & _SHOWS:
        found.append("report")
    return tuple(dict.fromkeys(found)) or ("compute",)


def kinds_of(verbs: Iterable[str]) -> frozenset[str]:
    """The kinds (`vocabulary.VERB_KINDS`) of what the code does: "compute" for any code
    that is not a figure, a fit, a read, ...; "transform" only when an operation of the
    table changes or builds data (a heading "Cleaning" never names `xs = [1, 2]`)."""
    kinds = {CODE_KINDS.get(v) or ("compute" if v in ("compute", "report") else "transform") for v in verbs}
    return frozenset(kinds | ({"compute"} if kinds & {"transform", "compute"} else set()))


def _from_heading(
    heading: str, code: Code, verbs: tuple[str, ...], returns: tuple[str, ...], segments: list[Segment]
) -> str | None:
    if not related(heading, code.words, kinds_of(verbs)):
        return None
    words = content_words(heading)
    kinds = kinds_of(verbs)
    said = [v for w in words if (v := heading_verb(w)) and VERB_KINDS[v] in kinds]
    # the heading's other words that name something of the code ("Load the data": data)
    rest = [w for w in words if heading_verb(w) is None and (w in TOPICS or shares_word([w], code.words))]
    if not said and not shares_word(words, code.words) and not set(rest) & _HEADING_OBJECTS:
        return None  # "Model" over a fit, "Plots" over a figure: the code's own name says more
    primary = verbs[0]
    verb = CANONICAL.get(said[0], said[0]) if said else ("build" if {"feature", "features"} & set(rest) else primary)
    if primary in CODE_KINDS and _kind(verb) != CODE_KINDS[primary]:
        verb = primary  # "Estimating probabilities" over a figure: plot_probabilities
    # "Plots", "Model": the verb says it; "data" says something only of loading and cleaning
    rest = [w for w in rest if _topic(w) != _topic_of_kind(_kind(verb)) or w in _HEADING_OBJECTS]
    rest = [w for w in rest if w not in ("data", "dataset") or verb in _LOADS_INTO_DATA]
    verb = _safe_verb(verb, verbs)
    if not rest:
        subjects = [s for s in _subjects(code, verbs, returns, segments) if split_words(s) != [verb]]
        rest = ["data"] if verb in _LOADS_INTO_DATA else subjects[:1]
    return _name([verb, *rest[:3]])


def _topic(word: str) -> str | None:
    return _topic_of_kind(TOPICS[word]) if word in TOPICS else None


def _topic_of_kind(kind: str) -> str:
    return "models" if kind in ("train", "evaluate") else kind  # "Model" says train and evaluate alike


def _kind(verb: str) -> str:
    return CODE_KINDS.get(verb, VERB_KINDS.get(verb, "transform"))


def _safe_verb(verb: str, verbs: tuple[str, ...]) -> str:
    """`test` -> `evaluate` when the code evaluates, else `check`: pytest collects `test_*`."""
    if verb != "test":
        return verb
    return "evaluate" if "evaluate" in verbs else "check"


def _from_code(code: Code, verbs: tuple[str, ...], returns: tuple[str, ...], segments: list[Segment]) -> str:
    subjects = [s for s in _subjects(code, verbs, returns, segments) if split_words(s) != [verbs[0]]]
    return _name([verbs[0], *(subjects[:1] or ["values"])])


def _name(words: list[str]) -> str:
    """The identifier of `words` (each a name or text), at most five words; never `test_*`."""
    parts = [w for word in words for w in split_words(word)]
    if len(parts) > 1 and parts[1] == parts[0]:
        del parts[1]  # plot + plot_model: plot_model
    name = identifier(" ".join(parts[:_MAX_WORDS]), "step")
    if is_test_name(name):
        name = "check_" + name
    return name + "_" if is_reserved(name) else name


def _subjects(code: Code, verbs: tuple[str, ...], returns: tuple[str, ...], segments: list[Segment]) -> list[str]:
    """The candidates for the main value, best first (see the module docstring)."""
    verb = verbs[0]
    found: list[str] = []
    if verb == "plot":
        found += _title_words(code) + _plotted(code)
    elif verb in ("train", "evaluate"):
        found += _estimators(code) + _models(code, verb)
        if verb == "evaluate":
            found += [_metric_words(c.attr) for c in code.calls if _METRIC.search(c.attr)]
    elif verb == "load":
        found += [t for c in code.calls if _matches(c, "load", code) for t in c.target]
    elif verb == "list":
        found.append("files")
    elif verb == "check":
        found += [a for a in code.asserted if a.split(".")[0] not in code.imported or "." in a]
    elif verb == "save":
        found += [c.receiver or next(iter(c.args), "") for c in code.calls if _matches(c, "save", code)]
    elif verb == "split":
        found += [a for c in code.calls if _matches(c, "split", code) for a in c.args if len(a) > 1] + ["data"]
    found += [n for n in code.bound if n in returns]
    found += list(code.changed)
    found += list(reversed(code.bound))
    found += [_noun(c.attr) for c in code.calls if _CREATES.match(c.attr)]
    # what it uses, when it produces nothing with a name
    used = [c.func for c in code.calls if c.func and not c.receiver and not is_reserved(c.func)]
    used += [r for r in code.reads if not is_reserved(r)]
    if verb == "plot":
        used += [_FIGURE_NOUNS[c.attr] for c in code.calls if c.attr in _FIGURE_NOUNS]
    used += [_STYLES.get(c.attr, c.attr) for c in code.calls if c.attr and c.attr not in _SHOWS | _FRAMING]
    skip = code.imported | (_FIGURES if verb == "plot" else frozenset())
    ordered = [f for f in dict.fromkeys(found + used) if f and f not in skip and not f.startswith("_")]
    if verb == "plot":  # `data_ax`, `fig2`: the canvas, not what it shows
        ordered = [f for f in ordered if not re.search(r"(^|_)(ax|axes|axs|fig|figure)\d*$", f)]
    produced = set(found)
    # a one-letter name gives way to a longer name the code produces, then to what it uses
    return sorted(ordered, key=lambda f: _rank(f, produced))  # stable: code order within a rank


def _rank(name: str, produced: set[str]) -> int:
    short = len(name.replace("_", "")) < 2
    if name in produced:
        return 1 if short else 0
    return 3 if short else 2


def _noun(constructor: str) -> str:
    """What a constructor makes: `pd.Series` -> series, `np.arange` -> array, `make_moons` -> moons."""
    if constructor.startswith("make_"):
        return constructor[len("make_") :]
    return {"Series": "series", "DataFrame": "frame"}.get(constructor, "array")


def call_verb(call: Call, code: Code) -> str | None:
    """The verb of the table's first row `call` matches, or None."""
    return next((verb for verb, _, _ in _TABLE if _matches(call, verb, code)), None)


def _matches(call: Call, verb: str, code: Code) -> bool:
    if call.attr == "join" and (not call.receiver or call.receiver in code.imported):
        return False  # `os.path.join(...)`, `", ".join(...)`: not a merge of tables
    for candidate, names, pattern in _TABLE:
        if candidate == verb:
            return call.attr in names or (pattern is not None and pattern.search(call.attr) is not None)
    return False


def _estimators(code: Code) -> list[str]:
    """The estimators the code builds, model-like class names first, as words."""
    fitted = {c.receiver for c in code.calls if c.attr in ("fit", "predict", "score", "predict_proba")}
    built = [c for c in code.calls if c.attr[:1].isupper() and any(ch.islower() for ch in c.attr)]
    model_like = [c for c in built if _ESTIMATOR.search(c.attr)]
    model_like += [c for c in built if set(c.target) & fitted and not _PREPROCESSOR.search(c.attr)]
    return [_estimator_words(c.attr) for c in model_like]


def _estimator_words(cls: str) -> str:
    words = split_words(cls)
    while len(words) > 1 and words[-1] in ("classifier", "regressor", "cv", "estimator"):
        words.pop()
    return "_".join(words)


def _models(code: Code, verb: str) -> list[str]:
    attrs = ("fit", "partial_fit") if verb == "train" else ("predict", "predict_proba", "score", "decision_function")
    return [c.receiver for c in code.called(*attrs) if c.receiver and c.receiver not in code.imported]


def _metric_words(attr: str) -> str:
    words = split_words(attr)
    return "_".join(words[:-1] if len(words) > 1 and words[-1] == "score" else words)


def _title_words(code: Code) -> list[str]:
    titles = [s for c in code.calls if c.attr in ("title", "set_title", "suptitle") for s in c.strings[:1]]
    titles += [v.strip("'\"") for c in code.calls for k, v in c.keywords if k == "title" and v[:1] in "'\""]
    return [" ".join(w for w in split_words(t)[:4]) for t in titles if split_words(t)]


def _plotted(code: Code) -> list[str]:
    """What a figure shows: the object plotted (`df.plot(...)`, `data=df`), else its arguments."""
    figures = _FIGURES
    found: list[str] = []
    for call in code.calls:
        plotted = call.attr in ("plot", "hist", "boxplot", "scatter", "bar", "barh") and call.receiver
        if plotted and call.receiver not in figures and call.receiver not in code.imported:
            found.append(call.receiver)
        found += [v for k, v in call.keywords if k == "data" and v.isidentifier()]
    displays = [  # `ConfusionMatrixDisplay.from_predictions(...)`: a confusion matrix
        "_".join(words_of(call.receiver.removesuffix("Display")))
        for call in code.calls
        if call.receiver.endswith("Display") and call.receiver in code.imported and call.receiver != "Display"
    ]
    for call in code.calls:
        if call.receiver in code.imported or call.receiver in figures:
            found += [a for a in call.args if a.split(".")[0] not in code.imported | figures]
    return displays + found


def _distinguishing(
    code: Code, verbs: tuple[str, ...], returns: tuple[str, ...], segments: list[Segment]
) -> Iterable[list[str]]:
    """Word groups that tell this step from another of the same name, best first."""
    subjects = _subjects(code, verbs, returns, segments)
    made = [n for n in subjects if n in code.bound or n in returns]
    groups = [*_estimators(code), *_title_words(code), *made, *code.columns, *code.keys]
    groups += [s for c in code.calls for s in c.strings if 0 < len(split_words(s)) <= 3]
    groups += [*subjects, *(c.attr for c in code.calls if c.attr and c.attr not in _SHOWS)]
    groups += [k for c in code.calls for k, _ in c.keywords]
    for group in dict.fromkeys(groups):
        words = split_words(group)
        if words and not all(w.isdigit() for w in words):
            yield words
