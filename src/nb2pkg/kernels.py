"""Which interpreter a Jupyter kernel starts: the command of its kernelspec, found the way
jupyter_client's `KernelSpecManager().get_kernel_spec(name)` finds it, without importing
jupyter_client (with zmq, tornado and asyncio it costs a conversion a seventh of a second).

The rules followed (jupyter_client 7-8): the folders of `jupyter_path("kernels")` in
order, then IPython's `kernels` folder; in each, the first entry (in `os.listdir` order)
whose name is the kernel's, compared in lower case, that is a folder holding a
`kernel.json`; else, for `python3`, ipykernel's own kernel (this interpreter) when
ipykernel is installed. Whatever is out of the ordinary (a name jupyter_client warns
about, a `kernel.json` that does not read as a plain spec, a kernel provisioner, an
IPython folder IPython would warn about, Windows) is left to jupyter_client itself, so
the answer and every message stay its own.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from importlib.util import find_spec
from pathlib import Path

NATIVE = "python3"  # jupyter_client's NATIVE_KERNEL_NAME
_VALID_NAME = re.compile(r"^[a-z0-9._\-]+$", re.IGNORECASE)  # jupyter_client warns about other names
# The traits of jupyter_client's KernelSpec a plain kernel.json sets, by the type each takes.
_TEXT_KEYS = frozenset({"name", "mimetype", "display_name", "language", "kernel_protocol_version"})
_OBJECT_KEYS = frozenset({"env", "metadata"})


class Unsure(Exception):
    """Only jupyter_client can say (and word) what this kernel is."""


def kernel_interpreter(name: str) -> Path | str:
    """The interpreter Jupyter would start for the kernel `name` here, or why there is none."""
    if find_spec("jupyter_client") is None:
        return "jupyter_client is not installed beside nb2pkg"
    try:
        command = kernel_command(name)
    except Unsure:
        return _by_jupyter_client(name)
    if command is None:
        return f"no Jupyter kernel named {name!r} is installed here"
    return _interpreter(name, command)


def kernel_command(name: str) -> str | None:
    """`argv[0]` of the kernel `name` ("" for an empty argv), None when there is no such
    kernel; `Unsure` when only jupyter_client can tell."""
    if os.name == "nt" or not _VALID_NAME.match(name):
        raise Unsure(name)
    from jupyter_core.paths import jupyter_path  # light: what jupyter_client itself asks

    wanted = name.lower()
    for folder in [*jupyter_path("kernels"), *_ipython_kernels()]:
        if not os.path.isdir(folder):
            continue
        for entry in os.listdir(folder):
            path = os.path.join(folder, entry)
            if entry.lower() == wanted and os.path.isdir(path) and os.path.isfile(os.path.join(path, "kernel.json")):
                return _spec_command(path)
    if wanted != NATIVE:
        return None
    if name != NATIVE:  # `Python3`: jupyter_client reads ipykernel's resources as a spec folder
        raise Unsure(name)
    # ipykernel's kernel, built for this interpreter (ipykernel.kernelspec.get_kernel_dict)
    return sys.executable if find_spec("ipykernel") is not None else None


def _ipython_kernels() -> list[str]:
    """IPython's `kernels` folder, as `IPython.paths.get_ipython_dir()` places it (the
    folder it would make there is empty: nothing is made here)."""
    if find_spec("IPython") is None:
        return []
    home = os.path.realpath(os.path.expanduser("~"))
    folder = os.environ.get("IPYTHONDIR")
    if folder is None:
        folder = os.path.join(home, ".ipython")
        xdg = os.environ.get("XDG_CONFIG_HOME") or os.path.join(home, ".config")
        if _writable(xdg) and _writable(os.path.join(xdg, "ipython")):
            raise Unsure("IPython may use or warn about ~/.config/ipython")
    folder = os.path.normpath(os.path.expanduser(folder))
    if os.path.exists(folder):
        if not _writable(folder):
            raise Unsure("IPython warns and uses a temporary folder")
        return [os.path.join(folder, "kernels")]
    if not _writable(os.path.dirname(folder)):
        raise Unsure("IPython warns and uses a temporary folder")
    return []  # IPython would make the folder: it has no kernels


def _writable(path: str) -> bool:
    return os.path.isdir(path) and os.access(path, os.W_OK)


def _spec_command(folder: str) -> str:
    """`argv[0]` of the spec in `folder`, when its kernel.json is one jupyter_client takes
    as it is and starts with its default (local) provisioner."""
    try:
        with open(os.path.join(folder, "kernel.json"), encoding="utf-8") as file:
            spec = json.load(file)
    except (OSError, ValueError, RecursionError):
        raise Unsure(folder) from None
    if not isinstance(spec, dict) or not _plain(spec):
        raise Unsure(folder)
    if os.environ.get("JUPYTER_DEFAULT_PROVISIONER_NAME", "local-provisioner") != "local-provisioner":
        raise Unsure(folder)
    argv = spec.get("argv", [])
    return str(argv[0]) if argv else ""


def _plain(spec: dict[str, object]) -> bool:
    """Whether every key of `spec` is a KernelSpec trait given a value of its type, and no
    kernel provisioner is named (jupyter_client checks those are installed)."""
    for key, value in spec.items():
        if key == "argv":
            ok = isinstance(value, list) and all(isinstance(part, str) for part in value)
        elif key in _TEXT_KEYS:
            ok = isinstance(value, str)
        elif key in _OBJECT_KEYS:
            ok = isinstance(value, dict) and not (key == "metadata" and "kernel_provisioner" in value)
        elif key == "interrupt_mode":
            ok = isinstance(value, str) and value.lower() in ("message", "signal")
        else:
            ok = False
        if not ok:
            return False
    return True


def _by_jupyter_client(name: str) -> Path | str:
    """The lookup by jupyter_client itself, for what `kernel_command` leaves to it."""
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
    return _interpreter(name, str(spec.argv[0]) if spec.argv else "")


def _interpreter(name: str, command: str) -> Path | str:
    if command in _THIS_PYTHON:
        # what jupyter_client itself does: `python` in a spec is the interpreter running Jupyter
        return Path(sys.executable)
    found = command if os.path.isabs(command) else shutil.which(command)
    if not found or not Path(command).name.lower().startswith(("python", "pypy")):
        return f"the Jupyter kernel {name!r} starts {command!r}, not a Python interpreter nb2pkg can find"
    return Path(found)


_THIS_PYTHON = frozenset({"python", f"python{sys.version_info[0]}", "python{}.{}".format(*sys.version_info[:2])})
