"""`nb2pkg batch`: every notebook under PATHS, each into its own project in OUT."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from nb2pkg.cli.console import echo, use_color
from nb2pkg.cli.failures import check_out, fail
from nb2pkg.options import NOTEBOOK_TIMEOUT, Mode, Options


def batch(
    paths: Annotated[
        list[Path], typer.Argument(help="Notebooks, or folders searched for *.ipynb.", show_default=False)
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write one project per notebook into.")],
    jobs: Annotated[
        int | None, typer.Option("--jobs", "-j", min=1, help="Worker processes. [default: the number of CPUs]")
    ] = None,
    report: Annotated[
        Path | None, typer.Option("--report", help="Write a report: JSON, or Markdown for a .md name.")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Write no project; print diffs of what would change.")
    ] = False,
    check: Annotated[bool, typer.Option("--check", help="Write no project; exit 1 if any is not in sync.")] = False,
    check_outputs: Annotated[
        bool, typer.Option("--verify", help="Then run each original and summary notebook and compare them.")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Write into folders nb2pkg did not make, and overwrite your edits.")
    ] = False,
    timeout: Annotated[
        float, typer.Option("--timeout", min=1, help="Seconds a notebook may take before it is stopped.")
    ] = NOTEBOOK_TIMEOUT,
    shard_spec: Annotated[
        str | None, typer.Option("--shard", metavar="I/N", help="Only the I-th of N slices of the notebooks.")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing; see the exit code and report.")] = False,
    no_color: Annotated[bool, typer.Option("--no-color", help="No colors in diffs.")] = False,
    python: Annotated[
        Path | None,
        typer.Option(
            "--python",
            help="The interpreter the notebooks ran in: versions and locks from its environment. "
            "[default: each notebook's kernel's]",
        ),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            metavar="ADDRESS",
            help="Convert on the dask.distributed cluster of this scheduler (tcp://HOST:8786); "
            'its workers need nb2pkg and the same paths. Needs pip install "nb2pkg[dask]".',
        ),
    ] = None,
) -> None:
    """Convert every notebook under PATHS, each into its own project in OUT.

    A notebook that fails, crashes its worker or runs past --timeout is recorded and the
    others go on; notebooks whose project is in sync are reported unchanged. Exit 0 when
    every notebook converted (or is unchanged), 1 when any failed. The --report files of
    --shard runs join with `nb2pkg batch report merge`."""
    import functools
    import os
    import time

    from nb2pkg import batch as batching

    if check_outputs and (dry_run or check):
        fail("--verify runs the converted projects, which --dry-run and --check do not write; drop one")
    if scheduler is not None and jobs is not None:
        fail("--jobs counts local worker processes; with --scheduler the cluster's workers do the work: drop --jobs")
    selected = _shard(shard_spec)
    check_out(out)
    if report is not None:
        check_out(report, "--report")
    if python is not None:
        from nb2pkg.environment import read_interpreter

        read_interpreter(python)  # a bad --python is one error, before any notebook
    options = Options(out, Mode.of(dry_run, check), force, check_outputs, timeout, python=python)
    every = batching.find_jobs(paths, options)
    run = (batching.run_id(every, options), len(every))
    chosen = batching.shard(every, *selected) if selected else every
    client = batching.dask_client(scheduler) if scheduler is not None else None
    workers = batching.workers_of(client) if client is not None else jobs or os.cpu_count() or 1
    printer = batching.BatchPrinter(
        len(chosen), quiet=quiet, color=use_color(no_color), diffs=dry_run, preview=not options.mode.writes
    )
    start = time.perf_counter()
    outcomes: list[batching.Outcome] = []
    try:
        with printer:
            remote = functools.partial(batching.run_on_dask, client) if client is not None else None
            outcomes = batching.run(chosen, workers, printer.record, remote)
    except KeyboardInterrupt:
        outcomes = printer.finished()
        if report:
            batching.write_report(
                report, outcomes, time.perf_counter() - start, workers, shard_spec, complete=False, run=run
            )
        echo(f"interrupted: {len(outcomes)} of {len(chosen)} notebooks done", err=True)
        raise SystemExit(130) from None
    finally:
        if client is not None:
            client.close()
    seconds = time.perf_counter() - start
    if report:
        batching.write_report(report, outcomes, seconds, workers, shard_spec, run=run)
    if not quiet:
        printer.summary(outcomes, seconds, min(workers, len(chosen)), every_count=len(every), report=report)
    if batching.failed(outcomes, check=check):  # --dry-run --check: diffs, and the exit code of --check
        raise SystemExit(1)


def report_merge(
    reports: Annotated[
        list[Path], typer.Argument(help="The JSON --report files of the shards of one run.", show_default=False)
    ],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the merged JSON report here. [default: stdout]")
    ] = None,
    md: Annotated[Path | None, typer.Option("--md", help="Also write it as Markdown.")] = None,
) -> None:
    """Join the reports of `nb2pkg batch --shard I/N` runs into the report of the run.

    Refuses reports of different runs (another nb2pkg, notebook list or options) and
    shards that overlap; missing or interrupted shards give `complete: false` and the
    shards missing. Exit 0, or 1 when a notebook of the run failed (as batch would)."""
    import json

    from nb2pkg import batch as batching

    for path in (out, md):
        if path is not None:
            check_out(path, "--out" if path is out else "--md")
    merged, outcomes = batching.merge_reports(reports)
    if out is not None:
        batching.write_report_data(out, merged, outcomes)
    else:
        echo(json.dumps(merged, indent=2))
    if md is not None:
        batching.write_report_data(md, merged, outcomes, markdown=True)
    found = merged["totals"]
    lacking = f"; missing shards {', '.join(merged['missing'])}" if merged["missing"] else ""
    echo(
        f"merged {len(reports)} report(s): {found['notebooks']} of {merged['run_notebooks']} notebooks, "
        f"{found['failed']} failed{lacking}",
        err=True,
    )
    if batching.failed(outcomes):
        raise SystemExit(1)


def _shard(spec: str | None) -> tuple[int, int] | None:
    if spec is None:
        return None
    parts = spec.split("/")
    if len(parts) == 2 and all(part.isdigit() for part in parts) and 1 <= int(parts[0]) <= int(parts[1]):
        return int(parts[0]), int(parts[1])
    fail(f"--shard {spec!r}: expected I/N with 1 <= I <= N, such as 1/4")
