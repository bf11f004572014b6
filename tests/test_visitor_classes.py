"""LibCST visitors are classes made once, at module level.

A visitor class defined inside a function is a new class on every call. Besides making
it, LibCST asks `isinstance(visitor, CSTVisitor)` at every node it visits, and for a class
it has not seen, Python's ABC check walks every subclass of `CSTVisitor` alive, the earlier
per-call classes included: converting the corpus took a tenth longer for one such class
in `pass_arguments`.
"""

from __future__ import annotations

import ast
import gc
import tempfile
from pathlib import Path

import libcst as cst

from nb2pkg import api

SOURCE = Path(__file__).resolve().parents[1] / "src" / "nb2pkg"
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "explore.ipynb"


def _classes_in_functions(tree: ast.Module) -> list[ast.ClassDef]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found += [inner for inner in ast.walk(node) if isinstance(inner, ast.ClassDef)]
    return found


def _subclasses_libcst(node: ast.ClassDef) -> bool:
    return any("cst." in ast.unparse(base) or "CSTVisitor" in ast.unparse(base) for base in node.bases)


def test_no_libcst_visitor_class_is_made_inside_a_function() -> None:
    made = [
        f"{path.relative_to(SOURCE)}:{node.lineno} {node.name}"
        for path in sorted(SOURCE.rglob("*.py"))
        for node in _classes_in_functions(ast.parse(path.read_text(encoding="utf-8")))
        if _subclasses_libcst(node)
    ]
    assert made == []


def _visitor_classes() -> int:
    seen, todo = set(), [cst.CSTVisitor, cst.CSTTransformer]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in seen:
                seen.add(sub)
                todo.append(sub)
    return len(seen)


def test_converting_again_makes_no_new_visitor_class() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        api.convert(EXAMPLE, Path(scratch) / "first", write=False)
        gc.collect()
        gc.disable()  # a class made per call stays alive (classes hold cycles) to be counted
        try:
            before = _visitor_classes()
            api.convert(EXAMPLE, Path(scratch) / "second", write=False)
            after = _visitor_classes()
        finally:
            gc.enable()
    assert after == before
