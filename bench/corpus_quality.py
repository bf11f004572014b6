"""Convert every corpus notebook in memory and report the quality figures.

    python bench/corpus_quality.py [--corpus PATH]

Per notebook: converted or the one-line error; problems against the quality list
(compiles, black-stable, pyflakes adds nothing, no work at import, nothing lost,
deterministic); calls the notebook makes and calls kept. Then the totals.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # support.quality: the checks the tests use

from nb2pkg.convert import convert, default_package  # noqa: E402
from nb2pkg.dataflow import build_dataflow  # noqa: E402
from nb2pkg.errors import InputError  # noqa: E402
from nb2pkg.notebook import read_notebook  # noqa: E402
from support.quality import all_problems, lost_calls  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus" / "notebooks")
    args = parser.parse_args()
    converted = clean = refused = calls = kept = 0
    for path in sorted(args.corpus.glob("*.ipynb")):
        try:
            flow = build_dataflow(read_notebook(path))
        except InputError as error:
            refused += 1
            print(f"exit 2    {error.message}")
            continue
        with tempfile.TemporaryDirectory() as scratch:
            out = Path(scratch) / "project"
            conversion = convert(flow, out, default_package(path))
            problems = all_problems(conversion, flow, out)
        total, lost = lost_calls(conversion, flow)
        missing = sum(int(item.rsplit("x", 1)[1]) for item in lost)  # "name(...) xCOUNT"
        converted += 1
        clean += not problems
        calls += total
        kept += total - missing
        print(
            f"{'clean' if not problems else 'PROBLEMS':9} {len(conversion.modules)} modules, "
            f"{total - missing}/{total} calls kept  {path.name[:70]}"
        )
        for problem in problems:
            print(f"          {problem}")
    print(f"{converted} converted ({clean} clean), {refused} refused with exit 2; {kept}/{calls} calls kept")


if __name__ == "__main__":
    main()
