"""`python -m PACKAGE`'s command: the options config's simple constants give it
(`TEST_SIZE = 0.2` -> `--test-size`), and `main()`, the Typer command that takes them,
written in black's style where the helpers know its shapes."""

from __future__ import annotations

import ast
import io
import keyword
import tokenize
from dataclasses import dataclass, replace

from nb2pkg.escape import docstring_literal, printable
from nb2pkg.limits import parse_quietly
from nb2pkg.plan import Plan
from nb2pkg.render.black_style import Piece, bracketed, call, docstring, fits, piece, string, strings
from nb2pkg.render.modules import data_dir_variable

# Options the command has whatever the notebook holds; a constant that would take one of
# these names (or a name the command's body reads) is no option.
FIXED_FLAGS = frozenset({"--data-dir", "--log-level", "--help"})
RESERVED_PARAMETERS = frozenset({"data_dir", "log_level", "help", "run_steps"})
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
        module = parse_quietly(source)
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


def command_piece(package: str, plan: Plan, notebook_name: str) -> Piece:
    """`main()`, the Typer command: its options and docstring come from the notebook. Black
    lays out each parameter (`_parameter`); it formats the command when a help text,
    the docstring or the last line is of a shape the helpers do not know."""
    options = cli_options(plan)
    data_help = f"The folder of the notebook's input data: sets {data_dir_variable(package)}, which config.py reads."
    command_doc = f"Run every step of the notebook {notebook_name}, in its order, logging each one." + (
        "\n\nA constant given as an option replaces its value in config.py for this run." if options else ""
    )
    parameters = [
        _parameter(
            "data_dir", "Path | None", data_help, ["exists=True", "file_okay=False", "resolve_path=True"], "None"
        ),
        # None when not given, so that config.py's value (edited or not) stands; --help says
        # the notebook's in the help text (Typer's own default string reads `\\[default:
        # (0.2)]`: click puts a string default in parentheses, and its bracket is escaped
        # for rich even with rich markup off)
        *(_parameter(o.parameter, f"{o.kind} | None", _option_help(o), [], "None") for o in options),
        _parameter("log_level", "str", _LEVELS_HELP, ["show_default=False"], '"INFO"'),
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
        *(part for parameter in parameters for part in (parameter, "\n")),
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


def _parameter(name: str, kind: str, help_text: str, arguments: list[str], default: str) -> tuple[str | None, str]:
    """`name: Annotated[kind, typer.Option(help=help_text, arguments)] = default,`, a
    parameter of a def black splits one a line, four spaces in: as black writes it (or
    None) and as black reads it (`piece`). Black keeps it on its line when it fits, else
    splits the subscript, its two items on one line when they fit, else one a line with
    the call split as `call` splits it; None when the help text is not one `string`
    writes, or the name or default leaves no room for the brackets."""
    option = ", ".join([f"help={help_text!r}", *arguments])
    raw = f"    {name}: Annotated[{kind}, typer.Option({option})] = {default},"
    literal = string(help_text)
    if literal is None:
        return None, raw
    option_arguments = [f"help={literal}", *arguments]
    option = f"typer.Option({', '.join(option_arguments)})"
    line = f"{name}: Annotated[{kind}, {option}] = {default},"
    if fits(line, 4):
        return "    " + line, raw
    head, tail = f"{name}: Annotated[", f"] = {default},"
    if not (fits(head, 4) and fits(tail, 4) and fits(kind + ",", 8)):
        return None, raw
    if fits(f"{kind}, {option}", 8):
        return f"    {head}\n        {kind}, {option}\n    {tail}", raw
    split = call("typer.Option", option_arguments, 8, ",")
    return (None if split is None else f"    {head}\n        {kind},\n{split}\n    {tail}"), raw


def _option_help(option: CliOption) -> str:
    return f"{option.help} The notebook's value: {option.default}."
