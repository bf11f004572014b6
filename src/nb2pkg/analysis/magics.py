"""Magics and shell lines: what the code they run, and the names they expand, read and bind.

IPython's transformer has rewritten each into a `get_ipython().METHOD(...)` call, which
`nb2pkg.ipython.ipython_call` recognises. A magic that runs Python (`%time`, `%%capture`)
has its code walked as the cell's own (`%timeit`'s in a namespace of its own); a shell
line reads the names it expands (`!ls {folder}`); what a magic means comes from
`nb2pkg.ipython`, the one place that knows magics.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import libcst as cst

from nb2pkg.analysis.last_result import names_read
from nb2pkg.analysis.names import NameBook
from nb2pkg.analysis.parsed import parse
from nb2pkg.analysis.scopes import function_scope
from nb2pkg.ipython import (
    MAGIC_NOTES,
    NAME_INJECTING_MAGICS,
    Magic,
    Policy,
    ipython_call,
    is_known_magic,
    magic_policy,
    shell_expansions,
    split_code_argument,
    transform,
)
from nb2pkg.limits import check_python

_MAGIC_METHODS = frozenset({"run_line_magic", "run_cell_magic", "system", "getoutput", "magic"})


class MagicWalk(NameBook, ABC):
    """The magics of a cell: recorded in `magics`, their code walked with the walker's own
    `statement` and `expr`."""

    @abstractmethod
    def statement(self, node: cst.CSTNode) -> None:
        """Walk one statement (the walker's)."""

    @abstractmethod
    def expr(self, node: cst.CSTNode) -> None:
        """Walk one expression (the walker's)."""

    def walk_code(self, code: str, what: str, isolated: bool = False) -> None:
        """Walk code a magic runs (`%time x = f()`); `isolated` gives it its own namespace."""
        python = transform(code)
        refusal = check_python(python)  # the magic's code is a string the cell's check did not see
        if refusal is not None and refusal.kind != "await":
            self.warn(
                f"the code of {what} does not parse or is beyond nb2pkg's limits "
                f"({refusal.message}); nb2pkg did not analyse it"
            )
            return
        try:
            module = parse(python)  # the tree the plan's stages ask for again (plan/magic_cells.py)
        except cst.ParserSyntaxError:
            self.warn(f"the code of {what} does not parse; nb2pkg did not analyse it")
            return
        if not isolated:
            for statement in module.body:
                self.statement(statement)
            return
        self.scopes.append(function_scope(cst.Parameters(), module, "%timeit", "inline"))
        for statement in module.body:
            self.statement(statement)
        self.scopes.pop()

    def magic_call(self, node: cst.Call) -> bool:
        call = ipython_call(node)
        if call is None or call.method not in _MAGIC_METHODS:
            return False
        strings = [s for s in call.arguments if s is not None]
        if len(strings) < len(call.arguments) or not strings:
            return False  # an argument is not a string literal: not a call IPython wrote for a magic
        method = call.method
        if method in ("system", "getoutput"):
            self.shell_line(method, strings[0])
        elif method == "run_line_magic" and len(strings) >= 2:
            self.line_magic(strings[0], strings[1])
        elif method == "magic":
            name, _, argument = strings[0].lstrip("%").partition(" ")
            self.line_magic(name, argument)
        elif method == "run_cell_magic" and len(strings) >= 3:
            self.cell_magic(Magic(strings[0], True, strings[1], magic_policy(strings[0], True)), strings[2])
        else:
            return False
        return True

    def line_magic(self, name: str, argument: str) -> None:
        policy = magic_policy(name, cell=False)
        self.magics.append(Magic(name, False, argument, policy, self.line))
        if not is_known_magic(name, cell=False):
            self.warn(f"unknown magic `%{name}`: kept in the notebook, not analysed")
        if name in MAGIC_NOTES:
            self.warn(f"`%{name}` {MAGIC_NOTES[name]}")
        if name in NAME_INJECTING_MAGICS:
            self.star = True
        if policy is Policy.CODE:
            _, code = split_code_argument(name, argument)
            self.walk_code(code, f"`%{name}`", isolated=name == "timeit")
        elif name not in ("pinfo", "pinfo2"):
            self.expansions(argument)

    def cell_magic(self, magic: Magic, body: str) -> None:
        """A `%%magic` cell whose body is Python (`%%time`, `%%capture out`)."""
        self.magics.append(magic)
        options, rest = split_code_argument(magic.name, magic.argument)
        if magic.policy is not Policy.CODE:
            if not is_known_magic(magic.name, cell=True):
                self.warn(f"unknown cell magic `%%{magic.name}`: kept in the notebook, not analysed")
            return
        if magic.name == "timeit":
            if rest:
                self.walk_code(rest, "`%%timeit`'s setup", isolated=True)
            self.walk_code(body, "`%%timeit`", isolated=True)
            return
        self.walk_code(body, f"`%%{magic.name}`")
        if magic.name == "capture" and rest.split():
            self.store(rest.split()[0])

    def shell_line(self, method: str, command: str) -> None:
        self.magics.append(Magic(method, False, command, Policy.SHELL, self.line))
        self.expansions(command)

    def expansions(self, text: str) -> None:
        """`!ls {folder}` reads `folder`; IPython leaves unknown names to the shell."""
        for expression in shell_expansions(text):
            if check_python(expression) is not None:
                continue  # not Python, or too deep to parse safely: left to the shell
            try:
                parsed = cst.parse_expression(expression)
            except (cst.ParserSyntaxError, cst.CSTValidationError):  # LibCST cannot read it
                continue
            if all(self.is_known(name) for name in names_read(parsed)):
                self.expr(parsed)


def is_automagic(name: str) -> bool:
    return is_known_magic(name, cell=False) and magic_policy(name, cell=False) is Policy.NOTEBOOK
