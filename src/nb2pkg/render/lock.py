"""The lock: `requirements.txt` pinning, to the versions of the environment the notebook
ran in, the project's dependencies and everything they require there (markers evaluated
in that environment, extras followed); and the README section that says where the
project's versions come from and how to install exactly those.

A requirements file of `name==version` lines rather than PEP 751's `pylock.toml`: every
pip installs it (pylock needs pip 25.1 or a recent uv to install), and the environment
gives versions but not the files, hashes and index URLs a pylock entry should carry.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from packaging.markers import InvalidMarker, UndefinedComparison, UndefinedEnvironmentName
from packaging.requirements import InvalidRequirement, Requirement

from nb2pkg.environment import Distribution, Environment, Versions, normalise
from nb2pkg.escape import markdown_code, printable

LOCK_FILE = "requirements.txt"


def locked(requirements: Iterable[str], environment: Environment) -> tuple[list[Distribution], list[str]]:
    """The installed distributions `requirements` need in `environment`, transitively, sorted
    by name; and the required names it does not have (sorted)."""
    found: dict[str, Distribution] = {}
    missing: set[str] = set()
    todo = [Requirement(text) for text in requirements]
    seen: set[tuple[str, frozenset[str]]] = set()
    while todo:
        requirement = todo.pop()
        name, extras = normalise(requirement.name), frozenset(map(normalise, requirement.extras))
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        dist = environment.distributions.get(name)
        if dist is None:
            missing.add(requirement.name)
            continue
        found[name] = dist
        wanted = (text for text in dist.requires if _may_apply(text, extras))
        todo += [r for r in map(_requirement, wanted) if r and _applies(r, extras, environment)]
    return [found[name] for name in sorted(found)], sorted(missing, key=str.lower)


# A requirement only an extra asks for (`pytest ; extra == "test"`: four in five of an
# environment's requirements): it holds only when its distribution was asked for with that
# extra, the names compared normalised. Not an extra named like a version (`== "1.0"`):
# packaging 23 (the oldest nb2pkg takes) compares those as versions.
_EXTRA_ONLY = re.compile(r"""[^;]*;\s*extra\s*==\s*(["'])((?![vV]?[0-9])[^"']*)\1\s*""")


def _may_apply(text: str, extras: frozenset[str]) -> bool:
    """False for a requirement that surely does not apply with `extras` (`_EXTRA_ONLY`, for
    an extra not among them), which is then not parsed: packaging's parse of each was most
    of a small notebook's lock."""
    only = _EXTRA_ONLY.fullmatch(text)
    return only is None or normalise(only.group(2)) in extras


@lru_cache(maxsize=4096)  # a batch worker locks many notebooks against the same environment
def _requirement(text: str) -> Requirement | None:
    """A distribution's requirement, parsed (and shared: it is read, never changed)."""
    try:
        return Requirement(text)
    except InvalidRequirement:  # a distribution's own metadata is broken: nothing to follow
        return None


def _applies(requirement: Requirement, extras: frozenset[str], environment: Environment) -> bool:
    """Whether a requirement of a distribution installed with `extras` holds where it ran."""
    marker = requirement.marker
    if marker is None:
        return True
    try:
        return any(marker.evaluate({**environment.markers, "extra": extra}) for extra in ("", *sorted(extras)))
    except (InvalidMarker, UndefinedComparison, UndefinedEnvironmentName):
        return False


def lock_file(requirements: Iterable[str], environment: Environment) -> str:
    """The text of `requirements.txt`: a header, then `name==version` lines, sorted;
    dependencies the environment did not have follow, unpinned, so the install is whole."""
    pins, missing = locked(_applying(requirements, environment), environment)
    platform = environment.markers.get("sys_platform")
    python = f" (Python {environment.python}{' on ' + platform if platform else ''})" if environment.python else ""
    lines = [
        f"# The exact versions of the environment the notebook ran in{printable(python)}:",
        "# the dependencies of pyproject.toml and everything they require there. Made by nb2pkg.",
        "#   pip install -r requirements.txt",
        "#   pip install --no-deps .",
        *(f"{dist.name}=={dist.version}" for dist in pins),
    ]
    if missing:
        lines += ["# Not installed where the notebook ran, so not pinned:", *missing]
    return "\n".join(lines) + "\n"


def _applying(requirements: Iterable[str], environment: Environment) -> list[str]:
    """The requirements whose own marker (a pip line's `; sys_platform == ...`) holds there."""
    kept = []
    for text in requirements:
        requirement = Requirement(text)
        if requirement.marker is None or _applies(requirement, frozenset(), environment):
            requirement.marker = None
            kept.append(str(requirement))
    return kept


def versions_section(versions: Versions) -> list[str]:
    """The README's words on versions: where pyproject's lower bounds come from and, with a
    lock, how to install exactly what produced the notebook's results."""
    lines = ["", "## Versions", ""]
    if versions.environment is not None:
        python = f" (Python {printable(versions.environment.python)})" if versions.environment.python else ""
        return lines + [
            "The dependencies in `pyproject.toml` ask for at least the major and minor versions of the",
            f"environment the notebook ran in{python}. {markdown_code(LOCK_FILE)} pins that environment",
            "exactly: the dependencies and everything they need there. To install exactly what produced",
            "the notebook's results:",
            "",
            f"    pip install -r {LOCK_FILE}",
            "    pip install --no-deps .",
        ]
    recorded = versions.recorded.python
    ran = [f"The notebook records that it ran on Python {printable(recorded)}."] if recorded else []
    if versions.recorded.modules:
        shown = ", ".join(markdown_code(m) for m in sorted(versions.recorded.modules))
        return lines + [
            "The environment the notebook ran in was not found, so the lower bounds in",
            f"`pyproject.toml` are only those the notebook's outputs show ({shown}); there is no",
            "lock. Convert with `--python PATH` (the interpreter the notebook ran in) for all of",
            f"them and a {markdown_code(LOCK_FILE)} of exact versions.",
            *ran,
        ]
    return lines + [
        "No lower bounds: the environment the notebook ran in was not found; convert with",
        f"`--python PATH` (the interpreter the notebook ran in) for bounds and a {markdown_code(LOCK_FILE)}",
        "of exact versions. Until then pip installs the newest versions, which may behave",
        "differently from those the notebook ran with.",
        *ran,
    ]
