"""The environment a notebook ran in: what the interpreter of its kernel (or the one given
with `--python`) has installed, asked once in a subprocess.

The interpreter is run in isolated mode (`-I`: no user site, no `PYTHON*` variables, not
the current folder), without a shell and with a time limit; it prints one line of JSON
(its distributions, their versions and requirements, which distribution provides which
import name, and its PEP 508 marker environment), which is checked before it is used.
nb2pkg's own environment is read only when it is the kernel's.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from nb2pkg.errors import BadInterpreter
from nb2pkg.recorded import Recorded, recorded_versions

PROBE_TIMEOUT = 60  # seconds: reading the metadata of a large environment takes a few

# Run by the notebook's interpreter: Python 3.8 or later, standard library only.
_PROBE = r"""
import json, os, platform, sys
from importlib import metadata

def markers():
    info = sys.implementation.version
    version = "%d.%d.%d" % (info.major, info.minor, info.micro)
    if info.releaselevel != "final":
        version += info.releaselevel[0] + str(info.serial)
    return {
        "implementation_name": sys.implementation.name,
        "implementation_version": version,
        "os_name": os.name,
        "platform_machine": platform.machine(),
        "platform_python_implementation": platform.python_implementation(),
        "platform_release": platform.release(),
        "platform_system": platform.system(),
        "platform_version": platform.version(),
        "python_full_version": platform.python_version(),
        "python_version": ".".join(platform.python_version_tuple()[:2]),
        "sys_platform": sys.platform,
    }

def provides(found):
    try:
        return metadata.packages_distributions()
    except AttributeError:  # Python < 3.10: what each distribution says it provides
        table = {}
        for dist in found:
            for name in (dist.read_text("top_level.txt") or "").split():
                table.setdefault(name, []).append(dist.metadata["Name"])
        return table

found = [dist for dist in metadata.distributions() if dist.metadata["Name"]]
distributions = [
    {"name": dist.metadata["Name"], "version": dist.version, "requires": list(dist.requires or [])}
    for dist in found
]
print(json.dumps({
    "python": platform.python_version(),
    "markers": markers(),
    "distributions": distributions,
    "provides": provides(found),
}))
"""


def normalise(name: str) -> str:
    """A distribution name normalised per PEP 503."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class Distribution:
    """One installed distribution: its name as published, version and requirements (PEP 508)."""

    name: str
    version: str
    requires: tuple[str, ...] = ()


@dataclass(frozen=True)
class Environment:
    """What an interpreter has installed: distributions by PEP 503 name (the first one on
    its path, as import finds it), the distributions providing each import name, and the
    marker environment its requirements' markers are evaluated in."""

    python: str
    distributions: Mapping[str, Distribution]
    provides: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    markers: Mapping[str, str] = field(default_factory=dict)

    def versions(self) -> dict[str, str]:
        """Each distribution's version, by PEP 503 name."""
        return {name: dist.version for name, dist in self.distributions.items()}

    @classmethod
    def of_versions(cls, versions: Mapping[str, str], python: str = "") -> Environment:
        """An environment known only by its versions (tests, goldens)."""
        return cls(python, {normalise(name): Distribution(name, version) for name, version in versions.items()})


@dataclass(frozen=True)
class Versions:
    """Where a conversion's versions come from: the environment the notebook ran in, when
    it was read, else what the notebook records; `missing` says why the environment named
    (by the kernelspec) was not read, "" when it was or none was named; `given` is whether
    the user named the environment (`--python`) rather than the kernelspec."""

    environment: Environment | None = None
    recorded: Recorded = field(default_factory=Recorded)
    missing: str = ""
    given: bool = False


def read_interpreter(python: Path | str) -> Environment:
    """The environment of the interpreter `python`; `BadInterpreter` when it cannot be run
    or does not answer as a Python 3.8+ interpreter does."""
    return _read_resolved(str(Path(python).absolute()))


@cache  # a batch worker converts many notebooks of the same kernel: one run of it each
def _read_resolved(python: str) -> Environment:
    if not os.path.isfile(python) or not os.access(python, os.X_OK):
        raise BadInterpreter(python, "is not an executable file", "pass --python the interpreter the notebook ran in")
    try:
        done = subprocess.run(
            [python, "-I", "-c", _PROBE],
            capture_output=True,
            text=True,
            timeout=PROBE_TIMEOUT,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise BadInterpreter(python, f"did not answer within {PROBE_TIMEOUT} seconds", _ADVICE) from None
    except OSError as error:
        raise BadInterpreter(python, f"cannot be run ({error.strerror or error})", _ADVICE) from None
    lines = done.stdout.strip().splitlines()  # a `.pth` file may print before the answer
    if done.returncode != 0 or not lines:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise BadInterpreter(python, f"cannot list its distributions ({last})", _ADVICE)
    try:
        return environment_of(json.loads(lines[-1]))
    except (ValueError, TypeError, KeyError) as error:
        raise BadInterpreter(python, f"answered what nb2pkg cannot read ({error})", _ADVICE) from None


_ADVICE = "pass --python a Python 3.8 or later interpreter, the one the notebook ran in"


def environment_of(data: Any) -> Environment:
    """The probe's answer, checked: `TypeError`/`KeyError` when it is not of its shape."""
    distributions: dict[str, Distribution] = {}
    for item in data["distributions"]:
        requires = tuple(_text(r) for r in item.get("requires") or ())
        dist = Distribution(_text(item["name"]), _text(item["version"]), requires)
        # a name or version that is not one (broken metadata) could not be written as a pin
        if _NAME.fullmatch(dist.name) and _VERSION.fullmatch(dist.version):
            distributions.setdefault(normalise(dist.name), dist)  # the first one on the path wins
    provides = {
        _text(name): tuple(sorted({_text(d) for d in dists if _NAME.fullmatch(_text(d))}))
        for name, dists in data["provides"].items()
    }
    markers = {_text(key): _text(value) for key, value in data["markers"].items()}
    return Environment(
        _text(data["python"]), MappingProxyType(distributions), MappingProxyType(provides), MappingProxyType(markers)
    )


_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?")  # PEP 508
_VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+!_-]*")


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected text, got {type(value).__name__}")
    return value


def kernel_interpreter(name: str) -> Path | str:
    """The interpreter Jupyter would start for the kernel `name` here, or why there is none."""
    try:
        from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
    except ImportError:
        return "jupyter_client is not installed beside nb2pkg"
    try:
        spec = KernelSpecManager().get_kernel_spec(name)
    except NoSuchKernel:
        return f"no Jupyter kernel named {name!r} is installed here"
    except Exception as error:  # noqa: BLE001 - a damaged kernel.json: fall back, say why
        return f"the Jupyter kernel {name!r} cannot be read ({error})"
    command = str(spec.argv[0]) if spec.argv else ""
    if command in _THIS_PYTHON:
        # what jupyter_client itself does: `python` in a spec is the interpreter running Jupyter
        return Path(sys.executable)
    found = command if os.path.isabs(command) else shutil.which(command)
    if not found or not Path(command).name.lower().startswith(("python", "pypy")):
        return f"the Jupyter kernel {name!r} starts {command!r}, not a Python interpreter nb2pkg can find"
    return Path(found)


_THIS_PYTHON = frozenset({"python", f"python{sys.version_info[0]}", "python{}.{}".format(*sys.version_info[:2])})


def notebook_versions(notebook: Path, kernel: str | None, python: Path | None = None) -> Versions:
    """Where the versions of `notebook` come from: the environment of `python` when given
    (`BadInterpreter` when it cannot be read: the user named it), else that of the kernel
    its kernelspec names, else what the notebook records (`missing` says why)."""
    if python is not None:
        return Versions(read_interpreter(python), given=True)
    if not kernel:
        return Versions(None, _recorded(notebook))
    interpreter = kernel_interpreter(kernel)
    if isinstance(interpreter, str):
        return Versions(None, _recorded(notebook), interpreter)
    try:
        return Versions(read_interpreter(interpreter), _recorded(notebook))
    except BadInterpreter as error:
        return Versions(None, _recorded(notebook), f"the interpreter of the Jupyter kernel {kernel!r} {error.problem}")


def _recorded(notebook: Path) -> Recorded:
    try:
        return recorded_versions(json.loads(notebook.read_text(encoding="utf-8")))
    except (OSError, ValueError, RecursionError):  # read once already: a fault here reads nothing
        return Recorded()
