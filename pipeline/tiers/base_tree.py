"""The files a diff applies to: its base commit, read through git, and a file's new text.

Tiering looks past file names: it parses a manifest's old and new version, and asks which
files of the repository import a test helper. :class:`BaseTree` is what it needs from the
repository; :class:`GitTree` reads a commit with ``git ls-tree`` / ``cat-file`` / ``grep``
(the work tree is never read, so an uncommitted edit cannot change a decision) and
:class:`MemoryTree` holds files in memory for tests. :func:`new_text` applies one file's hunks
to its base text and checks every context and removed line, so the text tiering parses is
the text the diff produces.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterable, Mapping
from functools import cached_property
from pathlib import Path
from typing import Protocol

from specpilot.pipeline.core.diffparse import FileDiff
from specpilot.pipeline.core.errors import PipelineError

_TIMEOUT_S = 60


class BaseTree(Protocol):
    """Read access to the commit a diff applies to."""

    @property
    def label(self) -> str:
        """What the tree is, for messages (``commit 1a2b3c4d5e6f``)."""
        ...

    def paths(self) -> tuple[str, ...]:
        """Every file path of the tree, sorted."""
        ...

    def read(self, path: str) -> bytes | None:
        """The content of ``path``, ``None`` when the tree has no such file."""
        ...

    def grep(self, needles: Iterable[str], *, words: bool) -> frozenset[str]:
        """Paths whose content contains one of ``needles`` (fixed strings; with ``words``
        only as whole words)."""
        ...


class GitTree:
    """A commit of a git repository."""

    def __init__(self, repo: Path, commit: str) -> None:
        self.repo = repo
        self.commit = self._resolve(commit)

    @property
    def label(self) -> str:
        return f"commit {self.commit[:12]}"

    @cached_property
    def _paths(self) -> tuple[str, ...]:
        out = self._git("ls-tree", "-r", "-z", "--name-only", self.commit).stdout
        return tuple(sorted(p.decode("utf-8", "surrogateescape") for p in out.split(b"\0") if p))

    def paths(self) -> tuple[str, ...]:
        return self._paths

    def read(self, path: str) -> bytes | None:
        done = self._git("cat-file", "blob", f"{self.commit}:{path}", check=False)
        return done.stdout if done.returncode == 0 else None

    def grep(self, needles: Iterable[str], *, words: bool) -> frozenset[str]:
        args = ["grep", "-l", "-z", "-I", "-F", *(["-w"] if words else [])]
        patterns = [arg for needle in dict.fromkeys(needles) if needle for arg in ("-e", needle)]
        if not patterns:
            return frozenset()
        done = self._git(*args, *patterns, self.commit, "--", check=False)
        if done.returncode not in (0, 1):  # 1: nothing matched
            raise PipelineError(
                f"git grep in {self.repo} at {self.label} failed: {done.stderr.decode().strip()}"
            )
        prefix = f"{self.commit}:".encode()
        return frozenset(
            p.removeprefix(prefix).decode("utf-8", "surrogateescape")
            for p in done.stdout.split(b"\0")
            if p
        )

    def _resolve(self, commit: str) -> str:
        done = self._git("rev-parse", "--verify", "--quiet", f"{commit}^{{commit}}", check=False)
        if done.returncode != 0:
            raise PipelineError(
                f"Cannot tier against {commit!r} in {self.repo}: it is not a commit; "
                "give the commit the diff applies to."
            )
        return done.stdout.decode().strip()

    def _git(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
        done = subprocess.run(
            ["git", "-c", "core.quotePath=false", *args],
            cwd=self.repo,
            capture_output=True,
            timeout=_TIMEOUT_S,
        )
        if check and done.returncode != 0:
            raise PipelineError(
                f"git {args[0]} in {self.repo} failed: {done.stderr.decode().strip()}"
            )
        return done


class MemoryTree:
    """Files held in memory (path -> bytes)."""

    def __init__(self, files: Mapping[str, bytes | str], label: str = "the given files") -> None:
        self.files = {p: c.encode() if isinstance(c, str) else c for p, c in files.items()}
        self._label = label

    @property
    def label(self) -> str:
        return self._label

    def paths(self) -> tuple[str, ...]:
        return tuple(sorted(self.files))

    def read(self, path: str) -> bytes | None:
        return self.files.get(path)

    def grep(self, needles: Iterable[str], *, words: bool) -> frozenset[str]:
        import re

        found = set()
        for needle in (n for n in needles if n):
            pattern = re.escape(needle.encode())
            regex = re.compile(rb"(?<!\w)" + pattern + rb"(?!\w)" if words else pattern)
            found |= {p for p, data in self.files.items() if regex.search(data)}
        return frozenset(found)


class Unverifiable(ValueError):
    """A file's old or new text cannot be known, so nothing may be concluded from it."""


class PatchMismatch(Unverifiable):
    """The diff does not apply to the base text."""


class FileTexts:
    """The base and new text of the files of a diff, read from ``base`` once each.

    Both raise :class:`Unverifiable` with the reason when there is no base tree, the file is
    binary or not UTF-8, or the diff does not apply to the base."""

    def __init__(self, base: BaseTree | None) -> None:
        self.base = base
        self._old: dict[str, str | None] = {}
        self._new: dict[tuple[str, str | None], str | None] = {}

    def old(self, f: FileDiff) -> str | None:
        """The text before the diff (``None`` for an added file)."""
        if f.is_new or f.old_path is None:
            return None
        return self._read(f.old_path)

    def new(self, f: FileDiff) -> str | None:
        """The text after the diff (``None`` for a deleted file)."""
        if f.is_deleted:
            return None
        key = (f.path, f.old_path)
        if key not in self._new:
            if f.binary:
                raise Unverifiable(f"{f.path} is binary")
            self._new[key] = new_text(f, self.old(f))
        return self._new[key]

    def _read(self, path: str) -> str | None:
        if self.base is None:
            raise Unverifiable(f"no base tree was given to read {path} from")
        if path not in self._old:
            data = self.base.read(path)
            if data is None:
                raise Unverifiable(f"{path} is not in {self.base.label}, which the diff changes")
            try:
                self._old[path] = data.decode("utf-8")
            except UnicodeDecodeError:
                raise Unverifiable(f"{path} is not UTF-8 text in {self.base.label}") from None
        return self._old[path]


def new_text(f: FileDiff, old: str | None) -> str:
    """The text of ``f.path`` after the diff: ``old`` (the base text, ``None`` for an added
    file) with the hunks applied. Raises :class:`PatchMismatch` naming the first line that
    differs from what the diff expects. Line ends are ``\\n``; a missing final newline is not
    kept (the parsers tiering feeds do not care)."""
    lines = [] if not old else old.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    out: list[str] = []
    pos = 0
    for hunk in f.hunks:
        start = hunk.old_start - 1 if hunk.old_count else hunk.old_start
        if start < pos or start > len(lines):
            raise PatchMismatch(f"{f.path}: a hunk starts at line {hunk.old_start}, out of order")
        out.extend(lines[pos:start])
        pos = start
        for tag, text in hunk.lines:
            if tag == "+":
                out.append(text)
                continue
            if pos >= len(lines) or lines[pos] != text:
                raise PatchMismatch(
                    f"{f.path}: line {pos + 1} of the base is not the line the diff expects"
                )
            if tag == " ":
                out.append(text)
            pos += 1
    out.extend(lines[pos:])
    return "\n".join(out) + "\n" if out else ""
