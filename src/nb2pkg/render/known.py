"""Formatting stored so that a conversion need not compute it: the part of
tests/test_outputs.py every project shares, as black formats it
(render.output_tests.shared_code_source()), and the key it was made with
(render.formatting.format_key: black's version, mode and the source). Written by
`python tests/test_format_known.py`; tests/test_format_known.py fails when it is stale."""

SHARED_OUTPUT_TESTS_KEY = "a56196561f6031dacf9e69143cebbdbad65089457a85dcf679b554a631b35166"
SHARED_OUTPUT_TESTS = r'''# What legitimately varies from run to run, and what it becomes (as in nb2pkg verify).
MASKS = (
    (re.compile("0x[0-9a-fA-F]{4,}"), "0x…"),
    (re.compile("^(CPU times|Wall time):.*$", re.MULTILINE), "<time>"),
    (
        re.compile("^.* per loop \\(mean ± std\\. dev\\. of .*$", re.MULTILINE),
        "<timeit>",
    ),
    (re.compile("^The slowest run took .*\\n?", re.MULTILINE), ""),
    (re.compile("^\\S+\\.py:\\d+: (\\w+Warning): ", re.MULTILINE), "<file>: \\1: "),
    (re.compile("^  \\S.*$", re.MULTILINE), "  <source line>"),
    (re.compile("(/tmp|/var/folders)/[^\\s'\\\"]+"), "<tmp>"),
    (re.compile("<ipython-input-\\d+-[0-9a-f]+>"), "<cell>"),
)


@dataclass(frozen=True)
class Item:
    """One thing a reader sees: printed "text", "stderr", a shown "value", a "figure"
    (its pixel size), an "error" ("Name: message")."""

    kind: str
    content: str


def read_items(cell: Any) -> list[Item]:
    """What a code cell (a notebook's cell as JSON, or as nbformat holds it) shows."""
    items: list[Item] = []
    outputs = (
        cell.get("outputs")
        if isinstance(cell, dict) and cell.get("cell_type") == "code"
        else None
    )
    for output in outputs if isinstance(outputs, list) else []:
        kind = output.get("output_type") if isinstance(output, dict) else None
        if kind == "stream":
            items.append(
                Item(
                    "stderr" if output.get("name") == "stderr" else "text",
                    _text(output.get("text")),
                )
            )
        elif kind in ("execute_result", "display_data"):
            data = output.get("data") if isinstance(output.get("data"), dict) else {}
            if "image/png" in data:
                items.append(Item("figure", _png_size(data["image/png"])))
            elif "text/plain" in data:
                items.append(Item("value", _text(data["text/plain"])))
        elif kind == "error":
            items.append(
                Item(
                    "error", f"{output.get('ename')}: {output.get('evalue', '')}"[:300]
                )
            )
    return items


def _text(value: Any) -> str:
    return "".join(map(str, value)) if isinstance(value, list) else str(value or "")


def _png_size(encoded: Any) -> str:
    try:
        header = base64.b64decode(_text(encoded)[:64])
        width, height = struct.unpack(">II", header[16:24])
        return f"{width}x{height}"
    except (ValueError, struct.error):
        return "figure"


def normalise(items: Sequence[Item]) -> list[Item]:
    """Printed text merged (stderr apart: when it shows between prints depends only on
    when each stream was flushed), error messages cut to the error's name (they carry
    paths and ids), and the legitimately varying parts masked."""
    errors = "".join(i.content for i in items if i.kind == "stderr")
    ordered = [i for i in items if i.kind != "stderr"] + (
        [Item("stderr", errors)] if errors else []
    )
    merged: list[Item] = []
    for item in ordered:
        content = item.content.split(":")[0] if item.kind == "error" else item.content
        for pattern, replacement in MASKS:
            content = pattern.sub(replacement, content)
        if item.kind == "text" and merged and merged[-1].kind == "text":
            merged[-1] = Item("text", merged[-1].content + content)
        elif not (item.kind == "text" and not content):
            merged.append(Item(item.kind, content))
    return merged


def group_cells(
    sources: Sequence[Sequence[str | int]], number_of: dict[str | int, int]
) -> list[tuple[int, tuple[int, ...], tuple[int, ...]]]:
    """Consecutive summary cells that stand for overlapping original cells (a cell split
    into a kept definition and a step) compare as one: (first position, the summary
    cells, the original cells), from each summary cell's original cells (ids or numbers).
    """
    groups: list[tuple[int, tuple[int, ...], tuple[int, ...]]] = []
    for position, refs in enumerate(sources, start=1):
        numbers = tuple(number_of[s] for s in refs if s in number_of)
        if groups and numbers and set(numbers) & set(groups[-1][2]):
            start, members, previous = groups[-1]
            groups[-1] = (
                start,
                (*members, position),
                tuple(sorted(set(previous) | set(numbers))),
            )
        else:
            groups.append((position, (position,), numbers))
    return groups


def as_text(items: Sequence[Item]) -> str:
    """Items as a reviewer reads them: `[kind]`, then the content indented by four spaces
    (an empty line stays empty), so that `from_text` reads the same items back. Spaces at
    line ends are dropped (pandas pads wide frames with them; editors and commit hooks
    remove them), and text no file can hold (a lone surrogate) becomes `?`."""
    lines = []
    for item in items:
        lines.append(f"[{item.kind}]")
        for line in item.content.split("\n"):
            line = line.rstrip(" \t")
            lines.append("    " + line if line else "")
    text = "".join(line + "\n" for line in lines)
    return text.encode("utf-8", "replace").decode("utf-8")


def from_text(text: str) -> list[Item]:
    """The items `as_text` wrote (lines before the first `[kind]` are a header)."""
    items: list[tuple[str, list[str]]] = []
    for line in text.split("\n")[:-1] if text.endswith("\n") else text.split("\n"):
        if items and (not line or line.startswith("    ")):
            items[-1][1].append(line[4:])
        elif line.startswith("[") and line.endswith("]"):
            items.append((line[1:-1], []))
    return [Item(kind, "\n".join(lines)) for kind, lines in items]


def skipped() -> dict[int, str]:
    """tests/expected/skip.txt: `cell N: reason` per line."""
    path = EXPECTED / "skip.txt"
    lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
    found = {}
    for line in lines:
        match = re.fullmatch(r"cell (\d+): (.+)", line.strip())
        if match:
            found[int(match.group(1))] = match.group(2)
    return found


def expected(number: int) -> list[Item]:
    path = EXPECTED / f"cell_{number:03d}.txt"
    return from_text(path.read_bytes().decode("utf-8")) if path.is_file() else []


def sources_of(cell: dict[str, Any]) -> list[str | int]:
    """The original cells a summary cell stands for (its nb2pkg metadata)."""
    marks = (cell.get("metadata") or {}).get("nb2pkg") or {}
    listed = marks.get("source_cells") if isinstance(marks, dict) else None
    return [
        s for s in listed or [] if isinstance(s, (str, int)) and not isinstance(s, bool)
    ]


def checks() -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """(summary cells, original cells) for each comparison with saved outputs: summary
    cells standing for overlapping original cells compare as one; an original cell no
    summary cell stands for (its code is in the package) must show nothing."""
    number_of: dict[str | int, int] = {
        **{n: n for n in range(1, CELL_COUNT + 1)},
        **CELL_IDS,
    }
    document = (
        json.loads(SUMMARY.read_text(encoding="utf-8-sig")) if SUMMARY.is_file() else {}
    )
    groups = group_cells(
        [sources_of(cell) for cell in document.get("cells", [])], number_of
    )
    found = [
        (members, numbers)
        for _, members, numbers in groups
        if any(map(expected, numbers))
    ]
    covered = {n for _, _, numbers in groups for n in numbers}
    return found + [
        ((), (n,)) for n in range(1, CELL_COUNT + 1) if n not in covered and expected(n)
    ]


CHECKS = checks()


def kernel_environment() -> dict[str, str]:
    """This environment with a fixed hash seed (string sets print in the same order in
    every run, as in nb2pkg verify's), the package under test first on the path, and
    matplotlib's backend left to the kernel: its inline backend makes figures outputs,
    where the MPLBACKEND=Agg of a headless test run would hide them."""
    env = {key: value for key, value in os.environ.items() if key != "MPLBACKEND"}
    source = str(Path(PACKAGE.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(
        [source, *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    env["PYTHONHASHSEED"] = "0"
    return env


@pytest.fixture(scope="module")
def summary_shows() -> list[list[Item]]:
    """What each cell of the summary notebook shows: every cell runs, also after one raises."""
    reason = "the output tests run the summary notebook: pip install nbclient ipykernel (the `test` extra)"
    pytest.importorskip("nbclient", reason=reason)
    pytest.importorskip("ipykernel", reason=reason)
    import nbformat
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager
    from nbclient import NotebookClient

    notebook = nbformat.read(SUMMARY, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    with tempfile.TemporaryDirectory(prefix=f"{PACKAGE.__name__}-outputs-") as work:
        # A kernel of this interpreter, whatever `python3` means elsewhere on the machine.
        spec = Path(work, "kernels", "tested-python")
        spec.mkdir(parents=True)
        argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
        kernel = {
            "argv": argv,
            "display_name": "the Python running pytest",
            "language": "python",
        }
        (spec / "kernel.json").write_text(json.dumps(kernel), encoding="utf-8")
        specs = KernelSpecManager(kernel_dirs=[str(spec.parent)])
        manager = AsyncKernelManager(
            kernel_name="tested-python", kernel_spec_manager=specs
        )
        folder = Path(work, "run")
        folder.mkdir()
        client = NotebookClient(
            notebook,
            km=manager,
            timeout=CELL_TIMEOUT,
            allow_errors=True,
            resources={"metadata": {"path": str(folder)}},
        )
        client.execute(env=kernel_environment())
    return [read_items(cell) for cell in notebook.cells]


def label(numbers: tuple[int, ...]) -> str:
    return "+".join(f"cell_{n:03d}" for n in numbers)


@pytest.mark.parametrize(
    ("members", "numbers"), CHECKS, ids=[label(numbers) for _, numbers in CHECKS]
)
def test_summary_shows_the_saved_outputs(
    members: tuple[int, ...], numbers: tuple[int, ...], request: pytest.FixtureRequest
) -> None:
    skips = skipped()
    reasons = [f"cell {n}: {skips[n]}" for n in numbers if n in skips]
    if reasons:
        pytest.skip("; ".join(reasons))
    shows = request.getfixturevalue(
        "summary_shows"
    )  # only now: all skipped runs nothing
    want = as_text(normalise([item for n in numbers for item in expected(n)]))
    got = as_text(normalise([item for m in members for item in shows[m - 1]]))
    if got != want:
        where = (
            f"summary cell {members[0]}"
            if members
            else "no summary cell: its code is in the package"
        )
        diff = difflib.unified_diff(
            want.splitlines(), got.splitlines(), "saved", "summary", lineterm=""
        )
        cells = ", ".join(map(str, numbers))
        pytest.fail(
            f"cell{'s' if len(numbers) > 1 else ''} {cells} ({where}) shows other outputs than saved:\n"
            + "\n".join(diff),
            pytrace=False,
        )
'''
