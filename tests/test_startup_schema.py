"""The schema check that spares nbformat: whatever it finds surely valid, nbformat finds
valid and leaves unchanged; and reading a notebook gives the same warnings with it as
with nbformat alone (generated notebooks, odd ones, and the corpus)."""

from __future__ import annotations

import copy
import json
import warnings
from pathlib import Path
from typing import Any

import nbformat
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nb2pkg import notebook as reader
from nb2pkg.errors import InputError
from nb2pkg.nbschema import _ids_complete, notebook_text, surely_valid
from support import CORPUS as SHARED_CORPUS

CORPUS = SHARED_CORPUS / "notebooks"


def nbformat_verdict(data: dict[str, Any]) -> tuple[bool, bool]:
    """(valid, unchanged) by nbformat itself."""
    copied = copy.deepcopy(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            nbformat.validate(copied, version=4)
    except Exception:  # noqa: BLE001 - any refusal is a verdict
        return False, copied == data
    return True, copied == data


# Values of every JSON kind, the odd ones nbformat's rules turn on included.
ODD = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.sampled_from([1.0, 2.5, -1.0]),
    st.sampled_from(["", "x", "auto", "a,b", "code", "stream", "abc-_1", "a b", "x" * 70, "abc\n"]),
    st.lists(st.sampled_from(["a", "b", "a,b", ""]), max_size=3),
    st.lists(st.integers(0, 2), max_size=2),
    st.dictionaries(st.sampled_from(["a", "text/plain", "application/json", "image/png"]), st.text(max_size=3)),
)
TEXT = st.one_of(st.text(max_size=5), st.lists(st.text(max_size=5), max_size=3))


@st.composite
def outputs(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["stream", "execute_result", "display_data", "error", "other"]))
    output: dict[str, Any] = {"output_type": kind}
    if kind == "stream":
        output.update(name=draw(st.sampled_from(["stdout", "stderr", "other"])), text=draw(TEXT))
    elif kind in ("execute_result", "display_data"):
        output.update(data={"text/plain": draw(TEXT)}, metadata={})
        if kind == "execute_result":
            output["execution_count"] = draw(st.one_of(st.none(), st.integers(0, 5)))
    elif kind == "error":
        output.update(ename="E", evalue="v", traceback=draw(st.lists(st.text(max_size=3), max_size=2)))
    return _spoilt(draw, output, ["output_type", "name", "text", "data", "metadata", "execution_count", "ename"])


def _spoilt(draw: st.DrawFn, item: dict[str, Any], keys: list[str]) -> dict[str, Any]:
    """Sometimes one key removed or given an odd value, or an unknown key added."""
    how = draw(st.sampled_from(["keep", "keep", "keep", "drop", "odd", "extra"]))
    key = draw(st.sampled_from(keys))
    if how == "drop":
        item.pop(key, None)
    elif how == "odd":
        item[key] = draw(ODD)
    elif how == "extra":
        item["unknown"] = draw(ODD)
    return item


@st.composite
def cells(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["code", "markdown", "raw", "heading"]))
    cell: dict[str, Any] = {"cell_type": kind, "metadata": {}, "source": draw(TEXT)}
    if draw(st.booleans()):
        cell["id"] = draw(st.sampled_from(["c1", "c2", "c3", "bad id", ""]))
    if draw(st.booleans()):
        cell["metadata"] = draw(
            st.fixed_dictionaries(
                {}, optional={"tags": ODD, "scrolled": ODD, "collapsed": ODD, "name": ODD, "jupyter": ODD}
            )
        )
    if kind == "code":
        cell["execution_count"] = draw(st.one_of(st.none(), st.integers(-1, 5), st.just(1.0)))
        cell["outputs"] = draw(st.lists(outputs(), max_size=3))
    if kind in ("markdown", "raw") and draw(st.booleans()):
        cell["attachments"] = draw(ODD)
    return _spoilt(draw, cell, ["cell_type", "metadata", "source", "execution_count", "outputs", "id"])


@st.composite
def notebooks(draw: st.DrawFn) -> dict[str, Any]:
    data: dict[str, Any] = {
        "cells": draw(st.lists(cells(), max_size=4)),
        "metadata": draw(
            st.fixed_dictionaries(
                {},
                optional={
                    "kernelspec": st.fixed_dictionaries({"name": ODD, "display_name": ODD}),
                    "language_info": st.fixed_dictionaries({"name": ODD}, optional={"codemirror_mode": ODD}),
                    "orig_nbformat": ODD,
                    "title": ODD,
                },
            )
        ),
        "nbformat": 4,
        "nbformat_minor": draw(st.one_of(st.integers(0, 6), st.just(True), st.just(2.0))),
    }
    return _spoilt(draw, data, ["cells", "metadata", "nbformat_minor"])


@pytest.mark.slow
@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(notebooks())
def test_what_is_surely_valid_nbformat_finds_valid_and_leaves_alone(data: dict[str, Any]) -> None:
    if surely_valid(copy.deepcopy(data)):
        assert nbformat_verdict(data) == (True, True)


def test_the_generator_reaches_both_verdicts() -> None:
    seen = set()

    @settings(max_examples=200, deadline=None, database=None)
    @given(notebooks())
    def record(data: dict[str, Any]) -> None:
        seen.add(surely_valid(data))

    record()
    assert seen == {True, False}


def _warnings(path: Path, text: str) -> tuple[str, ...] | str:
    try:
        return tuple(d.message for d in reader.read_notebook_text(path, text).warnings)
    except InputError as error:
        return str(error)


NOTEBOOKS = sorted(CORPUS.glob("*.ipynb")) if CORPUS.is_dir() else []


@pytest.mark.slow
@pytest.mark.corpus
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name[:50] for p in NOTEBOOKS])
def test_the_corpus_reads_the_same_with_and_without_nbformat(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = path.read_text(encoding="utf-8-sig")
    data = json.loads(text)
    if isinstance(data, dict) and data.get("nbformat") == 4 and surely_valid(copy.deepcopy(data)):
        assert nbformat_verdict(data) == (True, True)
    fast = _warnings(path, text)
    monkeypatch.setattr(reader, "surely_valid", lambda data: False)
    assert fast == _warnings(path, text)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(notebooks())
def test_generated_notebooks_read_the_same_with_and_without_nbformat(data: dict[str, Any]) -> None:
    text = json.dumps(data)
    fast = _warnings(Path("x.ipynb"), text)
    original = reader.surely_valid
    try:
        reader.surely_valid = lambda data: False  # type: ignore[assignment]
        slow = _warnings(Path("x.ipynb"), text)
    finally:
        reader.surely_valid = original  # type: ignore[assignment]
    random_ids = isinstance(data.get("nbformat_minor"), int) and data["nbformat_minor"] >= 5 and not _ids_complete(data)
    if not random_ids:  # nbformat gives 4.5 cells without ids random ones, and its message may show them
        assert fast == slow


def _nbformat_text(data: dict[str, Any]) -> str:
    return str(nbformat.writes(nbformat.from_dict(copy.deepcopy(data)), version=4))


@pytest.mark.slow
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(notebooks())
def test_a_notebook_is_written_as_nbformat_writes_it(data: dict[str, Any]) -> None:
    data = {**data, "nbformat": 4}
    if isinstance(data.get("cells"), list) and all(isinstance(cell, dict) for cell in data["cells"]):
        for number, cell in enumerate(data["cells"]):
            cell["id"] = f"nb2pkg-{number:03d}"
    if surely_valid(copy.deepcopy(data)):
        before = copy.deepcopy(data)
        assert notebook_text(data) == _nbformat_text(data)
        assert data == before  # the document is not changed


@pytest.mark.corpus
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name[:50] for p in NOTEBOOKS])
def test_corpus_notebooks_are_written_as_nbformat_writes_them(path: Path) -> None:
    data = json.loads(path.read_text(encoding="utf-8-sig"))
    if not isinstance(data, dict) or data.get("nbformat") != 4 or not isinstance(data.get("cells"), list):
        return
    data["nbformat_minor"] = 5
    data["metadata"] = {**data.get("metadata", {}), "signature": "x", "orig_nbformat": 3}  # stripped by both
    for number, cell in enumerate(data["cells"]):
        cell["id"] = f"nb2pkg-{number:03d}"
        if isinstance(cell.get("metadata"), dict):
            cell["metadata"]["trusted"] = True
    assert notebook_text(data) == _nbformat_text(data)
