"""`nb2pkg batch --scheduler`: a folder of notebooks converted on a real dask.distributed
cluster (a LocalCluster of two worker processes) gives the report and the projects a
local run gives, with a notebook that crashes its worker and one past its time limit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from support import make_notebook, write_notebook

ROOT = Path(__file__).resolve().parents[1]
distributed = pytest.importorskip("distributed")

# Loaded by every Python started with the hook's folder on PYTHONPATH: a process that
# converts notebooks for batch (a local pool worker, or the child a dask task starts)
# dies of SIGSEGV when it opens crash.ipynb, as one hit by a crash in a C extension would.
# The child of a dask task that opens lose_always.ipynb kills its dask worker (as a lost
# machine would); lose_once.ipynb does so the first time only, and lose_written.ipynb the
# first time only and late: as its project's record is moved into place, its files written.
CRASH_HOOK = """
import multiprocessing, os, signal, sys

_writing = []

def _lose_machine():
    os.kill(os.getppid(), signal.SIGKILL)
    os._exit(1)  # the lost machine takes this child with it

def _first_time(path):
    try:
        os.close(os.open(path + ".lost", os.O_CREAT | os.O_EXCL))
    except FileExistsError:
        return False
    return True

def _crash(event, args):
    if event == "os.rename" and _writing and str(args[1]).endswith(".nb2pkg.json"):
        _writing.append(args[1])
        if len(_writing) == 3:  # the record moved into place twice: before the files, and after
            _lose_machine()
    # the notebooks given to batch, not the summaries it writes under the same names
    if event != "open" or not args or not str(args[0]).endswith(".ipynb") or "/sources/" not in str(args[0]):
        return
    path = str(args[0])
    child = "nb2pkg/batch/child" in sys.argv[0]
    if path.endswith("crash.ipynb") and (child or multiprocessing.parent_process() is not None):
        os.kill(os.getpid(), signal.SIGSEGV)
    if child and path.endswith("lose_written.ipynb") and not _writing and _first_time(path):
        _writing.append(path)
    if child and (path.endswith("lose_always.ipynb") or (path.endswith("lose_once.ipynb") and _first_time(path))):
        _lose_machine()

sys.addaudithook(_crash)
"""


@pytest.fixture(scope="module")
def hook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hook")
    (folder / "sitecustomize.py").write_text(textwrap.dedent(CRASH_HOOK), encoding="utf-8")
    return folder


def environment(hook: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(hook)])}


@pytest.fixture(scope="module")
def cluster(hook: Path) -> Iterator[Any]:
    """Two worker processes, started with the crash hook in their environment (their
    children inherit it)."""
    import dask

    before = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = environment(hook)["PYTHONPATH"]
    # The scheduler gives up on a task at its first lost worker, so nb2pkg's own retry
    # shows; and sends a worker only the task it runs, so a worker's death fails no task
    # that was merely queued on it.
    settings = {"distributed.scheduler.allowed-failures": 0, "distributed.scheduler.worker-saturation": 1.0}
    try:
        with (
            dask.config.set(settings),
            distributed.LocalCluster(
                n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=40
            ) as running,
        ):
            yield running
    finally:
        if before is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = before


def nb2pkg(hook: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nb2pkg", *map(str, args)],
        capture_output=True,
        text=True,
        env=environment(hook),
        timeout=600,
        check=False,
    )


def files(root: Path) -> dict[str, bytes]:
    return {path.relative_to(root).as_posix(): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


def statuses(report: Path) -> dict[str, tuple[str, str | None]]:
    rows = json.loads(report.read_text(encoding="utf-8"))["notebooks"]
    return {Path(row["path"]).name: (row["status"], row["reason"]) for row in rows}


@pytest.mark.slow
@pytest.mark.kernel
def test_a_cluster_run_reports_and_writes_what_a_local_run_does(cluster: Any, hook: Path, tmp_path: Path) -> None:
    notebooks = tmp_path / "sources"
    notebooks.mkdir()
    for name, value in (("a", 1), ("b", 2)):
        write_notebook(notebooks / f"{name}.ipynb", make_notebook([f"x = {value}", "print(x * 21)"]))
    write_notebook(notebooks / "crash.ipynb", make_notebook(["y = 1", "print(y)"]))
    pid_file = tmp_path / "kernel.pid"
    hang = [f"import os, time\nopen({str(pid_file)!r}, 'w').write(str(os.getpid()))", "time.sleep(600)"]
    write_notebook(notebooks / "hangs.ipynb", make_notebook(hang))
    (notebooks / "broken.ipynb").write_text('{"cells": [', encoding="utf-8")
    common = ["--verify", "--timeout", "25"]

    local = nb2pkg(hook, "batch", notebooks, "--out", tmp_path / "local", "--report", tmp_path / "local.json", *common)
    assert local.returncode == 1, local.stderr
    with pytest.raises(ProcessLookupError):
        os.kill(int(pid_file.read_text()), 0)
    pid_file.unlink()
    on_cluster = nb2pkg(
        hook, "batch", notebooks, "--out", tmp_path / "dask", "--report", tmp_path / "dask.json",
        "--scheduler", cluster.scheduler_address, *common,
    )  # fmt: skip
    assert on_cluster.returncode == 1, on_cluster.stderr
    assert "Traceback" not in on_cluster.stderr

    expected = {
        "a.ipynb": ("converted", None),
        "b.ipynb": ("converted", None),
        "crash.ipynb": ("failed", "worker crashed"),
        "hangs.ipynb": ("failed", "timed out"),
        "broken.ipynb": ("failed", "invalid file"),
    }
    assert statuses(tmp_path / "local.json") == expected
    assert statuses(tmp_path / "dask.json") == expected
    rows = {Path(row["path"]).name: row for row in json.loads((tmp_path / "dask.json").read_text())["notebooks"]}
    assert "killed by SIGSEGV" in rows["crash.ipynb"]["message"]
    assert "timed out after 25 s" in rows["hangs.ipynb"]["message"]
    assert rows["a.ipynb"]["verify"]["status"] == "match"
    assert files(tmp_path / "dask") == files(tmp_path / "local")  # the same projects, byte for byte
    with pytest.raises(ProcessLookupError):  # the hanging kernel was stopped with its notebook
        os.kill(int(pid_file.read_text()), 0)

    nb2pkg(
        hook, "batch", notebooks, "--out", tmp_path / "dask", "--report", tmp_path / "again.json",
        "--scheduler", cluster.scheduler_address,
    )  # fmt: skip
    assert statuses(tmp_path / "again.json")["a.ipynb"] == ("unchanged", None)  # in sync: not sent again

    def nb2pkg_children() -> int:
        import psutil

        return sum("nb2pkg.batch.child" in " ".join(child.cmdline()) for child in psutil.Process().children())

    with distributed.Client(cluster) as client:  # the batch stopped the children it left idle
        assert sum(client.run(nb2pkg_children).values()) == 0


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("lose_once", ("converted", None)),
        ("lose_written", ("converted", None)),
        ("lose_always", ("failed", "worker lost")),
    ],
    ids=["lost once, then converted", "lost after writing its project", "lost twice"],
)
def test_a_lost_worker_is_retried_once(
    cluster: Any, hook: Path, tmp_path: Path, name: str, expected: tuple[str, str | None]
) -> None:
    # One notebook that loses workers at a time: a worker's death fails every task the
    # scheduler had placed on it, and this test counts the deaths of one notebook's tries.
    # A task run again (retried, or because the worker holding its result was lost) finds
    # the project its first run wrote: converted by this batch all the same.
    cluster.wait_for_workers(2, timeout=60)
    notebooks = tmp_path / "sources"
    notebooks.mkdir()
    for each in (name, "fine"):
        write_notebook(notebooks / f"{each}.ipynb", make_notebook(["x = 1", "print(x)"]))
    report = tmp_path / "report.json"
    result = nb2pkg(
        hook,
        "batch",
        notebooks,
        "--out",
        tmp_path / "out",
        "--report",
        report,
        "--scheduler",
        cluster.scheduler_address,
    )
    assert result.returncode == (0 if expected[0] == "converted" else 1), result.stderr
    assert statuses(report) == {"fine.ipynb": ("converted", None), f"{name}.ipynb": expected}, result.stderr
    if expected[0] == "failed":
        assert "its dask worker was lost twice (KilledWorker" in result.stderr


@pytest.mark.slow
def test_scheduler_problems_are_one_line(tmp_path: Path, hook: Path) -> None:
    write_notebook(tmp_path / "a.ipynb", make_notebook(["x = 1"]))
    unreachable = nb2pkg(
        hook, "batch", tmp_path / "a.ipynb", "--out", tmp_path / "o", "--scheduler", "tcp://127.0.0.1:9"
    )
    assert unreachable.returncode == 2
    assert unreachable.stderr.count("\n") == 1 and "cannot reach the dask scheduler" in unreachable.stderr
    both = nb2pkg(hook, "batch", tmp_path / "a.ipynb", "--out", tmp_path / "o", "--scheduler", "x:1", "--jobs", "2")
    assert both.returncode == 2 and "drop --jobs" in both.stderr


@pytest.mark.slow
def test_without_distributed_the_command_says_how_to_install_it(tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.mkdir()
    (blocker / "sitecustomize.py").write_text(
        "import sys\n"
        "class Missing:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] == 'distributed':\n"
        "            raise ModuleNotFoundError(f'No module named {name!r}', name=name)\n"
        "sys.meta_path.insert(0, Missing())\n",
        encoding="utf-8",
    )
    write_notebook(tmp_path / "a.ipynb", make_notebook(["x = 1"]))
    result = nb2pkg(blocker, "batch", tmp_path / "a.ipynb", "--out", tmp_path / "o", "--scheduler", "tcp://h:8786")
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip() == (
        "--scheduler tcp://h:8786: needs dask.distributed, which is not installed; "
        'install it: pip install "nb2pkg[dask]"'
    )
