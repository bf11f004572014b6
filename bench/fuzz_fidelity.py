"""Differential fuzzing of nb2pkg's fidelity: thousands of random notebooks.

    python bench/fuzz_fidelity.py --count 1000 --seed 0 --failures /tmp/fuzz-failures

Each notebook (`tests/support/notebook_fuzz.py`, seed S+i) is converted in-process and checked
by `tests/support/differential.py`: the original and the summary notebook run in fresh IPython
shells and must show the same per cell, and `python -m PACKAGE` must run to the end
when the original does. Each failing notebook is shrunk to the fewest cells and
top-level statements that still fail the same way, written to the failures folder as
`seed-S.ipynb` with `seed-S.txt` (the verdict), and counted by class.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "src")]

from support.differential import Verdict, check, classify  # noqa: E402
from support.notebook_fuzz import generate_cells, with_copies, write_notebook  # noqa: E402
from support.shell_runner import ShellServer  # noqa: E402

Cells = list[tuple[str, str]]


def _blocks(source: str) -> list[str]:
    """Top-level statements of a cell (a line that is not indented starts one)."""
    blocks: list[str] = []
    for line in source.splitlines():
        if blocks and (
            line.startswith((" ", "\t")) or not line.strip() or line.startswith(("except", "else", "elif", "finally"))
        ):
            blocks[-1] += "\n" + line
        else:
            blocks.append(line)
    return blocks


def _same(got: Verdict, verdict: Verdict) -> bool:
    """The same kind of failure, on a notebook whose original runs as the first did."""
    error = re.findall(r"'error', '(\w+)'", verdict.detail)[-1:]
    return (
        got.problem == verdict.problem
        and got.original_failed == verdict.original_failed
        and re.findall(r"'error', '(\w+)'", got.detail)[-1:] == error
    )


def shrink(cells: Cells, verdict: Verdict, attempt, budget: int = 80) -> tuple[Cells, Verdict]:
    """Drop cells, then top-level statements, while the failure stays the same kind
    (at most `budget` tries: a shrunk notebook is a help, not a proof)."""
    tries = [0]
    real = attempt

    def attempt(trial: Cells) -> Verdict:  # noqa: F811
        tries[0] += 1
        return real(trial) if tries[0] <= budget else Verdict()

    changed = True
    while changed and tries[0] <= budget:
        changed = False
        for position in range(len(cells) - 1, -1, -1):
            trial = cells[:position] + cells[position + 1 :]
            if trial and _same(got := attempt(trial), verdict):
                cells, verdict, changed = trial, got, True
        for position, (kind, source) in enumerate(cells):
            blocks = _blocks(source)
            for drop in range(len(blocks) - 1, -1, -1):
                if len(blocks) < 2:
                    break
                rest = blocks[:drop] + blocks[drop + 1 :]
                trial = cells[:position] + [(kind, "\n".join(rest).strip("\n"))] + cells[position + 1 :]
                if _same(got := attempt(trial), verdict):
                    cells, verdict, blocks, changed = trial, got, rest, True
    return cells, verdict


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--failures", type=Path, default=None, help="folder for shrunk failing notebooks")
    parser.add_argument("--no-shrink", action="store_true")
    parser.add_argument("--shrink-budget", type=int, default=80, help="conversions a shrink may try")
    parser.add_argument("--copies", action="store_true", help="add copy-pasted cells (clone merging)")
    parser.add_argument("--without", default="", help="templates to leave out, comma-separated (if,loop,try)")
    options = parser.parse_args()
    if options.failures:
        options.failures.mkdir(parents=True, exist_ok=True)
    classes: Counter[str] = Counter()
    start = time.monotonic()
    with ShellServer() as server, tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)

        def attempt(cells: Cells) -> Verdict:
            return check(write_notebook(work / "nb.ipynb", cells), work, server)

        for seed in range(options.seed, options.seed + options.count):
            cells = generate_cells(seed, without=frozenset(filter(None, options.without.split(","))))
            if options.copies:
                cells = with_copies(cells, seed)
            verdict = attempt(cells)
            if verdict.ok:
                continue
            if not options.no_shrink and not classify(cells, verdict).startswith("python -m refuses"):
                cells, verdict = shrink(
                    cells, verdict, attempt, options.shrink_budget
                )  # refusals are classed by their reason
            kind = classify(cells, verdict)
            classes[kind] += 1
            print(f"seed {seed}: {kind}: {verdict.problem}", flush=True)
            if options.failures:
                write_notebook(options.failures / f"seed-{seed}.ipynb", cells)
                text = "\n\n".join(f"# cell {i + 1} ({k})\n{s}" for i, (k, s) in enumerate(cells))
                (options.failures / f"seed-{seed}.txt").write_text(
                    f"{kind}\n{verdict.problem}: {verdict.detail}\n\n{text}\n", encoding="utf-8"
                )
    failed = sum(classes.values())
    refused = sum(count for kind, count in classes.items() if kind.startswith("python -m refuses"))
    print(
        f"\n{options.count} notebooks (seeds {options.seed}..{options.seed + options.count - 1}), "
        f"{options.count - failed} reproduced, {failed} failed, {time.monotonic() - start:.0f} s; "
        f"the summary notebook showed what the original did in {options.count - failed + refused} "
        f"({refused} of them with a `python -m` that refuses, honestly, to run without kept cells)"
    )
    for kind, count in classes.most_common():
        print(f"  {count:5d}  {kind}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
