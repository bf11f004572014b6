"""A step's docstring: one sentence of what the code does, built from its calls and
assignments ("Read train.csv into train_data.", "Fit a RandomForestClassifier on X and
y."); then the first sentence of its section's text, for the first step of a section,
when that sentence describes this code (the rule headings follow, `plan.vocabulary`);
then `Args:` when the step takes more than one value and `Returns:` when it returns
more than one, a line per name saying where it comes from."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from pathlib import PurePosixPath

from nb2pkg.naming import is_reserved, words_of
from nb2pkg.notebook import HEADING
from nb2pkg.plan.model import Segment, Step
from nb2pkg.plan.operations import Call, Code, read_code
from nb2pkg.plan.step_functions import defined_only
from nb2pkg.plan.step_names import call_verb, read_step
from nb2pkg.plan.vocabulary import content_words, shares_word

_MAX_CLAUSES = 3
_KINDS = {
    "scatter": "a scatter plot",
    "scatterplot": "a scatter plot",
    "plot": "a line plot",
    "lineplot": "a line plot",
    "hist": "a histogram",
    "histplot": "a histogram",
    "distplot": "a histogram",
    "bar": "a bar chart",
    "barh": "a bar chart",
    "barplot": "a bar chart",
    "countplot": "a bar chart of counts",
    "boxplot": "a box plot",
    "violinplot": "a violin plot",
    "heatmap": "a heatmap",
    "imshow": "an image",
    "pie": "a pie chart",
    "kdeplot": "a density plot",
    "pairplot": "a pair plot",
    "regplot": "a regression plot",
    "lmplot": "a regression plot",
    "contour": "a contour plot",
    "contourf": "a contour plot",
}
_CLEANS = {
    "dropna": "drop missing values",
    "fillna": "fill missing values",
    "drop_duplicates": "drop duplicate rows",
    "drop": "drop rows or columns",
    "replace": "replace values",
    "astype": "convert types",
    "interpolate": "interpolate missing values",
    "to_datetime": "parse dates",
    "to_numeric": "convert values to numbers",
}
_RETURNS = "Returns:"
_BACKWARDS = frozenset(["above", "before", "previous", "previously", "earlier", "again"])
_METRICS = re.compile(r"(?<!cross_val)(_score|_error|_loss)$|^(confusion_matrix|classification_report)$")
_READS = re.compile(r"(read_|load(?!s$)|fetch_)|(open|loadtxt|genfromtxt|textFile)$")
_WRITES = re.compile(r"to_(csv|excel|parquet|json|pickle|sql|feather|hdf)$|savefig$|dump$|save")


def step_doc(
    heading: str | None,
    section: str,
    run: Iterable[Segment],
    params: tuple[str, ...],
    returns: tuple[str, ...],
    sources: Mapping[str, str],
    imported: frozenset[str] = frozenset(),
) -> str:
    """The docstring (see the module docstring). `heading` is None for a later step of a
    section; `sources` says where each parameter comes from ("returned by `load_data`")."""
    segments = list(run)
    code, verbs = read_step(segments, imported)
    defined = defined_only(segments)
    listed = ", ".join(f"`{name}`" for name in defined)
    parts = [f"Define {listed}, which reads its values when called." if defined else what_it_does(code, verbs, returns)]
    if heading:
        body = HEADING.sub("", section, count=1).strip()
        first = _sentence(body.split("\n\n")[0]) if body else ""
        if first and _describes(first, code):
            parts.append(first)
    if len(params) > 1:
        parts.append("Args:\n" + "\n".join(f"    {n}: {sources.get(n) or 'a value of the notebook'}." for n in params))
    if len(returns) > 1:
        parts.append(_returns_section(code, returns))
    return "\n\n".join(parts)


def _describes(sentence: str, code: Code) -> bool:
    """Whether a sentence of the section is about this code: it shares a content word
    with it (verbs alone are too common in prose) and does not point back at earlier
    code ("The code above ...", "As before, ...")."""
    words = content_words(sentence)
    if _BACKWARDS & set(words_of(sentence)):
        return False
    return shares_word(words, code.words)


def document_returns(step: Step) -> Step:
    """`step` with the `Returns:` section of its docstring for its returns as they are now
    (the renderer returns more names than the plan did: the values nothing reads)."""
    doc = step.doc.split("\n\n" + _RETURNS)[0]
    if len(step.returns) > 1:
        doc += "\n\n" + _returns_section(read_code(step.segments), step.returns, step.initialised)
    return replace(step, doc=doc)


def _returns_section(code: Code, returns: tuple[str, ...], initialised: tuple[str, ...] = ()) -> str:
    lines = [
        f"    {n}: {_returned(n, code)}{' (None where no path binds it)' if n in initialised else ''}." for n in returns
    ]
    return _RETURNS + "\n" + "\n".join(lines)


def _returned(name: str, code: Code) -> str:
    if name not in code.bound:
        return "the value of the code's last expression, which the notebook showed"
    if name in code.rebound:
        return "bound in more than one place by this code"
    if name in code.changed:
        return f"{code.origin(name) or 'bound here'}, then changed in place"
    return code.origin(name) or "bound by this code"


def what_it_does(code: Code, verbs: tuple[str, ...], returns: tuple[str, ...]) -> str:
    """One sentence from the code's operations, in the order the code makes them, at most
    three clauses; what it binds or calls when no operation of the table matched."""
    first: dict[str, int] = {}
    for index, call in enumerate(code.calls):
        verb = "plot" if call.attr in _KINDS or call.receiver in ("plt", "sns") else call_verb(call, code)
        if verb is not None:
            first.setdefault(verb, index)
    first.setdefault("prepare", code.first_change)
    ordered = sorted(verbs, key=lambda v: first.get(v, len(code.calls)))
    if verbs[0] == "plot":  # the figure is the point: what else it does only when it fits, reads, ...
        ordered = ["plot", *(v for v in ordered if v in ("train", "evaluate", "load", "save", "split"))]
    clauses = [c for verb in ordered for c in _clauses(verb, code, returns)]
    if not clauses:
        clauses = _fallback(code, returns)
    clauses = list(dict.fromkeys(c for c in clauses if c))[:_MAX_CLAUSES] or ["run the code of the cell"]
    sentence = _listed(clauses)
    return sentence[:1].upper() + sentence[1:] + "."


def _fallback(code: Code, returns: tuple[str, ...]) -> list[str]:
    bound = [n for n in code.bound if n in returns] or [n for n in code.bound if len(n) > 1][-3:]
    clauses = [f"compute {_listed(bound[:3])}"] if bound else []
    printed = _printed(code)
    if printed and printed != "print text":
        clauses.append(printed)
    if not clauses:
        called = [c.func for c in code.calls if c.func and c.attr not in ("print", "display")]
        clauses += [f"call {_listed(list(dict.fromkeys(called))[:3])}"] if called else []
    return clauses


def _clauses(verb: str, code: Code, returns: tuple[str, ...]) -> list[str]:
    describe = _DESCRIBE.get(verb)
    return describe(code, returns) if describe else []


def _plot(code: Code, returns: tuple[str, ...]) -> list[str]:
    kinds = list(dict.fromkeys(_plot_kind(c) for c in code.calls if c.attr in _KINDS))
    titles = [s for c in code.called("title", "set_title", "suptitle") for s in c.strings[:1]]
    title = f" titled '{_short(titles[0])}'" if titles else ""
    if not kinds and not title and code.called("rc", "use", "set_style", "set_theme", "set_context"):
        return ["set the style of figures"]
    return [f"draw {_listed(kinds[:2]) if kinds else 'a figure'}{title}"]


def _evaluate(code: Code, returns: tuple[str, ...]) -> list[str]:
    found = [f"predict with {c.receiver} on {_args(c)}" for c in code.called("predict", "predict_proba") if c.args]
    found += [
        f"cross-validate {c.args[0]}" + (f" on {_listed(list(c.args[1:3]))}" if len(c.args) > 1 else "")
        for c in code.called("cross_val_score", "cross_validate", "cross_val_predict")
        if c.args
    ][:1]
    metrics = [c.attr for c in code.calls if _METRICS.search(c.attr)]
    if metrics:
        found.append(f"compute {_listed(list(dict.fromkeys(metrics))[:3])}")
    return found[:2] or ["evaluate a model"]


def _encode(code: Code, returns: tuple[str, ...]) -> list[str]:
    return [
        f"one-hot encode {_args(c)}" if c.attr == "get_dummies" else f"encode with {c.attr}"
        for c in code.calls
        if c.attr == "get_dummies" or re.search(r"(Encoder|Vectorizer|Binarizer)$", c.attr)
    ][:1]


def _owned(code: Code, verb: str, attrs: tuple[str, ...], alone: str) -> list[str]:
    """`verb receiver` for the first call of `attrs` ("sort df"), `alone` without one."""
    return [
        f"{verb} {c.receiver}" if c.receiver and c.receiver not in code.imported else alone for c in code.called(*attrs)
    ][:1]


def _create(code: Code, returns: tuple[str, ...]) -> list[str]:
    made = [n for n in code.bound if n in returns] or list(code.bound[:2])
    return [f"build {_listed(made[:3])}"] if made else []


def _prepare(code: Code, returns: tuple[str, ...]) -> list[str]:
    columns = list(code.columns[:3])
    if columns:
        return [f"set the column{'s' if len(columns) > 1 else ''} {_listed(columns)}"]
    return [f"change {_listed(list(code.changed[:3]))} in place"]


def _report(code: Code, returns: tuple[str, ...]) -> list[str]:
    return [_printed(code) or "print text"]


def _printed(code: Code) -> str:
    """What the code prints, as a clause: "print total", "print what f returns", ""."""
    shows = code.called("print", "display")
    printed = list(dict.fromkeys(a for c in shows for a in c.args))
    if printed:
        return f"print {_listed(printed[:3])}"
    inner = list(dict.fromkeys(f for c in shows for f in c.inner))
    if inner:
        return f"print what {_listed(inner[:2])} return{'s' if len(inner) == 1 else ''}"
    if shows:
        read = [r for r in code.reads if r not in code.imported and not is_reserved(r) and r != "display"]
        return f"print values computed from {_listed(list(dict.fromkeys(read))[:2])}" if read else "print text"
    return ""


_Describe = Callable[[Code, tuple[str, ...]], list[str]]
_DESCRIBE: dict[str, _Describe] = {
    "plot": _plot,
    "train": lambda code, _: [_fit(c, code) for c in code.called("fit", "partial_fit")][:1],
    "evaluate": _evaluate,
    "split": lambda code, _: [
        f"split {_args(c)} into training and test sets" for c in code.called("train_test_split") if c.args
    ][:1],
    "load": lambda code, _: [_read(c) for c in code.calls if _READS.match(c.attr)][:2],
    "save": lambda code, _: [f"write {c.receiver or _args(c)}{_to(c)}" for c in code.calls if _WRITES.match(c.attr)][
        :1
    ],
    "list": lambda code, _: [
        "list the files" + (f" under {_short(c.strings[0])}" if c.strings else "")
        for c in code.called("walk", "listdir", "scandir", "glob", "iglob", "iterdir")
    ][:1],
    "encode": _encode,
    "scale": lambda code, _: (
        [f"scale with {c.attr}" for c in code.calls if re.search(r"(Scaler|Normalizer)$", c.attr)][:1]
        or ["scale values"]
    ),
    "clean": lambda code, _: list(dict.fromkeys(_CLEANS[c.attr] + _of(c, code) for c in code.called(*_CLEANS)))[:2],
    "merge": lambda code, _: [
        f"{'concatenate' if c.attr == 'concat' else 'merge'} {_merged(c, code)}"
        for c in code.called("merge", "join", "concat")
    ][:1],
    "aggregate": lambda code, _: [
        _aggregate(c, code) for c in code.called("groupby", "pivot_table", "value_counts", "resample", "crosstab")
    ][:1],
    "sort": lambda code, _: _owned(code, "sort", ("sort_values", "sort_index"), "sort the values"),
    "select": lambda code, _: _owned(
        code, "select rows of", ("query", "isin", "nlargest", "nsmallest", "sample"), "select rows"
    ),
    "check": lambda code, _: [f"check {code.asserted[0]}"] if code.asserted else [],
    "create": _create,
    "prepare": _prepare,
    "report": _report,
}


def _plot_kind(call: Call) -> str:
    kind = dict(call.keywords).get("kind", "").strip("'\"") if call.attr == "plot" else ""
    return _KINDS.get(kind, f"a {kind} plot") if kind else _KINDS[call.attr]


def _fit(call: Call, code: Code) -> str:
    built = next((c.attr for c in code.calls if call.receiver in c.target and c.attr[:1].isupper()), "")
    what = f"{_article(built)} {built}" if built else call.receiver or "the model"
    return f"fit {what} on {_args(call)}" if call.args else f"fit {what}"


def _article(word: str) -> str:
    """ "an" before a vowel sound: an SVC, an OrdinalEncoder, a RandomForestClassifier."""
    spelled = word[:2].isupper() and word[:1] in "AEFHILMNORSX"
    return "an" if word[:1].lower() in "aeiou" or spelled else "a"


def _read(call: Call) -> str:
    if not call.strings and not call.args:
        return f"load {_listed(list(call.target[:2])) or 'the data'} with {call.func}()"
    source = PurePosixPath(call.strings[0]).name if call.strings else _args(call, 1)
    into = f" into {_listed(list(call.target[:2]))}" if call.target else ""
    return f"read {_short(source) or 'the data'}{into}"


def _to(call: Call) -> str:
    return f" to {_short(PurePosixPath(call.strings[0]).name)}" if call.strings else ""


def _of(call: Call, code: Code) -> str:
    return f" in {call.receiver}" if call.receiver and call.receiver not in code.imported else ""


def _merged(call: Call, code: Code) -> str:
    own = call.receiver and call.attr != "concat" and call.receiver not in code.imported
    sides = [v for k, v in call.keywords if k in ("left", "right") and v.isidentifier()]
    names = ([call.receiver] if own else []) + list(call.args[:2]) + sides
    return " and ".join(names) if names else "tables"


def _aggregate(call: Call, code: Code) -> str:
    owner = call.receiver if call.receiver and call.receiver not in code.imported else "the data"
    if call.attr == "groupby":
        by = f" by {_listed([_short(s) for s in call.strings[:2]])}" if call.strings else ""
        return f"group {owner}{by}"
    if call.attr == "value_counts":
        return f"count the values of {owner}"
    return f"{'resample' if call.attr == 'resample' else 'summarize'} {owner}"


def _args(call: Call, limit: int = 2) -> str:
    return " and ".join(call.args[:limit]) if call.args else "its input"


def _listed(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _short(text: str) -> str:
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= 60 else one_line[:57].rstrip() + "..."


def _sentence(markdown: str) -> str:
    """Plain text of the first sentence, without markdown marks, at most 200 characters."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", markdown)  # links and images
    text = " ".join(re.sub(r"[*`#>\\]", "", text).split())
    match = re.match(r"(.+?[.!?])(\s|$)", text)
    sentence = match.group(1) if match else text
    if len(sentence) > 200:
        sentence = sentence[:197].rstrip() + "..."
    return (sentence[:1].upper() + sentence[1:]).replace('"', "'")
