"""Dependencies: the distributions a notebook's imports and `!pip install` lines need."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet

from nb2pkg.environment import normalise

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
_KNOWN = _RENAMED
# Import names a notebook's own folder holds, never a published distribution meant by them
# (`utils.py` one folder up): left for the user to place, not guessed as a PyPI name.
_LOCAL = frozenset(
    {
        "app",
        "common",
        "config",
        "constants",
        "custom",
        "data",
        "functions",
        "funcs",
        "helper",
        "helpers",
        "lib",
        "libs",
        "local",
        "main",
        "model",
        "models",
        "module",
        "mylib",
        "mymodule",
        "mypackage",
        "mytools",
        "myutils",
        "project",
        "scripts",
        "settings",
        "src",
        "test",
        "tests",
        "tools",
        "util",
        "utils",
    }
)
_LOCAL_SUFFIX = re.compile(r"_(?:utils?|helpers?|tools|funcs|functions|lib|common|local|module)$")
# Python 2's standard modules that Python 3 renamed or dropped.
_PYTHON2 = frozenset(
    {
        "BaseHTTPServer",
        "ConfigParser",
        "Cookie",
        "HTMLParser",
        "Queue",
        "SimpleHTTPServer",
        "SocketServer",
        "StringIO",
        "Tkinter",
        "UserDict",
        "UserList",
        "__builtin__",
        "anydbm",
        "commands",
        "cookielib",
        "cPickle",
        "cStringIO",
        "copy_reg",
        "dummy_thread",
        "exceptions",
        "htmlentitydefs",
        "httplib",
        "md5",
        "repr",
        "sets",
        "sha",
        "thread",
        "tkMessageBox",
        "urllib2",
        "urlparse",
        "xmlrpclib",
    }
)
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


def top_level(module: str) -> str | None:
    """The top-level name of an import, or None for relative and standard-library ones
    (Python 2's too: no distribution provides `urllib2`)."""
    name = module.strip().split(".")[0]
    if not name or name in sys.stdlib_module_names or name in _PYTHON2 or name == "__main__":
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
    name: str, provided: Mapping[str, Sequence[str]], version_of: Callable[[str], str | None]
) -> str | None:
    """The distribution that provides the top-level import `name`: the one the environment
    says provides it, else the curated name for a known mismatch (`sklearn`), else the
    import's own name, which is the PyPI name for most (`patsy`); None for names no
    distribution is meant by (namespaces, private and local-sounding names)."""
    if name in _NAMESPACES:
        return None
    known = _KNOWN.get(name)
    if known is not None and version_of(known) is not None:
        return known  # installed under the name expected: the table would pick it too
    found = pick_distribution(name, provided.get(name, ())) or known
    if found or version_of(name) is not None:
        return found or name
    return None if could_be_local(name) else name


def could_be_local(name: str) -> bool:
    """Whether an import name is more likely a module of the notebook's project than a
    distribution (`_private`, `utils`, `plot_helpers`): never written as a dependency."""
    return name.startswith("_") or name.lower() in _LOCAL or bool(_LOCAL_SUFFIX.search(name.lower()))


def distribution_table(
    distributions: Mapping[str, Sequence[str]] | None,
) -> Callable[[], Mapping[str, Sequence[str]]]:
    """`distributions`, or the table of the environment nb2pkg runs in, read once on first
    use (what a local module's name may shadow where the project is converted)."""
    if distributions is not None:
        return lambda: distributions
    return _environment_table


@cache  # the environment does not change while nb2pkg runs: read once per process
def _environment_table() -> Mapping[str, Sequence[str]]:
    from importlib import metadata  # only a notebook importing a file beside it asks: 30 modules

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
    recorded: Mapping[str, str] | None = None,
) -> Dependencies:
    """The requirements for a notebook's imports and `!pip install` targets; a target that
    is not a valid requirement is refused, never written. Lower bounds come from
    `installed` (versions by distribution name, of the environment the notebook ran in),
    else from `recorded` (versions by import name, that the notebook shows); `distributions`
    is that environment's table of which distributions provide each import name."""
    provided = distributions or {}
    versions = {normalise(dist): version for dist, version in (installed or {}).items()}
    shown = {
        normalise(dist): version
        for name, version in (recorded or {}).items()
        if (dist := distribution_for(name, provided, versions.get)) is not None
    }
    version_of = _version_reader({**shown, **versions})  # the environment wins
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


def _version_reader(versions: Mapping[str, str]) -> Callable[[str], str | None]:
    return lambda dist: versions.get(normalise(dist))


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
