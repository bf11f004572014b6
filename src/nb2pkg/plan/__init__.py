"""The plan: which code of the notebook becomes which function of which module, and what
stays in the summary notebook.

This is the stage's API: later stages import these names from `nb2pkg.plan`, never
from its modules."""

from nb2pkg.plan.clones import merge_clones
from nb2pkg.plan.data_paths import forget_trees, with_data_paths
from nb2pkg.plan.definitions import may_name, pass_arguments, with_parameters
from nb2pkg.plan.docstrings import document_returns
from nb2pkg.plan.gaps import Gaps, KeptWrite, pipeline_gaps
from nb2pkg.plan.interface import guarded_reads, partial_through
from nb2pkg.plan.kept import kept_imports
from nb2pkg.plan.layout import draws
from nb2pkg.plan.model import DataFile, DataFiles, Definition, Kept, Plan, Role, Segment, SegmentKey, Step
from nb2pkg.plan.notebook_folder import folder_needs, with_folder_needs
from nb2pkg.plan.segments import build_segments
from nb2pkg.plan.steps import MODULE_ALTERNATIVES, build_plan


def forget_code() -> None:
    """Empty the plan's caches of parsed code and what it draws (a conversion calls it when
    it ends: a batch worker then holds no more than one notebook's)."""
    forget_trees()
    draws.cache_clear()


__all__ = [
    "MODULE_ALTERNATIVES",
    "DataFile",
    "DataFiles",
    "Definition",
    "Gaps",
    "Kept",
    "KeptWrite",
    "Plan",
    "Role",
    "Segment",
    "SegmentKey",
    "Step",
    "build_plan",
    "build_segments",
    "document_returns",
    "folder_needs",
    "forget_code",
    "guarded_reads",
    "kept_imports",
    "may_name",
    "merge_clones",
    "partial_through",
    "pass_arguments",
    "pipeline_gaps",
    "with_data_paths",
    "with_folder_needs",
    "with_parameters",
]
