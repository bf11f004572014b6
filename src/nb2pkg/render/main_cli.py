"""`python -m PACKAGE`: the generated command line (Typer) that runs the pipeline, with
the data folder and config's simple constants as options, logging each step; the text
the README says about it; and the pipeline's step-logging helper."""

from __future__ import annotations

import textwrap

from nb2pkg.escape import markdown_code
from nb2pkg.plan import Gaps, Plan, folder_needs
from nb2pkg.render.black_style import (
    Piece,
    as_is,
    call,
    from_import,
    joined,
    module_docstring,
    piece,
    string,
    string_statement,
    subscript_assignment,
)
from nb2pkg.render.command import CliOption, cli_options, command_piece
from nb2pkg.render.modules import data_dir_variable, notebook_dir_variable

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")  # what --log-level takes


def main_module(package: str, gaps: Gaps, plan: Plan, notebook_name: str) -> str:
    """`__main__.py`: a Typer command that runs `pipeline.run()`, or, when the pipeline is
    not what the notebook did (`gaps`), one that says so and exits 2. It checks that the
    folder the steps need is there first: the notebook's, when some code still needs it
    (plan.folder_needs), else the data folder, when there are input files."""
    if gaps:
        return _refusing_main(package, gaps)
    return joined(main_pieces(package, plan, notebook_name))


def main_pieces(package: str, plan: Plan, notebook_name: str) -> list[Piece]:
    """`__main__.py`'s top-level statements, in black's style: black formats only a piece
    the helpers cannot be sure of (a long package name, a help text they cannot quote)."""
    check = _where_the_notebook_ran(package) if folder_needs(plan) else _data_is_there(package, plan)
    pieces = [
        _head(package),
        command_piece(package, plan, notebook_name),
        _run_steps(package),
        _stop(package),
        check,
        piece(*_guard(package)),
    ]
    if not (package.isidentifier() and package.isascii()):  # a name the pieces do not know: black formats it all
        return [piece((None, "\n\n".join(p.raw for p in pieces)))]
    return pieces


def _head(package: str) -> Piece:
    docstring = [
        f"`python -m {package}`: every step of the notebook, in its order, each logged as it",
        "starts and as it ends, with its time (to stderr: what the steps print goes to stdout).",
        f"`python -m {package} --help` lists the options: the data folder and config's constants.",
    ]
    name = string(package)
    levels = "(" + ", ".join(f'"{level}"' for level in LEVELS) + ")"
    return piece(
        (module_docstring(docstring), '"""' + "\n".join(docstring) + '"""'),
        "\n\nimport logging\nimport os\nimport sys\nimport time\nfrom pathlib import Path\n"
        "from types import ModuleType\nfrom typing import Annotated, NoReturn\n\nimport typer\n\n",
        (name and call("log = logging.getLogger", [name], 0), f"log = logging.getLogger({package!r})"),
        "\n# Plain help (the options' help quotes the notebook's comments: no Rich markup), no\n"
        "# shell-completion options, and a failing step reported by the log, not a Rich traceback.\n"
        "app = typer.Typer(\n    add_completion=False, rich_markup_mode=None, pretty_exceptions_enable=False\n)\n"
        f"LEVELS = {levels}\n",
    )


def _run_steps(package: str) -> Piece:
    variable = data_dir_variable(package)
    return piece(
        "def run_steps(\n    data_dir: Path | None, log_level: str, constants: dict[str, object]\n) -> None:\n"
        '    """Log, point config at the data, set the constants given, then run every step."""\n'
        "    level = log_level.upper()\n"
        "    if level not in LEVELS:\n"
        "        stop(f\"--log-level {log_level!r} is not one of {', '.join(LEVELS)}\")\n"
        "    logging.basicConfig(\n"
        '        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"\n'
        "    )\n"
        "    if data_dir is not None:\n"
        "        # config reads it when imported, just below\n",
        (
            subscript_assignment("os.environ", f'"{variable}"', "str", "data_dir", 8),
            f"        os.environ[{variable!r}] = str(data_dir)",
        ),
        "\n",
        (from_import(package, "config", 4), f"    from {package} import config"),
        "\n\n"
        "    problem = folder_problem(config)\n"
        "    if problem:\n"
        "        stop(problem)\n"
        "    for name, value in constants.items():\n"
        "        if value is not None:\n"
        '            log.info("%s = %r (config.py: %r)", name, value, getattr(config, name))\n'
        "            setattr(config, name, value)\n"
        "    started = time.perf_counter()\n"
        "    try:\n"
        "        # after the constants are set: the modules copy them from config when imported\n",
        (from_import(f"{package}.pipeline", "run", 8), f"        from {package}.pipeline import run"),
        "\n\n"
        "        run()\n"
        "    except KeyboardInterrupt:\n"
        '        log.error("interrupted after %.2f s", time.perf_counter() - started)\n'
        "        sys.exit(130)\n"
        "    except Exception:\n"
        "        # once, with the traceback: a production log is often all there is of a failed run\n"
        '        log.error("failed after %.2f s", time.perf_counter() - started, exc_info=True)\n'
        "        sys.exit(1)\n"
        '    log.info("done in %.2f s", time.perf_counter() - started)\n',
    )


def _stop(package: str) -> Piece:
    message = f'f"python -m {package}: {{message}}"'
    return piece(
        'def stop(message: str) -> NoReturn:\n    """A mistake in how it is run: one line, exit 2."""\n',
        (call("print", [message, "file=sys.stderr"], 4), f"    print({message}, file=sys.stderr)"),
        "\n    sys.exit(2)\n",
    )


def _where_the_notebook_ran(package: str) -> Piece:
    """Generated check: the steps run in the notebook's folder, found from this project's
    layout. A project moved without that folder, or a package installed into
    site-packages, cannot find it: say so and what to set, instead of a traceback from
    `os.chdir` or reading and writing files in an unrelated folder."""
    variable = notebook_dir_variable(package)
    set_here = f'"set {variable} to the folder the notebook\'s relative paths start from"'
    environ = f'    if not os.environ.get("{variable}"):'
    return piece(
        "def folder_problem(config: ModuleType) -> str:\n"
        '    """Why the steps cannot run in the notebook\'s folder, or "" when they can."""\n',
        (string_statement("set_here =", set_here, 4), f"    set_here = {set_here}"),
        "\n",
        as_is(environ),
        "\n"
        '        if not (Path(__file__).resolve().parents[2] / "pyproject.toml").is_file():\n'
        '            return f"the package is installed away from its project; {set_here}"\n'
        "    if not config.NOTEBOOK_DIR.is_dir():\n"
        '        return f"the notebook\'s folder {config.NOTEBOOK_DIR} is not there; {set_here}"\n'
        '    return ""\n',
    )


def _data_is_there(package: str, plan: Plan) -> Piece:
    """Generated check: the folder config.DATA_DIR names holds the input files' folder;
    else one line naming the folder and how to give another, not a traceback from the
    first read."""
    variable = data_dir_variable(package)
    if not plan.data.files:
        return piece(
            "def folder_problem(config: ModuleType) -> str:\n"
            '    """The steps read no input file: they can run anywhere."""\n'
            '    return ""\n'
        )
    folder = f"    folder = config.{plan.data.variable}"
    problem = f'f"the data folder {{folder}} is not there; pass --data-dir DIR or set {variable}"'
    return piece(
        "def folder_problem(config: ModuleType) -> str:\n"
        '    """Why the steps cannot find their input files, or "" when they can."""\n',
        as_is(folder),
        "\n    if not folder.is_dir():\n",
        (string_statement("return", problem, 8), f"        return {problem}"),
        '\n    return ""\n',
    )


def _guard(package: str) -> tuple[str | tuple[str | None, str], ...]:
    """`if __name__ == "__main__": app(...)`, as parts of a `piece`."""
    prog = string("python -m " + package)
    return (
        'if __name__ == "__main__":\n',
        (prog and call("app", [f"prog_name={prog}"], 4), f"    app(prog_name={'python -m ' + package!r})"),
        "\n",
    )


def _refusing_main(package: str, gaps: Gaps) -> str:
    """The steps need what cells kept in the notebook bind: `python -m` says so (--help
    too) and exits 2, rather than run something that is not the notebook."""
    return refusing_piece(package, gaps).formatted()


def refusing_piece(package: str, gaps: Gaps) -> Piece:
    """`_refusing_main`'s module: black formats it only when its docstring or strings are
    of a shape not laid out here."""
    reasons = gaps.reasons() or [
        f"the steps need {', '.join(f'`{n}`' for n in gaps.loose)}, which only cells kept in the notebook bind"
    ]
    text = (
        f"python -m {package} cannot do what the notebook did: "
        + "; ".join(reasons)
        + ". Run the summary notebook instead."
    )
    wrapped = textwrap.wrap(text.replace("python -m", "`python -m", 1).replace(" cannot", "` cannot", 1), 88)
    docstring = [*wrapped, "", f"`{package}.pipeline.run()` runs the steps alone, without those cells."]
    refusal = string(text.replace("`", ""))
    return piece(
        (module_docstring(docstring), '"""' + "\n".join(docstring) + '"""'),
        "\n\nimport sys\n\nimport typer\n\n"
        "app = typer.Typer(\n    add_completion=False, rich_markup_mode=None, pretty_exceptions_enable=False\n)\n",
        (refusal and string_statement("REFUSAL =", refusal, 0), f"REFUSAL = {text.replace('`', '')!r}"),
        "\n\n\n"
        "@app.command(help=REFUSAL)\n"
        "def main() -> None:\n"
        "    print(REFUSAL, file=sys.stderr)\n"
        "    sys.exit(2)\n\n\n",
        *_guard(package),
    )


def run_section(package: str, plan: Plan, gaps: Gaps) -> list[str]:
    """The README's words on `python -m PACKAGE`: what it does and its options."""
    if gaps:
        return [f"`python -m {package}` refuses to run (see below) and says why; `--help` says so too.", ""]
    text = (
        f"`python -m {package}` runs every step of the notebook in its order. It logs each step as it "
        "starts and as it ends, with its time, to stderr (what the steps print still goes to stdout). "
        "A step that fails is logged with its name, its time and the traceback, and the run exits with 1; "
        "a data folder that is not there is one line and exit 2. "
        f"`python -m {package} --help` lists the options:"
    )
    lines = [*_wrap_markdown(text), ""]
    lines.append(f"- `--data-dir DIR`: the folder of the input data (sets `{data_dir_variable(package)}`)")
    lines += [
        f"- {markdown_code(_usage(option))}: sets {markdown_code(option.constant)} in `config.py` "
        f"for this run (the notebook's value: {markdown_code(option.default)})"
        for option in cli_options(plan)
    ]
    return [*lines, "- `--log-level LEVEL`: DEBUG, INFO (the default), WARNING or ERROR", ""]


def _wrap_markdown(text: str, width: int = 88) -> list[str]:
    """`text` in lines of `width`, never breaking inside a code span (even segments are
    outside backticks, odd ones inside)."""
    parts = text.split("`")
    joined = "`".join(part.replace(" ", "\0") if n % 2 else part for n, part in enumerate(parts))
    return [line.replace("\0", " ") for line in textwrap.wrap(joined, width, break_on_hyphens=False)]


def _usage(option: CliOption) -> str:
    if option.kind == "bool":
        return f"{option.flag} / --no-{option.flag[2:]}"
    return f"{option.flag} {option.kind.upper()}"
