"""IPython syntax: turn a cell into Python and give each magic a policy.

IPython's own `TransformerManager` rewrites magics, shell lines and `obj?` into calls
such as `get_ipython().run_line_magic('time', 'fit(X)')`; the analysis recognises those
calls again and looks the magic up here. Cell magics (`%%name`) are split off first,
because their body is either code to analyse (`%%time`) or another language (`%%bash`).
"""

from __future__ import annotations

import enum
import io
import re
import shlex
import textwrap
import tokenize
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import libcst as cst

if TYPE_CHECKING:
    from IPython.core.inputtransformer2 import TransformerManager


class Policy(enum.Enum):
    """What nb2pkg does with a magic."""

    NOTEBOOK = "notebook"  # only meaningful in a notebook: stays in the summary notebook
    CODE = "code"  # runs Python code: the code is analysed as code
    SHELL = "shell"  # a shell command: a dependency hint when it installs packages
    FOREIGN = "foreign"  # another language or a file: kept verbatim, not analysed


_CODE_MAGICS = frozenset({"time", "timeit", "prun", "capture"})
_SHELL_MAGICS = frozenset({"system", "sx", "pip", "conda", "mamba"})
# Tables of names, one per word: kept dense on purpose.
# fmt: off
_FOREIGN_CELL_MAGICS = frozenset(
    {
        "bash", "sh", "script", "R", "python2", "python3", "python", "pypy", "perl",
        "ruby", "javascript", "js", "html", "HTML", "latex", "markdown", "svg",
        "writefile", "file", "sql", "cython", "julia", "octave", "fortran", "cmd",
        "powershell", "sx", "system",
    }
)
_NOTEBOOK_LINE_MAGICS = frozenset(
    {
        "matplotlib", "load_ext", "reload_ext", "unload_ext", "autoreload", "aimport",
        "config", "pinfo", "pinfo2", "psearch", "pdoc", "pdef", "psource", "pfile",
        "precision", "pprint", "who", "whos", "who_ls", "history", "hist", "pwd",
        "lsmagic", "magic", "quickref", "doctest_mode", "xmode", "colors", "env",
        "set_env", "pdb", "debug", "reset", "reset_selective", "pylab", "cd", "store",
        "run", "load", "save", "page", "alias", "unalias", "rehashx", "bookmark",
        "dhist", "pushd", "popd", "dirs", "ls", "ll", "cat", "mkdir", "rm", "rmdir",
        "cp", "mv", "clear", "less", "more", "man", "notebook", "tb", "recall", "rerun",
        "macro", "edit", "logstart", "logstop", "logon", "logoff", "logstate",
        "killbgscripts", "connect_info", "qtconsole", "code_wrap", "automagic",
        "autocall", "autoawait", "gui", "install_ext", "install_default_config",
        "load_ipython_ext", "nbagg", "output_notebook", "tensorboard", "watermark",
        "sql", "R", "Rpush", "Rpull", "Rget", "octave", "sc", "xdel", "profile",
        "lprun", "mprun", "memit",
    }
)
# fmt: on

# Magics that put names into the notebook that no code shows (like a star import).
NAME_INJECTING_MAGICS = frozenset({"pylab", "run", "store", "load", "Rpull", "Rget"})

# Magics worth a warning beyond their policy.
MAGIC_NOTES = {
    "cd": "changes the working folder, so relative paths after it resolve elsewhere",
    "pylab": "imports numpy and matplotlib names with `*`; nb2pkg cannot see which",
    "run": "runs a script whose names nb2pkg cannot see",
    "reset": "deletes the notebook's names; nb2pkg converts as if it did not",
    "load": "loads code into the cell; nb2pkg sees only the magic",
    "store": "restores names nb2pkg cannot see",
}


@dataclass(frozen=True)
class Magic:
    """One magic or shell line of a cell, after IPython's rewrite."""

    name: str  # "matplotlib", "time", "pinfo", "!" for shell lines
    cell: bool  # a cell magic (%%name)
    argument: str  # the rest of the line (for cell magics: the line after %%name)
    policy: Policy
    line: int = 1  # 1-based line in the cell

    @property
    def label(self) -> str:
        """How the user wrote it: `%time`, `%%bash`, `!pip`, `?`."""
        if self.name in ("system", "getoutput", "!"):
            head = self.argument.split(maxsplit=1)
            return "!" + (head[0] if head else "")
        if self.name in ("pinfo", "pinfo2"):
            return "?"
        return ("%%" if self.cell else "%") + self.name

    @property
    def packages(self) -> tuple[str, ...]:
        """Packages a `!pip install` / `%pip install` line asks for."""
        return pip_install_targets(self.argument if self.name != "pip" else "pip " + self.argument)


@dataclass(frozen=True)
class PythonSource:
    """A cell in Python terms: the code to analyse and its cell magic, if any."""

    python: str | None  # None: not Python (a foreign cell magic)
    cell_magic: Magic | None = None
    line_offset: int = 0  # lines of the cell before `python` starts (the %%magic line)


def magic_policy(name: str, cell: bool) -> Policy:
    """The policy of `%name` (or `%%name` when `cell`); unknown magics stay in the notebook."""
    if name in _CODE_MAGICS:
        return Policy.CODE
    if cell:
        return Policy.FOREIGN
    if name in _SHELL_MAGICS:
        return Policy.SHELL
    return Policy.NOTEBOOK


def is_known_magic(name: str, cell: bool) -> bool:
    """Whether the policy of this magic was chosen on purpose rather than by default."""
    if name in _CODE_MAGICS:
        return True
    if cell:
        return name in _FOREIGN_CELL_MAGICS
    return name in _NOTEBOOK_LINE_MAGICS or name in _SHELL_MAGICS


_CELL_MAGIC = re.compile(r"\A(?:[ \t]*\n)*%%(?P<name>[A-Za-z_][\w.]*)[ \t]*(?P<line>[^\n]*)\n?")


def to_python(source: str) -> PythonSource:
    """Split off a cell magic and rewrite IPython syntax into Python."""
    match = _CELL_MAGIC.match(source)
    if not match:
        return PythonSource(transform(source))
    name, line = match["name"], match["line"].strip()
    offset = source[: match.end()].count("\n")
    policy = magic_policy(name, cell=True)
    magic = Magic(name, True, line, policy, line=offset or 1)
    if policy is not Policy.CODE:
        return PythonSource(None, magic, offset)
    return PythonSource(transform(source[match.end() :]), magic, offset)


@lru_cache(maxsize=1)
def _manager() -> TransformerManager:
    from IPython.core.inputtransformer2 import TransformerManager  # imported when first needed: it is slow

    return TransformerManager()


def transform(source: str) -> str:
    """IPython syntax -> Python; text IPython cannot handle comes back unchanged."""
    if not _might_have_ipython_syntax(source):
        return source
    simple = _simple_transform(source)
    if simple is not None:  # what IPython's transformer gives, without importing IPython
        return simple
    try:
        return _manager().transform_cell(source)
    except Exception:  # IPython gives up on some broken input; the parse reports it
        return source


# What IPython's transformers look for, beyond `%`, `!` and `?` anywhere (magics, shell
# lines, `obj?`, `a = !ls`): the autocall escapes `;f a`, `,f a`, `/f a` at the start of a
# line (a lone `;` line is `;` with nothing after it: `("")`), prompts pasted from a
# console, and an indented first line, which IPython dedents.
_IPYTHON_LINE_START = re.compile(r"^[ \t]*[;,/]|^(?:>>>|\.\.\.|In \[\d*\]:)|\A\s*?^[ \t]+\S", re.MULTILINE)


def _might_have_ipython_syntax(source: str) -> bool:
    # A cheap test that saves IPython's tokenizer on plain Python cells.
    return any(mark in source for mark in ("%", "!", "?")) or _IPYTHON_LINE_START.search(source) is not None


# What TransformerManager.transform_cell does to a cell that holds, as IPython syntax, at
# most line magics `%name args` and shell lines `!command` on lines of their own: it cleans
# the cell up (a final newline, no leading blank lines, `textwrap.dedent`, no prompts),
# then turns each into `get_ipython().run_line_magic(name, args)` or `.system(command)`. `_simple_transform` does the same
# when it is sure nothing else applies (the property test compares it with IPython's).
_SIMPLE_MAGIC = re.compile(r"%[A-Za-z_]\w*(?: [A-Za-z0-9_ .,=:+*/<>@~&|^-]*)?")
_SIMPLE_SHELL = re.compile(r"![^!'\"()\[\]{}#\\?][^'\"()\[\]{}#\\?]*")  # no quote or bracket to open
_PROMPTS = re.compile(r"^(?:>>>|\.\.\.)(?: |$)|^(?:In \[\d+\]: |\s*\.{3,}: ?)")  # classic and IPython's
_ESCAPES = frozenset("!?%,;/")  # IPython's escapes at the start of a line


def _simple_transform(source: str) -> str | None:
    """IPython's transform of `source`, or None when it may do more than `_SIMPLE_MAGIC` lines."""
    if _IPYTHON_LINE_START.search(source):
        return None  # prompts, autocall escapes, an indented first line: IPython's own work
    lines = (source if source.endswith("\n") else source + "\n").splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line and not line.isspace()), 0)
    lines = textwrap.dedent("".join(lines[start:])).splitlines(keepends=True)
    if any(_PROMPTS.match(line) for line in lines[:2]):
        return None
    magics = set()
    for number, line in enumerate(lines):
        text = line.rstrip()  # as IPython assembles the line
        if text.startswith("%") and _SIMPLE_MAGIC.fullmatch(text):
            name, _, argument = text[1:].partition(" ")
            lines[number] = f"get_ipython().run_line_magic({name!r}, {argument!r})\n"
            magics.add(number + 1)
        elif text.startswith("!") and _SIMPLE_SHELL.fullmatch(text):
            lines[number] = f"get_ipython().system({text[1:]!r})\n"
            magics.add(number + 1)
    python = "".join(lines)
    return python if _plain_python(python, magics) else None


def _plain_python(python: str, rows: set[int]) -> bool:
    """Whether `python` tokenizes as Python with nothing IPython would rewrite, and each
    of `rows` starts a logical line of its own."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(python).readline))
    except (tokenize.TokenError, SyntaxError):
        return False
    starts, previous, depth = set(), "\n", 0  # previous: the last token's text, "\n" for a line's end
    for token in tokens:
        kind, text = token.type, token.string
        if kind == tokenize.ERRORTOKEN or text in ("!", "?", "??", "$") or (text == "%" and previous == "="):
            return False
        if previous == "\n" and depth == 0 and kind not in (tokenize.INDENT, tokenize.DEDENT):
            if text and text[0] in _ESCAPES:
                return False
            starts.add(token.start[0])
        depth += (text in "([{") - (text in ")]}") if kind == tokenize.OP else 0
        if kind not in (tokenize.INDENT, tokenize.DEDENT):
            previous = "\n" if kind in (tokenize.NEWLINE, tokenize.NL) else text
    return rows <= starts


def hides_value(python: str) -> bool:
    """Whether IPython shows nothing for this cell's last expression: the last token of
    the cell (after IPython's rewrite, comments aside) is `;`, as `plt.plot(x);`."""
    if ";" not in python:  # no `;` token without the character: most cells are not tokenized
        return False
    return _ends_with_semicolon_token(python)


def _ends_with_semicolon_token(python: str) -> bool:
    """IPython's own test, on the tokens of the whole cell."""
    tokens: list[tokenize.TokenInfo] = []
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(python).readline))
    except (tokenize.TokenError, SyntaxError):
        pass  # IPython's own check fails the same way and then shows the value
    ignored = (tokenize.ENDMARKER, tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT)  # IPython's
    for token in reversed(tokens):
        if token.type not in ignored:
            return token.type == tokenize.OP and token.string == ";"
    return False


# Options that take a value, per code-running magic; the code follows the options.
_VALUE_OPTIONS = {
    "timeit": frozenset("nrp"),
    "prun": frozenset("lsTD"),
    "time": frozenset(),
    "capture": frozenset(),
}


def split_code_argument(name: str, argument: str) -> tuple[tuple[str, ...], str]:
    """`-n 3 -r 2 fit(X)` -> (("-n", "3", "-r", "2"), "fit(X)") for `%timeit`."""
    valued = _VALUE_OPTIONS.get(name, frozenset())
    options: list[str] = []
    rest = argument.lstrip()
    while rest.startswith("-") and not rest.startswith("--") or rest.startswith("--no-"):
        word, _, tail = rest.partition(" ")
        options.append(word)
        rest = tail.lstrip()
        if len(word) == 2 and word[1] in valued:
            value, _, tail = rest.partition(" ")
            options.append(value)
            rest = tail.lstrip()
    return tuple(options), rest


# Line magics that run their statement once, in the notebook's namespace, and only add a
# report (the time taken, a profile in the pager), with the options that change nothing
# else: the statement is code, and the summary keeps the magic in front of its step call.
# `%timeit` is not one: it runs the statement many times in a namespace of its own.
_TIMING_LINE_MAGICS = {"time": frozenset(), "prun": frozenset({"-s", "-l", "-q"})}


def timed_statement(magic: Magic) -> tuple[str, str] | None:
    """(`%prun -s time`, `fit(X)`) for `%prun -s time fit(X)`: the magic line the summary
    keeps and the code it runs; None when the magic is not one that only reports on its
    code (`%timeit`, `%prun -r`, a cell magic) or has no code."""
    allowed = _TIMING_LINE_MAGICS.get(magic.name)
    if magic.cell or allowed is None:
        return None
    options, code = split_code_argument(magic.name, magic.argument)
    valued = _VALUE_OPTIONS[magic.name]
    flags = [word for position, word in enumerate(options) if not (position and options[position - 1][1:] in valued)]
    if not code.strip() or any(flag not in allowed for flag in flags):
        return None
    return " ".join((f"%{magic.name}", *options)), code


_EXPANSION = re.compile(r"(?<!\{)\{(?!\{)(?P<expr>[^{}]+)\}|(?<!\$)\$(?P<name>[A-Za-z_]\w*)")


def shell_expansions(command: str) -> tuple[str, ...]:
    """Python expressions IPython substitutes into a shell line: `{expr}` and `$name`."""
    return tuple(m["expr"] or m["name"] for m in _EXPANSION.finditer(command))


def pip_install_targets(command: str) -> tuple[str, ...]:
    """What `pip install a b>=1 -q -r req.txt` (also `python -m pip ...`) asks to install:
    requirement words, paths and URLs, and `-r`/`-e` with their value as one target;
    other options are dropped. `dependencies` decides which are requirements."""
    try:
        words = shlex.split(command, comments=True)
    except ValueError:
        words = command.split()
    for start in range(len(words) - 1):
        if words[start].endswith(("pip", "pip3")) and words[start + 1] == "install":
            break
    else:
        return ()
    targets: list[str] = []
    option = ""  # an option whose value comes next
    for word in words[start + 2 :]:
        if option:
            if option in _PIP_SOURCES:
                targets.append(f"{option} {word}")
            option = ""
        elif word in _PIP_SOURCES or word in _PIP_VALUED:
            option = word
        elif word in ("&&", "||", ";", "|"):
            break
        elif not word.startswith("-"):
            targets.append(word)
    return tuple(targets)


# pip options whose value says what to install, and the other options that take a value.
_PIP_SOURCES = frozenset({"-r", "--requirement", "-e", "--editable"})
_PIP_VALUED = frozenset(
    {
        "-c",
        "--constraint",
        "-i",
        "--index-url",
        "--extra-index-url",
        "-f",
        "--find-links",
        "-t",
        "--target",
        "--prefix",
        "--root",
        "--src",
        "--upgrade-strategy",
        "--platform",
        "--python-version",
        "--implementation",
        "--abi",
        "--no-binary",
        "--only-binary",
        "--trusted-host",
        "--proxy",
        "--retries",
        "--timeout",
        "--cache-dir",
        "--log",
        "--exists-action",
        "--progress-bar",
        "-C",
        "--config-settings",
        "--global-option",
        "--report",
    }
)


@dataclass(frozen=True)
class IPythonCall:
    """`get_ipython().METHOD(...)`, the call IPython's transformer writes for a magic or a
    shell line, with its arguments where they are string literals (None where not)."""

    method: str  # run_line_magic, run_cell_magic, system, getoutput, magic, ...
    arguments: tuple[str | None, ...]


def ipython_call(node: cst.BaseExpression) -> IPythonCall | None:
    """The one place that recognises a transformed magic in a syntax tree."""
    if not (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Attribute)
        and isinstance(node.func.value, cst.Call)
        and isinstance(node.func.value.func, cst.Name)
        and node.func.value.func.value == "get_ipython"
    ):
        return None
    return IPythonCall(node.func.attr.value, tuple(_string(argument.value) for argument in node.args))


def _string(node: cst.BaseExpression) -> str | None:
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None
