"""Documentation of a definition: a Python docstring or the comment block right above it.

Both are returned cleaned: quotes and comment markers (``#``, ``//``, ``///``, ``//!``,
``/* */``, ``/** */`` with their leading ``*``) removed, common indentation dropped, blank
edge lines trimmed, and capped at ``MAX_DOCSTRING`` characters.
"""

from __future__ import annotations

import inspect
import re

from specpilot.indexer.parse.treesitter import Node

MAX_DOCSTRING = 4000

_STRING_PREFIX = re.compile(r"^[rRbBuUfF]*")
_LINE_MARKER = re.compile(r"^\s*(?:///?!?|#:?)\s?")
_BLOCK_LINE = re.compile(r"^\s*\*(?!/)\s?")


def python_docstring(body: Node | None) -> str:
    """The docstring of a Python block: its first statement when that is a string."""
    if body is None:
        return ""
    for statement in body.named_children:
        if statement.type == "comment":
            continue
        if statement.type != "expression_statement" or statement.named_child_count != 1:
            return ""
        value = statement.named_children[0]
        if value.type == "string":
            return _cap(inspect.cleandoc(_string_content(value)))
        if value.type == "concatenated_string":
            parts = (_string_content(part) for part in value.named_children)
            return _cap(inspect.cleandoc("".join(parts)))
        return ""
    return ""


def _string_content(node: Node) -> str:
    text = _text(node)
    text = _STRING_PREFIX.sub("", text, count=1)
    for quote in ('"""', "'''", '"', "'"):
        if text.startswith(quote):
            end = len(text) - len(quote) if text.endswith(quote) else len(text)
            return text[len(quote) : max(end, len(quote))]
    return text


def comment_text(comments: list[Node]) -> str:
    """Clean a block of comment nodes (given top to bottom) into plain text."""
    lines: list[str] = []
    for comment in comments:
        lines.extend(_clean_comment(_text(comment)))
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return _cap(inspect.cleandoc("\n".join(line.rstrip() for line in lines)))


def _clean_comment(text: str) -> list[str]:
    text = text.rstrip("\n")
    if text.startswith("/*"):
        body = text[2:]
        if body.endswith("*/"):
            body = body[:-2]
        body = body.lstrip("*!")
        return [_BLOCK_LINE.sub("", line, count=1) for line in body.splitlines()]
    return [_LINE_MARKER.sub("", line, count=1) for line in text.splitlines()]


def _cap(text: str) -> str:
    return text if len(text) <= MAX_DOCSTRING else text[:MAX_DOCSTRING].rstrip() + " …"


def _text(node: Node) -> str:
    return (node.text or b"").decode("utf-8", errors="replace")
