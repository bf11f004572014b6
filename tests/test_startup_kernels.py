"""The kernelspec lookup without jupyter_client gives jupyter_client's answer: the same
kernel folder wins (JUPYTER_PATH order, case, IPython's folder, ipykernel's native
`python3`), and what it leaves to jupyter_client is answered by jupyter_client."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from nb2pkg.kernels import Unsure, _by_jupyter_client, kernel_command, kernel_interpreter

unix_only = pytest.mark.skipif(sys.platform == "win32", reason="the fast lookup is for POSIX")


def _spec(folder: Path, name: str, spec: object) -> None:
    (folder / name).mkdir(parents=True, exist_ok=True)
    text = spec if isinstance(spec, str) else json.dumps(spec)
    (folder / name / "kernel.json").write_text(text, encoding="utf-8")


def _argv(command: str) -> dict[str, object]:
    return {"argv": [command, "-m", "ipykernel_launcher", "-f", "{connection_file}"], "display_name": command}


NAMES = [
    "alpha",
    "ALPHA",
    "beta",
    "gamma",
    "delta",
    "eps",
    "zeta",
    "eta",
    "theta",
    "iota",
    "kappa",
    "lam",
    "mu",
    "nosuch",
    "bad name!",
    "python3",
    "Python3",
]


@pytest.fixture
def kernels(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Two JUPYTER_PATH folders, a data folder and an IPython folder with specs of every kind."""
    first, second = tmp_path / "one" / "kernels", tmp_path / "two" / "kernels"
    data, ipython = tmp_path / "data", tmp_path / "ipython"
    for folder in (first, second, data / "kernels", ipython / "kernels"):
        folder.mkdir(parents=True)
    python = sys.executable
    _spec(first, "alpha", _argv(python))  # the first folder wins
    _spec(second, "alpha", _argv("/elsewhere/python"))
    _spec(second, "Beta", _argv("python3"))  # found in lower case
    _spec(first, "gamma", "{not json")  # damaged: jupyter_client's words
    _spec(first, "delta", {**_argv(python), "metadata": {"kernel_provisioner": {"provisioner_name": "nope"}}})
    (first / "eps").mkdir()  # no kernel.json here: the next folder's
    _spec(second, "eps", _argv("python"))
    _spec(first, "zeta", _argv("/no/such/python"))
    _spec(first, "eta", _argv("R"))
    _spec(first, "theta", {"argv": [], "display_name": "empty"})
    _spec(first, "iota", {**_argv(python), "unknown_key": 1})
    _spec(ipython / "kernels", "kappa", _argv(python))
    _spec(data / "kernels", "lam", _argv("python"))
    _spec(first, "mu", {"argv": [3], "display_name": "not text"})
    monkeypatch.setenv("JUPYTER_PATH", f"{first.parent}:{second.parent}")
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(data))
    monkeypatch.setenv("IPYTHONDIR", str(ipython))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "no-xdg"))
    monkeypatch.delenv("JUPYTER_DEFAULT_PROVISIONER_NAME", raising=False)
    return tmp_path


@unix_only
@pytest.mark.parametrize("name", NAMES)
def test_the_lookup_is_jupyter_clients(kernels: Path, name: str) -> None:
    assert kernel_interpreter(name) == _by_jupyter_client(name)


@unix_only
@pytest.mark.parametrize("name", NAMES)
def test_what_the_fast_lookup_answers_is_jupyter_clients_spec(kernels: Path, name: str) -> None:
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        command = kernel_command(name)
    except Unsure:
        return
    try:
        spec = KernelSpecManager().get_kernel_spec(name)
    except NoSuchKernel:
        assert command is None
    else:
        assert command == (str(spec.argv[0]) if spec.argv else "")


@unix_only
def test_the_fast_lookup_answers_the_plain_cases(kernels: Path) -> None:
    fast = {name for name in NAMES if _answers(name)} - {"python3", "Python3"}  # this venv may have a spec
    assert fast == {"alpha", "ALPHA", "beta", "eps", "zeta", "eta", "theta", "kappa", "lam", "nosuch"}


@unix_only
@pytest.mark.parametrize("name", ["python3", "Python3", "PYTHON3", "alpha"])
def test_python3_without_a_spec_is_ipykernels_native_kernel(
    kernels: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    import jupyter_client.kernelspec
    import jupyter_core.paths

    only = [str(kernels / "one" / "kernels")]  # no folder of this environment (it may have a python3)
    monkeypatch.setattr(jupyter_core.paths, "jupyter_path", lambda *parts: list(only))
    monkeypatch.setattr(jupyter_client.kernelspec, "jupyter_path", lambda *parts: list(only))
    assert kernel_interpreter(name) == _by_jupyter_client(name)
    if name == "python3":
        assert kernel_command(name) == sys.executable


def _answers(name: str) -> bool:
    try:
        kernel_command(name)
    except Unsure:
        return False
    return True


@unix_only
def test_an_ipython_folder_under_xdg_is_left_to_jupyter_client(kernels: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (kernels / "xdg" / "ipython").mkdir(parents=True)
    monkeypatch.delenv("IPYTHONDIR")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(kernels / "xdg"))
    with pytest.raises(Unsure):
        kernel_command("alpha")


@pytest.fixture
def fresh_provisioners() -> Iterator[None]:
    """jupyter_client reads JUPYTER_DEFAULT_PROVISIONER_NAME once, into a process-wide
    factory: made anew for the test, and forgotten after it, so later tests in this worker
    do not inherit the test's provisioner."""
    from jupyter_client.provisioning.factory import KernelProvisionerFactory

    KernelProvisionerFactory.clear_instance()
    yield
    KernelProvisionerFactory.clear_instance()


@unix_only
@pytest.mark.usefixtures("fresh_provisioners")
def test_a_default_provisioner_other_than_the_local_one_is_left_to_jupyter_client(
    kernels: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JUPYTER_DEFAULT_PROVISIONER_NAME", "missing-provisioner")
    assert not _answers("alpha")
    assert kernel_interpreter("alpha") == _by_jupyter_client("alpha")


@unix_only
@pytest.mark.parametrize("name", ["python3", "python2", "ir", "julia-1.9", "nosuchkernel_zz"])
def test_the_real_environment(name: str) -> None:
    assert kernel_interpreter(name) == _by_jupyter_client(name)
