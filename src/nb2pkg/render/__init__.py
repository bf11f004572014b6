"""From a plan to the text of each file of the project: modules, scaffold, summary
notebook, dependencies, generated tests, and the local modules copied as they are.

This is the stage's API: later stages import these names from `nb2pkg.render`."""

from nb2pkg.render.compiled import compile_generated
from nb2pkg.render.data import DataDir, data_dir_default
from nb2pkg.render.dependencies import Dependencies, PipTarget, infer_dependencies
from nb2pkg.render.formatting import module_tree
from nb2pkg.render.local_modules import LocalModules, read_local_modules
from nb2pkg.render.lock import LOCK_FILE, lock_file
from nb2pkg.render.main_cli import main_module
from nb2pkg.render.modules import render_module, with_results_returned
from nb2pkg.render.output_tests import (
    OUTPUT_TESTS,
    SKIP_FILE,
    expected_files,
    expected_items,
    output_tests_module,
    skip_file,
)
from nb2pkg.render.scaffold import (
    init_module,
    pipeline_module,
    pyproject,
    readme,
    render_config,
)
from nb2pkg.render.smoke_tests import tests_module
from nb2pkg.render.summary import summary_notebook

__all__ = [
    "DataDir",
    "Dependencies",
    "LOCK_FILE",
    "LocalModules",
    "OUTPUT_TESTS",
    "PipTarget",
    "SKIP_FILE",
    "compile_generated",
    "data_dir_default",
    "expected_files",
    "expected_items",
    "infer_dependencies",
    "init_module",
    "lock_file",
    "main_module",
    "module_tree",
    "output_tests_module",
    "pipeline_module",
    "pyproject",
    "read_local_modules",
    "readme",
    "render_config",
    "render_module",
    "skip_file",
    "summary_notebook",
    "tests_module",
    "with_results_returned",
]
