"""A small unified-diff reader (``git diff`` and plain ``diff -u`` output).

``parse_diff(text) -> list[FileDiff]``: per file the old and new path (None for a created or
deleted file), binary flag and hunks. Line numbers are 1-based on the side they belong to.
Malformed hunks raise ``DiffParseError`` naming the line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from conventions.errors import DiffParseError

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_GIT_HEADER = re.compile(r'^diff --git ("?a/.+"?) ("?b/.+"?)$')


@dataclass(frozen=True, slots=True)
class Hunk:
    old_start: int
    old_count: int
    new_start: int
    new_count: int
    lines: tuple[tuple[str, str], ...]  # (" " | "+" | "-", text)


@dataclass(slots=True)
class FileDiff:
    old_path: str | None  # None: the file is new
    new_path: str | None  # None: the file is deleted
    hunks: list[Hunk] = field(default_factory=list)
    binary: bool = False

    @property
    def path(self) -> str:
        return self.new_path or self.old_path or ""

    @property
    def is_new(self) -> bool:
        return self.old_path is None

    @property
    def is_deleted(self) -> bool:
        return self.new_path is None

    def added_lines(self) -> set[int]:
        return {n for n, tag, _ in self._numbered("new") if tag == "+"}

    def side(self, which: str) -> dict[int, str]:
        """Line number -> text of the lines the hunks show on the ``old`` or ``new`` side."""
        return {n: text for n, _, text in self._numbered(which)}

    def _numbered(self, which: str) -> list[tuple[int, str, str]]:
        skip = "-" if which == "new" else "+"
        out: list[tuple[int, str, str]] = []
        for hunk in self.hunks:
            number = hunk.new_start if which == "new" else hunk.old_start
            for tag, text in hunk.lines:
                if tag == skip:
                    continue
                out.append((number, tag, text))
                number += 1
        return out


def _strip_prefix(raw: str) -> str | None:
    path = raw.split("\t")[0].strip()
    if path.startswith('"') and path.endswith('"') and len(path) > 1:
        path = path[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape")
    if path == "/dev/null":
        return None
    return path[2:] if path.startswith(("a/", "b/")) else path


def parse_diff(text: str) -> list[FileDiff]:
    """The files of a unified diff; an empty text has none."""
    files: list[FileDiff] = []
    current: FileDiff | None = None
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        header = _GIT_HEADER.match(line)
        if header:
            current = FileDiff(_strip_prefix(header.group(1)), _strip_prefix(header.group(2)))
            files.append(current)
        elif line.startswith("--- ") and i + 1 < len(lines) and lines[i + 1].startswith("+++ "):
            old, new = _strip_prefix(line[4:]), _strip_prefix(lines[i + 1][4:])
            if current is None or current.hunks:
                current = FileDiff(old, new)
                files.append(current)
            else:
                current.old_path, current.new_path = old, new
            i += 1
        elif current is not None and line.startswith("new file mode"):
            current.old_path = None
        elif current is not None and line.startswith("deleted file mode"):
            current.new_path = None
        elif current is not None and line.startswith("rename from "):
            current.old_path = line[len("rename from ") :]
        elif current is not None and line.startswith("rename to "):
            current.new_path = line[len("rename to ") :]
        elif current is not None and line.startswith(("Binary files ", "GIT binary patch")):
            current.binary = True
        elif line.startswith("@@"):
            if current is None:
                raise DiffParseError(
                    f"diff line {i + 1} starts a hunk before any file header ('--- a/x', "
                    "'+++ b/x' or 'diff --git'); pass a unified diff."
                )
            i = _read_hunk(lines, i, current)
            continue
        i += 1
    if text.strip() and not files:
        raise DiffParseError(
            "the diff has no file headers ('diff --git a/x b/x' or '--- a/x' / '+++ b/x'); "
            "pass a unified diff such as `git diff` prints."
        )
    return files


def _read_hunk(lines: list[str], i: int, current: FileDiff) -> int:
    found = _HUNK.match(lines[i])
    if not found:
        raise DiffParseError(
            f"diff line {i + 1} is not a valid hunk header: {lines[i][:80]!r}; "
            "expected '@@ -start,count +start,count @@'."
        )
    start = i + 1
    old_start, new_start = int(found.group(1)), int(found.group(3))
    old_count = int(found.group(2)) if found.group(2) is not None else 1
    new_count = int(found.group(4)) if found.group(4) is not None else 1
    body: list[tuple[str, str]] = []
    old_left, new_left = old_count, new_count
    i += 1
    while i < len(lines) and (old_left > 0 or new_left > 0):
        line = lines[i]
        tag, rest = (line[:1], line[1:]) if line else (" ", "")
        if tag == "\\":
            i += 1
            continue
        if tag == " ":
            old_left, new_left = old_left - 1, new_left - 1
        elif tag == "-":
            old_left -= 1
        elif tag == "+":
            new_left -= 1
        else:
            raise DiffParseError(
                f"diff line {i + 1} inside a hunk starts with {tag!r}; hunk lines start with "
                "' ', '+' or '-' (the hunk header promised more lines than it has)."
            )
        body.append((tag, rest))
        i += 1
    if old_left > 0 or new_left > 0:
        raise DiffParseError(
            f"the hunk at diff line {start} ends early: "
            f"{old_left} old and {new_left} new line(s) are missing."
        )
    while i < len(lines) and lines[i].startswith("\\"):
        i += 1
    current.hunks.append(Hunk(old_start, old_count, new_start, new_count, tuple(body)))
    return i
