"""Finding the line of a key in a config file's text (for example locations)."""

from __future__ import annotations

import re


def line_of(text: str, pattern: str, start: int = 0) -> int:
    """The 1-based line of the first match of ``pattern`` at or after line ``start`` (1 if none)."""
    regex = re.compile(pattern, re.MULTILINE)
    lines = text.splitlines()
    for number in range(start, len(lines)):
        if regex.search(lines[number]):
            return number + 1
    return start + 1


def toml_line(text: str, section: str, key: str | None = None) -> int:
    header = line_of(text, rf"^\s*\[{re.escape(section)}\]") if section else 1
    if key is None:
        return header
    return line_of(text, rf"^\s*{re.escape(key)}\s*=", header - 1 if section else 0)
