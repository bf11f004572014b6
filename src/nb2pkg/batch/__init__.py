"""`nb2pkg batch`: many notebooks, each into its own project under one output folder.

`jobs` finds what to do, `run` does it (in `pool`'s worker processes, or on a dask
cluster: `on_dask`, each notebook in a `child` process), `outcomes` says
what became of each notebook, `progress` shows it and writes the report, `merge` joins
the reports of a run's shards."""

from nb2pkg.batch.jobs import Job, find_jobs, run_id, shard
from nb2pkg.batch.merge import merge_reports
from nb2pkg.batch.on_dask import dask_client, run_on_dask, workers_of
from nb2pkg.batch.outcomes import Outcome, Outline, Status, Verified, failed, totals
from nb2pkg.batch.progress import BatchPrinter, write_report, write_report_data
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
    "merge_reports",
    "run",
    "run_id",
    "run_on_dask",
    "shard",
    "totals",
    "workers_of",
    "write_report",
    "write_report_data",
]
