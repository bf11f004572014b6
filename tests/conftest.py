"""pytest's options and fixtures: golden updates, and the guard that no test writes outside
its temporary folders. The helpers the tests share are in `support`."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from support import CORPUS, ROOT

# CI runs the same hypothesis examples every time (HYPOTHESIS_PROFILE=ci, set by .ci/run),
# so a submission is judged on the code, not on the draw; a developer's runs draw anew
# each time and keep what fails in the local example database, to find the next failure.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite the expected files of golden fixtures from the current output",
    )


def _listing(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under `folder` (the checkout: tracked and untracked, not ignored) with its
    size and modification time, to see afterwards whether a test wrote there."""
    if not folder.is_dir():
        return {}
    if (folder / ".git").exists():
        names = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=folder,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split("\0")
    else:
        names = [
            os.path.relpath(os.path.join(top, name), folder) for top, _, files in os.walk(folder) for name in files
        ]
    found = {}
    for name in filter(None, names):
        try:
            stat = (folder / name).lstat()
        except FileNotFoundError:  # tracked but deleted by hand: not the tests' doing
            continue
        found[name] = (stat.st_size, stat.st_mtime_ns)
    return found


def _changes(before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]]) -> list[str]:
    return sorted(
        [f"new {name}" for name in after.keys() - before.keys()]
        + [f"removed {name}" for name in before.keys() - after.keys()]
        + [f"changed {name}" for name in before.keys() & after.keys() if before[name] != after[name]]
    )


@pytest.fixture(scope="session", autouse=True)
def nothing_written_outside_tmp(update_golden_session: bool) -> Iterator[None]:
    """Tests write only into temporary folders: the suite fails when the checkout or the
    corpus has changed after it (`--update-golden` rewrites `fixtures/` on purpose)."""
    folders = [ROOT, CORPUS]
    before = [_listing(folder) for folder in folders]
    yield
    problems = []
    for folder, listed in zip(folders, before, strict=True):
        changes = _changes(listed, _listing(folder))
        if update_golden_session and folder == ROOT:
            changes = [c for c in changes if not c.split(" ", 1)[1].startswith("fixtures/")]
        problems += [f"{folder}: {change}" for change in changes]
    if problems:
        pytest.fail("tests wrote outside their temporary folders:\n" + "\n".join(problems[:50]), pytrace=False)


@pytest.fixture(scope="session")
def update_golden_session(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))
