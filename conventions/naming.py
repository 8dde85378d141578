"""Naming style per symbol kind: ``naming.function|method|class|constant``.

``name_style`` classifies one identifier (leading/trailing underscores ignored): snake_case,
camelCase, PascalCase, UPPER_CASE, or — telling no style apart — ``lower`` (``get``) and
``upper`` (``URL``); ``mixed`` for anything else (``get_fooBar``). Names built from another
name (``visit_FunctionDef``, ``test_HTTP_200``: a lowercase prefix, then a capitalised part)
follow that name and are not counted. Go has one style for
every exported or unexported name, MixedCaps: there camelCase and PascalCase both become
``MixedCaps``.
"""

from __future__ import annotations

from specpilot.conventions.collect import Collector
from specpilot.conventions.syntax import Source

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


def measure_naming(src: Source, out: Collector) -> None:
    for symbol in src.parsed.symbols:
        fam = KIND_FAMILY.get(symbol.kind)
        if fam is None or is_dunder(symbol.name) or symbol.name in _DICTATED:
            continue
        if fam == "naming.method" and symbol.name == (symbol.parent or "").split(".")[-1]:
            continue  # a constructor is named after its class
        if src.group == "python" and fam == "naming.constant" and symbol.name.startswith("_"):
            continue  # module-private names follow no constant convention
        style = name_style(symbol.name, src.group)
        if style is not None:
            out.add(fam, style, src.name_line(symbol), symbol.name)
