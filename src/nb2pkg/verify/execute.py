"""Run a notebook in a fresh kernel and read back what each cell showed.

Every cell runs, also after one raises (errors are outputs like any other), so the
comparison sees the whole notebook. Kernels talk over local sockets, get a fixed hash
seed (set and dict order of strings is then the same in every run, original or summary)
and are killed when the run is interrupted.
"""

from __future__ import annotations

import atexit
import os
import signal
import tempfile
import weakref
from pathlib import Path
from typing import Any

from nb2pkg.errors import CannotVerify
from nb2pkg.notebook import Notebook
from nb2pkg.shown import read_items
from nb2pkg.verify.compare import Ran
from nb2pkg.verify.names import bound_names

_RUNNING: weakref.WeakSet[Any] = weakref.WeakSet()  # kernel managers of this process


def run_notebook(
    path: Path, notebook: Notebook, cwd: Path, pythonpath: Path | None, kernel: str, timeout: int
) -> list[Ran]:
    """Run every cell of `notebook` (read from `path`) in `cwd`; what each cell showed."""
    import nbformat
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    saved = _saved_cells(path, len(notebook.cells))
    document = nbformat.v4.new_notebook(cells=[_fresh(cell) for cell in notebook.cells])
    try:
        with tempfile.TemporaryDirectory(prefix="nb2pkg-kernel-") as sockets:
            client = _client_class()(
                document,
                timeout=timeout,
                kernel_name=kernel,
                allow_errors=True,
                kernel_manager_class=_local_kernel_manager(sockets),
                resources={"metadata": {"path": str(cwd)}},
            )
            try:
                client.execute(env=_environment(pythonpath))
            except BaseException:
                kill_kernels()  # interrupted or failed: no kernel may outlive the run
                _stop_if_interrupted(client)
                raise
            _stop_if_interrupted(client)
    except CellTimeoutError as error:
        raise CannotVerify(
            path, f"a cell ran longer than {timeout} s ({str(error).splitlines()[0]})", "raise --timeout"
        ) from None
    except DeadKernelError as error:
        raise CannotVerify(path, f"the kernel died ({error})", "check the notebook's memory use") from None
    return [_ran(cell, ran, raw) for cell, ran, raw in zip(notebook.cells, document.cells, saved, strict=True)]


def _stop_if_interrupted(client: Any) -> None:
    """Raise KeyboardInterrupt when Ctrl-C came during the run: through our handler, or
    through nbclient's before ours was in place (while the kernel started), which leaves
    a cleanup task behind (a private attribute, read with care)."""
    cleanup = getattr(client, "_async_cleanup_kernel_future", None)
    if cleanup is not None and cleanup.done() and not cleanup.cancelled():
        cleanup.exception()  # taken: its AssertionError (the kernel went first) is no news
    if client.interrupted or cleanup is not None:
        kill_kernels()
        raise KeyboardInterrupt


def _client_class() -> type:
    """nbclient takes SIGINT over while it runs (a loop handler that schedules a shutdown
    the blocked loop only gets to when the cell ends, minutes later perhaps). Ctrl-C here
    means stop now: the kernels are killed at once and KeyboardInterrupt ends the run."""
    from contextlib import asynccontextmanager

    from nbclient import NotebookClient

    class StoppableClient(NotebookClient):
        interrupted = False

        @asynccontextmanager
        async def async_setup_kernel(self, **kwargs: Any) -> Any:
            async with super().async_setup_kernel(**kwargs):
                try:  # over nbclient's handlers, which it removes when the run ends
                    signal.signal(signal.SIGINT, self.stop)
                    signal.signal(signal.SIGTERM, self.stop)
                except ValueError:
                    pass  # not the main thread: Ctrl-C is the main thread's
                yield

        def stop(self, *_: Any) -> None:
            self.interrupted = True
            kill_kernels()
            atexit.unregister(self._cleanup_kernel)  # nbclient's: it would wait on the dead kernel
            raise KeyboardInterrupt

    return StoppableClient


def kill_kernels() -> None:
    """Kill the kernels this process started and has not shut down yet (after Ctrl-C, or
    for a batch worker stopped at its time limit: kernels run in sessions of their own
    and would outlive it)."""
    for manager in list(_RUNNING):
        provisioner = getattr(manager, "provisioner", None)
        process, group = getattr(provisioner, "process", None), getattr(provisioner, "pgid", None)
        try:
            if group and hasattr(os, "killpg"):
                os.killpg(group, signal.SIGKILL)  # the kernel and whatever it started
            elif process is not None:
                process.kill()
            if process is not None:
                process.wait(5)  # reaped: no zombie left behind
        except Exception:  # noqa: BLE001 - stopping anyway: a kernel already gone is fine
            pass
        _RUNNING.discard(manager)


def _fresh(cell: Any) -> Any:
    """The cell to run: its source only (no saved outputs, which nbclient would keep on
    cells it skips)."""
    import nbformat

    if cell.kind == "code":
        return nbformat.v4.new_code_cell(cell.source)
    if cell.kind == "markdown":
        return nbformat.v4.new_markdown_cell(cell.source)
    return nbformat.v4.new_raw_cell(cell.source)


def _environment(pythonpath: Path | None) -> dict[str, str]:
    """The kernel's environment: ours, a fixed hash seed, the project's `src` first on the
    path for the summary notebook (nothing is installed)."""
    env = dict(os.environ, PYTHONHASHSEED="0")
    if pythonpath is not None:
        previous = env.get("PYTHONPATH")
        env["PYTHONPATH"] = os.pathsep.join([str(pythonpath), *([previous] if previous else [])])
    return env


def _saved_cells(path: Path, count: int) -> list[dict[str, Any]]:
    """The file's cells as saved (metadata, outputs), best effort: the notebook was read
    and checked already; a file nbformat cannot take just has none."""
    import nbformat

    try:
        document = nbformat.reads(path.read_bytes().decode("utf-8-sig"), as_version=4)
        cells = [dict(cell) for cell in document.cells]
    except Exception:  # noqa: BLE001 - what the saved outputs add is optional
        cells = []
    return cells if len(cells) == count else [{} for _ in range(count)]


def _ran(cell: Any, ran: Any, saved: dict[str, Any]) -> Ran:
    metadata = saved.get("metadata")
    marks = metadata.get("nb2pkg") if isinstance(metadata, dict) else None
    listed = marks.get("source_cells") if isinstance(marks, dict) else None
    sources = listed if isinstance(listed, list) else []
    code = cell.kind == "code" and bool(cell.source.strip())
    return Ran(
        items=tuple(read_items(ran)),
        id=cell.id,
        sources=tuple(s for s in sources if isinstance(s, (str, int)) and not isinstance(s, bool)),
        code=code,
        binds=bound_names(cell.source) if code else frozenset(),
        saved_error=next((i.content.split(":")[0] for i in read_items(saved) if i.kind == "error"), None),
    )


def _local_kernel_manager(folder: str) -> type:
    """Kernels talk over local sockets (IPC) in `folder`, not TCP: nothing listens on the
    network, and the kernel has nothing to warn about."""
    from jupyter_client.manager import KernelManager

    class LocalKernelManager(KernelManager):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(transport="ipc", ip=os.path.join(folder, "kernel"), **kwargs)
            _RUNNING.add(self)

    return LocalKernelManager
