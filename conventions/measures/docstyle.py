"""Docstrings: presence on public symbols (``docs.function|method|class``) and their style.

Public means: Python names without a leading underscore (methods of private classes and
functions nested in functions excluded); JavaScript/TypeScript top-level functions and
classes that are exported (every top-level one in a file without ``export``) and methods not
named ``_x``/``#x``/``constructor``; Go exported names; Java ``public``; Rust ``pub``. Test
files and type stubs (``.pyi``) are not measured.

Style (``docs.style``): Python docstrings with sections are Google (``Args:``), NumPy
(``Parameters`` underlined), reST (``:param x:``) or Epytext (``@param``); one-line or
free-text docstrings have no style and are not counted. Elsewhere the comment marker of the
doc block: JSDoc ``/**``, ``/*``, ``//``, ``///``. Go doc comments are measured for starting
with the symbol's name (``docs.go_name``).
"""

from __future__ import annotations

import re

from specpilot.conventions.measures.collect import Collector
from specpilot.conventions.measures.syntax import Source
from specpilot.conventions.scope import is_stub
from specpilot.indexer import Symbol

_CLASS_LIKE = frozenset({"class", "struct", "interface", "trait", "enum", "type"})
_FUNCTION_LIKE = frozenset({"function", "method"})

_NUMPY = re.compile(
    r"^\s*(Parameters|Returns|Raises|Yields|Attributes|Examples|See Also|Notes|Other Parameters)"
    r"\s*\n\s*-{3,}\s*$",
    re.MULTILINE,
)
_REST = re.compile(
    r"^\s*:(param|parameter|arg|argument|key|keyword|type|returns?|rtype|raises?|except|"
    r"exception|var|ivar|cvar)\b[^:\n]*:",
    re.MULTILINE,
)
_EPYTEXT = re.compile(r"^\s*@(param|return|returns|raise|raises|type|rtype)\b", re.MULTILINE)
_GOOGLE = re.compile(
    r"^\s*(Args|Arguments|Returns|Return|Raises|Yields|Attributes|Example|Examples|Note|Notes|"
    r"Keyword Args|Keyword Arguments|Parameters|Params|Todo)\s*:\s*\n[ \t]+\S",
    re.MULTILINE,
)


def python_doc_style(doc: str) -> str | None:
    """google | numpy | rest | epytext, or None for a docstring without sections."""
    if _NUMPY.search(doc):
        return "numpy"
    if _REST.search(doc):
        return "rest"
    if _EPYTEXT.search(doc):
        return "epytext"
    if _GOOGLE.search(doc):
        return "google"
    return None


def comment_marker(first_line: str) -> str | None:
    text = first_line.lstrip()
    if text.startswith("/**") and not text.startswith("/**/"):
        return "jsdoc"
    if text.startswith("/*"):
        return "block"
    if text.startswith("///"):
        return "doc_line"
    if text.startswith("//"):
        return "line"
    return None


def doc_block_start(src: Source, symbol: Symbol) -> int | None:
    """The first line of the comment block directly above a symbol (None if there is none)."""
    number = symbol.start_line - 1
    text = src.line(number).strip()
    if not text:
        return None
    if text.endswith("*/"):
        while number > 0 and "/*" not in src.line(number):
            number -= 1
        return number if number > 0 else None
    if not text.startswith("//"):
        return None
    while number > 1 and src.line(number - 1).strip().startswith("//"):
        number -= 1
    return number


def _family(src: Source, symbol: Symbol, kinds: dict[str, str]) -> str | None:
    """The docs.* family a symbol counts in, or None when it is not public API."""
    if symbol.kind in _FUNCTION_LIKE:
        parent_kind = kinds.get(symbol.parent or "", "")
        if parent_kind in _FUNCTION_LIKE:
            return None  # nested function
        fam = "docs.method" if symbol.kind == "method" else "docs.function"
    elif symbol.kind in _CLASS_LIKE:
        fam = "docs.class"
    else:
        return None
    name, group = symbol.name, src.group
    if group == "python":
        if name.startswith("_") or (symbol.parent or "").split(".")[-1].startswith("_"):
            return None
    elif group == "javascript":
        if name.startswith(("_", "#")) or name == "constructor":
            return None
        if fam != "docs.method" and (
            symbol.parent is not None or (_has_exports(src) and not _exported(symbol))
        ):
            return None
    elif group == "go":
        if not name[:1].isupper():
            return None
    elif group == "java":
        if "public" not in symbol.signature.split("(")[0].split():
            return None
    elif group == "rust" and not symbol.signature.startswith("pub"):
        return None
    return fam


def _exported(symbol: Symbol) -> bool:
    return symbol.signature.startswith("export")


def _has_exports(src: Source) -> bool:
    return any(s.signature.startswith("export") for s in src.parsed.symbols)


def measure_docs(src: Source, out: Collector) -> None:
    if src.is_test or is_stub(src.path):
        return  # a stub's docstrings live in the module it describes
    kinds = {s.qualified_name: s.kind for s in src.parsed.symbols}
    for symbol in src.parsed.symbols:
        fam = _family(src, symbol, kinds)
        if fam is None:
            continue
        doc = symbol.docstring.strip()
        line = src.name_line(symbol)
        out.add(fam, "present" if doc else "missing", line, symbol.name)
        if not doc:
            continue
        if src.group == "python":
            style = python_doc_style(symbol.docstring)
            if style is not None:
                out.add("docs.style", style, symbol.body_start_line or line, symbol.name)
        elif src.group == "go":
            first = doc.split(maxsplit=2)
            named = bool(first) and (
                first[0].strip(".,:") == symbol.name
                or (len(first) > 1 and first[0] in ("A", "An", "The") and first[1] == symbol.name)
            )
            out.add("docs.go_name", "name_first" if named else "other", line, symbol.name)
        else:
            start = doc_block_start(src, symbol)
            marker = comment_marker(src.line(start)) if start else None
            if start is not None and marker is not None:
                out.add("docs.style", marker, start, symbol.name)
