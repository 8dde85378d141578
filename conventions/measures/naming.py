"""Naming style per symbol kind: ``naming.function|method|class|constant``.

``name_style`` classifies one identifier (leading/trailing underscores ignored): snake_case,
camelCase, PascalCase, UPPER_CASE, or — telling no style apart — ``lower`` (``get``) and
``upper`` (``URL``); ``mixed`` for anything else (``get_fooBar``). Names built from another
name (``visit_FunctionDef``, ``test_HTTP_200``: a lowercase prefix, then a capitalised part)
follow that name and are not counted. Go has one style for every exported or unexported
name, MixedCaps: there camelCase and PascalCase both become ``MixedCaps``.

Names whose shape the language's tools dictate are ``idiom`` — they conform to any style:
Go's test, benchmark, example and fuzz functions in ``_test.go`` files
(``TestNoCache_SetsHeaders``, ``ExampleClient_Do``, ``BenchmarkX_y``: ``go test`` and godoc
read the underscore) and PascalCase functions in ``.jsx``/``.tsx`` files (React components). Only module constants
(``conventions.constants``) count for ``naming.constant``: not loggers, aliases or private
globals.
"""

from __future__ import annotations

import re

from specpilot.conventions.measures.collect import Collector
from specpilot.conventions.measures.constants import module_constants
from specpilot.conventions.measures.syntax import Source

KIND_FAMILY: dict[str, str] = {
    "function": "naming.function",
    "method": "naming.method",
    "class": "naming.class",
    "struct": "naming.class",
    "interface": "naming.class",
    "trait": "naming.class",
    "enum": "naming.class",
    "type": "naming.class",
    "constant": "naming.constant",
}
# names a framework dictates (unittest hooks); they say nothing about the repo's own style
_DICTATED = frozenset(
    {
        "setUp",
        "tearDown",
        "setUpClass",
        "tearDownClass",
        "setUpModule",
        "tearDownModule",
        "asyncSetUp",
        "asyncTearDown",
        "setUpTestData",
        "maxDiff",
        "main",
        "init",
        "constructor",
    }
)


# go test's names: TestX, TestX_y, BenchmarkX_y, ExampleT_M, Example_suffix, FuzzX
_GO_TEST = re.compile(r"^(Test|Benchmark|Example|Fuzz)([A-Z0-9_]|$)")


def name_style(name: str, group: str = "") -> str | None:
    """The style of an identifier, or None when it has no letters (``_``, ``__``)."""
    core = name.strip("_$")
    if not any(c.isalpha() for c in core):
        return None
    has_lower = any(c.islower() for c in core)
    has_upper = any(c.isupper() for c in core)
    if "_" in core:
        head, *rest = core.split("_")
        if not has_upper:
            style = "snake_case"
        elif not has_lower:
            style = "UPPER_CASE"
        elif head.islower() and any(part[:1].isupper() for part in rest):
            return None  # a name built from another one: visit_FunctionDef, test_HTTP_error
        else:
            style = "mixed"
    elif not has_upper:
        style = "lower"
    elif not has_lower:
        style = "upper"
    elif core[0].isupper():
        style = "PascalCase"
    else:
        style = "camelCase"
    if group == "go" and style in ("camelCase", "PascalCase"):
        return "MixedCaps"
    return style


def is_dunder(name: str) -> bool:
    return len(name) > 4 and name.startswith("__") and name.endswith("__")


def idiom(name: str, kind: str, path: str, group: str) -> bool:
    """Whether the language or its tools dictate the shape of this name (see the module doc)."""
    if group == "go":  # TestX is MixedCaps anyway; TestX_y is go test's, not a style
        return (
            kind == "function"
            and "_" in name
            and path.endswith("_test.go")
            and bool(_GO_TEST.match(name))
        )
    if group == "javascript":
        # a React component is a PascalCase function, whatever the repo calls its functions
        return kind == "function" and path.endswith((".jsx", ".tsx")) and name[:1].isupper()
    return False


def measure_naming(src: Source, out: Collector) -> None:
    constants = module_constants(src) if src.group in ("python", "javascript") else None
    for symbol in src.parsed.symbols:
        fam = KIND_FAMILY.get(symbol.kind)
        if fam is None or is_dunder(symbol.name) or symbol.name in _DICTATED:
            continue
        if fam == "naming.method" and symbol.name == (symbol.parent or "").split(".")[-1]:
            continue  # a constructor is named after its class
        if fam == "naming.constant" and constants is not None and symbol.name not in constants:
            continue  # a module variable, alias, logger or private global: not a constant
        if idiom(symbol.name, symbol.kind, src.path, src.group):
            style: str | None = "idiom"
        else:
            style = name_style(symbol.name, src.group)
        if style is not None:
            out.add(fam, style, src.name_line(symbol), symbol.name)
