"""Formatting as written: line length, indentation, quotes and semicolons.

``format.line_length``: every non-blank line is counted by its length (lines up to ``SHORT``
and beyond ``LONG`` in one bucket each); aggregation picks the smallest of ``LIMITS`` that
nearly every line respects and that some lines come close to.
``format.indent``: tabs against spaces per indented line; ``format.indent_width``: a file's
usual first-level indent. ``format.quotes`` (Python, JS/TS): single against double quotes
per string literal, leaving out docstrings, triple-quoted strings, JSX attributes and strings
that contain a quote. ``format.semicolons`` (JS/TS): statements that end with ``;``.
"""

from __future__ import annotations

import re
from collections import Counter

from specpilot.conventions.measures.collect import Collector
from specpilot.conventions.measures.syntax import Source, end_line, node_line, node_text
from specpilot.indexer import Node

LIMITS: tuple[int, ...] = (79, 80, 88, 99, 100, 110, 119, 120)  # line limits in use
SHORT = 70  # lines up to this long are one bucket; longer ones are counted per length
LONG = 150  # ... up to this; longer lines are one bucket too
_PREFIX = re.compile(r"^[rRbBuUfFtT]*")
_OPENERS = (":", "{", "(", "[")


def length_bucket(length: int) -> str:
    """ "short" (≤ SHORT), the exact length up to LONG, or "long"."""
    if length <= SHORT:
        return "short"
    return str(length) if length <= LONG else "long"


def measure_formatting(src: Source, out: Collector) -> None:
    _lines(src, out)
    if src.group in ("python", "javascript"):
        for node in src.nodes.get("string", ()):
            quote = string_quote(node, src.group)
            if quote is not None:
                out.add("format.quotes", quote, node_line(node), node_text(node)[:40])
    if src.group == "javascript":
        for node in src.nodes.get("statement", ()):
            parent = node.parent.type if node.parent is not None else ""
            if parent.startswith("for"):
                continue
            semi = bool(node.children) and node.children[-1].type == ";"
            out.add("format.semicolons", "semi" if semi else "nosemi", end_line(node), "")


def _lines(src: Source, out: Collector) -> None:
    widths: Counter[int] = Counter()
    previous = ""
    for number, text in enumerate(src.lines, 1):
        stripped = text.strip()
        if not stripped:
            continue
        out.add("format.line_length", length_bucket(len(text)), number, str(len(text)))
        indent = text[: len(text) - len(text.lstrip())]
        if indent:
            out.add("format.indent", "tabs" if indent[0] == "\t" else "spaces", number, "")
            opened = previous.rstrip().endswith(_OPENERS)
            if opened and not previous[:1].isspace() and set(indent) == {" "}:
                widths[len(indent)] += 1
        previous = text
    if widths:
        width, _ = max(widths.items(), key=lambda item: (item[1], -item[0]))
        out.add("format.indent_width", str(width), 1, "", file_level=True)


def string_quote(node: Node, group: str) -> str | None:
    """ "single" | "double" for a string literal node, None when it tells nothing."""
    parent = node.parent
    parent_type = parent.type if parent is not None else ""
    if group == "python":
        if parent_type == "expression_statement" or (
            parent_type == "concatenated_string"
            and parent is not None
            and parent.parent is not None
            and parent.parent.type == "expression_statement"
        ):
            return None  # a docstring or a bare string statement
    elif parent_type in ("jsx_attribute", "jsx_opening_element"):
        return None
    text = _PREFIX.sub("", node_text(node), count=1)
    if len(text) < 2 or text[:3] in ('"""', "'''"):
        return None
    quote = text[0]
    if quote not in ("'", '"'):
        return None
    body = text[1:-1]
    if "'" in body or '"' in body or "\n" in body:
        return None
    return "single" if quote == "'" else "double"
