"""The interpreter's probe, started early and read late: the same answer as the probe
run to its end in one call, the same failures, and nothing left running."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nb2pkg import environment
from nb2pkg.environment import _PROBE, environment_of, start_probe
from nb2pkg.errors import BadInterpreter

unix_only = pytest.mark.skipif(sys.platform == "win32", reason="the fake interpreters are shell scripts")


def _script(folder: Path, body: str, name: str = "python3") -> Path:
    script = folder / name
    script.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    script.chmod(0o755)
    return script


def _without_the_cache(probe: str) -> str:
    """The probe as it was before it kept each distribution's parsed metadata."""
    start = probe.index("try:  # each distribution's metadata")
    end = probe.index("    pass\n", start) + len("    pass\n")
    return probe[:start] + probe[end:]


def test_the_cheaper_probe_gives_the_same_answer() -> None:
    answers = [
        subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True, check=True).stdout
        for code in (_PROBE, _without_the_cache(_PROBE))
    ]
    fast, slow = (json.loads(answer.splitlines()[-1]) for answer in answers)
    assert fast == slow
    assert environment_of(fast) == environment_of(slow)


@unix_only
def test_an_answer_larger_than_a_pipe_holds_is_read(tmp_path: Path) -> None:
    distributions = [{"name": f"dist{n}", "version": "1.0", "requires": ["x" * 50]} for n in range(5000)]
    answer = json.dumps({"python": "3.9.18", "markers": {}, "distributions": distributions, "provides": {}})
    (tmp_path / "answer.json").write_text(answer, encoding="utf-8")
    python = _script(tmp_path, f"cat '{tmp_path / 'answer.json'}'")
    probe = start_probe(python)
    time.sleep(0.2)  # the child writes more than a pipe holds while nobody asks for the answer
    assert len(probe.result().distributions) == 5000


@unix_only
def test_a_probe_that_does_not_answer_in_time_is_killed_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(environment, "PROBE_TIMEOUT", 0.3)
    probe = start_probe(_script(tmp_path, "exec sleep 30"))
    with pytest.raises(BadInterpreter, match="did not answer within 0.3 seconds"):
        probe.result()
    assert probe._process is not None and probe._process.poll() is not None


@unix_only
def test_a_cancelled_probe_is_stopped_and_asked_again(tmp_path: Path) -> None:
    python = _script(tmp_path, "exec sleep 30")
    probe = start_probe(python)
    probe.cancel()
    assert probe._process is not None and probe._process.poll() is not None
    assert start_probe(python) is not probe


@unix_only
def test_answers_are_kept_and_failures_asked_again(tmp_path: Path) -> None:
    python = _script(tmp_path, "echo boom >&2; exit 1")
    with pytest.raises(BadInterpreter, match=r"cannot list its distributions \(boom\)"):
        start_probe(python).result()
    answer = json.dumps({"python": "3.9.18", "markers": {}, "distributions": [], "provides": {}})
    _script(tmp_path, f"echo '{answer}'")
    first = start_probe(python)
    assert first.result().python == "3.9.18"
    assert start_probe(python) is first  # one run per interpreter in a batch worker


def test_a_missing_interpreter_is_refused_when_the_answer_is_asked(tmp_path: Path) -> None:
    probe = start_probe(tmp_path / "missing" / "python")  # nothing raised yet: the notebook's errors come first
    with pytest.raises(BadInterpreter, match="is not an executable file"):
        probe.result()


def test_the_recorded_versions_come_from_the_json_read_once(tmp_path: Path) -> None:
    from nb2pkg.environment import notebook_versions
    from nb2pkg.notebook import read_notebook
    from support import make_notebook

    data = make_notebook(["import pandas as pd", "print('pandas', pd.__version__)"], kernel="nosuchkernel_zz")
    data["cells"][1]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "pandas 1.3.5\n"}]
    plain, marked = tmp_path / "plain.ipynb", tmp_path / "bom.ipynb"
    plain.write_text(json.dumps(data), encoding="utf-8")
    marked.write_bytes(b"\xef\xbb\xbf" + json.dumps(data).encode("utf-8"))
    assert read_notebook(plain).data == data
    assert notebook_versions(read_notebook(plain)).recorded.modules == {"pandas": "1.3.5"}
    # as before: the second read (text without the mark taken off) found no JSON, so no versions
    assert read_notebook(marked).data is None
    assert not notebook_versions(read_notebook(marked)).recorded.modules
