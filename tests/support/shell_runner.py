"""Run notebooks' code cells in IPython's `InteractiveShell`, each notebook in a fresh
process, and record what a reader sees per cell: printed text, shown values, displays
and error names, in order.

A server process imports IPython once; every run is a fork of it, so each notebook
starts from the same clean interpreter in a fraction of the time a new interpreter (or a
Jupyter kernel) takes. `python -m PACKAGE` runs the same way, through `runpy`.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Event = tuple[str, str]  # ("out", text) | ("result", text/plain) | ("display", text/plain) | ("error", name)

# What legitimately varies between two runs: addresses, timings.
_MASKS = (
    (re.compile(r"0x[0-9a-fA-F]+"), "0x..."),
    (re.compile(r"^(CPU times|Wall time):.*$", re.MULTILINE), r"\1: ..."),
)


@dataclass(frozen=True)
class CellRun:
    """What one cell showed: events in order (stdout merged), and its stderr."""

    events: tuple[Event, ...]
    stderr: str


@dataclass(frozen=True)
class ModuleRun:
    """`python -m PACKAGE`: its exit (0 when it ran to the end) and its output."""

    ok: bool
    error: str
    stdout: str


def mask(text: str) -> str:
    for pattern, replacement in _MASKS:
        text = pattern.sub(replacement, text)
    return text


class ShellServer:
    """A process that forks one child per run; use it as a context manager."""

    def __init__(self, timeout: float = 30.0) -> None:
        self.timeout = timeout
        env = dict(os.environ, MPLBACKEND="Agg", PYTHONHASHSEED="0", PYDEVD_DISABLE_FILE_VALIDATION="1")
        self.process = subprocess.Popen(
            [sys.executable, "-u", __file__, "--serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )

    def __enter__(self) -> ShellServer:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            self.process.wait(timeout=10)

    def _ask(self, request: dict[str, Any]) -> dict[str, Any]:
        with tempfile.TemporaryDirectory() as folder:
            answer = Path(folder) / "answer.json"
            request = dict(request, answer=str(answer), timeout=self.timeout)
            assert self.process.stdin is not None and self.process.stdout is not None
            self.process.stdin.write(json.dumps(request) + "\n")
            self.process.stdin.flush()
            line = self.process.stdout.readline()
            if not line:
                raise RuntimeError("the shell server died")
            if not answer.exists():
                return {"crashed": line.strip()}
            return json.loads(answer.read_text(encoding="utf-8"))

    def run_cells(self, cells: list[str], cwd: Path, path: tuple[str, ...] = ()) -> list[CellRun]:
        """Every cell in order in one fresh shell (errors do not stop the run)."""
        got = self._ask({"kind": "cells", "cells": cells, "cwd": str(cwd), "path": list(path)})
        if "crashed" in got:
            return [CellRun((("error", "crashed:" + got["crashed"]),), "")] * len(cells)
        return [CellRun(tuple((k, v) for k, v in run["events"]), run["stderr"]) for run in got["runs"]]

    def run_module(self, package: str, cwd: Path, path: tuple[str, ...]) -> ModuleRun:
        """`python -m package` with `path` first on sys.path."""
        got = self._ask({"kind": "module", "package": package, "cwd": str(cwd), "path": list(path)})
        if "crashed" in got:
            return ModuleRun(False, "crashed: " + got["crashed"], "")
        return ModuleRun(got["ok"], got["error"], got["stdout"])


# -- the server side ---------------------------------------------------------------------


def _serve() -> None:
    import IPython.core.interactiveshell

    assert IPython.core.interactiveshell  # imported once, before the forks

    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            try:
                _child(request)
            finally:
                os._exit(0)
        _, status = os.waitpid(pid, 0)
        sys.stdout.write(f"{status}\n")
        sys.stdout.flush()


def _child(request: dict[str, Any]) -> None:
    import signal

    signal.alarm(int(request["timeout"]))
    os.chdir(request["cwd"])
    sys.path[:0] = request["path"]
    answer = _run_cells(request["cells"]) if request["kind"] == "cells" else _run_module(request["package"])
    Path(request["answer"]).write_text(json.dumps(answer), encoding="utf-8")


class _Stream:
    """A stdout that records text as events, merging consecutive writes."""

    def __init__(self, events: list[list[str]], kind: str) -> None:
        self.events, self.kind = events, kind

    def write(self, text: str) -> int:
        if not text:
            return 0  # IPython flushes with empty writes: nothing a reader sees
        if self.events and self.events[-1][0] == self.kind:
            self.events[-1][1] += text
        else:
            self.events.append([self.kind, text])
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


def _run_cells(cells: list[str]) -> dict[str, Any]:
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell

    events: list[list[str]] = []
    errors: list[list[str]] = []

    class Publisher(DisplayPublisher):
        def publish(self, data: dict[str, Any], metadata: Any = None, **_: Any) -> None:
            events.append(["display", data.get("text/plain", "")])

    class Shell(InteractiveShell):
        def enable_gui(self, gui: Any = None) -> None:
            pass  # `%matplotlib inline` outside a kernel: nothing to attach to

    shell = Shell.instance(display_pub_class=Publisher)
    shell.displayhook.write_output_prompt = lambda: None
    shell.displayhook.write_format_data = lambda data, md=None: events.append(["result", data.get("text/plain", "")])
    shell.showtraceback = lambda *a, **k: None
    shell.showsyntaxerror = lambda *a, **k: None
    real_out, real_err = sys.stdout, sys.stderr
    runs = []
    for cell in cells:
        events.clear()
        errors.clear()
        sys.stdout, sys.stderr = _Stream(events, "out"), _Stream(errors, "err")
        try:
            result = shell.run_cell(cell, store_history=True)
        finally:
            sys.stdout, sys.stderr = real_out, real_err
        error = result.error_before_exec or result.error_in_exec
        if error is not None:
            events.append(["error", type(error).__name__])
        runs.append({"events": [[k, mask(v)] for k, v in events], "stderr": mask("".join(v for _, v in errors))})
    return {"runs": runs}


def _run_module(package: str) -> dict[str, Any]:
    import io
    import runpy

    captured, messages = io.StringIO(), io.StringIO()
    real, real_err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = captured, messages
    sys.argv = [package]  # python -m's command line (Typer reads it), not this server's
    error = ""
    try:
        runpy.run_module(package, run_name="__main__", alter_sys=True)
    except SystemExit as stop:
        if stop.code not in (None, 0):
            # what it said last: a refusal's one line, or a failed step's exception
            said = messages.getvalue().strip().splitlines()
            error = f"SystemExit: {said[-1] if said else stop.code}"
    except BaseException as exc:  # the verdict is what failed, whatever it was
        error = f"{type(exc).__name__}: {exc}"
    finally:
        sys.stdout, sys.stderr = real, real_err
    return {"ok": not error, "error": error, "stdout": mask(captured.getvalue())}


if __name__ == "__main__" and sys.argv[1:] == ["--serve"]:
    _serve()
