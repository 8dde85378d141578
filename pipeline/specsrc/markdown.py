"""Markdown as the spec sources write it: headings into sections, task-list items, hashes.

Only what the readers need — ATX headings (``#`` … ``######``) outside code fences, list items,
GitHub task-list checkboxes — so that a source's structure is read the same way everywhere.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from specpilot.pipeline.core.errors import SpecError

_ATX = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_CHECKBOX = re.compile(r"^\s*[-*+]\s+\[( |x|X)\]\s+(.+?)\s*$")
_BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(.+?)\s*$")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
MAX_SOURCE_BYTES = 1024 * 1024  # a spec's files are prose; a megabyte is far beyond any


@dataclass(frozen=True, slots=True)
class Section:
    """A heading and the lines under it up to the next heading of any level."""

    level: int  # 0: the text before the first heading
    title: str
    line: int  # 1-based line of the heading (of the first line for level 0)
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n".join(self.lines).strip("\n")


@dataclass(frozen=True, slots=True)
class Task:
    done: bool
    text: str
    line: int  # 1-based


def strip_comments(text: str) -> str:
    """Without HTML comments (issue and Spec Kit templates are full of them)."""
    return _COMMENT.sub("", text)


def sections(text: str) -> list[Section]:
    """The text cut at every ATX heading outside a code fence."""
    out: list[Section] = []
    lines: list[str] = []
    level, title, start = 0, "", 1
    fenced = False
    for no, line in enumerate(text.splitlines(), start=1):
        if _FENCE.match(line):
            fenced = not fenced
        m = None if fenced else _ATX.match(line)
        if m:
            if level or any(s.strip() for s in lines):
                out.append(Section(level, title, start, tuple(lines)))
            level, title, start, lines = len(m.group(1)), m.group(2), no, []
        else:
            lines.append(line)
    if level or any(s.strip() for s in lines):
        out.append(Section(level, title, start, tuple(lines)))
    return out


def tasks(text: str, *, first_line: int = 1) -> list[Task]:
    """The task-list items (``- [ ] …`` / ``- [x] …``), outside code fences."""
    found = []
    fenced = False
    for no, line in enumerate(text.splitlines(), start=first_line):
        if _FENCE.match(line):
            fenced = not fenced
            continue
        m = None if fenced else _CHECKBOX.match(line)
        if m:
            found.append(Task(m.group(1) != " ", clean(m.group(2)), no))
    return found


def items(lines: Iterable[str]) -> list[str]:
    """The list items (bullets and numbered) of some lines, checkboxes removed."""
    out = []
    for line in lines:
        m = _CHECKBOX.match(line) or None
        if m:
            out.append(clean(m.group(2)))
            continue
        b = _BULLET.match(line)
        if b:
            out.append(clean(b.group(1)))
    return [i for i in out if i]


def clean(text: str) -> str:
    """One line of prose: ``**bold**`` markers dropped, spaces squeezed."""
    return " ".join(text.replace("**", "").replace("__", "").split())


def without_h1(text: str) -> str:
    """The text without its first ``# Title`` line (the title is a field of its own)."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        if re.match(r"^#\s+", line):
            return "\n".join(lines[:i] + lines[i + 1 :]).strip("\n")
        break
    return text.strip("\n")


def read_text(path: Path, where: str) -> str:
    """A source file's text; SpecError naming it when it cannot be read, is too big or not
    UTF-8."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SpecError(f"{where}: cannot be read: {exc.strerror or exc}.") from exc
    if len(data) > MAX_SOURCE_BYTES:
        raise SpecError(
            f"{where}: is {len(data) // 1024} KiB; a spec source file may be at most "
            f"{MAX_SOURCE_BYTES // 1024} KiB."
        )
    try:
        return data.decode("utf-8").lstrip("\ufeff")
    except UnicodeDecodeError:
        raise SpecError(f"{where}: is not UTF-8 text.") from None


def content_hash(parts: Iterable[tuple[str, str]]) -> str:
    """sha256 over (name, text) pairs in the given order: what a source's spec was made of."""
    digest = hashlib.sha256()
    for name, text in parts:
        for piece in (name, text):
            raw = piece.encode("utf-8", "surrogatepass")
            digest.update(len(raw).to_bytes(8, "big") + raw)
    return digest.hexdigest()


def tick_tasks(text: str, wanted: Iterable[str]) -> tuple[str, list[str]]:
    """``text`` with each unticked task-list line whose task is one of ``wanted`` (compared
    as :func:`tasks` reads them) ticked, outside code fences; and the tasks ticked. Line
    endings are kept as they are."""
    names = set(wanted)
    out: list[str] = []
    ticked: list[str] = []
    fenced = False
    for line in text.splitlines(keepends=True):
        bare = line.rstrip("\r\n")
        if _FENCE.match(bare):
            fenced = not fenced
        m = None if fenced else _CHECKBOX.match(bare)
        if m and m.group(1) == " " and clean(m.group(2)) in names:
            line = line.replace("[ ]", "[x]", 1)
            ticked.append(clean(m.group(2)))
        out.append(line)
    return "".join(out), ticked
