"""Convert and verify every corpus notebook that runs offline with stable outputs.

    python bench/verify_corpus.py [--corpus PATH] [--only TEXT]

Prints one line per notebook (verdict, matched outputs, seconds) and the totals. It runs
the notebooks' code, as `nb2pkg verify` does.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus"


def runnable(corpus: Path) -> list[Path]:
    manifest = json.loads((corpus / "MANIFEST.json").read_text(encoding="utf-8"))
    return [corpus / "notebooks" / e["file"] for e in manifest
            if e.get("runs_offline") and e.get("deterministic_outputs")]


def main() -> int:
    from nb2pkg import api
    from nb2pkg.errors import InputError
    from nb2pkg.verify import verify

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--only", default="")
    args = parser.parse_args()
    notebooks = [p for p in runnable(args.corpus) if args.only in p.name]
    passed = 0
    started = time.perf_counter()
    for notebook in [ROOT / "examples" / "explore.ipynb", *notebooks]:
        with tempfile.TemporaryDirectory() as scratch:
            try:
                api.convert(notebook, out=Path(scratch) / "project")
                result = verify(notebook, Path(scratch) / "project")
            except InputError as error:
                print(f"cannot  {notebook.name[:70]}: {error.message}", flush=True)
                continue
        verdict = "match  " if result.ok else "DIFFERS"
        passed += result.ok
        print(f"{verdict} {result.closing_line():45} {result.seconds:6.1f} s  {notebook.name[:70]}", flush=True)
        for cell in result.cells:
            if cell.status == "differs":
                print(f"    summary cell {cell.summary_cell} (original {list(cell.original_cells)})")
                print("\n".join("      " + line for line in cell.diff.splitlines()[:12]))
    total = len(notebooks) + 1
    print(f"{passed}/{total} notebooks verify; {time.perf_counter() - started:.0f} s in all")
    return 0 if passed == total else 1


if __name__ == "__main__":
    sys.exit(main())
