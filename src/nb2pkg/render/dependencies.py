"""Dependencies: the distributions a notebook's imports and `!pip install` lines need."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from types import MappingProxyType

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet

# Import names whose distribution is named differently, for when it is not installed.
_RENAMED = dict(
    pair.split(":")
    for pair in [
        "sklearn:scikit-learn",
        "cv2:opencv-python",
        "PIL:pillow",
        "yaml:PyYAML",
        "bs4:beautifulsoup4",
        "skimage:scikit-image",
        "dateutil:python-dateutil",
        "Crypto:pycryptodome",
        "attr:attrs",
        "jwt:PyJWT",
        "dotenv:python-dotenv",
        "serial:pyserial",
        "usb:pyusb",
        "magic:python-magic",
        "Levenshtein:python-Levenshtein",
        "mpl_toolkits:matplotlib",
        "pylab:matplotlib",
        "fitz:PyMuPDF",
        "docx:python-docx",
        "pptx:python-pptx",
        "git:GitPython",
        "Bio:biopython",
        "sqlalchemy:SQLAlchemy",
        "IPython:ipython",
        "zmq:pyzmq",
        "OpenSSL:pyOpenSSL",
        "MySQLdb:mysqlclient",
        "pymysql:PyMySQL",
        "osgeo:GDAL",
        "umap:umap-learn",
        "faiss:faiss-cpu",
        "slugify:python-slugify",
        "kafka:kafka-python",
        "community:python-louvain",
        "sentence_transformers:sentence-transformers",
    ]
)
# Import names that are also the distribution's name, for when it is not installed.
_SAME_NAME = [
    "numpy",
    "pandas",
    "scipy",
    "matplotlib",
    "seaborn",
    "plotly",
    "statsmodels",
    "torch",
    "torchvision",
    "tensorflow",
    "keras",
    "xgboost",
    "lightgbm",
    "catboost",
    "requests",
    "tqdm",
    "joblib",
    "networkx",
    "sympy",
    "polars",
    "pyarrow",
    "nltk",
    "spacy",
    "transformers",
    "openpyxl",
    "lxml",
    "h5py",
    "numba",
    "altair",
    "bokeh",
    "ipywidgets",
    "geopandas",
    "shapely",
    "folium",
]
_KNOWN = {**{name: name for name in _SAME_NAME}, **_RENAMED}
# Top-level names that many distributions share (`google.protobuf`, `google.cloud`).
_NAMESPACES = frozenset({"google", "azure", "backports", "jaraco", "zope"})


@dataclass(frozen=True)
class PipTarget:
    """One argument of a `!pip install` / `%pip install` line, and its 1-based cell."""

    text: str
    cell: int | None = None


@dataclass(frozen=True)
class Refused:
    """A `pip install` argument that is not written as a dependency, and why."""

    cell: int | None
    text: str
    reason: str


@dataclass(frozen=True)
class Dependencies:
    """The requirements a notebook needs, the imports nobody could place, and the pip
    arguments that are not requirements nb2pkg can write."""

    requirements: tuple[str, ...]
    unknown: tuple[str, ...]
    refused: tuple[Refused, ...] = ()


def normalise(name: str) -> str:
    """A distribution name normalised per PEP 503."""
    return re.sub(r"[-_.]+", "-", name).lower()


def top_level(module: str) -> str | None:
    """The top-level name of an import, or None for relative and standard-library ones."""
    name = module.strip().split(".")[0]
    if not name or name in sys.stdlib_module_names or name == "__main__":
        return None
    return name


def lower_bound(version: str | None) -> str:
    """`>=major.minor` for an installed version, or "" when none or not numeric."""
    match = re.match(r"(\d+)(?:\.(\d+))?", version or "")
    if match is None:
        return ""
    return ">=" + ".".join(str(int(part)) for part in match.groups() if part)


def pick_distribution(name: str, candidates: Sequence[str]) -> str | None:
    """The one of several distributions providing `name` that most likely is meant."""
    ordered = sorted(set(candidates), key=lambda dist: (normalise(dist), dist))
    for wanted in (normalise(name), normalise(_KNOWN.get(name, ""))):
        for dist in ordered:
            if normalise(dist) == wanted:
                return dist
    return ordered[0] if ordered else None


def distribution_for(
    name: str,
    provided: Callable[[], Mapping[str, Sequence[str]]],
    version_of: Callable[[str], str | None],
) -> str | None:
    """The distribution that provides the top-level import `name`, if known."""
    if name in _NAMESPACES:
        return None
    known = _KNOWN.get(name)
    if known is not None and version_of(known) is not None:
        return known  # installed under the name expected: the table would pick it too, slower
    found = pick_distribution(name, provided().get(name, ())) or known
    # Otherwise only a distribution installed under the import's own name is trusted.
    return found or (name if version_of(name) is not None else None)


def version_reader(installed: Mapping[str, str] | None) -> Callable[[str], str | None]:
    """Look installed versions up in `installed`, or in this environment's metadata."""
    versions = installed_versions() if installed is None else installed
    return lambda dist: versions.get(normalise(dist))


def distribution_table(
    distributions: Mapping[str, Sequence[str]] | None,
) -> Callable[[], Mapping[str, Sequence[str]]]:
    """`distributions`, or this environment's table, read once on first use."""
    if distributions is not None:
        return lambda: distributions
    return _environment_table


# The environment does not change while nb2pkg runs: read once per process (a batch
# worker converts many notebooks), and only when asked.
@cache
def installed_versions() -> Mapping[str, str]:
    """Each distribution installed here (PEP 503 name) and its version: the conversion's
    input for lower bounds, read by its caller so that the conversion itself stays pure."""
    versions: dict[str, str] = {}
    for dist in metadata.distributions():  # in sys.path order: the first one found wins, as in import
        name = dist.metadata["Name"]
        if name:
            versions.setdefault(normalise(name), dist.version)
    return MappingProxyType(versions)


@cache
def _environment_table() -> Mapping[str, Sequence[str]]:
    return metadata.packages_distributions()


def _sort_key(text: str) -> tuple[str, str]:
    return text.lower(), text


def check_requirement(text: str) -> Requirement | str:
    """`text` parsed as a PEP 508 requirement, or why it cannot be a dependency."""
    if text.startswith(("-r ", "--requirement ", "-e ", "--editable ")):
        return "a requirements file or editable install: add what it installs by hand"
    if text.startswith("-"):
        return "a pip option, not a requirement"
    if "{" in text or "$" in text:
        return "a Python or shell variable, whose value nb2pkg cannot know"
    try:
        requirement = Requirement(text)
    except InvalidRequirement:
        if "/" in text or "\\" in text or text.startswith((".", "~")):
            return "a local path or URL, which a published package cannot depend on"
        return "not a valid requirement (PEP 508)"
    if requirement.url:
        return "a direct URL reference, which the build backend refuses by default"
    return requirement


def _pip_requirement(requirement: Requirement, version_of: Callable[[str], str | None]) -> str:
    """The normalised requirement; an unpinned one gets the installed version as lower bound."""
    if not requirement.specifier:
        bound = lower_bound(version_of(requirement.name))
        if bound:
            requirement.specifier = SpecifierSet(bound)
    return str(requirement)


def infer_dependencies(
    imports: Iterable[str],
    pip_installs: Iterable[str | PipTarget] = (),
    installed: Mapping[str, str] | None = None,
    distributions: Mapping[str, Sequence[str]] | None = None,
) -> Dependencies:
    """The requirements for a notebook's imports and `!pip install` targets; a target that
    is not a valid requirement is refused, never written."""
    version_of = version_reader(installed)
    provided = distribution_table(distributions)
    # keyed by name and marker: a pip line for one platform adds to what the imports need
    requirements: dict[tuple[str, str], str] = {}
    unknown: set[str] = set()
    for name in sorted({top for top in map(top_level, imports) if top}):
        dist = distribution_for(name, provided, version_of)
        if dist is None:
            unknown.add(name)
        else:
            requirements[normalise(dist), ""] = dist + lower_bound(version_of(dist))
    wanted, refused = _pip_requirements(pip_installs, version_of)
    requirements.update(wanted)
    # An import is placed after all when a pip line installs a distribution of its name.
    unknown -= {name for name in unknown if normalise(name) in {dist for dist, _ in requirements}}
    return Dependencies(
        tuple(sorted(requirements.values(), key=_sort_key)),
        tuple(sorted(unknown, key=_sort_key)),
        refused,
    )


def _pip_requirements(
    targets: Iterable[str | PipTarget], version_of: Callable[[str], str | None]
) -> tuple[dict[tuple[str, str], str], tuple[Refused, ...]]:
    """The valid targets by (name, marker), a later line winning; the others refused, once
    per cell and text, in notebook order."""
    requirements: dict[tuple[str, str], str] = {}
    refused: dict[tuple[int | None, str], Refused] = {}
    for target in (t if isinstance(t, PipTarget) else PipTarget(t) for t in targets):
        text = target.text.strip()
        checked = check_requirement(text) if text else None
        if isinstance(checked, str):
            refused.setdefault((target.cell, text), Refused(target.cell, text, checked))
        elif checked is not None:
            requirements[normalise(checked.name), str(checked.marker or "")] = _pip_requirement(checked, version_of)
    return requirements, tuple(sorted(refused.values(), key=lambda r: r.cell or 0))
