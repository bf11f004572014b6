"""IPython syntax: cell magics split off, policies, option parsing, shell expansions."""

from __future__ import annotations

import pytest

from nb2pkg.ipython import (
    Policy,
    magic_policy,
    pip_install_targets,
    shell_expansions,
    split_code_argument,
    to_python,
    transform,
)


@pytest.mark.parametrize("source", ["x = 1", "def f():\n    return 2\n", "a = b % c", "s = 'what?'"])
def test_plain_python_is_unchanged(source: str) -> None:
    assert to_python(source).python.rstrip("\n") == source.rstrip("\n")


@pytest.mark.parametrize(
    ("source", "python"),
    [
        ("%matplotlib inline", "get_ipython().run_line_magic('matplotlib', 'inline')\n"),
        ("!pip install x", "get_ipython().system('pip install x')\n"),
        ("files = !ls", "files = get_ipython().getoutput('ls')\n"),
        ("df?", "get_ipython().run_line_magic('pinfo', 'df')\n"),
    ],
)
def test_ipython_syntax_becomes_calls(source: str, python: str) -> None:
    assert transform(source) == python


def test_code_cell_magic_keeps_its_body() -> None:
    result = to_python("%%time\nx = f(1)\n")
    assert result.python == "x = f(1)\n"
    assert result.cell_magic is not None and result.cell_magic.policy is Policy.CODE
    assert result.line_offset == 1


def test_foreign_cell_magic_is_not_python() -> None:
    result = to_python("\n%%bash\necho hi\n")
    assert result.python is None
    assert result.cell_magic is not None
    assert (result.cell_magic.name, result.cell_magic.policy, result.cell_magic.label) == ("bash", Policy.FOREIGN, "%%bash")


@pytest.mark.parametrize(
    ("name", "cell", "policy"),
    [
        ("matplotlib", False, Policy.NOTEBOOK),
        ("load_ext", False, Policy.NOTEBOOK),
        ("autoreload", False, Policy.NOTEBOOK),
        ("config", False, Policy.NOTEBOOK),
        ("pinfo", False, Policy.NOTEBOOK),
        ("time", False, Policy.CODE),
        ("timeit", False, Policy.CODE),
        ("prun", False, Policy.CODE),
        ("time", True, Policy.CODE),
        ("capture", True, Policy.CODE),
        ("pip", False, Policy.SHELL),
        ("R", True, Policy.FOREIGN),
        ("bash", True, Policy.FOREIGN),
        ("writefile", True, Policy.FOREIGN),
        ("something_new", True, Policy.FOREIGN),
        ("something_new", False, Policy.NOTEBOOK),
    ],
)
def test_policies(name: str, cell: bool, policy: Policy) -> None:
    assert magic_policy(name, cell) is policy


@pytest.mark.parametrize(
    ("name", "argument", "code"),
    [
        ("timeit", "-n 3 -r 2 fit(X)", "fit(X)"),
        ("timeit", "-q -o f()", "f()"),
        ("prun", "-s cumulative -l 10 run()", "run()"),
        ("time", "x = -1", "x = -1"),
        ("capture", "--no-stderr out", "out"),
    ],
)
def test_code_argument_after_options(name: str, argument: str, code: str) -> None:
    assert split_code_argument(name, argument)[1] == code


def test_shell_expansions() -> None:
    assert shell_expansions("ls {folder} $name {{literal}} $$HOME {len(x)}") == ("folder", "name", "len(x)")


@pytest.mark.parametrize(
    ("command", "packages"),
    [
        ("pip install seaborn", ("seaborn",)),
        ("pip install -q 'pandas>=2' scikit-learn", ("pandas>=2", "scikit-learn")),
        ("python -m pip install -r requirements.txt xgboost", ("-r requirements.txt", "xgboost")),
        ("pip install -e . -i https://x.org/simple git+https://x.org/a.git {pkg}",
         ("-e .", "git+https://x.org/a.git", "{pkg}")),
        ("pip3 install --upgrade numpy && echo done", ("numpy",)),
        ("pip install --upgrade-strategy eager --no-binary :all: -q numpy", ("numpy",)),
        ("pip list", ()),
        ("ls -l", ()),
    ],
)
def test_pip_install_targets(command: str, packages: tuple[str, ...]) -> None:
    assert pip_install_targets(command) == packages
