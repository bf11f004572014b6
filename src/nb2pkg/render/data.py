"""Where the generated package finds its data: `DATA_DIR` and the input files' constants
in config, and the README's "## Data" section (plan.data_paths decided which files)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from nb2pkg.escape import markdown_code
from nb2pkg.plan import Plan, folder_needs
from nb2pkg.render.modules import data_dir_variable


@dataclass(frozen=True)
class DataDir:
    """DATA_DIR's default: its code in config, and how the README names it."""

    code: str  # `Path(__file__).resolve().parents[2] / "data"`, `Path("/srv/data")`
    shown: str  # "`data` in this project", "`/srv/data`"


def data_dir_default(plan: Plan, notebook_folder: Path, out: Path) -> DataDir | None:
    """The folder the notebook read its inputs from, relative to the project when it is
    inside it, absolute otherwise: a path out of the project would break when the package
    is installed, an absolute one breaks only when the data moves. None without inputs."""
    if not plan.data.files:
        return None
    folder = Path(os.path.normpath(notebook_folder.absolute() / plan.data.folder))
    project = Path(os.path.normpath(out.absolute()))
    try:
        inside = PurePosixPath(folder.relative_to(project).as_posix())
    except ValueError:
        return DataDir(f"Path({folder.as_posix()!r})", markdown_code(folder.as_posix()))
    here = "Path(__file__).resolve().parents[2]"
    if str(inside) == ".":
        return DataDir(here, "the project's own folder")
    return DataDir(f"{here} / {str(inside)!r}", f"{markdown_code(str(inside))} in this project")


def config_data(plan: Plan, package: str, default: DataDir | None) -> str:
    """config's DATA_DIR and the constants of the input files nb2pkg names (those the
    notebook named itself stay where it had them, redefined from DATA_DIR)."""
    if not plan.data.files or not default:
        return ""
    data = plan.data
    variable = data_dir_variable(package)
    lines = [
        "# Where the input files are. To read them from another folder, set the",
        f"# environment variable {variable},",
        f"# or run `python -m {package} --data-dir DIR`.",
        f"{data.variable} = Path(os.environ.get({variable!r}) or {default.code}).resolve()",
    ]
    lines += [f"{f.name} = {data.value(f)}" for f in data.files if f.added]
    return "\n".join(lines) + "\n\n"


def data_section(plan: Plan, package: str, default: DataDir | None, notebook_dir: str) -> list[str]:
    """The README's "## Data": what the package reads, where it looks and how to point it
    elsewhere, and which cells still need the notebook's folder, and why."""
    lines: list[str] = []
    data = plan.data
    if data.files and default:
        lines += ["## Data", "", "The package reads these files (the notebook's input data):", ""]
        readers: dict[str, list[str]] = {}
        for step in plan.steps:
            for param, constant in step.defined.defaults:
                call = f"`{step.module}.{step.defined.name}({param}=...)`"
                if call not in readers.setdefault(constant, []):
                    readers[constant].append(call)
        for file in data.files:
            read = f", read by {', '.join(readers[file.name])}" if readers.get(file.name) else ""
            lines.append(f"- {markdown_code(file.path)}: `config.{file.name}`{read}")
        lines += [
            "",
            f"It looks for them in `config.{data.variable}`: by default {default.shown},",
            "the folder the notebook read them from. To read them from elsewhere:",
            "",
            f"- set `{data_dir_variable(package)}` to the folder that holds them, or",
            f"- run `python -m {package} --data-dir DIR`, or",
            "- pass another path to the function that reads it (its parameter named above).",
        ]
    needs = folder_needs(plan)
    if needs:
        lines += [""] if lines else ["## Data", ""]
        lines += [
            "Some code still uses paths relative to the notebook's folder",
            f"({markdown_code(notebook_dir)} from this project), so the summary notebook and",
            "`pipeline.run()` work in that folder. When the package is installed elsewhere, set",
            f"`{package.upper()}_NOTEBOOK_DIR` to it. The cells that need it, and why:",
            "",
        ]
        lines += [f"- cell {cell}: {reason}" for cell, reason in needs]
    return [*lines, ""] if lines else []


# What the summary notebook calls first (its second cell), after importing only config:
# the move to the notebook's folder when some code needs it, the package's warnings always.
NOTEBOOK_FOLDER = "config.work_in_notebook_folder"
PACKAGE_WARNINGS = "config.show_package_warnings"


def summary_first_call(plan: Plan) -> str:
    """The call the summary notebook makes first (see NOTEBOOK_FOLDER), with its comment."""
    if folder_needs(plan):
        return f"{NOTEBOOK_FOLDER}()  # where the notebook ran (its relative paths), and the package's warnings"
    return f"{PACKAGE_WARNINGS}()  # the package's deprecation warnings, as the notebook showed its own"


def folder_function(package: str, needs: bool = True) -> str:
    """config's function the summary calls first: it moves to the notebook's folder when
    some code needs it, and shows the package's deprecation warnings always."""
    warnings = f'    warnings.filterwarnings("default", category=DeprecationWarning, module=r"{package}(\\.|$)")\n'
    if not needs:
        return (
            f"\n\ndef {PACKAGE_WARNINGS.split('.')[1]}() -> None:\n"
            '    """For the summary notebook: show this package\'s deprecation warnings, as the\n'
            '    notebook showed its own code\'s."""\n'
            f"    import warnings\n\n{warnings}"
        )
    return (
        f"\n\ndef {NOTEBOOK_FOLDER.split('.')[1]}() -> None:\n"
        '    """For the summary notebook: work in the folder the notebook ran in, so that its\n'
        "    relative paths resolve, and show this package's deprecation warnings, as the\n"
        '    notebook showed its own code\'s."""\n'
        "    import warnings\n\n"
        "    os.chdir(NOTEBOOK_DIR)\n"
        f"{warnings}"
    )
