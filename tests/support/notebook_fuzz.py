"""Random small notebooks from a grammar of cells, reproducible by seed.

Each notebook is a list of code cells (and a few headings) built by `generate(seed)`. The
generator tracks which names are bound, to what kind of value (int, list, dict, str, a
callable, a generator, a module), so that the notebook runs without errors in the order
written (mostly: a few templates may raise on purpose, in both notebooks alike) and its
output is deterministic: ints are kept small with `% 97`, nothing prints an address.

The grammar covers what makes conversion hard: assignments and rebinding, in-place
changes and aliases, loops that rebind, `if` without `else`, `try/except E as e`, `del`,
notebook functions reading globals (defined before or after them), lambdas, closures and
generators read after a rebinding (late binding), shadowed builtins and module names,
IPython's `_`, `exec`/`eval`/`globals()`, decorators, class bodies and default values
that do work, displays, prints, trailing `;` and a few magics.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

INT_NAMES = ("a", "b", "c", "n", "k", "total", "count", "limit", "sum", "max", "id")
LIST_NAMES = ("lst", "items", "values", "rows", "acc", "list")
DICT_NAMES = ("d", "cfg", "counts", "table", "dict")
STR_NAMES = ("label", "mode", "tag", "type", "text", "os")
SHADOWING = frozenset({"sum", "max", "id", "list", "dict", "type", "str", "os", "print", "_", "In", "Out", "vars"})


@dataclass
class State:
    rng: random.Random
    kinds: dict[str, str] = field(default_factory=dict)  # bound name -> int|list|dict|str|fn|gen|module|cls
    deps: dict[str, frozenset[str]] = field(default_factory=dict)  # callable -> int globals it reads
    shadowed: set[str] = field(default_factory=set)
    shown_int: bool = False  # the previous cell showed an int (`_` is an int)
    counter: int = 0

    def of(self, kind: str) -> list[str]:
        return sorted(n for n, k in self.kinds.items() if k == kind)

    def pick(self, kind: str) -> str | None:
        names = self.of(kind)
        return self.rng.choice(names) if names else None

    def builtin(self, name: str) -> bool:
        """Whether the builtin `name` is still the builtin (not rebound by the notebook)."""
        return name not in self.kinds

    def fresh(self, stem: str) -> str:
        self.counter += 1
        return f"{stem}{self.counter}"

    def bind(self, name: str, kind: str) -> None:
        self.kinds[name] = kind
        self.deps.pop(name, None)

    def callable_ok(self, name: str) -> bool:
        return all(self.kinds.get(dep) == "int" for dep in self.deps.get(name, ()))

    def int_expr(self) -> str:
        """A small int expression over bound names (always defined, never huge)."""
        r = self.rng
        options: list[Callable[[], str | None]] = [
            lambda: str(r.randint(0, 20)),
            lambda: f"({self.pick('int')} + {r.randint(1, 9)}) % 97" if self.of("int") else None,
            lambda: f"({self.pick('int')} * {self.pick('int')}) % 97" if self.of("int") else None,
            lambda: f"len({self.pick('list')})" if self.of("list") and self.builtin("len") else None,
            lambda: f"sum({self.pick('list')}) % 97" if self.of("list") and self.builtin("sum") else None,
            lambda: f"len({self.pick('dict')})" if self.of("dict") and self.builtin("len") else None,
            lambda: self._call_expr(),
        ]
        while True:
            made = r.choice(options)()
            if made is not None:
                return made

    def _call_expr(self) -> str | None:
        names = [n for n in self.of("fn") if self.callable_ok(n)]
        if not names or not self.of("int"):
            return None
        return f"{self.rng.choice(names)}({self.pick('int')}) % 97"


Template = Callable[[State], "list[str] | None"]


def t_int_assign(s: State) -> list[str] | None:
    name = s.rng.choice([n for n in INT_NAMES if n not in SHADOWING or s.rng.random() < 0.15])
    if s.kinds.get(name) not in (None, "int"):
        return None
    expr = s.int_expr()
    s.bind(name, "int")
    return [f"{name} = {expr}"]


def t_constant(s: State) -> list[str] | None:
    name = s.rng.choice(["THRESH", "SEED", "RATE", "MODE", "NAME"])
    if name in s.kinds:
        return None
    if name in ("MODE", "NAME"):
        s.bind(name, "str")
        return [f"{name} = {s.rng.choice(['fast', 'slow', 'linear'])!r}"]
    s.bind(name, "int")
    return [f"{name} = {s.rng.randint(1, 30)}"]


def t_list_assign(s: State) -> list[str] | None:
    name = s.rng.choice([n for n in LIST_NAMES if n != "list" or s.rng.random() < 0.2])
    if s.kinds.get(name) not in (None, "list"):
        return None
    other = s.pick("list")
    choices = [f"[{s.rng.randint(0, 9)}, {s.rng.randint(0, 9)}, {s.rng.randint(0, 9)}]"]
    if other:
        choices += [f"[v * {s.rng.randint(2, 5)} % 97 for v in {other}]", other, f"{other}.copy()"]
    if s.of("int") and s.builtin("list") and s.builtin("range"):
        choices.append(f"list(range({s.pick('int')} % 5))")
    if s.of("dict") and s.builtin("sorted"):
        choices.append(f"sorted({s.pick('dict')}.values())")
    expr = s.rng.choice(choices)
    s.bind(name, "list")
    return [f"{name} = {expr}"]


def t_dict_assign(s: State) -> list[str] | None:
    name = s.rng.choice([n for n in DICT_NAMES if n != "dict" or s.rng.random() < 0.2])
    if s.kinds.get(name) not in (None, "dict"):
        return None
    value = s.pick("int") or str(s.rng.randint(0, 9))
    choices = [f"{{'a': 1, 'b': {value}}}"]
    other = s.pick("dict")
    if other and s.builtin("dict"):
        choices.append(f"dict({other})")
    lst = s.pick("list")
    if lst and s.builtin("zip"):
        choices.append(f"{{k: v for k, v in zip('abc', {lst})}}")
    s.bind(name, "dict")
    return [f"{name} = {s.rng.choice(choices)}"]


def t_str_assign(s: State) -> list[str] | None:
    name = s.rng.choice(STR_NAMES)
    if s.kinds.get(name) not in (None, "str", "module"):
        return None
    if name == "os" and s.kinds.get("os") != "module":
        return None  # only rebinds `os` after `import os`
    s.bind(name, "str")
    return [f"{name} = {s.rng.choice(['linear', 'posix', 'run'])!r}"]


def t_mutate(s: State) -> list[str] | None:
    r = s.rng
    if s.of("list") and (not s.of("dict") or r.random() < 0.6):
        name = s.pick("list")
        value = s.int_expr()
        return [
            r.choice(
                [
                    f"{name}.append({value})",
                    f"{name}.extend([1, {value}])",
                    f"{name}.sort()",
                    f"{name}.reverse()",
                    f"{name}.insert(0, {value})",
                    f"{name} += [{value}]",
                    f"del {name}[:1]",
                    f"{name}[:] = [v + 1 for v in {name}]",
                ]
            )
        ]
    if s.of("dict"):
        name = s.pick("dict")
        value = s.int_expr()
        key = r.choice("abcz")
        return [r.choice([f"{name}[{key!r}] = {value}", f"{name}.update({key}={value})", f"{name}.pop({key!r}, None)"])]
    return None


def t_augassign(s: State) -> list[str] | None:
    name = s.pick("int")
    if not name:
        return None
    return [s.rng.choice([f"{name} += {s.rng.randint(1, 5)}", f"{name} = {name} * 2 % 97"])]


def t_loop(s: State) -> list[str] | None:
    r = s.rng
    name = s.pick("int")
    lst = s.pick("list")
    d = s.pick("dict")
    options = []
    if name and s.builtin("range"):
        options.append([f"for i in range({r.randint(1, 4)}):", f"    {name} = ({name} + i) % 97"])
    if name and lst:
        options.append([f"for v in {lst}:", f"    {name} = ({name} + v) % 97"])
    if d:
        fresh = s.fresh("last")
        options.append([f"for key in {d}:", f"    {fresh} = key"])
    if lst and name:
        fresh = s.fresh("big")
        options.append([f"for i, v in enumerate({lst}):", f"    if v > {r.randint(0, 9)}:", f"        {fresh} = v"])
    if name:
        options.append([f"while {name} > 10:", f"    {name} = {name} // 2"])
    if lst and s.builtin("range"):
        options.append(["for _ in range(2):", f"    {lst}.append({r.randint(0, 9)})"])
    if not options:
        return None
    lines = r.choice(options)
    if lines[0].startswith("for i in range"):
        s.bind("i", "int")
    if lines[0].startswith("for key"):
        pass  # `key` and `last..` only when the dict is not empty: maybe bound
    if "_ in range" in lines[0]:
        s.bind("_", "int")
    return lines


def t_if(s: State) -> list[str] | None:
    r = s.rng
    name = s.pick("int")
    lst = s.pick("list")
    if name and r.random() < 0.5:
        target = s.pick("int")
        assert target is not None
        return [f"if {name} > {r.randint(0, 60)}:", f"    {target} = {s.int_expr()}"]
    if lst and s.builtin("len"):
        fresh = s.fresh("flag")
        s.bind(fresh, "int")  # `len(x) >= 0` is always true: bound
        return [f"if len({lst}) >= 0:", f"    {fresh} = {r.randint(0, 9)}"]
    if name:
        fresh = s.fresh("maybe")  # bound on some runs only: never read
        return [f"if {name} > 50:", f"    {fresh} = {name}"]
    return None


def t_try(s: State) -> list[str] | None:
    r = s.rng
    lst, d = s.pick("list"), s.pick("dict")
    target = r.choice([n for n in INT_NAMES if n not in SHADOWING])
    if s.kinds.get(target) not in (None, "int"):
        return None
    if lst and r.random() < 0.5 and s.builtin("type"):
        s.bind(target, "int")
        s.bind("msg", "str")
        return [
            "try:",
            f"    {target} = {lst}[10]",
            "except IndexError as e:",
            f"    {target} = -1",
            "    msg = type(e).__name__",
        ]
    if d:
        s.bind(target, "int")
        return ["try:", f"    {target} = {d}['zz']", "except KeyError:", f"    {target} = 0"]
    return None


def t_del(s: State) -> list[str] | None:
    names = [n for n, k in s.kinds.items() if k in ("int", "list", "str") and n not in s.deps_users()]
    if not names:
        return None
    name = s.rng.choice(sorted(names))
    del s.kinds[name]
    return [f"del {name}"]


def _deps_users(s: State) -> set[str]:
    return {dep for deps in s.deps.values() for dep in deps}


State.deps_users = _deps_users  # type: ignore[attr-defined]


def t_function(s: State) -> list[str] | None:
    r = s.rng
    name = s.fresh("f")
    glob = r.choice([n for n in INT_NAMES if n not in SHADOWING]) if r.random() < 0.7 else None
    body = f"(v + {glob}) % 97" if glob else f"v * {r.randint(2, 5)} % 97"
    lines = [f"def {name}(v):", f"    return {body}"]
    if r.random() < 0.2 and s.of("list"):
        lst = s.pick("list")
        lines = [f"def {name}(v):", f"    {lst}.append(v)", f"    return {body}"]
        s.bind(name, "fn")
        s.deps[name] = frozenset({glob} if glob else set())
        s.kinds[name] = "fn-mutating"
        return lines
    s.bind(name, "fn")
    s.deps[name] = frozenset({glob} if glob else set())
    return lines


def t_call(s: State) -> list[str] | None:
    names = [n for n in s.of("fn") + s.of("fn-mutating") if s.callable_ok(n)]
    if not names:
        return None
    fn = s.rng.choice(names)
    target = s.rng.choice([n for n in INT_NAMES if n not in SHADOWING])
    if s.kinds.get(target) not in (None, "int"):
        return None
    arg = s.pick("int") or "3"
    s.bind(target, "int")
    return [f"{target} = {fn}({arg}) % 97"]


def t_lambda(s: State) -> list[str] | None:
    r = s.rng
    glob = r.choice([n for n in INT_NAMES if n not in SHADOWING])
    name = s.fresh("g")
    s.bind(name, "fn")
    s.deps[name] = frozenset({glob})
    if r.random() < 0.4:
        return [
            f"def make_{name}(m):",
            f"    return lambda v: (v * m + {glob}) % 97",
            "",
            f"{name} = make_{name}({r.randint(1, 4)})",
        ]
    return [f"{name} = lambda v: (v + {glob}) % 97"]


def t_generator(s: State) -> list[str] | None:
    lst = s.pick("list")
    glob = s.pick("int")
    if not lst or not glob:
        return None
    name = s.fresh("gen")
    s.bind(name, "gen")
    s.deps[name] = frozenset({glob})
    return [f"{name} = (v + {glob} for v in {lst})"]


def t_consume(s: State) -> list[str] | None:
    names = [n for n in s.of("gen") if s.callable_ok(n)]
    if not names or not s.builtin("list"):
        return None
    gen = s.rng.choice(names)
    target = s.fresh("drawn")
    s.bind(target, "list")
    del s.kinds[gen]  # consumed once
    s.deps.pop(gen, None)
    return [f"{target} = [x % 97 for x in {gen}]"]


def t_shadow(s: State) -> list[str] | None:
    r = s.rng
    choice = r.choice(["type", "sum", "list", "print", "_", "In", "Out", "name", "vars", "max"])
    if choice == "type" and s.kinds.get("type") is None:
        s.bind("type", "str")
        return ["type = 'linear'"]
    if choice == "sum" and s.of("list") and s.kinds.get("sum") is None:
        lst = s.pick("list")
        s.bind("sum", "int")
        return ["sum = 0", f"for v in {lst}:", "    sum += v"]
    if choice == "list" and s.kinds.get("list") is None:
        s.bind("list", "list")
        return ["list = [3, 1, 2]"]
    if choice == "print" and "print" not in s.shadowed:
        s.shadowed.add("print")
        return ["import builtins", "print = lambda *args: builtins.print('>>', *args)"]
    if choice == "_" and s.shown_int and "_" not in s.kinds:
        target = s.fresh("prev")
        s.bind(target, "int")
        return [f"{target} = _"]
    if choice in ("In", "Out") and choice not in s.kinds:
        s.bind(choice, "list")
        return [f"{choice} = [{r.randint(0, 9)}, {r.randint(0, 9)}]"]
    if choice == "name":
        return ["if __name__ == '__main__':", "    print('as main')"]
    if choice == "vars" and s.kinds.get("vars") is None:
        s.bind("vars", "dict")
        return ["vars = {'x': 1}"]
    if choice == "max" and s.kinds.get("max") is None:
        s.bind("max", "int")
        return [f"max = {r.randint(0, 9)}"]
    return None


def t_module(s: State) -> list[str] | None:
    module = s.rng.choice(["os", "math", "json", "string"])
    if s.kinds.get(module) not in (None, "module"):
        return None
    s.bind(module, "module")
    return [f"import {module}"]


def t_use_module(s: State) -> list[str] | None:
    r = s.rng
    target = r.choice([n for n in INT_NAMES if n not in SHADOWING])
    if s.kinds.get(target) not in (None, "int"):
        return None
    options = []
    if s.kinds.get("math") == "module":
        options.append(f"math.floor({s.int_expr()} / 3)")
    if s.kinds.get("json") == "module" and s.of("dict") and s.builtin("len"):
        options.append(f"len(json.dumps({s.pick('dict')}, sort_keys=True))")
    if s.kinds.get("os") == "module":
        options.append("len(os.sep)")
    if s.kinds.get("os") == "str" and s.builtin("len"):
        options.append("len(os)")
    if not options:
        return None
    s.bind(target, "int")
    return [f"{target} = {r.choice(options)}"]


def t_dynamic(s: State) -> list[str] | None:
    r = s.rng
    name = s.pick("int")
    if not name:
        return None
    target = s.fresh("dyn")
    s.bind(target, "int")
    return [
        r.choice(
            [
                f"{target} = eval('{name} + 1')",
                f"exec('{target} = {name} * 2')",
                f"{target} = globals()['{name}']",
                f"{target} = locals()['{name}'] + 0",
            ]
        )
    ]


def t_import_work(s: State) -> list[str] | None:
    r = s.rng
    kind = r.choice(["decorator", "class", "default", "fstring"])
    if kind == "decorator":
        name = s.fresh("h")
        s.bind(name, "fn")
        return [
            "def announce(fn):",
            "    print('defining', fn.__name__)",
            "    return fn",
            "",
            "@announce",
            f"def {name}(v):",
            "    return v + 1",
        ]
    if kind == "class":
        name = s.fresh("Box")
        s.bind(name, "cls")
        return [f"class {name}:", f"    print('class body of {name}')", f"    size = {r.randint(1, 9)}"]
    if kind == "default" and s.of("list") and s.builtin("len"):
        name = s.fresh("f")
        lst = s.pick("list")
        s.bind(name, "fn")
        return [f"def {name}(v, k=len({lst})):", "    return (v + k) % 97"]
    if kind == "fstring" and s.of("int"):
        name = s.fresh("tag")
        s.bind(name, "str")
        return [f"{name} = 'run-' f'{{{s.pick('int')}}}'"]
    return None


def t_magic(s: State) -> list[str] | None:
    name = s.pick("int")
    if name and s.rng.random() < 0.6:
        return [f"%time {name} = ({name} + 1) % 97"]
    return None


def t_generated_name(s: State) -> list[str] | None:
    """A notebook variable named like something the generated code has (`config`,
    `NOTEBOOK_DIR`, `run`, `warnings`, `os` without `import os`)."""
    name = s.rng.choice(["NOTEBOOK_DIR", "config", "run", "warnings", "os"])
    if name in s.kinds:
        return None
    s.bind(name, "str")
    return [f"{name} = {s.rng.choice(['data', 'linux'])!r}"]


def t_use_class(s: State) -> list[str] | None:
    name = s.pick("cls")
    target = s.rng.choice([n for n in INT_NAMES if n not in SHADOWING])
    if not name or s.kinds.get(target) not in (None, "int"):
        return None
    s.bind(target, "int")
    return [f"{target} = {name}.size + 1"]


TEMPLATES: tuple[tuple[Template, int], ...] = (
    (t_int_assign, 10),
    (t_constant, 4),
    (t_list_assign, 6),
    (t_dict_assign, 3),
    (t_str_assign, 2),
    (t_mutate, 8),
    (t_augassign, 4),
    (t_loop, 5),
    (t_if, 4),
    (t_try, 2),
    (t_del, 2),
    (t_function, 4),
    (t_call, 5),
    (t_lambda, 3),
    (t_generator, 2),
    (t_consume, 3),
    (t_shadow, 3),
    (t_module, 2),
    (t_use_module, 3),
    (t_dynamic, 1),
    (t_import_work, 2),
    (t_magic, 1),
    (t_use_class, 2),
    (t_generated_name, 1),
)


def _display(s: State) -> list[str]:
    """What the cell ends with: nothing, a print, a shown value, or a hidden one."""
    r = s.rng
    shown = [n for n, k in s.kinds.items() if k in ("int", "list", "dict", "str")]
    s.shown_int = False
    roll = r.random()
    if not shown or roll < 0.35:
        return []
    name = r.choice(sorted(shown))
    if roll < 0.6:
        if not s.builtin("print") and "print" not in s.shadowed:
            return []
        return [f"print({name!r}, {name})"]
    if roll < 0.9:
        s.shown_int = s.kinds[name] == "int"
        return [name]
    return [f"{name};"]


def generate_cells(seed: int, size: int | None = None, without: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    """(kind, source) for each cell of notebook `seed`; `without` leaves templates out
    by name (`if`, `loop`: the part after `t_`)."""
    rng = random.Random(seed)
    s = State(rng)
    cells: list[tuple[str, str]] = []
    chosen = [(t, w) for t, w in TEMPLATES if t.__name__[2:] not in without]
    population = [t for t, _ in chosen]
    weights = [w for _, w in chosen]
    for _ in range(size or rng.randint(3, 9)):
        if rng.random() < 0.1:
            cells.append(("markdown", f"## Part {len(cells)}"))
        lines: list[str] = []
        for _ in range(rng.choice((1, 1, 2, 3))):
            made = None
            for _attempt in range(20):
                made = rng.choices(population, weights)[0](s)
                if made is not None:
                    break
            if made:
                if lines and any(
                    line.startswith(("def ", "class ", "@", "for ", "if ", "while ", "try")) for line in made
                ):
                    lines.append("")
                lines.extend(made)
        lines.extend(_display(s))
        if lines:
            cells.append(("code", "\n".join(lines)))
    return cells


def with_copies(cells: list[tuple[str, str]], seed: int, rate: float = 0.4) -> list[tuple[str, str]]:
    """`cells` with copy-pasted cells: after some code cells, a heading and the same code
    again with other integer literals and, sometimes, its own names renamed (`total` ->
    `total_copy`), as a notebook that repeats an analysis does. Its own random stream:
    `generate_cells(seed)` is the same with or without copies."""
    rng = random.Random(f"copies-{seed}")
    result: list[tuple[str, str]] = []
    for kind, source in cells:
        result.append((kind, source))
        if kind != "code" or rng.random() >= rate or re.search(r"^\s*(%|@|def |class |del |global )", source, re.M):
            continue
        copy = re.sub(r"(?<![\w.'])\d+(?![\w.'])", lambda _: str(rng.randint(2, 20)), source)
        if rng.random() < 0.5:
            for name in _bound_first(copy):
                copy = re.sub(rf"(?<![\w.'\"]){re.escape(name)}(?![\w'\"])", f"{name}_copy", copy)
        result += [("markdown", f"## Again ({len(result)})"), ("code", copy)]
    return result


def with_guards_and_unpacking(cells: list[tuple[str, str]], seed: int, rate: float = 0.3) -> list[tuple[str, str]]:
    """`cells` as a notebook written otherwise, doing the same: consecutive literal
    assignments as one unpacking (`a = 1` and `b = 2` as `a, b = 1, 2`), and some cells
    under `if __name__ == "__main__":` (always true in a notebook). A cell ending in a
    shown value shows nothing under the guard, and the notebook is the truth either way.
    Its own random stream, as `with_copies`."""
    rng = random.Random(f"guards-{seed}")
    result: list[tuple[str, str]] = []
    for kind, source in cells:
        if kind == "code" and rng.random() < 0.5:
            source = _unpacked(source)
        if kind == "code" and rng.random() < rate and not re.search(r"^\s*[%!]", source, re.M):
            source = 'if __name__ == "__main__":\n' + "\n".join(
                f"    {line}" if line else "" for line in source.split("\n")
            )
        result.append((kind, source))
    return result


_LITERAL_LINE = re.compile(r"(\w+) = (-?\d+|'[^'\\]*'|\"[^\"\\]*\")")


def _unpacked(source: str) -> str:
    """Runs of top-level `NAME = literal` lines of distinct names as one unpacking."""
    lines = source.split("\n")
    done: list[str] = []
    run: list[tuple[str, str]] = []
    for line in [*lines, None]:
        match = _LITERAL_LINE.fullmatch(line) if line is not None else None
        if match and match.group(1) not in {name for name, _ in run}:
            run.append((match.group(1), match.group(2)))
            continue
        if len(run) > 1:
            done.append(", ".join(n for n, _ in run) + " = " + ", ".join(v for _, v in run))
        else:
            done += [f"{n} = {v}" for n, v in run]
        run = []
        if match:
            run.append((match.group(1), match.group(2)))
        elif line is not None:
            done.append(line)
    return "\n".join(done)


def _bound_first(source: str) -> list[str]:
    """Names the cell binds (`name = ...` at the start of a line) before it reads them."""
    bound = []
    for match in re.finditer(r"^(\w+) = ", source, re.M):
        name = match.group(1)
        before = source[: match.start()] + source[match.end() :].split("\n", 1)[0]
        if not re.search(rf"\b{re.escape(name)}\b", before) and name not in SHADOWING:
            bound.append(name)
    return bound


def notebook_json(cells: list[tuple[str, str]]) -> dict:
    built = []
    for position, (kind, source) in enumerate(cells):
        entry: dict = {"cell_type": kind, "id": f"c{position}", "metadata": {}, "source": source}
        if kind == "code":
            entry["execution_count"] = None
            entry["outputs"] = []
        built.append(entry)
    return {
        "cells": built,
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def write_notebook(path: Path, cells: list[tuple[str, str]]) -> Path:
    path.write_text(json.dumps(notebook_json(cells), indent=1), encoding="utf-8")
    return path
