"""The verbs step names start with, bound to what the code does, and when a heading
names the code below it.

What the code does -> the verb (the first row that matches wins):

| the code                                                        | verb        |
|-----------------------------------------------------------------|-------------|
| draws a figure                                                  | `plot`      |
| predicts, scores, computes a metric (`predict`, `*_score`, ...) | `evaluate`  |
| fits (`fit`, `partial_fit`)                                     | `train`     |
| `train_test_split`, `KFold(...).split`                          | `split`     |
| reads (`read_*`, `open`, `load*`, `loadtxt`, `fetch_*`)         | `load`      |
| writes (`to_csv`, `savefig`, `dump`, `save`)                    | `save`      |
| lists files (`os.walk`, `listdir`, `glob`)                      | `list`      |
| encodes (`get_dummies`, `*Encoder`, `*Vectorizer`)              | `encode`    |
| scales (`*Scaler`, `normalize`), other `fit_transform`, `PCA`   | `scale`, `transform` |
| cleans (`dropna`, `fillna`, `drop`, `replace`, `astype`, ...)   | `clean`     |
| `merge`, `join`, `concat`                                       | `merge`     |
| `groupby`, `pivot_table`, `agg`, `resample`, `value_counts`     | `aggregate` |
| `sort_values`, `sort_index`                                     | `sort`      |
| `query`, `isin`, `nlargest`, `sample`                           | `select`    |
| `assert`                                                        | `check`     |
| builds a new object (`pd.DataFrame`, `np.array`, `make_*`)      | `create`    |
| changes an object in place (`df["c"] = ...`, `x.append(...)`)   | `prepare`   |
| only prints or shows                                            | `report`    |
| anything else                                                   | `compute`   |

A heading (or a sentence) is related to the code below it when it shares a content word
with the code (its names, attributes, calls and strings, compared by stem or prefix:
"Survival" and `Survived`, "Polynomial" and `poly_features`), or when it says what the
code does: a verb of the vocabulary of a kind of operation the code makes ("Cleaning"
over `dropna`, "Train the model" over `fit`; "Compute", "Count", "Explore" fit any
computation, "Clean", "Build" only code that changes or builds data), or the noun of
one ("Features" over `get_dummies`, "Plots" over a figure). A heading whose verbs are
all of another kind than what the code does is never related ("Train models" over code
that prints a recall, "Load" over `xs = [1]`), nor one made only of generic words
("Introduction", "So how well did we do?", "Part 3: Improve your score" over a survival
rate). The verb `test` becomes `evaluate` or `check`: pytest collects `test_*` functions.
"""

from __future__ import annotations

import re

from nb2pkg.naming import words_of

# Verbs a heading may start its step's name with -> their kind. Kinds: what a verb is
# compatible with in the code; "transform" is every computation that is not one of the others.
VERB_KINDS = {
    **dict.fromkeys(["plot", "visualize", "visualise", "draw", "chart", "graph"], "plot"),
    **dict.fromkeys(["train", "fit", "tune"], "train"),
    **dict.fromkeys(["evaluate", "predict", "score", "test", "validate", "assess", "measure"], "evaluate"),
    **dict.fromkeys(["load", "read", "download", "fetch"], "load"),
    **dict.fromkeys(["save", "write", "export", "store"], "save"),
    "split": "split",
    **dict.fromkeys(
        """clean prepare preprocess transform encode scale normalize normalise build engineer create
        make merge join combine aggregate group sort select filter drop remove fill impute add
        convert rename reshape compute calculate count summarize summarise explore analyze analyse
        inspect describe check report generate extract parse process apply define update sample
        find estimate delete concatenate simulate collect format tokenize label cluster compare""".split(),  # noqa: SIM905
        "transform",
    ),
}
# Heading verbs written differently from the verb the name uses.
CANONICAL = {
    "read": "load",
    "fit": "train",
    "predict": "evaluate",
    "score": "evaluate",
    "visualise": "plot",
    "normalise": "normalize",
    "summarise": "summarize",
    "analyze": "analyse",
    "draw": "plot",
    "chart": "plot",
    "graph": "plot",
    "delete": "drop",
    "show": "report",
    "print": "report",
    "concatenate": "merge",
    "visualize": "plot",
}
# The kind of each verb the code analysis gives (`step_names.code_verb`).
CODE_KINDS = {
    "plot": "plot",
    "evaluate": "evaluate",
    "train": "train",
    "split": "split",
    "load": "load",
    "save": "save",
    "list": "list",
}
# Nouns that name what a kind of code does: a heading made of one names such code.
TOPICS = {
    **dict.fromkeys(["plot", "plots", "figure", "figures", "chart", "charts", "graph", "graphs"], "plot"),
    **dict.fromkeys(["visualization", "visualisation", "visualizations", "visualisations"], "plot"),
    **dict.fromkeys(["model", "models", "training", "classifier", "regressor", "regression"], "train"),
    **dict.fromkeys(["evaluation", "prediction", "predictions", "accuracy", "metrics", "score"], "evaluate"),
    **dict.fromkeys(["data", "dataset", "datasets"], "load"),
    **dict.fromkeys(["feature", "features", "preprocessing", "cleaning"], "transform"),
}
# Words of headings that say nothing about the code: never content, never in a name.
GENERIC = frozenset(
    """a an the of and or to with for in on at by from into onto about as is are be was were it its
    this that these those our my your you we us i me let lets now here there so how well did do
    does done what why which who when where first second third next last final finally quick look
    take simple basic part step steps section introduction intro overview example examples exercise
    exercises question questions solution solutions answer answers conclusion conclusions summary
    note notes more other all each some any using use used new again then only just very also can
    will would should must may might go going get got see let s t one two three four five bonus
    optional extra material task tasks try hint hints check your result results machine learning set sets
    their them they better returns return""".split()  # noqa: SIM905
)


def heading_verb(word: str) -> str | None:
    """The vocabulary verb a heading word is a form of ("Cleaning" -> clean, "Evaluation"
    -> evaluate, "Analysis" -> analyse), or None."""
    if word in VERB_KINDS:
        return word
    candidates: list[str] = []
    if word.endswith("ing"):
        stem = word[:-3]
        candidates += [stem, stem + "e", stem[:-1] if len(stem) > 2 and stem[-1] == stem[-2] else stem]
    if word.endswith(("ation", "ition")):
        candidates.append(word[:-3] + "e")  # "evaluation" -> "evaluate", "preparation" -> "prepare"
    if word.endswith("s") and len(word) > 3:
        candidates.append(word[:-1])  # "Plots" is a topic, "Merges" a verb
    if word == "analysis":
        candidates.append("analyse")
    return next((c for c in candidates if c in VERB_KINDS), None)


def stem(word: str) -> str:
    """A crude stem for comparing words: plurals and common endings off."""
    for ending in ("ations", "ation", "ings", "ing", "ies", "ed", "es", "s"):
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[: -len(ending)] + ("y" if ending == "ies" else "")
    return word


def content_words(text: str) -> list[str]:
    """The words of a heading that may say what the code does: no generic words, no numbers."""
    return [w for w in words_of(text) if w not in GENERIC and not w.isdigit() and len(w) > 1]


def shares_word(words: list[str], code_words: frozenset[str]) -> bool:
    """Whether one of `words` is, by stem or by its first five letters, a word of the code."""
    stems = {stem(w) for w in code_words if len(w) > 2}
    prefixes = {w[:5] for w in code_words if len(w) >= 5}
    short = {w for w in code_words if len(w) >= 4}  # `poly` in `poly_features` for "Polynomial"
    for word in words:
        if len(word) < 3 or heading_verb(word):
            continue  # verbs relate through what the code does, not through its names
        if stem(word) in stems or (len(word) >= 5 and word[:5] in prefixes):
            return True
        if any(word.startswith(w) for w in short):
            return True
    return False


def related(text: str, code_words: frozenset[str], kinds: frozenset[str]) -> bool:
    """Whether a heading (or a sentence) names code with these words, doing these kinds of
    things (see the module docstring)."""
    words = content_words(text)
    verbs = [v for w in words if (v := heading_verb(w))]
    heading_kinds = {VERB_KINDS[v] for v in verbs}
    if heading_kinds and not heading_kinds & kinds:
        return False  # "Train models" above code that prints a recall, "Cleaning" above a read
    if heading_kinds:
        return True
    if any(TOPICS.get(w) in kinds for w in words):
        return True
    return shares_word(words, code_words)


def is_test_name(name: str) -> bool:
    return re.match(r"test(_|$)", name) is not None
