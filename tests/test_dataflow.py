"""Notebook-level dataflow: flows between cells and the warnings only the whole
notebook shows; plus the golden `inspect --json` fixtures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nb2pkg import inspection as report
from nb2pkg.dataflow import Flow, build_dataflow
from nb2pkg.diagnostics import Diagnostic
from nb2pkg.notebook import read_notebook
from support import FIXTURES, ROOT, make_notebook, write_notebook


def dataflow_of(tmp_path: Path, cells: list, counts: list | None = None):  # type: ignore[no-untyped-def]
    path = write_notebook(tmp_path / "n.ipynb", make_notebook(cells, counts=counts))
    return build_dataflow(read_notebook(path))


def test_flows_come_from_the_last_writer(tmp_path: Path) -> None:
    flow = dataflow_of(tmp_path, ["df = load()", "df.dropna(inplace=True)", ("markdown", "# x"), "print(df)"])
    assert flow.flows == (Flow(0, 1, ("df",)), Flow(1, 3, ("df",)))


def test_deleted_names_flow_no_further(tmp_path: Path) -> None:
    flow = dataflow_of(tmp_path, ["x = 1", "del x", "print(x)"])
    assert flow.flows == (Flow(0, 1, ("x",)),)


def test_use_before_definition_warns_with_the_defining_cell(tmp_path: Path) -> None:
    flow = dataflow_of(tmp_path, ["y = x + 1", "x = 1"])
    assert flow.cell_warnings[0] == (
        Diagnostic(
            1,
            None,
            "uses `x` (cell 2) before the cell that defines it: the notebook ran out of order "
            "(hidden state); nb2pkg converts in document order",
        ),
    )


def test_never_defined_name_warns(tmp_path: Path) -> None:
    flow = dataflow_of(tmp_path, ["y = ghost + 1"])
    assert flow.cell_warnings[0] == (
        Diagnostic(1, None, "uses `ghost`, which no cell defines (hidden state); define it in an earlier cell"),
    )


def test_star_import_silences_never_defined(tmp_path: Path) -> None:
    flow = dataflow_of(tmp_path, ["from math import *", "r = sqrt(2)"])
    assert flow.cell_warnings == (
        (Diagnostic(1, 1, "`from math import *`: nb2pkg cannot see which names it binds; import the names you use"),),
        (),
    )


def test_unparsed_cell_is_named_as_a_possible_source(tmp_path: Path) -> None:
    flow = dataflow_of(tmp_path, ["x = 1\nprint x", "y = x"])
    assert "or from cell 1, which does not parse" in flow.cell_warnings[1][0].message


def test_execution_counts_out_of_order(tmp_path: Path) -> None:
    flow = dataflow_of(tmp_path, ["a = 1", "b = 2", "c = 3", "d = 4"], counts=[1, 9, 2, 3])
    assert [bool(w) for w in flow.cell_warnings] == [False, True, False, False]
    assert "execution count [9] is higher than that of a later cell ([2])" in flow.cell_warnings[1][0].message


def test_in_order_and_unexecuted_cells_do_not_warn(tmp_path: Path) -> None:
    flow = dataflow_of(tmp_path, ["a = 1", "b = a", "c = b"], counts=[1, None, 3])
    assert flow.warnings == ()


def test_json_shape(tmp_path: Path) -> None:
    flow = dataflow_of(tmp_path, [("markdown", "# T"), "import os\nx = os.sep\n%time y = x"])
    data = report.to_json(flow)
    assert set(data) == {"notebook", "language", "cells", "warnings"}
    assert data["language"] == "python"
    markdown, code = data["cells"]
    assert markdown == {
        "index": 0,
        "id": "cell0",
        "type": "markdown",
        "defines": [],
        "uses": [],
        "mutates": [],
        "imports": [],
        "magics": [],
        "warnings": [],
    }
    assert code == {
        "index": 1,
        "id": "cell1",
        "type": "code",
        "defines": ["os", "x", "y"],
        "uses": [],
        "mutates": [],
        "imports": ["os"],
        "magics": ["%time"],
        "warnings": [],
    }


def test_mermaid_groups_cells_under_headings(tmp_path: Path) -> None:
    flow = dataflow_of(tmp_path, ["x = 1", ("markdown", '## Use "x" <here>'), "y = x"])
    assert report.to_mermaid(flow) == (
        "flowchart TD\n"
        '    c1["cell 1: x"]\n'
        '    subgraph s2["Use #quot;x#quot; #lt;here#gt;"]\n'
        '        c3["cell 3: y"]\n'
        "    end\n"
        '    c1 -->|"x"| c3\n'
    )


GOLDEN = sorted((FIXTURES / "inspect").glob("*/input.ipynb"))


@pytest.mark.parametrize("path", GOLDEN, ids=[p.parent.name for p in GOLDEN])
def test_golden_inspect(path: Path, update_golden: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    relative = path.relative_to(ROOT)
    actual = report.to_json(build_dataflow(read_notebook(relative)))
    expected_path = path.parent / "expected.json"
    if update_golden:
        expected_path.write_text(json.dumps(actual, indent=2) + "\n", encoding="utf-8")
    assert actual == json.loads(expected_path.read_text(encoding="utf-8"))
