"""`python -m PACKAGE`: the generated command line (Typer) that runs the pipeline, with
the data folder and config's simple constants as options, logging each step; the text
the README says about it; and the pipeline's step-logging helper."""

from __future__ import annotations

import ast
import io
import keyword
import textwrap
import tokenize
from dataclasses import dataclass, replace

from nb2pkg.escape import docstring_literal, markdown_code, printable
from nb2pkg.plan import Gaps, Plan, folder_needs
from nb2pkg.render.black_style import (
    Piece,
    as_is,
    bracketed,
    call,
    docstring,
    fits,
    from_import,
    joined,
    module_docstring,
    piece,
    string,
    string_statement,
    strings,
    subscript_assignment,
)
from nb2pkg.render.modules import data_dir_variable, notebook_dir_variable

# Options the command has whatever the notebook holds; a constant that would take one of
# these names (or a name the command's body reads) is no option.
FIXED_FLAGS = frozenset({"--data-dir", "--log-level", "--help"})
RESERVED_PARAMETERS = frozenset({"data_dir", "log_level", "help", "run_steps"})
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
_LEVELS_HELP = "DEBUG, INFO (the default), WARNING or ERROR."


@dataclass(frozen=True)
class CliOption:
    """A config constant the command line can set: `--test-size FLOAT` for `TEST_SIZE = 0.2`."""

    constant: str
    parameter: str  # the command's parameter, which Typer turns into `flag`
    flag: str
    kind: str  # "int", "float", "str" or "bool": the literal's type
    default: str  # the notebook's value, as --help shows it
    comment: str = ""  # the notebook's comment on the constant

    @property
    def help(self) -> str:
        return f"{self.constant} in config.py" + (f": {self.comment}" if self.comment else "") + "."


def cli_options(plan: Plan) -> tuple[CliOption, ...]:
    """One option per config constant that is an int, float, str or bool literal, in
    config's order; private names and names that clash with another option are left out."""
    options: list[CliOption] = []
    taken = set(FIXED_FLAGS)
    for segment in plan.constants:
        for option in _segment_options(segment.source):
            flags = {option.flag, "--no-" + option.flag[2:]} if option.kind == "bool" else {option.flag}
            if flags & taken or option.parameter in RESERVED_PARAMETERS:
                continue
            taken |= flags
            options.append(option)
    return tuple(options)


def _segment_options(source: str) -> list[CliOption]:
    try:
        module = ast.parse(source)
    except SyntaxError:
        return []
    comments = _comments(source)
    found = []
    for node in module.body:
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)):
            continue
        option = _option(node.targets[0].id, node.value)
        if option:
            comment = _comment_on(comments, node.lineno, node.end_lineno or node.lineno)
            found.append(replace(option, comment=printable(comment)))
    return found


def _option(name: str, value: ast.expr) -> CliOption | None:
    parameter = name.lower()
    if name.startswith("_") or not parameter.isidentifier() or keyword.iskeyword(parameter):
        return None
    try:
        literal = ast.literal_eval(value)
    except ValueError:
        return None
    kind = next((k.__name__ for k in (bool, int, float, str) if type(literal) is k), None)
    if kind is None:
        return None
    shown = literal if isinstance(literal, str) else repr(literal)
    return CliOption(name, parameter, "--" + parameter.replace("_", "-"), kind, printable(shown))


def _comments(source: str) -> dict[int, tuple[str, bool]]:
    """Line number -> (the text of the comment on that line, whether it is all the line holds)."""
    found = {}
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.COMMENT:
                alone = token.line.lstrip().startswith("#")
                found[token.start[0]] = (token.string.lstrip("#").strip(), alone)
    except (tokenize.TokenError, SyntaxError):
        pass
    return found


def _comment_on(comments: dict[int, tuple[str, bool]], first: int, last: int) -> str:
    """The comment at the end of an assignment's last line, or else the comment lines right above it."""
    if last in comments and not comments[last][1]:
        return comments[last][0]
    above: list[str] = []
    while comments.get(first - 1, ("", False))[1]:
        first -= 1
        above.insert(0, comments[first][0])
    return " ".join(text for text in above if text)


def main_module(package: str, gaps: Gaps, plan: Plan, notebook_name: str) -> str:
    """`__main__.py`: a Typer command that runs `pipeline.run()`, or, when the pipeline is
    not what the notebook did (`gaps`), one that says so and exits 2. It checks that the
    folder the steps need is there first: the notebook's, when some code still needs it
    (plan.folder_needs), else the data folder, when there are input files."""
    if gaps:
        return _refusing_main(package, gaps)
    return joined(main_pieces(package, plan, notebook_name))


def main_pieces(package: str, plan: Plan, notebook_name: str) -> list[Piece]:
    """`__main__.py`'s top-level statements: black formats only the command, whose
    options and docstring come from the notebook, and what else it cannot be sure of."""
    check = _where_the_notebook_ran(package) if folder_needs(plan) else _data_is_there(package, plan)
    pieces = [
        _head(package),
        _command(package, plan, notebook_name),
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


def _command(package: str, plan: Plan, notebook_name: str) -> Piece:
    """`main()`, the Typer command: its options and docstring come from the notebook. Black
    lays out each parameter (`_parameter_lines`); it formats the command when a help text,
    the docstring or the last line is of a shape the helpers do not know."""
    options = cli_options(plan)
    data_help = f"The folder of the notebook's input data: sets {data_dir_variable(package)}, which config.py reads."
    command_doc = f"Run every step of the notebook {notebook_name}, in its order, logging each one." + (
        "\n\nA constant given as an option replaces its value in config.py for this run." if options else ""
    )
    parameters = [
        _parameter_lines(
            "data_dir", "Path | None", data_help, ["exists=True", "file_okay=False", "resolve_path=True"], "None"
        ),
        *(_parameter_lines(o.parameter, f"{o.kind} | None", _option_help(o), [], "None") for o in options),
        _parameter_lines("log_level", "str", _LEVELS_HELP, ["show_default=False"], '"INFO"'),
    ]
    raw_parameters = [
        "    data_dir: Annotated[\n"
        f"        Path | None, typer.Option(help={data_help!r}, exists=True, file_okay=False, resolve_path=True)\n"
        "    ] = None,",
        *(f"    {_parameter(option)}," for option in options),
        f'    log_level: Annotated[str, typer.Option(help="{_LEVELS_HELP}", show_default=False)] = "INFO",',
    ]
    literal = docstring_literal(command_doc, "    ")
    doc = docstring(literal[3:-3], 4) if literal.startswith('"""') else None
    keys = strings([o.constant for o in options])
    last = (
        None if keys is None else _run_steps_call([f"{k}: {o.parameter}" for k, o in zip(keys, options, strict=True)])
    )
    raw_constants = ", ".join(f"{o.constant!r}: {o.parameter}" for o in options)
    return piece(
        "@app.command()\ndef main(\n",
        *(part for pair in zip(parameters, raw_parameters, strict=True) for part in (pair, "\n")),
        ") -> None:\n",
        (doc, f"    {literal}"),
        "\n",
        (
            last,
            f"    run_steps(data_dir, log_level, {{{raw_constants}}})",
        ),
        "\n",
    )


def _run_steps_call(constants: list[str]) -> str | None:
    """`run_steps(data_dir, log_level, {"NAME": name, ...})`, the command's last line, as
    black writes it four spaces in: on its line when it fits, else its arguments on
    theirs, else one a line, the dict then split as black splits a display."""
    whole = call("run_steps", ["data_dir", "log_level", "{" + ", ".join(constants) + "}"], 4)
    if whole is not None and whole.count("\n") < 3:  # on its line, or its arguments on theirs
        return whole
    display = bracketed("{", constants, "},", 8, display=True)
    return None if display is None else f"    run_steps(\n        data_dir,\n        log_level,\n{display}\n    )"


def _parameter_lines(name: str, kind: str, help_text: str, arguments: list[str], default: str) -> str | None:
    """`name: Annotated[kind, typer.Option(help=help_text, arguments)] = default,`, a
    parameter of a def black splits one a line, as black writes it four spaces in: on its
    line when it fits, else the subscript split, its two items on one line when they fit,
    else one a line with the call split as `call` splits it. None when the help text is
    not one `string` writes, or the name or default leaves no room for the brackets."""
    literal = string(help_text)
    if literal is None:
        return None
    option_arguments = [f"help={literal}", *arguments]
    option = f"typer.Option({', '.join(option_arguments)})"
    line = f"{name}: Annotated[{kind}, {option}] = {default},"
    if fits(line, 4):
        return "    " + line
    head, tail = f"{name}: Annotated[", f"] = {default},"
    if not (fits(head, 4) and fits(tail, 4) and fits(kind + ",", 8)):
        return None
    if fits(f"{kind}, {option}", 8):
        return f"    {head}\n        {kind}, {option}\n    {tail}"
    split = call("typer.Option", option_arguments, 8, ",")
    return None if split is None else f"    {head}\n        {kind},\n{split}\n    {tail}"


def _option_help(option: CliOption) -> str:
    return f"{option.help} The notebook's value: {option.default}."


def _parameter(option: CliOption) -> str:
    """`test_size: Annotated[float | None, typer.Option(...)] = None`: None when not given,
    so that config.py's value (edited or not) stands; --help says the notebook's in the
    help text (Typer's own default string reads `\\[default: (0.2)]`: a string default
    is put in parentheses by click, and its bracket escaped for rich even with rich
    markup off)."""
    return f"{option.parameter}: Annotated[{option.kind} | None, typer.Option(help={_option_help(option)!r})] = None"


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
