"""The only stage that touches the output folder: writing a project safely, the
provenance record, reading a project back, and the diffs (with their colours).

This is the stage's API: later stages import these names from `nb2pkg.output`."""

from nb2pkg.output.color import colored
from nb2pkg.output.sync import written_state
from nb2pkg.output.verified import Written, write_verified
from nb2pkg.output.write import (
    PROVENANCE,
    WriteReport,
    plan_changes,
    project_diff,
    recorded_files,
    recorded_outline,
    write_project,
)

__all__ = [
    "PROVENANCE",
    "WriteReport",
    "Written",
    "colored",
    "plan_changes",
    "project_diff",
    "recorded_files",
    "recorded_outline",
    "write_project",
    "write_verified",
    "written_state",
]
