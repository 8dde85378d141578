"""Parse a unified diff, as ``git diff`` prints it, into a :class:`Patch`.

The one reader of diffs: the pipeline tiers and scans patches with it, the conventions check
reads the lines a diff adds with it (both wrap :class:`DiffError` in their own error tree).

Handles ``diff --git`` headers (new, deleted, renamed, copied files, mode changes, the mode an
unchanged-mode file keeps on its ``index`` line), C-quoted
paths, ``Binary files ... differ`` and ``GIT binary patch`` blocks, ``\\ No newline at end of
file`` markers, and plain ``---``/``+++`` unified diffs without a git header. Hunk bodies are
consumed by their line counts, so a removed line that starts with ``--`` is never mistaken for
a file header.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict

from specpilot.indexer.errors import DiffError
from specpilot.indexer.source.diff_paths import header_path, split_git_paths, strip_prefix, unquote

logger = logging.getLogger(__name__)

FileStatus = Literal["added", "modified", "deleted", "renamed", "copied"]

_INDEX_RE = re.compile(r"^index [0-9a-f]+\.\.[0-9a-f]+ ([0-7]{6})$")
_HUNK_RE = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DiffLine(_Frozen):
    """One added (numbered in the new file) or removed (numbered in the old file) line.

    ``anchor`` (added lines only): the old-file line number the line is inserted before.
    """

    number: int
    text: str
    anchor: int | None = None


class Hunk(_Frozen):
    old_start: int
    old_count: int
    new_start: int
    new_count: int
    lines: tuple[tuple[str, str], ...] = ()  # (" " | "+" | "-", text), in order


class FileDiff(_Frozen):
    """One file of a patch. ``path`` is the new path (the old one for a deleted file);
    ``old_path`` is the path before the change (``None`` for an added file)."""

    path: str
    old_path: str | None
    status: FileStatus
    binary: bool = False
    added: int = 0
    removed: int = 0
    old_mode: str | None = None
    new_mode: str | None = None
    index_mode: str | None = None  # the mode on the "index a..b MODE" line: unchanged by the diff
    hunks: tuple[Hunk, ...] = ()
    added_lines: tuple[DiffLine, ...] = ()
    removed_lines: tuple[DiffLine, ...] = ()
    # the forward block of a 'GIT binary patch' ('literal N' / 'delta N' and its base85
    # lines), kept so the secret scan can read what a binary file adds
    binary_patch: tuple[str, ...] = ()

    @property
    def mode_before(self) -> str | None:
        """The file's git mode before the change (``100644``, ``100755``, ``120000`` for a
        symlink, ``160000`` for a submodule), ``None`` for an added file or when not shown."""
        return None if self.is_new else self.old_mode or self.index_mode

    @property
    def mode_after(self) -> str | None:
        """The file's git mode after the change, ``None`` for a deleted file or when not shown."""
        return None if self.is_deleted else self.new_mode or self.index_mode

    @property
    def is_new(self) -> bool:
        return self.status == "added"

    @property
    def is_deleted(self) -> bool:
        return self.status == "deleted"

    def side(self, which: Literal["old", "new"]) -> dict[int, str]:
        """Line number -> text of every line the hunks show on the old or the new side."""
        skip = "-" if which == "new" else "+"
        out: dict[int, str] = {}
        for hunk in self.hunks:
            number = hunk.new_start if which == "new" else hunk.old_start
            for tag, text in hunk.lines:
                if tag != skip:
                    out[number] = text
                    number += 1
        return out

    @property
    def paths(self) -> tuple[str, ...]:
        """Every path this change touches (old and new path of a rename)."""
        if self.old_path is None or self.old_path == self.path:
            return (self.path,)
        return (self.old_path, self.path)


class Patch(_Frozen):
    schema_version: Literal[1] = 1
    files: tuple[FileDiff, ...] = ()

    @property
    def lines_added(self) -> int:
        return sum(f.added for f in self.files)

    @property
    def lines_removed(self) -> int:
        return sum(f.removed for f in self.files)

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(p for f in self.files for p in f.paths)


@dataclass(slots=True)
class _Builder:
    """Mutable state of the file being parsed."""

    line_no: int
    git_old: str | None = None
    git_new: str | None = None
    minus: str | None = None
    plus: str | None = None
    rename_from: str | None = None
    rename_to: str | None = None
    copy: bool = False
    status: FileStatus | None = None
    binary: bool = False
    binary_patch: tuple[str, ...] = ()
    old_mode: str | None = None
    new_mode: str | None = None
    index_mode: str | None = None
    hunks: list[Hunk] = field(default_factory=list)
    added: list[DiffLine] = field(default_factory=list)
    removed: list[DiffLine] = field(default_factory=list)

    def build(self) -> FileDiff:
        old = self.rename_from or strip_prefix(self.minus, "a/") or self.git_old
        new = self.rename_to or strip_prefix(self.plus, "b/") or self.git_new
        status = self.status
        if status is None:
            if self.minus == "/dev/null":
                status = "added"
            elif self.plus == "/dev/null":
                status = "deleted"
            elif self.rename_to is not None:
                status = "copied" if self.copy else "renamed"
            else:
                status = "modified"
        if status == "added":
            old = None
        if status == "deleted":
            new = old
        if new is None:
            raise DiffError(
                f"The diff has a file header at line {self.line_no} without a readable path; "
                "expected 'diff --git a/PATH b/PATH' or '--- a/PATH' / '+++ b/PATH'."
            )
        return FileDiff(
            path=new,
            old_path=old,
            status=status,
            binary=self.binary,
            binary_patch=self.binary_patch,
            added=len(self.added),
            removed=len(self.removed),
            old_mode=self.old_mode,
            new_mode=self.new_mode,
            index_mode=self.index_mode,
            hunks=tuple(self.hunks),
            added_lines=tuple(self.added),
            removed_lines=tuple(self.removed),
        )


def parse_diff(text: str) -> Patch:
    """Parse ``text`` (the output of ``git diff``) into a :class:`Patch`.

    An empty diff gives a patch without files. Raises :class:`DiffError` naming the line when
    the text is not a unified diff or a hunk is cut short.
    """
    lines = text.split("\n")  # not splitlines(): a form feed inside a line is content
    if lines and lines[-1] == "":
        lines.pop()
    files: list[FileDiff] = []
    current: _Builder | None = None
    i = 0
    n = len(lines)
    while i < n:
        line = lines[i]
        if line.startswith("diff --git "):
            if current is not None:
                files.append(current.build())
            current = _Builder(line_no=i + 1)
            current.git_old, current.git_new = split_git_paths(line[len("diff --git ") :])
            i += 1
        elif line.startswith("--- ") and i + 1 < n and lines[i + 1].startswith("+++ "):
            if current is None or current.minus is not None or current.hunks:
                if current is not None:
                    files.append(current.build())
                current = _Builder(line_no=i + 1)
            current.minus = header_path(line[4:])
            current.plus = header_path(lines[i + 1][4:])
            i += 2
        elif line.startswith("@@"):
            if current is None:
                raise DiffError(f"The diff's line {i + 1} starts a hunk before any file header.")
            i = _read_hunk(lines, i, current)
        elif current is not None and line.startswith("GIT binary patch"):
            current.binary = True
            i += 1
            start = i
            while i < n and not lines[i].startswith("diff --git "):
                i += 1
            forward = lines[start:i]
            current.binary_patch = tuple(forward[: forward.index("")] if "" in forward else forward)
        elif current is not None:
            _read_header_line(line, current)
            i += 1
        else:
            i += 1  # preamble (e.g. a format-patch mail header) before the first file
    if current is not None:
        files.append(current.build())
    if not files and text.strip():
        raise DiffError(
            "The text is not a unified diff: no file headers ('diff --git' or '---'/'+++') "
            "found; pass the output of 'git diff'."
        )
    return Patch(files=tuple(files))


def diff_stat(patch: Patch) -> str:
    """A ``git diff --stat`` like summary, one line per file plus a total."""
    rows = []
    for f in patch.files:
        name = f"{f.old_path} => {f.path}" if f.status in ("renamed", "copied") else f.path
        change = "Bin" if f.binary else f"{f.added + f.removed} +{f.added} -{f.removed}"
        rows.append(f" {name} | {change} ({f.status})")
    rows.append(
        f" {len(patch.files)} file(s) changed, {patch.lines_added} insertion(s), "
        f"{patch.lines_removed} deletion(s)"
    )
    return "\n".join(rows)


def _read_header_line(line: str, b: _Builder) -> None:
    if line.startswith("new file mode "):
        b.status, b.new_mode = "added", line.split()[-1]
    elif line.startswith("deleted file mode "):
        b.status, b.old_mode = "deleted", line.split()[-1]
    elif line.startswith("old mode "):
        b.old_mode = line.split()[-1]
    elif line.startswith("new mode "):
        b.new_mode = line.split()[-1]
    elif line.startswith("rename from "):
        b.rename_from, b.status = unquote(line[len("rename from ") :]), "renamed"
    elif line.startswith("rename to "):
        b.rename_to, b.status = unquote(line[len("rename to ") :]), "renamed"
    elif line.startswith("copy from "):
        b.rename_from, b.status, b.copy = unquote(line[len("copy from ") :]), "copied", True
    elif line.startswith("copy to "):
        b.rename_to, b.status, b.copy = unquote(line[len("copy to ") :]), "copied", True
    elif line.startswith("Binary files ") and line.endswith(" differ"):
        b.binary = True
    elif m := _INDEX_RE.match(line):
        b.index_mode = m.group(1)


def _read_hunk(lines: list[str], start: int, b: _Builder) -> int:
    m = _HUNK_RE.match(lines[start])
    if m is None:
        raise DiffError(
            f"The diff's line {start + 1} is not a valid hunk header: {lines[start][:80]!r}; "
            "expected '@@ -A,B +C,D @@'."
        )
    old_no, new_no = int(m.group(1)), int(m.group(3))
    old_left = int(m.group(2)) if m.group(2) is not None else 1
    new_left = int(m.group(4)) if m.group(4) is not None else 1
    head = (old_no, old_left, new_no, new_left)
    body: list[tuple[str, str]] = []
    i = start + 1
    while old_left > 0 or new_left > 0:
        if i >= len(lines):
            raise DiffError(
                f"The hunk starting at line {start + 1} of the diff ends early: "
                f"{old_left} old and {new_left} new line(s) missing."
            )
        line = lines[i]
        tag, text = line[:1], line[1:]
        if tag == "+" and new_left > 0:
            b.added.append(DiffLine(number=new_no, text=text, anchor=old_no))
            new_no, new_left = new_no + 1, new_left - 1
        elif tag == "-" and old_left > 0:
            b.removed.append(DiffLine(number=old_no, text=text))
            old_no, old_left = old_no + 1, old_left - 1
        elif tag in (" ", "") and old_left > 0 and new_left > 0:
            old_no, new_no = old_no + 1, new_no + 1
            old_left, new_left = old_left - 1, new_left - 1
            tag = " "
        elif tag != "\\":
            raise DiffError(
                f"Line {i + 1} of the diff does not fit the hunk starting at line {start + 1}: "
                f"line {i + 1} inside a hunk starts with {tag!r} ({old_left} old and "
                f"{new_left} new line(s) still expected; each line starts with ' ', '+' or '-')."
            )
        if tag != "\\":
            body.append((tag, text))
        i += 1
    while i < len(lines) and lines[i].startswith("\\"):
        i += 1  # "\ No newline at end of file"
    old_start, old_count, new_start, new_count = head
    b.hunks.append(
        Hunk(
            old_start=old_start,
            old_count=old_count,
            new_start=new_start,
            new_count=new_count,
            lines=tuple(body),
        )
    )
    return i
