"""Convert every golden fixture, the bundled example and every corpus notebook into one
folder, so two versions of nb2pkg can be compared byte for byte with `diff -r`.

    python bench/snapshot.py DIR            # write DIR/projects/<case>/ and DIR/exit-codes.txt
    diff -r BEFORE/projects AFTER/projects  # a restructuring changes nothing

Inputs are copied first to `DIR/inputs/` (the corpus is never written into), so the
relative `NOTEBOOK_DIR` each project records is the same wherever DIR is. Each notebook
goes through the real command line, `python -m nb2pkg NB --out DIR/projects/CASE`, in
a fresh process; what it printed and its exit code go to `DIR/exit-codes.txt` (messages
can hold paths, which are relative to DIR), so refusals are compared too.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "notebooks"


def copy_inputs(target: Path) -> list[tuple[str, Path]]:
    """Copy each input's folder under `target`; return (case name, notebook copy)."""
    cases: list[tuple[str, Path]] = []
    for fixture in sorted((ROOT / "fixtures" / "convert").glob("*/input.ipynb")):
        folder = target / "fixtures" / fixture.parent.name
        shutil.copytree(fixture.parent, folder, ignore=shutil.ignore_patterns("expected"))
        cases.append((f"fixture-{fixture.parent.name}", folder / "input.ipynb"))
    shutil.copytree(ROOT / "examples", target / "examples")
    for example in sorted((target / "examples").glob("*.ipynb")):
        cases.append((f"example-{example.stem}", example))
    if CORPUS.is_dir():
        shutil.copytree(CORPUS, target / "corpus")
        for index, notebook in enumerate(sorted((target / "corpus").glob("*.ipynb"))):
            cases.append((f"corpus-{index:02d}", notebook))
    for path in target.rglob("*"):  # the corpus is read-only; the copies must not be
        path.chmod(path.stat().st_mode | 0o200)
    return cases


def convert(case: str, notebook: Path, root: Path) -> str:
    out = root / "projects" / case
    run = subprocess.run(
        [sys.executable, "-m", "nb2pkg", str(notebook.relative_to(root)), "--out", str(out.relative_to(root))],
        cwd=root,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "200"},
    )
    return f"{case}: exit {run.returncode}\n{run.stdout}{run.stderr}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", type=Path, help="an empty or missing folder to write into")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    if importlib.util.find_spec("nb2pkg") is None:  # each notebook would fail alike, and look like output
        sys.exit(f"nb2pkg is not importable by {sys.executable}: install it (pip install -e .) first")
    root = args.dir.resolve()
    if root.exists() and any(root.iterdir()):
        sys.exit(f"{args.dir} is not empty: give a new folder")
    cases = copy_inputs(root / "inputs")
    with ThreadPoolExecutor(args.jobs) as pool:
        logs = list(pool.map(lambda case: convert(*case, root), cases))
    (root / "exit-codes.txt").write_text("".join(logs), encoding="utf-8")
    for project in (root / "projects").glob("*/.nb2pkg.json"):
        project.unlink()  # the record holds nb2pkg's version and times; the files are the output
    print(f"{len(cases)} notebooks converted into {args.dir}; compare with diff -r")


if __name__ == "__main__":
    main()
