"""What code nb2pkg cannot parse may bind or change, read from its spelling.

A cell in Python 2, or with a typo, is kept in the notebook as it is. It still runs
there (in a Python 2 kernel, or after the user fixes it), so the names it may bind or
change must not be taken for constants, nor their values for what later steps see.
Conservative by design: a name that looks assigned is taken as assigned.
"""

from __future__ import annotations

import keyword
import re

import libcst as cst

from nb2pkg.analysis.mutation import method_mutates_receiver


def unreadable_writes(source: str) -> frozenset[str]:
    """Names code nb2pkg cannot parse (Python 2, a foreign magic's options) may bind or
    change, by their spelling: left of an `=`, after `del`, `for`, `as`, `import`, `-o`,
    or calling a method that changes its receiver."""
    if source.lstrip().startswith("%%"):  # another language: only its options bind names
        first = source.lstrip().splitlines()[0]
        return frozenset(re.findall(r"(?:-o|--out\w*|-a)\s+([A-Za-z_]\w*)", first))
    found: set[str] = set()
    for line in source.splitlines():
        code = line.split("#", 1)[0]
        found.update(_assigned(code))
        found.update(_BOUND.findall(code))
        for name, method in _METHOD.findall(code):
            if keyword.iskeyword(name):  # `None.x(...)`, `True.y(...)`: no notebook name
                continue
            if "inplace" in code or _mutates(name, method):
                found.add(name)
    return frozenset(found)


def _mutates(name: str, method: str) -> bool:
    """Whether calling `name.method()` may change `name`."""
    if keyword.iskeyword(method):  # `x.if(3)`: no such call parses; taken as a change, to be safe
        return True
    call = cst.parse_expression(f"{name}.{method}()")
    assert isinstance(call, cst.Call)  # NAME.NAME() parses as a call
    return method_mutates_receiver(call)


def _assigned(code: str) -> list[str]:
    """The names left of a line's assignment: `a, b[0] = ...`, `x += 1`, `d.k = 2`."""
    match = _ASSIGNMENT.match(re.sub(r"\[[^\]]*\]", "", code))  # subscripts are not names
    if match is None:
        return []
    target = match.group(1)
    return [m.group(1) for piece in target.split(",") if (m := re.match(r"\s*\(?\*?([A-Za-z_]\w*)", piece))]


_ASSIGNMENT = re.compile(r"^\s*([^=()#'\"]+?)\s*(?:[-+*/%&|^@]|//|\*\*|<<|>>)?=(?!=)")
_BOUND = re.compile(r"\b(?:del|for|as|import|global)\s+\(?([A-Za-z_]\w*)")
_METHOD = re.compile(r"\b([A-Za-z_]\w*)\.([A-Za-z_]\w*)\s*\(")
