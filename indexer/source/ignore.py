"""Gitignore-syntax matching for the walker: nested ``.gitignore`` files and ``.specpilotignore``.

Paths given to the matchers are POSIX and relative to the directory that holds the ignore
file; a directory is passed with a trailing ``/`` so that ``build/`` patterns match it.
As in git, the last matching pattern of a file wins, and a deeper ignore file overrides a
shallower one. A directory that is ignored is pruned by the caller, so a ``!`` negation
cannot re-include a file below an ignored directory (git behaves the same).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from pathspec import GitIgnoreSpec

logger = logging.getLogger(__name__)


def load_spec(path: str) -> GitIgnoreSpec | None:
    """The compiled patterns of an ignore file; None when it is missing, unreadable or empty.

    An unreadable file or a pattern pathspec rejects is logged as a warning and left out.
    """
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            lines = handle.read().splitlines()
    except FileNotFoundError:
        return None
    except OSError as exc:
        logger.warning("Cannot read ignore file %s (%s); its patterns are not applied.", path, exc)
        return None
    spec = compile_lines(lines, source=path)
    return spec if spec.patterns else None


def compile_lines(lines: list[str] | tuple[str, ...], *, source: str) -> GitIgnoreSpec:
    """Compile gitignore lines, dropping (with a warning) any line pathspec rejects."""
    try:
        return GitIgnoreSpec.from_lines(lines)
    except ValueError:
        good: list[str] = []
        for line in lines:
            try:
                GitIgnoreSpec.from_lines([line])
            except ValueError as exc:
                logger.warning("Ignoring invalid pattern %r in %s: %s", line, source, exc)
            else:
                good.append(line)
        return GitIgnoreSpec.from_lines(good)


def last_match(spec: GitIgnoreSpec, path: str) -> bool | None:
    """True if the last pattern matching ``path`` ignores it, False if it re-includes it
    (``!pattern``), None when no pattern matches."""
    for pattern in reversed(spec.patterns):
        if pattern.include is not None and pattern.match_file(path) is not None:
            return bool(pattern.include)
    return None


@dataclass(frozen=True, slots=True)
class IgnoreRules:
    """The ``.gitignore`` files that apply at one point of a directory walk.

    ``layers`` holds ``(base, spec)`` pairs, outermost first; ``base`` is the repo-relative
    directory of the ignore file with a trailing ``/`` (``""`` at the root).
    """

    layers: tuple[tuple[str, GitIgnoreSpec], ...] = ()

    def child(self, rel_dir: str, spec: GitIgnoreSpec | None) -> IgnoreRules:
        """The rules inside ``rel_dir``, whose own ignore file compiled to ``spec``."""
        if spec is None:
            return self
        base = f"{rel_dir}/" if rel_dir else ""
        return IgnoreRules((*self.layers, (base, spec)))

    def ignored(self, rel_path: str, *, is_dir: bool) -> bool:
        """Whether the repo-relative ``rel_path`` is ignored (the deepest decisive file wins)."""
        path = f"{rel_path}/" if is_dir else rel_path
        for base, spec in reversed(self.layers):
            verdict = last_match(spec, path[len(base) :])
            if verdict is not None:
                return verdict
        return False
