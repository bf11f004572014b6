"""The render stage, one table row per rule: the function each step becomes and the call
the summary makes of it, the imports each module gets, the constants config.py holds, the
summary notebook's cells, the requirements the imports need, and the generated tests'
check of the names the summary reads.

Each case is a small notebook built in memory (`support.make_notebook`: a string is a code
cell, (kind, text) another cell) and taken through the real pipeline: `build_dataflow`,
`build_segments`, `build_plan`, `with_results_returned`, then the renderer. The expected
text is exact: black's formatting included.
"""

from __future__ import annotations

import ast
import builtins
import importlib
import json
import re
from pathlib import Path
from typing import Any

import pytest

from nb2pkg.convert import convert
from nb2pkg.dataflow import build_dataflow
from nb2pkg.environment import Environment, Versions
from nb2pkg.notebook import Notebook, read_notebook_text
from nb2pkg.plan import Definition, Plan, Step, build_plan, build_segments, with_data_paths
from nb2pkg.render import (
    LocalModules,
    pipeline_module,
    render_config,
    render_module,
    summary_notebook,
    with_results_returned,
)
from nb2pkg.render.checks import SUMMARY_CHECK, input_files, read_before_bound
from nb2pkg.render.local_modules import LocalModule
from support import make_notebook, tomllib

PACKAGE = "pkg"
CellSpec = str | tuple[str, str]


def notebook_of(cells: list[CellSpec]) -> Notebook:
    return read_notebook_text(Path("case.ipynb"), json.dumps(make_notebook(cells)))


def plan_of(cells: list[CellSpec]) -> tuple[Notebook, Plan]:
    """The plan as convert renders it."""
    notebook = notebook_of(cells)
    return notebook, with_results_returned(build_plan(build_segments(build_dataflow(notebook))))


def modules_of(plan: Plan) -> dict[str, str]:
    """Each module's text, its members in notebook order (a definition before the step of
    its cell), as convert orders them."""
    ordered: list[tuple[int, int, Step | Definition]] = [(d.segment.cell.index, 0, d) for d in plan.definitions]
    ordered += [(s.segments[0].cell.index, 1 + n, s) for n, s in enumerate(plan.steps)]
    members: dict[str, list[Step | Definition]] = {}
    for _, _, member in sorted(ordered, key=lambda item: item[:2]):
        members.setdefault(member.module, []).append(member)
    return {name: render_module(name, plan, PACKAGE, items).text for name, items in sorted(members.items())}


def functions_of(text: str) -> tuple[str, ...]:
    """The top-level functions of a module's text, each from `def` to its last line."""
    return tuple("def " + part.rstrip("\n") for part in text.split("\n\n\ndef ")[1:])


def imports_of(text: str) -> str:
    """The import lines of a module's text: between its docstring and its first function."""
    head = text.split("\n\n\ndef ", 1)[0]
    return "\n".join(head.splitlines()[1:]).strip()


def summary_cells(notebook: Notebook, plan: Plan) -> list[tuple[str, str]]:
    """(cell type, source) of every cell of the summary notebook."""
    cells = json.loads(summary_notebook(notebook, plan, PACKAGE))["cells"]
    return [(cell["cell_type"], "".join(cell["source"])) for cell in cells]


def step_calls(cells: list[CellSpec]) -> tuple[str, ...]:
    """The summary's cells after its setup, working folder and imports cells (markdown
    included, in place)."""
    notebook, plan = plan_of(cells)
    return tuple(source for _, source in summary_cells(notebook, plan)[3:])


# (id, cells, every function of every module (modules by name), the summary's cells after its imports)
FUNCTIONS = [
    (
        "no inputs or outputs",
        ["xs = [1]\nprint(xs)"],
        ('def compute_xs():\n    """Compute xs and print xs."""\n    xs = [1]\n    print(xs)',),
        ("utils.compute_xs()",),
    ),
    (
        "one input",
        ["xs = [1, 2]\nxs", "total = sum(xs)\ntotal"],
        (
            'def compute_xs():\n    """Compute xs."""\n    xs = [1, 2]\n\n    return xs',
            'def compute_total(xs):\n    """Compute total."""\n    total = sum(xs)\n\n    return total',
        ),
        ("xs = utils.compute_xs()\nxs", "total = utils.compute_total(xs)\ntotal"),
    ),
    (
        "several returns are a tuple",
        # `a`, `b` bound again: variables, not config constants (tests/test_unpacking.py)
        ["a, b = 1, 2\nc = [a, b]", "print(a + b)", "a, b = b, a"],
        (
            'def compute_a():\n    """Compute a and b.\n\n    Returns:\n        a: the literal `1`.\n'
            '        b: the literal `2`.\n        c: computed from `a`, `b`.\n    """\n'
            "    a, b = 1, 2\n    c = [a, b]\n\n    return a, b, c",
            # the swap is the notebook's last word on `a` and `b`: returned, though nothing reads them after
            'def compute_a_b(a, b):\n    """Compute a and b.\n\n    Args:\n        a: returned by `compute_a`.\n'
            "        b: returned by `compute_a`.\n\n    Returns:\n        a: computed from `b`.\n"
            '        b: computed from `a`.\n    """\n    a, b = b, a\n\n    return a, b',
        ),
        ("a, b, c = utils.compute_a()", "print(a + b)", "a, b = utils.compute_a_b(a, b)"),
    ),
    (
        "a name a later cell reads is returned, one only the step reads is not",
        ["tmp = [1]\nxs = [t * 2 for t in tmp]", "print(xs)"],
        ('def compute_xs():\n    """Compute xs."""\n    tmp = [1]\n    xs = [t * 2 for t in tmp]\n\n    return xs',),
        ("xs = utils.compute_xs()", "print(xs)"),
    ),
    (
        "a shown last value is returned to the summary, not shown in the module",
        ["xs = [1]\nxs.pop()"],
        ('def compute_xs():\n    """Compute xs."""\n    xs = [1]\n    return xs.pop()',),
        ("utils.compute_xs()",),
    ),
    (
        "a shown value beside other returns is named and shown after the call",
        ["xs = [1]\nxs.pop()", "print(xs)"],
        (
            'def compute_xs():\n    """Compute xs.\n\n    Returns:\n'
            "        xs: a literal the code builds, then changed in place.\n"
            "        result: the value of the code's last expression, which the notebook showed.\n"
            '    """\n    xs = [1]\n    result = xs.pop()\n\n    return xs, result',
        ),
        ("xs, result = utils.compute_xs()\nresult", "print(xs)"),
    ),
    (
        "a ;-ended last line shows nothing",
        ["xs = [1]\nxs.pop();"],
        ('def compute_xs():\n    """Compute xs."""\n    xs = [1]\n    xs.pop()',),
        ("utils.compute_xs()",),
    ),
    (
        "a trailing read is shown by the summary",
        ["xs = [1]\nlen(xs)"],
        ('def compute_xs():\n    """Compute xs."""\n    xs = [1]\n\n    return xs',),
        ("xs = utils.compute_xs()\nlen(xs)",),
    ),
    (
        "a trailing ;-ended read keeps its ; in the summary",
        ["xs = [1]\nlen(xs);"],
        ('def compute_xs():\n    """Compute xs."""\n    xs = [1]\n\n    return xs',),
        ("xs = utils.compute_xs()\nlen(xs);",),
    ),
    (
        "a print stays in the function",
        ["xs = [1]\nxs", "ys = xs + [2]\nprint(ys)"],
        (
            'def compute_xs():\n    """Compute xs."""\n    xs = [1]\n\n    return xs',
            'def compute_ys(xs):\n    """Compute ys and print ys."""\n    ys = xs + [2]\n    print(ys)',
        ),
        ("xs = utils.compute_xs()\nxs", "utils.compute_ys(xs)"),
    ),
    (
        "the cells of one step are a blank line apart",
        ["xs = [1]\nys = [2]", "zs = xs + ys\nprint(xs)"],
        (
            'def compute_zs():\n    """Compute xs, ys and zs and print xs."""\n    xs = [1]\n    ys = [2]\n\n'
            "    zs = xs + ys\n    print(xs)\n\n    return zs",
        ),
        ("zs = utils.compute_zs()",),
    ),
    (
        "a name bound on some paths only starts as None",
        ["import random", "if random.random() > 2:\n    flag = 1", "print(flag)"],
        (
            'def compute_flag():\n    """Compute flag."""\n    flag = None  # bound below on some paths only\n'
            "    if random.random() > 2:\n        flag = 1\n\n    return flag",
        ),
        ("flag = utils.compute_flag()", "print(flag)"),
    ),
    (
        "the shown value's name is none the notebook uses",
        ["result = 1\nxs = [result]\nxs.pop()", "print(xs, result)"],
        (
            'def compute_xs():\n    """Compute xs.\n\n    Returns:\n'
            "        xs: computed from `result`, then changed in place.\n"
            "        result_2: the value of the code's last expression, which the notebook showed.\n"
            '    """\n    xs = [result]\n    result_2 = xs.pop()\n\n    return xs, result_2',
        ),
        ("xs, result_2 = utils.compute_xs()\nresult_2", "print(xs, result)"),
    ),
    (
        "an in-place change takes its object and returns nothing",
        ["xs = [1]\nxs", "xs.append(2)", "print(xs)"],
        (
            'def prepare_xs(xs):\n    """Change xs in place."""\n    xs.append(2)',
            'def compute_xs():\n    """Compute xs."""\n    xs = [1]\n\n    return xs',
        ),
        ("xs = utils.compute_xs()\nxs", "preprocess.prepare_xs(xs)", "print(xs)"),
    ),
    (
        "a constant is read from config, not passed",
        ["N = 3", "xs = [N]\nxs"],
        ('def compute_xs():\n    """Compute xs."""\n    xs = [N]\n\n    return xs',),
        ("xs = utils.compute_xs()\nxs",),
    ),
    (
        "a timed statement times the call",
        ["%time xs = [1]"],
        ('def compute_xs():\n    """Compute xs."""\n    xs = [1]\n\n    return xs',),
        ("%time xs = utils.compute_xs()",),
    ),
    (
        "a timed cell starts with its magic",
        ["%%time\nxs = [1]"],
        ('def compute_xs():\n    """Compute xs."""\n    xs = [1]\n\n    return xs',),
        ("%%time\nxs = utils.compute_xs()",),
    ),
    (
        "a heading names the step and its module when it names the code",
        [("markdown", "## Features"), "feature_xs = [1]"],
        ('def build_features():\n    """Compute feature_xs."""\n    feature_xs = [1]\n\n    return feature_xs',),
        ("## Features", "feature_xs = features.build_features()"),
    ),
    (
        "a heading that does not name the code does not name the step",
        [("markdown", "## So how well did we do?"), "xs = [1]"],
        ('def compute_xs():\n    """Compute xs."""\n    xs = [1]\n\n    return xs',),
        ("## So how well did we do?", "xs = utils.compute_xs()"),
    ),
]


@pytest.mark.parametrize(
    ("cells", "functions", "calls"), [case[1:] for case in FUNCTIONS], ids=[case[0] for case in FUNCTIONS]
)
def test_step_function_and_call(cells: list[CellSpec], functions: tuple[str, ...], calls: tuple[str, ...]) -> None:
    _, plan = plan_of(cells)
    rendered = tuple(f for text in modules_of(plan).values() for f in functions_of(text))
    assert (rendered, step_calls(cells)) == (functions, calls)


# (id, cells, the import lines of the one module the notebook makes)
IMPORTS = [
    ("nothing to import", ["xs = [1]\nxs"], ""),
    (
        "only what it uses",
        ["import os, json\nfrom collections import Counter, OrderedDict", "c = Counter([1])\nc"],
        "from collections import Counter",
    ),
    ("a module alias", ["import numpy as np", "xs = np.zeros(2)\nxs"], "import numpy as np"),
    (
        "a from-import, names merged and sorted",
        ["from math import sqrt, pi", "xs = [sqrt(pi)]\nxs"],
        "from math import pi, sqrt",
    ),
    ("a dotted import", ["import os.path", "p = os.path.join('a', 'b')\np"], "import os.path"),
    (
        "standard library, third party, the package: three groups",
        [
            "import os\nimport numpy as np\nfrom math import sqrt\nK = 2",
            "xs = np.array([sqrt(K)])\np = os.getcwd()\nxs",
        ],
        "import os\nfrom math import sqrt\n\nimport numpy as np\n\nfrom pkg.config import K",
    ),
    ("constants come from config", ["N = 3\nPATH = 'a.csv'", "xs = [N, PATH]\nxs"], "from pkg.config import N, PATH"),
    (
        "display comes from IPython",
        ["import pandas as pd", "df = pd.DataFrame()\ndisplay(df)\nn = len(df)"],
        "import pandas as pd\nfrom IPython.display import display",
    ),
    (
        "a definition's imports too",
        ["import numpy as np", "def scale(v):\n    return np.sqrt(v)", "ys = [scale(2)]\nys"],
        "import numpy as np",
    ),
    (
        "the notebook's lazy annotations are kept",
        ["from __future__ import annotations", "def f(a: Frame) -> int:\n    return 1", "ys = [f(1)]\nys"],
        "from __future__ import annotations",
    ),
]


@pytest.mark.parametrize(("cells", "imports"), [case[1:] for case in IMPORTS], ids=[case[0] for case in IMPORTS])
def test_module_imports(cells: list[CellSpec], imports: str) -> None:
    _, plan = plan_of(cells)
    (text,) = modules_of(plan).values()
    assert imports_of(text) == imports


def test_steps_and_definitions_share_their_module() -> None:
    """A definition and the step that calls it: one module, in notebook order, the
    function as it was written, the imports once."""
    _, plan = plan_of(["import numpy as np", "def scale(v):\n    return np.sqrt(v)", "ys = [scale(2)]\nys"])
    assert modules_of(plan) == {
        "utils": '"""Helpers used by the other modules."""\n\nimport numpy as np\n\n\n'
        "def scale(v):\n    return np.sqrt(v)\n\n\n"
        'def compute_ys():\n    """Compute ys."""\n    ys = [scale(2)]\n\n    return ys\n'
    }


CONFIG_HEAD = '"""Constants and paths of the notebook case.ipynb."""\n'
NOTEBOOK_DIR_HEAD = (
    "import os\nfrom pathlib import Path\n\n"
    "# The folder the notebook ran in: its relative paths resolve from there. Set\n"
    "# PKG_NOTEBOOK_DIR when the package is installed away from this project.\n"
    "NOTEBOOK_DIR = Path(\n"
    '    os.environ.get("PKG_NOTEBOOK_DIR") or Path(__file__).resolve().parents[2] / "../nb"\n'
    ").resolve()\n"
)

# (id, cells, what config.py holds after its docstring: no code needs the notebook's folder)
CONFIG = [
    ("no constants", ["xs = [1]"], ""),
    ("a literal", ["N = 3"], "\nN = 3\n"),
    ("black's quotes", ["LABEL = 'x'"], '\nLABEL = "x"\n'),
    ("a comment stays", ["N = 3  # rows"], "\nN = 3  # rows\n"),
    ("a tuple of literals", ["SIZE = (3, -4)"], "\nSIZE = (3, -4)\n"),
    (
        "several cells in order",
        ["N = 3", "xs = [N]", "PATH = 'a.csv'\nRATE = -0.5"],
        '\nN = 3\nPATH = "a.csv"\nRATE = -0.5\n',
    ),
    ("a rebound literal is not a constant", ["N = 3", "N = 4"], ""),
    ("a list is not a constant", ["xs = [1, 2]"], ""),
    ("a name of the package is not a constant", ["config = 3"], ""),
]


@pytest.mark.parametrize(("cells", "constants"), [case[1:] for case in CONFIG], ids=[case[0] for case in CONFIG])
def test_config(cells: list[CellSpec], constants: str) -> None:
    _, plan = plan_of(cells)
    text = render_config(plan, PACKAGE, "../nb", "case.ipynb")
    assert text.startswith(CONFIG_HEAD)
    body, function = text[len(CONFIG_HEAD) :].split("def show_package_warnings() -> None:")
    assert body.strip("\n") == constants.strip("\n")  # then what the summary calls first
    assert "os.chdir" not in text and "NOTEBOOK_DIR" not in text


def test_config_moves_to_the_notebook_folder_when_code_needs_it() -> None:
    _, plan = plan_of(["import os", "files = os.listdir('data')"])
    text = render_config(plan, PACKAGE, "../nb", "case.ipynb")
    assert text.startswith(CONFIG_HEAD + "\n" + NOTEBOOK_DIR_HEAD)
    assert "def work_in_notebook_folder() -> None:" in text and "os.chdir(NOTEBOOK_DIR)" in text


SETUP = ("code", "%load_ext autoreload\n%autoreload 2")

# (id, cells, the summary's cells but its second, which moves to the notebook's folder)
SUMMARY = [
    ("one step", ["xs = [1]"], [SETUP, ("code", "from pkg import utils"), ("code", "xs = utils.compute_xs()")]),
    ("no code: no setup either", [("markdown", "# Title")], [("markdown", "# Title")]),
    (
        "one call per step, in order, each module imported once",
        ["import pandas as pd", "df = pd.read_csv('a.csv')\ndf", "clean = df.dropna()\nclean", "n = len(clean)\nn"],
        [
            SETUP,
            ("code", "from pkg import data, preprocess, utils"),
            ("code", "df = data.load_df()\ndf"),
            ("code", "clean = preprocess.clean_df(df)\nclean"),
            ("code", "n = utils.compute_n(clean)\nn"),
        ],
    ),
    (
        "markdown in place, a kept cell verbatim under its reason",
        [("markdown", "# Title"), "xs = [1]", ("markdown", "More"), "!ls", "ys = xs + [2]"],
        [
            SETUP,
            ("code", "from pkg import utils"),
            ("markdown", "# Title"),
            ("code", "xs = utils.compute_xs()"),
            ("markdown", "More"),
            ("code", "# nb2pkg: kept as it is: this cell uses `!ls`, which only runs in a notebook\n!ls"),
            ("code", "ys = utils.compute_ys(xs)"),
        ],
    ),
    (
        "a raw cell stays",
        [("raw", "as it was"), "xs = [1]"],
        [SETUP, ("code", "from pkg import utils"), ("raw", "as it was"), ("code", "xs = utils.compute_xs()")],
    ),
    (
        "a setting makes the setup cell (no package code: no autoreload), a display stays with its imports",
        ["%matplotlib inline\nimport matplotlib.pyplot as plt", "plt.plot([1])"],
        [
            ("code", "%matplotlib inline"),
            ("code", "import matplotlib.pyplot as plt"),
            ("code", "plt.plot([1])"),
        ],
    ),
    (
        "what a kept cell reads is imported",
        ["import numpy as np\nxs = [1]", "!ls\nprint(np.mean(xs))"],
        [
            SETUP,
            ("code", "import numpy as np\n\nfrom pkg import utils"),
            ("code", "xs = utils.compute_xs()"),
            (
                "code",
                "# nb2pkg: kept as it is: this cell uses `!ls`, which only runs in a notebook\n!ls\nprint(np.mean(xs))",
            ),
        ],
    ),
    (
        "a constant the summary reads comes from config",
        ["N = 3", "print(N)"],
        [SETUP, ("code", "from pkg.config import N"), ("code", "print(N)")],
    ),
    (
        "a display cell stays a cell of its own",
        ["xs = [3, 1]", "sorted(xs)"],
        [SETUP, ("code", "from pkg import utils"), ("code", "xs = utils.compute_xs()"), ("code", "sorted(xs)")],
    ),
]


@pytest.mark.parametrize(("cells", "expected"), [case[1:] for case in SUMMARY], ids=[case[0] for case in SUMMARY])
def test_summary_cells(cells: list[CellSpec], expected: list[tuple[str, str]]) -> None:
    notebook, plan = plan_of(cells)
    found = summary_cells(notebook, plan)
    assert found[:1] + found[2:] == expected


def test_summary_shows_the_package_warnings() -> None:
    """The second cell: the config import only, then the package's warnings; no move to
    the notebook's folder when no code needs it."""
    notebook, plan = plan_of(["xs = [1]"])
    assert summary_cells(notebook, plan)[1] == (
        "code",
        "from pkg import config\n\n"
        "config.show_package_warnings()  # the package's deprecation warnings, as the notebook showed its own",
    )


def test_summary_moves_to_the_notebook_folder() -> None:
    """The second cell, when some code needs the notebook's folder: the working folder too."""
    notebook, plan = plan_of(["import os", "files = os.listdir('data')"])
    assert summary_cells(notebook, plan)[1] == (
        "code",
        "from pkg import config\n\n"
        "config.work_in_notebook_folder()  # where the notebook ran (its relative paths), and the package's warnings",
    )


def test_the_config_module_moves_to_the_notebook_folder_and_shows_the_package_warnings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What that call does, run: the working folder is the notebook's, and the package's
    deprecation warnings are shown (Python hides them outside `__main__`)."""
    import warnings

    notebook, plan = plan_of(["import os", "files = os.listdir('data')"])
    namespace: dict[str, object] = {"__file__": str(tmp_path / "src" / "pkg" / "config.py")}
    (tmp_path / "nb").mkdir()
    exec(render_config(plan, "pkg", "nb", "case.ipynb"), namespace)  # noqa: S102 - nb2pkg's own code
    monkeypatch.chdir(tmp_path)
    with warnings.catch_warnings():
        namespace["work_in_notebook_folder"]()  # type: ignore[operator]
        assert Path.cwd() == (tmp_path / "nb").resolve()
        assert any(f[0] == "default" and f[2] is DeprecationWarning for f in warnings.filters)


def test_a_summary_of_kept_cells_only_moves_to_the_folder_without_autoreload() -> None:
    """Nothing of the package runs: nothing to reload, but kept code may read files."""
    notebook, plan = plan_of(["!ls", ("markdown", "# End")])
    cells = summary_cells(notebook, plan)
    assert cells[0] == (
        "code",
        "from pkg import config\n\n"
        "config.work_in_notebook_folder()  # where the notebook ran (its relative paths), and the package's warnings",
    )
    assert [kind for kind, _ in cells[1:]] == ["code", "markdown"] and "!ls" in cells[1][1]


def test_summary_cell_ids_and_sources() -> None:
    """Stable ids in order; each code cell names the notebook cells it comes from."""
    notebook, plan = plan_of([("markdown", "# Title"), "xs = [1]", "!ls"])
    cells = json.loads(summary_notebook(notebook, plan, PACKAGE))["cells"]
    assert [(c["id"], c["metadata"]) for c in cells] == [
        ("nb2pkg-001", {"nb2pkg": {"source_cells": []}}),
        ("nb2pkg-002", {"nb2pkg": {"source_cells": []}}),
        ("nb2pkg-003", {"nb2pkg": {"source_cells": []}}),
        ("nb2pkg-004", {}),
        ("nb2pkg-005", {"nb2pkg": {"source_cells": ["cell1"]}}),
        (
            "nb2pkg-006",
            {"nb2pkg": {"kept": "uses `!ls`, which only runs in a notebook", "source_cells": ["cell2"]}},
        ),
    ]


# (id, cells, the keyword arguments of run() and its steps (in a `with` block when some
# code needs the notebook's folder: `!ls`))
PIPELINE = [
    ("one step", ["xs = [1]"], "", 'with step("compute_xs"):\n    xs = utils.compute_xs()'),
    (
        "steps in order, each logged",
        ["xs = [1, 2]\nxs", "total = sum(xs)\ntotal"],
        "",
        'with step("compute_xs"):\n    xs = utils.compute_xs()\nwith step("compute_total"):\n'
        "    total = utils.compute_total(xs)",
    ),
    (
        "a name a kept cell binds is an argument",
        ["!ls\nxs = [1]", "ys = xs + [2]"],
        "*, xs",
        'with step("compute_ys"):\n    ys = utils.compute_ys(xs)',
    ),
    (
        "the notebook's step and log are run()'s names: the helper is step_2",
        ['step = int("1")\nlog = [step]', ("markdown", "## Total"), "total = sum(log) + step"],
        "",
        'with step_2("compute_step"):\n    step, log = utils.compute_step()\nwith step_2("compute_total"):\n'
        "    total = utils.compute_total(log, step)",
    ),
]


@pytest.mark.parametrize(
    ("cells", "signature", "body"), [case[1:] for case in PIPELINE], ids=[case[0] for case in PIPELINE]
)
def test_pipeline_run(cells: list[CellSpec], signature: str, body: str) -> None:
    _, plan = plan_of(cells)
    text, _ = pipeline_module(plan, PACKAGE)
    match = re.search(
        r'^def run\((.*)\) -> dict\[str, object\]:\n    """.*?"""\n(    with working_directory\(.*?\):\n)?(.*?)\n    return ',
        text,
        re.S | re.M,
    )
    assert match is not None, text
    assert bool(match.group(2)) == ("!ls" in "".join(map(str, cells)))
    lines = [line.removeprefix("    " * (2 if match.group(2) else 1)) for line in match.group(3).splitlines()]
    assert (match.group(1), "\n".join(lines)) == (signature, body)


# The environment a conversion sees, fixed: the installed versions (by PEP 503 name) and the
# table of which distribution provides which import name, so that no row depends on what
# this machine has.
INSTALLED = {
    "scikit-learn": "1.4.2",
    "numpy": "1.26.4",
    "pandas": "2.2.1",
    "scipy": "1.11.4",
    "pyyaml": "6.0.1",
    "my-pkg": "3.1",
    "loose": "0.9",
}
PROVIDERS = {"numpy": ("numpy",), "pandas": ("pandas",), "scipy": ("scipy",), "mypkg_core": ("My-Pkg",)}
ENVIRONMENT = Versions(Environment(**{**vars(Environment.of_versions(INSTALLED)), "provides": PROVIDERS}))
HELPERS = LocalModules((LocalModule("helpers", "helpers.py", (("helpers.py", "import scipy\n"),), ("scipy",)),))

# (id, cells, local modules, the requirement lines of pyproject.toml, the unknown imports)
DEPENDENCIES = [
    ("the standard library needs nothing", ["import os, json\nfrom collections import abc"], LocalModules(), [], ()),
    ("a known mapping, not in the table", ["import sklearn"], LocalModules(), ["scikit-learn>=1.4"], ()),
    ("the same name, bound from the installed version", ["import numpy as np"], LocalModules(), ["numpy>=1.26"], ()),
    ("the table names the distribution", ["import mypkg_core"], LocalModules(), ["My-Pkg>=3.1"], ()),
    ("installed under the import's name", ["import loose"], LocalModules(), ["loose>=0.9"], ()),
    (
        "a submodule needs its top",
        ["import pandas.io\nfrom sklearn.linear_model import Ridge"],
        LocalModules(),
        ["pandas>=2.2", "scikit-learn>=1.4"],
        (),
    ),
    ("known, not installed: no bound", ["import bs4"], LocalModules(), ["beautifulsoup4"], ()),
    ("sorted without case", ["import yaml, numpy"], LocalModules(), ["numpy>=1.26", "PyYAML>=6.0"], ()),
    ("a local module needs nothing, what it imports does", ["import helpers"], HELPERS, ["scipy>=1.11"], ()),
    ("not installed: its own name", ["import nosuchthing_zz"], LocalModules(), ["nosuchthing_zz"], ()),
    ("a local-sounding import is not guessed", ["import my_utils"], LocalModules(), [], ("my_utils",)),
    ("a namespace is never guessed", ["import google.protobuf"], LocalModules(), [], ("google",)),
    ("a pip line's pin wins", ["import numpy", "!pip install numpy==1.0"], LocalModules(), ["numpy==1.0"], ()),
    ("a pip line places an unknown import", ["import odd", "!pip install odd"], LocalModules(), ["odd"], ()),
]


@pytest.mark.parametrize(
    ("cells", "local", "requirements", "unknown"),
    [case[1:] for case in DEPENDENCIES],
    ids=[case[0] for case in DEPENDENCIES],
)
def test_dependencies(
    cells: list[CellSpec],
    local: LocalModules,
    requirements: list[str],
    unknown: tuple[str, ...],
) -> None:
    conversion = convert(
        build_dataflow(notebook_of(cells)), Path("out"), package=PACKAGE, local=local, installed=ENVIRONMENT
    )
    project = tomllib.loads(conversion.files["pyproject.toml"])["project"]
    found = [r for r in project["dependencies"] if not r.startswith("typer")]  # python -m's, always (test_main_cli)
    assert (found, conversion.unknown_dependencies) == (requirements, unknown)


def summary_check(modules: list[str]) -> dict[str, Any]:
    """The generated tests' static check, run as they run it, for a package named `json`
    (a module that is there to import, with `json.decoder` one of its modules)."""
    namespace: dict[str, Any] = {
        "ast": ast,
        "builtins": builtins,
        "importlib": importlib,
        "json": json,
        "re": re,
        "Path": Path,
        "PACKAGE": "json",
        "MODULES": modules,
        "NOTEBOOK_UNBOUND": [],
    }
    exec(SUMMARY_CHECK, namespace)  # noqa: S102 - nb2pkg's own text, as the generated tests hold it
    return namespace


# (id, code cells of the summary, names the notebook reads unbound, the problems reported)
CHECKS = [
    ("bound before", ["x = 1", "print(x)"], [], []),
    ("never bound", ["print(y)"], [], ["s.ipynb: cell 1 reads y, which no earlier cell binds"]),
    ("bound only after", ["print(x)", "x = 1"], [], ["s.ipynb: cell 1 reads x, which no earlier cell binds"]),
    (
        "each name once per cell, sorted",
        ["b + a + b"],
        [],
        [
            "s.ipynb: cell 1 reads a, which no earlier cell binds",
            "s.ipynb: cell 1 reads b, which no earlier cell binds",
        ],
    ),
    ("builtins and IPython's names", ["display(len([]))\nIn, Out, _"], [], []),
    ("the notebook read it unbound too", ["print(y)"], ["y"], []),
    ("bound anywhere in the cell", ["for i in range(2):\n    total = i\nprint(total)"], [], []),
    ("function bodies are not checked", ["def f():\n    return y"], [], []),
    ("an import binds", ["import os.path\nfrom math import pi as p", "os, p"], [], []),
    ("a timed statement binds", ["%time x = 1", "print(x)"], [], []),
    ("a line magic may bind its words", ["%store -r data", "print(data)"], [], []),
    ("a cell magic may bind its words", ["%%capture out\nprint(1)", "out.show()"], [], []),
    ("another language's cell is not checked", ["%%bash\necho $y"], [], []),
    ("a cell that does not parse binds its words", ["x = (", "print(x)"], [], []),
    (
        "a star import ends the check",
        ["print(a)", "from math import *", "print(y)"],
        [],
        ["s.ipynb: cell 1 reads a, which no earlier cell binds"],
    ),
    (
        "a function the package's module lacks",
        ["from json import decoder", "decoder.JSONDecoder, decoder.gone"],
        [],
        ["s.ipynb: cell 2 uses json.decoder.gone, which is not there"],
    ),
]


@pytest.mark.parametrize(
    ("sources", "unbound", "problems"), [case[1:] for case in CHECKS], ids=[case[0] for case in CHECKS]
)
def test_summary_check(tmp_path: Path, sources: list[str], unbound: list[str], problems: list[str]) -> None:
    check = summary_check(["json.config", "json.decoder"])
    check["NOTEBOOK_UNBOUND"] = unbound
    summary = tmp_path / "s.ipynb"
    summary.write_text(json.dumps(make_notebook(list(sources))), encoding="utf-8")
    assert check["unbound_reads"](summary) == problems


@pytest.mark.parametrize(
    "cells", [case[1] for case in FUNCTIONS + SUMMARY], ids=[case[0] for case in FUNCTIONS + SUMMARY]
)
def test_rendered_summaries_pass_the_check(tmp_path: Path, cells: list[CellSpec]) -> None:
    """What nb2pkg writes reads nothing it does not bind (the package: a name it cannot
    import here, so attributes are not looked up)."""
    notebook, plan = plan_of(cells)
    summary = tmp_path / "s.ipynb"
    summary.write_text(summary_notebook(notebook, plan, PACKAGE), encoding="utf-8")
    check = summary_check([])
    check["NOTEBOOK_UNBOUND"] = read_before_bound(plan)
    assert check["unbound_reads"](summary) == []


# (id, cells, names the notebook reads before any cell binds them)
READ_BEFORE_BOUND = [
    ("bound before", ["x = 1", "print(x)"], []),
    ("bound after", ["print(x)", "x = 1"], ["x"]),
    ("never bound", ["xs = [y]"], ["y"]),
    ("builtins", ["print(len([]))"], []),
    ("imports bind", ["import os", "os.getcwd()"], []),
    ("a constant binds", ["N = 3", "xs = [N]"], []),
    ("a definition binds", ["def f():\n    return 1", "f()"], []),
]


@pytest.mark.parametrize(
    ("cells", "names"), [case[1:] for case in READ_BEFORE_BOUND], ids=[case[0] for case in READ_BEFORE_BOUND]
)
def test_read_before_bound(cells: list[CellSpec], names: list[str]) -> None:
    _, plan = plan_of(cells)
    assert read_before_bound(plan) == names


# (id, cells, the input files the generated tests look for)
INPUT_FILES = [
    ("a read", ["import pandas as pd", "df = pd.read_csv('a.csv')\ndf"], ["a.csv"]),
    ("through a constant", ["import pandas as pd\nPATH = 'b.csv'", "df = pd.read_csv(PATH)\ndf"], ["b.csv"]),
    ("written first", ["with open('c.txt', 'w') as f:\n    f.write('x')", "text = open('c.txt').read()\ntext"], []),
    ("an absolute path", ["text = open('/etc/hosts').read()\ntext"], []),
    ("a query is not a file", ["import pandas as pd", "df = pd.read_sql('select 1', None)\ndf"], []),
]


@pytest.mark.parametrize(("cells", "files"), [case[1:] for case in INPUT_FILES], ids=[case[0] for case in INPUT_FILES])
def test_input_files(cells: list[CellSpec], files: list[str]) -> None:
    _, plan = plan_of(cells)
    assert input_files(with_data_paths(plan)) == files
