"""The command collects cyclic garbage less often while it runs (issue 16: collecting
took a tenth of a small conversion), and leaves the collector as it was after."""

from __future__ import annotations

import gc
import importlib
import sys

import pytest

from nb2pkg.collector import THRESHOLD

cli_app = importlib.import_module("nb2pkg.cli.app")  # the module: `nb2pkg.cli.app` is also the Typer app's name


def test_main_runs_the_command_with_fewer_collections_then_restores_them(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[int, ...]] = []

    def command(prog_name: str) -> None:
        seen.append(gc.get_threshold())
        raise SystemExit(0)

    before = gc.get_threshold()
    monkeypatch.setattr(cli_app, "app", command)
    with pytest.raises(SystemExit):
        cli_app.main()
    assert seen == [THRESHOLD]
    assert gc.get_threshold() == before


def test_a_real_command_leaves_the_collector_as_it_was(monkeypatch: pytest.MonkeyPatch) -> None:
    before = gc.get_threshold()
    monkeypatch.setattr(sys, "argv", ["nb2pkg", "--help"])
    with pytest.raises(SystemExit) as ended:
        cli_app.main()
    assert ended.value.code == 0
    assert gc.get_threshold() == before
