"""A conversion pauses Python's cyclic garbage collector and leaves it as it found it."""

from __future__ import annotations

import gc
import threading
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from nb2pkg import api
from nb2pkg.collector import collections_paused

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "explore.ipynb"


@pytest.fixture(autouse=True)
def collector_on() -> Iterator[None]:
    gc.enable()
    yield
    gc.enable()


def test_paused_inside_and_running_after_even_when_the_block_raises() -> None:
    with collections_paused():
        assert not gc.isenabled()
        with collections_paused():  # a conversion inside another
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ValueError), collections_paused():
        raise ValueError("boom")
    assert gc.isenabled()


def test_a_collector_the_caller_stopped_stays_stopped() -> None:
    gc.disable()
    with collections_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_overlapping_conversions_in_threads_resume_it_when_the_last_ends() -> None:
    inside, release = threading.Event(), threading.Event()

    def long_one() -> None:
        with collections_paused():
            inside.set()
            release.wait(10)

    thread = threading.Thread(target=long_one)
    thread.start()
    assert inside.wait(10)
    with collections_paused():
        pass
    assert not gc.isenabled()  # the other conversion still runs
    release.set()
    thread.join(10)
    assert gc.isenabled()


def test_converting_leaves_the_collector_as_it_was(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen = []
    original = api._convert

    def spy(*args: object, **kwargs: object) -> api.Converted:
        seen.append(gc.isenabled())
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(api, "_convert", spy)
    api.convert(EXAMPLE, tmp_path / "on", write=False)
    assert gc.isenabled()
    gc.disable()
    api.convert(EXAMPLE, tmp_path / "off", write=False)
    assert not gc.isenabled()
    assert seen == [False, False]


def test_a_batch_worker_resumes_the_collector_once_the_conversion_is_dropped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Resumed while the conversion's objects were alive, the collector's first run walked
    all of them after every notebook of a batch; now it walks what outlives them."""
    from nb2pkg import batch
    from nb2pkg.options import Options

    made: list[weakref.ref[api.Converted]] = []
    alive_when_resumed: list[bool] = []
    original, enable = api._convert, gc.enable

    def convert(*args: Any, **kwargs: Any) -> api.Converted:
        converted = original(*args, **kwargs)
        made.append(weakref.ref(converted))
        return converted

    def resumed() -> None:
        alive_when_resumed.append(any(ref() is not None for ref in made))
        enable()

    monkeypatch.setattr(api, "_convert", convert)
    monkeypatch.setattr(gc, "enable", resumed)
    outcome = batch.convert_one(batch.find_jobs([EXAMPLE], Options(tmp_path / "out"))[0])
    assert outcome.status.value == "converted"
    assert made and alive_when_resumed == [False]
