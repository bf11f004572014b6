"""Convert and verify every corpus notebook that runs offline with stable outputs.

    python bench/verify_corpus.py [--corpus PATH] [--only TEXT] [--repeat N]

Each notebook is copied into a scratch folder first, with the files beside it but not
the other notebooks (notebooks write files beside themselves; the corpus stays as it is), converted there and verified. Prints one line
per notebook (verdict, closing line, seconds) and the totals. With `--repeat N` it
verifies each project N times and reports any notebook whose verdict or counts changed
between runs. It runs the notebooks' code, as `nb2pkg verify` does.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus"


def runnable(corpus: Path) -> list[Path]:
    manifest = json.loads((corpus / "MANIFEST.json").read_text(encoding="utf-8"))
    return [
        corpus / "notebooks" / e["file"] for e in manifest if e.get("runs_offline") and e.get("deterministic_outputs")
    ]


def verify_copy(notebook: Path, repeat: int) -> list:  # type: ignore[type-arg]
    """Verifications of a converted copy of `notebook`, `repeat` times (or the error)."""
    from nb2pkg import api
    from nb2pkg.verify import verify

    with tempfile.TemporaryDirectory(prefix="nb2pkg-bench-") as scratch:
        folder = Path(scratch) / "original"
        shutil.copytree(notebook.parent, folder, ignore=lambda _, names: [n for n in names if n.endswith(".ipynb")])
        copy = folder / notebook.name
        shutil.copy2(notebook, copy)  # with the data beside it (the other notebooks left out)
        api.convert(copy, out=Path(scratch) / "project")
        return [verify(copy, Path(scratch) / "project") for _ in range(repeat)]


def main() -> int:
    from nb2pkg.errors import InputError

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--only", default="")
    parser.add_argument("--repeat", type=int, default=1, help="verify each project this many times")
    args = parser.parse_args()
    notebooks = [p for p in runnable(args.corpus) if args.only in p.name]
    passed, unsteady = 0, []
    started = time.perf_counter()
    for notebook in [ROOT / "examples" / "explore.ipynb", *notebooks]:
        try:
            results = verify_copy(notebook, args.repeat)
        except InputError as error:
            print(f"cannot  {notebook.name[:70]}: {error.message}", flush=True)
            continue
        result = results[0]
        passed += result.ok
        verdict = {"match": "match  ", "differs": "DIFFERS", "cannot verify": "cannot "}[result.verdict]
        print(f"{verdict} {result.closing_line()[:80]:80} {result.seconds:6.1f} s  {notebook.name[:60]}", flush=True)
        for cell in result.cells:
            if cell.status == "differs" and not cell.after:
                print(f"    summary cell {cell.summary_cell} (original {list(cell.original_cells)})")
                print("\n".join("      " + line for line in cell.diff.splitlines()[:12]))
        seen = {(r.verdict, r.matched, r.total) for r in results}
        if len(seen) > 1:
            unsteady.append(notebook.name)
            print(f"    UNSTEADY over {args.repeat} runs: {sorted(seen)}", flush=True)
    total = len(notebooks) + 1
    print(
        f"{passed}/{total} notebooks verify; {len(unsteady)} with a verdict that changed between runs; "
        f"{time.perf_counter() - started:.0f} s in all"
    )
    return 0 if passed == total and not unsteady else 1


if __name__ == "__main__":
    sys.exit(main())
