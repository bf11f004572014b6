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
import subprocess
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from nb2pkg.errors import BadInterpreter
from nb2pkg.kernels import kernel_interpreter
from nb2pkg.notebook import Notebook
from nb2pkg.recorded import Recorded, recorded_versions

PROBE_TIMEOUT = 60  # seconds: reading the metadata of a large environment takes a few

# Run by the notebook's interpreter: Python 3.8 or later, standard library only.
_PROBE = r"""
import json, os, platform, sys
from importlib import metadata

try:  # each distribution's metadata parsed once, not once a field and once more when
    # packages_distributions() lists the distributions again: the same answer, in less time
    _parse = metadata.Distribution.metadata.fget
    _parsed = {}

    def _metadata(dist):
        path = getattr(dist, "_path", None)  # where a PathDistribution reads it from
        if path is None:
            return _parse(dist)
        if path not in _parsed:
            _parsed[path] = _parse(dist)
        return _parsed[path]

    metadata.Distribution.metadata = property(_metadata)
except Exception:
    pass

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
    return start_probe(python).result()


def start_probe(python: Path | str) -> Probe:
    """The probe of the interpreter `python`, started: it runs while nb2pkg works on the
    notebook; its `result()` is `read_interpreter`'s."""
    return _probe(str(Path(python).absolute()))


def _probe(python: str) -> Probe:
    probe = _started(python)
    if probe.failed:  # only answers are kept: a failure is asked again, as each time before
        _started.cache_clear()
        probe = _started(python)
    return probe


@cache  # a batch worker converts many notebooks of the same kernel: one run of it each
def _started(python: str) -> Probe:
    return Probe(python)


class Probe:
    """One run of the probe in `python`, started when made. Its output is read by a thread
    (a large environment's answer does not fit a pipe: the child waits for a reader); the
    answer is checked by `result()`, when it is wanted."""

    def __init__(self, python: str) -> None:
        self.python = python
        self.failed = False
        self._answer: Environment | None = None
        self._refusal: BadInterpreter | None = None
        self._done: tuple[int, str, str] | BaseException | None = None
        self._process: subprocess.Popen[str] | None = None
        if not os.path.isfile(python) or not os.access(python, os.X_OK):
            advice = "pass --python the interpreter the notebook ran in"
            self._refusal = BadInterpreter(python, "is not an executable file", advice)
            return
        try:
            self._process = subprocess.Popen(
                [python, "-I", "-c", _PROBE],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        except OSError as error:
            self._refusal = BadInterpreter(python, f"cannot be run ({error.strerror or error})", _ADVICE)
            return
        self._reader = threading.Thread(target=self._read, args=(self._process,), daemon=True)
        self._reader.start()

    def _read(self, process: subprocess.Popen[str]) -> None:
        try:
            stdout, stderr = process.communicate(timeout=PROBE_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()  # as subprocess.run does
            process.communicate()
            return  # no answer: `_done` stays None
        except BaseException as error:  # noqa: BLE001 - raised where the answer is asked for
            process.kill()
            process.wait()
            self._done = error
            return
        self._done = (process.returncode, stdout, stderr)

    def cancel(self) -> None:
        """Stop the run when its answer is no longer wanted (the conversion failed); a
        cancelled probe is asked again if its interpreter is wanted again."""
        if self._process is not None and self._answer is None and self._process.poll() is None:
            self._process.kill()  # a run that finished is kept: its answer may be wanted again
            self._reader.join()
            self.failed = True

    def result(self) -> Environment:
        """The environment, or `BadInterpreter` saying what went wrong."""
        if self._answer is None and self._refusal is None:
            self._reader.join()
            if isinstance(self._done, BaseException):
                self.failed = True
                raise self._done
            try:
                self._answer = _checked(self.python, self._done)
            except BadInterpreter as error:
                self._refusal = error
        if self._refusal is not None:
            self.failed = True
            raise self._refusal
        assert self._answer is not None
        return self._answer


def _checked(python: str, done: tuple[int, str, str] | None) -> Environment:
    """The environment a finished probe describes (None: it did not finish in time)."""
    if done is None:
        raise BadInterpreter(python, f"did not answer within {PROBE_TIMEOUT} seconds", _ADVICE)
    returncode, stdout, stderr = done
    lines = stdout.strip().splitlines()  # a `.pth` file may print before the answer
    if returncode != 0 or not lines:
        last = (stderr.strip().splitlines() or ["no output"])[-1]
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


def notebook_versions(notebook: Notebook, python: Path | None = None) -> Versions:
    """Where the versions of `notebook` come from: the environment of `python` when given
    (`BadInterpreter` when it cannot be read: the user named it), else that of the kernel
    its kernelspec names, else what the notebook records (`missing` says why)."""
    return start_versions(notebook, python).result()


def start_versions(notebook: Notebook, python: Path | None = None) -> PendingVersions:
    """`notebook_versions`, with the interpreter's probe started now and its answer read
    by `result()`: the probe runs (on another core) while the notebook is analysed."""
    if python is not None:
        return PendingVersions(notebook, start_probe(python), "", given=True)
    if not notebook.kernel_name:
        return PendingVersions(notebook, None, "")
    interpreter = kernel_interpreter(notebook.kernel_name)
    if isinstance(interpreter, str):
        return PendingVersions(notebook, None, interpreter)
    return PendingVersions(notebook, start_probe(interpreter), "")


@dataclass(frozen=True)
class PendingVersions:
    """A notebook's versions while its interpreter's probe (if any) runs."""

    notebook: Notebook
    probe: Probe | None
    missing: str
    given: bool = False

    def result(self) -> Versions:
        """The versions (waiting for the probe); `BadInterpreter` when `--python` names
        an interpreter that cannot be read."""
        if self.given:
            assert self.probe is not None
            return Versions(self.probe.result(), given=True)
        recorded = _recorded(self.notebook)
        if self.probe is None:
            return Versions(None, recorded, self.missing)
        try:
            return Versions(self.probe.result(), recorded)
        except BadInterpreter as error:
            kernel = self.notebook.kernel_name
            return Versions(None, recorded, f"the interpreter of the Jupyter kernel {kernel!r} {error.problem}")

    def cancel(self) -> None:
        """Stop the probe: the conversion ended without wanting the versions."""
        if self.probe is not None:
            self.probe.cancel()


def _recorded(notebook: Notebook) -> Recorded:
    # the JSON read_notebook parsed (None: the file was not read as the probe reads it)
    return recorded_versions(notebook.data) if notebook.data is not None else Recorded()
