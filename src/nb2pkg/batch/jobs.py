"""What `nb2pkg batch` has to do: the notebooks under every PATH, each with its project
folder and package, a shard of them, and which are already in sync.

The list of notebooks, their project folders and package names are worked out once,
from every PATH, before any sharding, so each shard of a run names things exactly as
the whole run would.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from nb2pkg.batch.outcomes import Outline
from nb2pkg.errors import NoNotebooks, NotebookNotFound
from nb2pkg.naming import package_name, unique
from nb2pkg.options import Options


@dataclass(frozen=True)
class Job:
    notebook: Path
    project: str  # the project's folder, relative to the output folder (POSIX)
    package: str
    options: Options


def find_jobs(paths: Sequence[Path], options: Options) -> list[Job]:
    """Every notebook under `paths` (recursively, in a stable order, skipping hidden and
    checkpoint folders, the output folder and projects nb2pkg wrote), with its project
    folder and package."""
    found = _find_notebooks(paths, options.out)
    if not found:
        shown = ", ".join(str(path) for path in paths)
        raise NoNotebooks(
            shown,
            "no .ipynb notebooks found (hidden and .ipynb_checkpoints folders are skipped)",
            "name folders that hold notebooks",
        )
    wanted = [_safe_folder(relative) for _, relative in found]
    # A project must not sit where another notebook's folders are: `a.ipynb` beside `a/b.ipynb`.
    taken_folders = {parent.casefold() for folder in wanted for parent in _parents(folder)}
    taken_packages: set[str] = set()
    jobs = []
    for (notebook, _), folder in zip(found, wanted, strict=True):
        folder = _unique_folder(folder, taken_folders)
        taken_folders.add(folder.casefold())
        package = unique(package_name(notebook.stem), taken_packages)
        taken_packages.add(package)
        jobs.append(Job(notebook, folder, package, options))
    return jobs


def run_id(jobs: Sequence[Job], options: Options) -> str:
    """What makes two reports shards of one run: the same nb2pkg, the same whole list of
    notebooks (by project and package, relative to the output folder, so machines that
    check out the same tree elsewhere agree) and the same options that decide results."""
    from nb2pkg import __version__

    what = {
        "nb2pkg": __version__,
        "mode": options.mode.value,
        "verify": options.verify,
        "force": options.force,
        "projects": [[job.project, job.package] for job in jobs],
    }
    return hashlib.sha256(json.dumps(what, sort_keys=True).encode()).hexdigest()[:16]


def shard(jobs: list[Job], index: int, count: int) -> list[Job]:
    """The `index`-th (1-based) of `count` consecutive slices: the shards' lists, one
    after another, are the whole list."""
    return jobs[(index - 1) * len(jobs) // count : index * len(jobs) // count]


def unchanged_outline(job: Job) -> Outline | None:
    """What the project's record says of the notebook when the project is in sync with it
    (converting again would change nothing), else None."""
    from nb2pkg.output import recorded_outline

    try:
        outline = recorded_outline(job.options.out / job.project, job.notebook, job.package, within=job.options.out)
    except (OSError, RuntimeError):  # a link loop, say: not known to be in sync, so converted (and reported)
        return None
    return Outline.of(outline, recorded=True) if outline is not None else None


def _find_notebooks(paths: Sequence[Path], out: Path) -> list[tuple[Path, PurePosixPath]]:
    skip = _resolved(out)
    seen: set[Path] = set()
    found = []
    for root in paths:
        if root.is_symlink() and not root.exists():
            raise NotebookNotFound(
                root, "is a symbolic link to nothing (dangling, or a loop)", "repair the link or name its target"
            )
        if not root.exists():
            raise NotebookNotFound(root, "no such file or folder", "check the path")
        if root.is_file():
            entries = [(root, PurePosixPath(root.name))]
        elif _resolved(root) == skip or skip in _resolved(root).parents:
            entries = []  # the output folder holds converted notebooks, not sources
        else:
            entries = sorted(
                ((path, PurePosixPath(path.relative_to(root).as_posix())) for path in _walk(root, skip)),
                key=lambda entry: entry[1].parts,
            )
        for path, relative in entries:
            if _resolved(path) not in seen:
                seen.add(_resolved(path))
                found.append((path, relative))
    return found


def _walk(root: Path, skip: Path) -> Iterator[Path]:
    """The notebooks under `root`. Links to folders are not followed (so a link loop is
    harmless); a notebook that is a dangling or looping link is listed, and its
    conversion fails and is recorded like any unreadable notebook's."""
    from nb2pkg.output import PROVENANCE

    for folder, subfolders, files in os.walk(root):
        if PROVENANCE in files:  # a project nb2pkg wrote: its notebook is an output
            subfolders[:] = []
            continue
        subfolders[:] = [
            name for name in subfolders if not name.startswith(".") and _resolved(Path(folder) / name) != skip
        ]
        for name in files:
            if name.endswith(".ipynb") and not name.startswith("."):
                yield Path(folder) / name


def _resolved(path: Path) -> Path:
    """`path` with links resolved; a link loop, or a folder nb2pkg may not look into,
    stays as it is named (made absolute), so that it is still compared and reported."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # RuntimeError: a link loop, before Python 3.13
        return path.absolute()


def _safe_folder(relative: PurePosixPath) -> str:
    parts = [*relative.parent.parts, relative.stem if relative.suffix == ".ipynb" else relative.name]
    return "/".join(re.sub(r"[^A-Za-z0-9._-]+", "_", part).strip("._-") or "notebook" for part in parts)


def _parents(folder: str) -> list[str]:
    parts = folder.split("/")
    return ["/".join(parts[:end]) for end in range(1, len(parts))]


def _unique_folder(folder: str, taken: set[str]) -> str:
    candidate, number = folder, 2
    while candidate.casefold() in taken:
        candidate, number = f"{folder}-{number}", number + 1
    return candidate
