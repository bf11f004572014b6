"""nbformat's rules without nbformat, where they surely apply: whether a notebook meets
its schema, and the text nbformat writes a notebook as.

Whether a notebook surely meets nbformat's schema is decided without importing nbformat
(with jsonschema, and fastjsonschema compiling the schema, a tenth to a third of a second
a process): nbformat is asked only when this check is not sure, so every verdict and
message stays nbformat's own.

The check reads the schema file nbformat would use (`nbformat/v4/nbformat.v4.N.schema.json`)
and walks it with the JSON Schema (draft 4) rules those files use. Each rule answers True
(surely met), False (surely broken) or None (not sure: a float where an integer is wanted,
`true` where a number is, a keyword it does not know); only a True for the whole notebook
is taken. Both validators nbformat may use (fastjsonschema, then jsonschema for the
message) accept what is surely met under the strictest reading of a rule.
"""

from __future__ import annotations

import copy
import json
import os
import re
from importlib.util import find_spec
from pathlib import Path
from typing import Any

Verdict = bool | None

# Draft 4 keywords this check does not implement: a schema using one is not judged here.
_UNKNOWN = frozenset(
    {
        "allOf",
        "anyOf",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "minItems",
        "maxItems",
        "additionalItems",
        "dependencies",
        "minProperties",
        "maxProperties",
        "format",
    }
)
_LATEST_MINOR = 5  # a newer minor version is validated with relaxed rules: left to nbformat


def surely_valid(data: dict[str, Any]) -> bool:
    """Whether `nbformat.validate(data, version=4)` surely passes and leaves `data` as it
    is (for 4.5 files it adds missing cell ids and renumbers repeated ones)."""
    minor = data.get("nbformat_minor", 0)
    if type(minor) is not int or not 0 <= minor <= _LATEST_MINOR or data.get("nbformat") != 4:
        return False
    if os.environ.get("NBFORMAT_VALIDATOR", "fastjsonschema") not in ("fastjsonschema", "jsonschema"):
        return False  # nbformat refuses the name: its words
    schema = _schema(minor)
    if schema is None or (minor >= 5 and not _ids_complete(data)):
        return False
    try:
        return _Checker(schema).check(data, schema) is True
    except RecursionError:
        return False


def _ids_complete(data: dict[str, Any]) -> bool:
    cells = data.get("cells")
    if not isinstance(cells, list) or not all(isinstance(cell, dict) and "id" in cell for cell in cells):
        return False
    return len({json.dumps(cell["id"]) for cell in cells}) == len(cells)


def _schema(minor: int) -> dict[str, Any] | None:
    """The schema file nbformat validates 4.`minor` notebooks with; None when nbformat (or
    the validator it would use) is not where this check looks."""
    found = find_spec("nbformat")
    if found is None or found.origin is None or find_spec("jsonschema") is None:
        return None
    if (
        os.environ.get("NBFORMAT_VALIDATOR", "fastjsonschema") == "fastjsonschema"
        and find_spec("fastjsonschema") is None
    ):
        return None  # nbformat says it has no validator
    path = Path(found.origin).parent / "v4" / f"nbformat.v4.{minor}.schema.json"
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return schema if isinstance(schema, dict) else None


class _Checker:
    """One notebook's check against one schema; what each schema node takes is worked
    out once (its id is the key: the schema is not changed while it is used)."""

    def __init__(self, root: dict[str, Any]) -> None:
        self.root = root
        self._plans: dict[int, tuple[Any, tuple[Any, ...]] | None] = {}

    def check(self, value: Any, schema: Any) -> Verdict:
        key = id(schema)
        plan = self._plans[key] if key in self._plans else self._plans.setdefault(key, self._plan(schema))
        if plan is None:
            return None
        wanted, rules = plan
        if isinstance(wanted, dict):  # a `$ref`: the schema it names
            return self.check(value, wanted)
        verdict = True if wanted is None else _type(value, wanted)
        if verdict is False:
            return False
        for rule in rules:
            found = rule(value, schema, self)
            if found is False:
                return False
            if found is None:
                verdict = None
        return verdict

    def _plan(self, schema: Any) -> tuple[Any, tuple[Any, ...]] | None:
        """The schema a `$ref` names, or the type and rules of `schema`; None when it is
        not judged here."""
        if not isinstance(schema, dict):
            return None
        if "$ref" in schema:
            target = _resolve(self.root, schema["$ref"])
            return None if target is None or set(schema) - {"$ref", "description"} else (target, ())
        if _UNKNOWN & schema.keys():
            return None
        rules = tuple(rule for keywords, rule in _RULES if any(keyword in schema for keyword in keywords))
        return schema.get("type"), rules


def _all(verdicts: list[Verdict]) -> Verdict:
    if False in verdicts:
        return False
    return None if None in verdicts else True


def _resolve(root: dict[str, Any], ref: object) -> Any:
    if not isinstance(ref, str) or not ref.startswith("#/"):
        return None
    node: Any = root
    for part in ref[2:].split("/"):
        if not isinstance(node, dict) or part not in node or "~" in part or "%" in part:
            return None
        node = node[part]
    return node


def _type(value: Any, wanted: Any) -> Verdict:
    if isinstance(wanted, list):
        verdicts = [_type(value, one) for one in wanted]
        return True if True in verdicts else (None if None in verdicts else False)
    if wanted == "integer":
        return None if isinstance(value, (bool, float)) else isinstance(value, int)
    if wanted == "number":
        return None if isinstance(value, bool) else isinstance(value, (int, float))
    simple = {"string": str, "object": dict, "array": list, "boolean": bool}
    if wanted == "null":
        return value is None
    return isinstance(value, simple[wanted]) if wanted in simple else None


def _enum(value: Any, schema: dict[str, Any], checker: _Checker) -> Verdict:
    # text, true/false and null only: where `==` (fastjsonschema) and JSON equality
    # (jsonschema, which tells `true` from 1) agree
    options = schema["enum"]
    plain = (str, bool, type(None))
    if not isinstance(value, plain) or not all(isinstance(option, plain) for option in options):
        return None
    return any(type(option) is type(value) and option == value for option in options)


def _bound(value: Any, schema: dict[str, Any], checker: _Checker) -> Verdict:
    if isinstance(value, bool):
        return None  # a number to one validator, not to the other
    if not isinstance(value, (int, float)):
        return True
    low, high = schema.get("minimum"), schema.get("maximum")
    for limit in (low, high):
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, (int, float))):
            return None
    return (low is None or value >= low) and (high is None or value <= high)


def _length(value: Any, schema: dict[str, Any], checker: _Checker) -> Verdict:
    if not isinstance(value, str):
        return True
    low, high = schema.get("minLength", 0), schema.get("maxLength")
    return low <= len(value) and (high is None or len(value) <= high)


def _pattern(value: Any, schema: dict[str, Any], checker: _Checker) -> Verdict:
    return re.search(schema["pattern"], value) is not None if isinstance(value, str) else True


def _required(value: Any, schema: dict[str, Any], checker: _Checker) -> Verdict:
    return all(key in value for key in schema["required"]) if isinstance(value, dict) else True


def _items(value: Any, schema: dict[str, Any], checker: _Checker) -> Verdict:
    if not isinstance(value, list):
        return True
    if not isinstance(schema["items"], dict):
        return None
    if schema["items"] == {"type": "string"}:  # the lines of every multi-line text: kept quick
        return all(isinstance(item, str) for item in value)
    verdicts = []
    for item in value:
        verdicts.append(checker.check(item, schema["items"]))
        if verdicts[-1] is False:
            return False
    return _all(verdicts)


def _unique(value: Any, schema: dict[str, Any], checker: _Checker) -> Verdict:
    if not isinstance(value, list) or schema["uniqueItems"] is not True:
        return True if not isinstance(value, list) else None
    if not all(isinstance(item, str) for item in value):
        return None  # JSON equality of other values (1 and true) is each validator's own
    return len(set(value)) == len(value)


def _object(value: Any, schema: dict[str, Any], checker: _Checker) -> Verdict:
    """`properties`, `patternProperties` and `additionalProperties` together."""
    if not isinstance(value, dict):
        return True
    properties = schema.get("properties", {})
    patterns = schema.get("patternProperties", {})
    extra = schema.get("additionalProperties", True)
    verdicts: list[Verdict] = []
    for key, item in value.items():
        if not isinstance(key, str):
            return None
        rules = [properties[key]] if key in properties else []
        rules += [rule for pattern, rule in patterns.items() if re.search(pattern, key)]
        if not rules and extra is not True:
            rules = [extra] if isinstance(extra, dict) else []
            if extra is False:
                return False
        for rule in rules:
            verdicts.append(checker.check(item, rule))
            if verdicts[-1] is False:
                return False
    return _all(verdicts)


def _one_of(value: Any, schema: dict[str, Any], checker: _Checker) -> Verdict:
    verdicts = [checker.check(value, option) for option in schema["oneOf"]]
    if verdicts.count(True) >= 2:
        return False
    if verdicts.count(True) == 1 and None not in verdicts:
        return True
    return False if all(verdict is False for verdict in verdicts) else None


def _not(value: Any, schema: dict[str, Any], checker: _Checker) -> Verdict:
    verdict = checker.check(value, schema["not"])
    return None if verdict is None else not verdict


# Each rule once, when the schema has any of its keywords.
_RULES = (
    (("enum",), _enum),
    (("minimum", "maximum"), _bound),
    (("minLength", "maxLength"), _length),
    (("pattern",), _pattern),
    (("required",), _required),
    (("items",), _items),
    (("uniqueItems",), _unique),
    (("properties", "patternProperties", "additionalProperties"), _object),
    (("oneOf",), _one_of),
    (("not",), _not),
)


def notebook_text(document: dict[str, Any]) -> str:
    """`nbformat.writes(nbformat.from_dict(document), version=4)`, the same text, written
    here when `document` is surely valid (nbformat would validate it, then write it as
    below); else by nbformat, which logs what is invalid."""
    if document.get("nbformat") != 4 or not surely_valid(document):
        import nbformat

        return str(nbformat.writes(nbformat.from_dict(document), version=4))
    metadata = {k: v for k, v in document["metadata"].items() if k not in _TRANSIENT}
    written = {**document, "metadata": metadata, "cells": [_split_cell(cell) for cell in document["cells"]]}
    return json.dumps(written, cls=_BytesEncoder, indent=1, sort_keys=True, separators=(",", ": "), ensure_ascii=False)


_TRANSIENT = frozenset({"orig_nbformat", "orig_nbformat_minor", "signature"})  # nbformat's strip_transient
_SPLIT_MIMES = frozenset({"application/javascript", "image/svg+xml"})  # split besides text/*


def _split_cell(cell: dict[str, Any]) -> dict[str, Any]:
    """nbformat's `split_lines` and `strip_transient` of one cell, on a copy."""
    cell = copy.deepcopy(cell)
    if isinstance(cell.get("source"), str):
        cell["source"] = cell["source"].splitlines(True)
    for attachment in cell.get("attachments", {}).values():
        _split_bundle(attachment)
    if cell["cell_type"] == "code":
        for output in cell["outputs"]:
            if output["output_type"] in ("execute_result", "display_data"):
                _split_bundle(output.get("data", {}))
            elif output["output_type"] == "stream" and isinstance(output["text"], str):
                output["text"] = output["text"].splitlines(True)
    cell["metadata"].pop("trusted", None)
    return cell


def _split_bundle(data: dict[str, Any]) -> None:
    for key, value in list(data.items()):
        if isinstance(value, str) and (key.startswith("text/") or key in _SPLIT_MIMES):
            data[key] = value.splitlines(True)


class _BytesEncoder(json.JSONEncoder):
    """nbformat's encoder: bytes (base64 text) written as text."""

    def default(self, o: Any) -> Any:
        return o.decode("ascii") if isinstance(o, bytes) else super().default(o)
