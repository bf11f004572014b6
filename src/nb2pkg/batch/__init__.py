"""`nb2pkg batch`: many notebooks, each into its own project under one output folder.

`jobs` finds what to do, `run` does it (in `pool`'s worker processes), `outcomes` says
what became of each notebook, `progress` shows it and writes the report."""

from nb2pkg.batch.jobs import Job, find_jobs, shard
from nb2pkg.batch.on_dask import dask_client, workers_of
from nb2pkg.batch.outcomes import Outcome, Outline, Status, Verified, failed, totals
from nb2pkg.batch.progress import BatchPrinter, write_report
from nb2pkg.batch.run import convert_one, run

__all__ = [
    "BatchPrinter",
    "Job",
    "Outcome",
    "Outline",
    "Status",
    "Verified",
    "convert_one",
    "dask_client",
    "failed",
    "find_jobs",
    "run",
    "shard",
    "totals",
    "workers_of",
    "write_report",
]
