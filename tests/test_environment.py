"""Versions from the environment the notebook ran in: its kernel's interpreter (or
`--python`) asked what it has, the lock of exact versions made from it, and, when it is not
found, the versions the notebook itself records."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from nb2pkg import api
from nb2pkg.cli.app import app
from nb2pkg.environment import (
    Distribution,
    Environment,
    environment_of,
    kernel_interpreter,
    normalise,
    read_interpreter,
)
from nb2pkg.errors import BadInterpreter
from nb2pkg.recorded import recorded_versions
from nb2pkg.render import lock
from nb2pkg.render.lock import lock_file, locked
from support import make_notebook, tomllib, write_notebook

MARKERS = {
    "implementation_name": "cpython",
    "implementation_version": "3.9.18",
    "os_name": "posix",
    "platform_machine": "x86_64",
    "platform_python_implementation": "CPython",
    "platform_release": "6.1",
    "platform_system": "Linux",
    "platform_version": "1",
    "python_full_version": "3.9.18",
    "python_version": "3.9",
    "sys_platform": "linux",
}
# What an old environment answers (pandas 1.3, Python 3.9): nothing like nb2pkg's own.
ANSWER: dict[str, Any] = {
    "python": "3.9.18",
    "markers": MARKERS,
    "distributions": [
        {
            "name": "pandas",
            "version": "1.3.5",
            "requires": ["numpy>=1.17.3", "python-dateutil>=2.7.3", 'pytest>=6; extra == "test"'],
        },
        {"name": "numpy", "version": "1.21.6", "requires": []},
        {"name": "python-dateutil", "version": "2.8.2", "requires": ["six>=1.5"]},
        {"name": "six", "version": "1.16.0", "requires": []},
        {"name": "ipython", "version": "7.34.0", "requires": ['appnope; sys_platform == "darwin"']},
        {"name": "appnope", "version": "0.1.3", "requires": []},
        {"name": "evil\n--index-url x", "version": "1", "requires": []},
    ],
    "provides": {"pandas": ["pandas"], "numpy": ["numpy"], "dateutil": ["python-dateutil"], "IPython": ["ipython"]},
}


def fake_python(folder: Path, answer: dict[str, Any] | str = ANSWER, code: int = 0) -> Path:
    """A tiny 'interpreter': a script that prints what the probe would, whatever it is given."""
    text = answer if isinstance(answer, str) else json.dumps(answer)
    script = folder / "python3"
    script.write_text(f"#!/bin/sh\ncat <<'JSON'\n{text}\nJSON\nexit {code}\n", encoding="utf-8")
    script.chmod(0o755)
    return script


unix_only = pytest.mark.skipif(sys.platform == "win32", reason="the fake interpreter is a shell script")


def notebook(
    folder: Path, cells: list[str], kernel: str = "python3", outputs: dict[int, list[Any]] | None = None
) -> Path:
    data = make_notebook(cells, kernel=kernel)
    data["metadata"]["language_info"]["version"] = "3.9.18"
    for index, saved in (outputs or {}).items():
        data["cells"][index]["outputs"] = saved
    return write_notebook(folder / "analysis.ipynb", data)


def stream(text: str) -> dict[str, Any]:
    return {"output_type": "stream", "name": "stdout", "text": text}


def result(text: str) -> dict[str, Any]:
    return {"output_type": "execute_result", "execution_count": 1, "data": {"text/plain": text}, "metadata": {}}


def dependencies(project: Path) -> list[str]:
    """The requirements from the notebook: all but python -m's own `typer` (test_main_cli)."""
    listed = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    return [requirement for requirement in listed if not requirement.startswith("typer")]


@unix_only
def test_python_gives_the_bounds_and_the_lock_not_this_environment(tmp_path: Path) -> None:
    path = notebook(tmp_path, ["import pandas as pd\nimport patsy", "pd.DataFrame({'a': [1]})"])
    converted = api.convert(path, out=tmp_path / "out", python=fake_python(tmp_path))
    assert dependencies(converted.out) == ["pandas>=1.3", "patsy"]  # nb2pkg's own pandas is newer
    lock = (converted.out / "requirements.txt").read_text(encoding="utf-8")
    pins = [line for line in lock.splitlines() if not line.startswith("#")]
    # transitive requirements, an extra not asked for left out, the unpinned one listed after
    # (typer, which python -m needs, is not in that environment either)
    assert pins == ["numpy==1.21.6", "pandas==1.3.5", "python-dateutil==2.8.2", "six==1.16.0", "patsy", "typer"]
    assert "Python 3.9.18 on linux" in lock and str(tmp_path) not in lock
    readme = (converted.out / "README.md").read_text(encoding="utf-8")
    assert "pip install -r requirements.txt\n    pip install --no-deps ." in readme


@unix_only
def test_the_lock_is_the_same_bytes_twice(tmp_path: Path) -> None:
    path = notebook(tmp_path, ["import pandas as pd"])
    first = api.convert(path, out=tmp_path / "a", python=fake_python(tmp_path), write=False)
    second = api.convert(path, out=tmp_path / "a", python=fake_python(tmp_path), write=False)
    assert first.conversion.files["requirements.txt"] == second.conversion.files["requirements.txt"]


@unix_only
def test_the_kernelspec_names_the_interpreter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    kernel = tmp_path / "jupyter" / "kernels" / "oldenv"
    kernel.mkdir(parents=True)
    argv = [str(fake_python(tmp_path)), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (kernel / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": "old", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    assert kernel_interpreter("oldenv") == Path(argv[0])
    converted = api.convert(notebook(tmp_path, ["import pandas as pd"], kernel="oldenv"), out=tmp_path / "out")
    assert dependencies(converted.out) == ["pandas>=1.3"]
    assert (converted.out / "requirements.txt").is_file()


def test_the_native_python3_kernel_is_the_interpreter_jupyter_runs_here() -> None:
    assert kernel_interpreter("python3") == Path(sys.executable)


def test_a_kernel_not_installed_warns_and_falls_back_to_what_the_notebook_records(tmp_path: Path) -> None:
    cells = ["import pandas as pd\nimport numpy as np", 'print("pandas", pd.__version__)']
    path = notebook(tmp_path, cells, kernel="nosuchkernel_zz", outputs={1: [stream("pandas 1.3.5\n")]})
    converted = api.convert(path, out=tmp_path / "out")
    assert dependencies(converted.out) == ["numpy", "pandas>=1.3"]
    assert not (converted.out / "requirements.txt").exists()
    warnings = [w.message for w in converted.conversion.warnings]
    assert any("no Jupyter kernel named 'nosuchkernel_zz'" in w and "--python PATH" in w for w in warnings)
    assert "the notebook's outputs show (`pandas`)" in (converted.out / "README.md").read_text(encoding="utf-8")


def test_no_environment_and_nothing_recorded_says_so_in_the_readme(tmp_path: Path) -> None:
    converted = api.convert(notebook(tmp_path, ["import pandas as pd"], kernel="nosuchkernel_zz"), out=tmp_path / "o")
    assert dependencies(converted.out) == ["pandas"]
    readme = " ".join((converted.out / "README.md").read_text(encoding="utf-8").split())
    assert "No lower bounds: the environment the notebook ran in was not found; convert with `--python PATH`" in readme
    assert "The notebook records that it ran on Python 3.9.18." in readme


@pytest.mark.parametrize(
    ("problem", "make"),
    [
        ("is not an executable file", lambda folder: folder / "missing" / "python"),
        ("cannot list its distributions", lambda folder: fake_python(folder, "Traceback: boom", code=1)),
        ("answered what nb2pkg cannot read", lambda folder: fake_python(folder, '{"python": 3}')),
    ],
)
@unix_only
def test_a_bad_python_is_one_line_and_exit_2(tmp_path: Path, problem: str, make: Any) -> None:
    python = make(tmp_path)
    path = notebook(tmp_path, ["import pandas as pd"])
    for command in (["convert", str(path)], ["batch", str(path)]):
        done = CliRunner().invoke(app, [*command, "--out", str(tmp_path / "out"), "--python", str(python)])
        assert done.exit_code == 2, done.output
        assert done.stderr.count("\n") == 1 and problem in done.stderr and "--python" in done.stderr
    assert not (tmp_path / "out").exists()


@unix_only
def test_batch_passes_python_to_every_notebook(tmp_path: Path) -> None:
    folder = tmp_path / "notebooks"
    folder.mkdir()
    notebook(folder, ["import pandas as pd"]).rename(folder / "one.ipynb")
    notebook(folder, ["import numpy as np"]).rename(folder / "two.ipynb")
    python = fake_python(tmp_path)
    done = CliRunner().invoke(
        app, ["batch", str(folder), "--out", str(tmp_path / "out"), "--python", str(python), "-q", "-j", "1"]
    )
    assert done.exit_code == 0, done.output
    assert dependencies(tmp_path / "out" / "one") == ["pandas>=1.3"]
    assert "numpy==1.21.6" in (tmp_path / "out" / "two" / "requirements.txt").read_text(encoding="utf-8")


def test_read_interpreter_refuses_a_folder(tmp_path: Path) -> None:
    with pytest.raises(BadInterpreter):
        read_interpreter(tmp_path)


def test_this_interpreter_answers_the_probe() -> None:
    environment = read_interpreter(sys.executable)
    assert environment.python == ".".join(map(str, sys.version_info[:3]))
    assert "packaging" in environment.distributions and environment.markers["sys_platform"] == sys.platform
    assert environment.provides["yaml"] == ("PyYAML",)


def test_the_probe_answers_as_importlib_metadata_unpatched() -> None:
    """The probe parses each distribution's metadata once (its patch of importlib.metadata);
    the environment is the one the unpatched module gives, field by field."""
    plain = (
        "import json, platform\nfrom importlib import metadata\n"
        "found = [d for d in metadata.distributions() if d.metadata['Name']]\n"
        "print(json.dumps({'python': platform.python_version(), 'markers': {}, 'distributions': [\n"
        "    {'name': d.metadata['Name'], 'version': d.version, 'requires': list(d.requires or [])} for d in found],\n"
        "    'provides': metadata.packages_distributions()}))\n"
    )
    answer = json.loads(subprocess.check_output([sys.executable, "-I", "-c", plain], text=True))
    probed = read_interpreter(sys.executable)
    expected = environment_of(answer)
    assert (probed.python, probed.distributions, probed.provides) == (
        expected.python,
        expected.distributions,
        expected.provides,
    )
    assert len(probed.distributions) > 20


@pytest.mark.slow
def test_a_venv_with_its_own_distributions(tmp_path: Path) -> None:
    """A real interpreter: a venv without pip, whose site-packages holds one distribution."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(tmp_path / "venv")], check=True)
    python = tmp_path / "venv" / "bin" / "python"
    site = Path(
        subprocess.check_output(
            [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], text=True
        ).strip()
    )
    info = site / "quandl-3.4.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: Quandl\nVersion: 3.4.0\nRequires-Dist: six\n")
    (info / "top_level.txt").write_text("quandl\n")
    (site / "quandl").mkdir()
    (site / "quandl" / "__init__.py").write_text("")
    environment = read_interpreter(python)
    assert environment.versions() == {"quandl": "3.4.0"}  # nothing of nb2pkg's environment
    assert environment.provides == {"quandl": ("Quandl",)}
    converted = api.convert(notebook(tmp_path, ["import quandl"]), out=tmp_path / "out", python=python)
    assert dependencies(converted.out) == ["Quandl>=3.4"]
    assert "Quandl==3.4.0\n# Not installed where the notebook ran, so not pinned:\nsix\n" in (
        converted.out / "requirements.txt"
    ).read_text(encoding="utf-8")


def test_a_module_using_display_depends_on_ipython(tmp_path: Path) -> None:
    cells = [
        "import pandas as pd",
        "def show(frame):\n    display(frame.head())\n    return frame",
        "df = show(pd.DataFrame())",
    ]
    converted = api.convert(notebook(tmp_path, cells, kernel="nosuchkernel_zz"), out=tmp_path / "out")
    modules = "".join(t for n, t in converted.conversion.files.items() if n.startswith("src/"))
    assert "from IPython.display import display" in modules
    assert "ipython" in dependencies(converted.out)


def environment(*dists: Distribution, markers: dict[str, str] = MARKERS) -> Environment:
    return Environment("3.9.18", {normalise(d.name): d for d in dists}, {}, markers)


def test_the_lock_follows_extras_and_evaluates_markers() -> None:
    env = environment(
        Distribution("A", "1.0", ("b>=1", 'c; extra == "x"', 'd; extra == "y"', 'w; sys_platform == "win32"')),
        Distribution("b", "2.0", ("A",)),  # a cycle ends
        Distribution("c", "3.0", ('e; python_version >= "3.8"', 'f; python_version < "3"')),
        Distribution("d", "1"),
        Distribution("e", "4.0"),
        Distribution("f", "5.0"),
        Distribution("w", "6.0"),
    )
    pins, missing = locked(["a[x]>=1"], env)
    assert [(d.name, d.version) for d in pins] == [("A", "1.0"), ("b", "2.0"), ("c", "3.0"), ("e", "4.0")]
    assert missing == []


def locked_parsing_every_requirement(
    requirements: list[str], env: Environment, monkeypatch: pytest.MonkeyPatch
) -> tuple[list[Distribution], list[str]]:
    """`locked` as it was before requirements only an extra asks for were left unparsed."""
    with monkeypatch.context() as patch:
        patch.setattr(lock, "_may_apply", lambda text, extras: True)
        return locked(requirements, env)


def test_the_lock_skips_unparsed_only_requirements_that_cannot_apply(monkeypatch: pytest.MonkeyPatch) -> None:
    """A requirement whose only marker is `extra == "..."` is not parsed unless that extra
    was asked for; spelled any way packaging reads it, the lock is the same."""
    env = environment(
        Distribution(
            "A",
            "1.0",
            (
                'b; extra == "Foo_Bar"',  # asked for as foo-bar: the names are normalised
                "c ; extra=='x'",
                'd;extra == "y"  ',
                'e; extra == "1.0"',  # compared as versions: asked for as 1
                'f; extra == "v2"',
                'g; extra == "x" and python_version < "3"',
                'h; (extra == "x")',
                'i @ https://example.org/i.whl ; extra == "x"',
                'j @ https://example.org/j;k ; extra == "y"',
                "not a requirement; extra == 'x'",
            ),
        ),
        *(Distribution(name, "1") for name in "bcdefghij"),
    )
    for requested in ["a", "a[foo-bar]", "a[FOO.BAR]", "a[x]", "a[y]", "a[1]", "a[1.0.0]", "a[v2]", "a[x,y,1]"]:
        expected = locked_parsing_every_requirement([requested], env, monkeypatch)
        assert locked([requested], env) == expected, requested
    assert [d.name for d in locked(["a[foo-bar,x]"], env)[0]] == ["A", "b", "c", "h", "i"]


def test_the_lock_of_this_environment_is_the_same_as_parsing_every_requirement(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every distribution of the interpreter running the tests, alone and with each extra
    its requirements name."""
    env = read_interpreter(Path(sys.executable))
    for name, dist in sorted(env.distributions.items()):
        extras = sorted({extra for r in dist.requires for extra in re.findall(r"extra\s*==\s*[\"']([^\"']+)", r)})
        for requested in [name, *(f"{name}[{extra}]" for extra in extras[:3])]:
            assert locked([requested], env) == locked_parsing_every_requirement([requested], env, monkeypatch)


def test_a_pip_line_for_another_platform_is_not_locked() -> None:
    env = environment(Distribution("a", "1"), Distribution("winonly", "2"))
    assert lock_file(["a>=1", 'winonly; sys_platform == "win32"'], env).splitlines()[-1] == "a==1"


@pytest.mark.parametrize(
    ("cells", "modules"),
    [
        ([("import pandas as pd\npd.__version__", [result("'1.3.5'")])], {"pandas": "1.3.5"}),
        ([("import numpy as np\nprint(np.__version__)", [stream("1.21.6\n")])], {"numpy": "1.21.6"}),
        ([("import pandas as pd\nprint('pandas', pd.__version__)", [stream("pandas 1.3.5\n")])], {"pandas": "1.3.5"}),
        (
            [
                (
                    "import numpy as np, pandas as pd\nprint(np.__version__)\nprint(pd.__version__)",
                    [stream("1.2.0\n1.3.5\n")],
                )
            ],
            {"numpy": "1.2.0", "pandas": "1.3.5"},
        ),
        (
            [("import numpy as np, pandas as pd\nprint(f'{pd.__version__=} {np.__version__=}')", [stream("x\n")])],
            {},
        ),
        (
            [
                (
                    "import numpy as np, pandas as pd\nprint('pd', pd.__version__, 'np', np.__version__)",
                    [stream("pd 1.3.5 np 1.2.0\n")],
                )
            ],
            {},  # two versions on one line: which is which is not read
        ),
        ([("import sklearn\nprint(sklearn.__version__, 0.95)", [stream("0.24.2 0.95\n")])], {}),  # two numbers
        (
            [
                ("import pandas as pd\nprint(pd.__version__)", [stream("1.3.5\n")]),
                ("pd.__version__", [result("'1.4.0'")]),
            ],
            {},
        ),
        ([("x = 1\nx", [result("1.5")])], {}),  # no __version__ read
        ([("import matplotlib.pyplot as plt\nplt.__version__", [result("'3.1.0'")])], {}),
        ([("%matplotlib inline\nimport scipy\nscipy.__version__", [result("'1.7.3'")])], {"scipy": "1.7.3"}),
    ],
)
def test_versions_the_notebook_records(cells: list[tuple[str, list[Any]]], modules: dict[str, str]) -> None:
    data = make_notebook([source for source, _ in cells])
    data["metadata"]["language_info"]["version"] = "3.7.12"
    for cell, (_, saved) in zip(data["cells"], cells, strict=True):
        cell["outputs"] = saved
    recorded = recorded_versions(data)
    assert (recorded.python, dict(recorded.modules)) == ("3.7.12", modules)


@pytest.mark.parametrize("data", [None, [], {"cells": "x"}, {"cells": [{"cell_type": "code", "source": 3}]}])
def test_recorded_versions_of_odd_notebooks_are_none(data: Any) -> None:
    assert not recorded_versions(data).modules


def test_a_kernel_environment_without_any_of_the_dependencies_is_not_the_notebooks(tmp_path: Path) -> None:
    """The `python3` kernel of an nb2pkg installed on its own (pipx) is nb2pkg's
    environment: it has nothing the notebook needs, so its versions are not used."""
    cells = ["import zz_not_installed_a\nimport zz_not_installed_b as b", "print(b.__version__)"]
    path = notebook(tmp_path, cells, outputs={1: [stream("0.4.1\n")]})
    converted = api.convert(path, out=tmp_path / "out")
    assert dependencies(converted.out) == ["zz_not_installed_a", "zz_not_installed_b>=0.4"]
    assert not (converted.out / "requirements.txt").exists()
    assert any("has none of zz_not_installed_a" in w.message for w in converted.conversion.warnings)


@unix_only
def test_python_given_is_used_even_without_the_dependencies(tmp_path: Path) -> None:
    converted = api.convert(notebook(tmp_path, ["import patsy"]), out=tmp_path / "out", python=fake_python(tmp_path))
    assert "# Not installed where the notebook ran, so not pinned:\npatsy\n" in (
        converted.out / "requirements.txt"
    ).read_text(encoding="utf-8")
