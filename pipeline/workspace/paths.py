"""Path safety for the agent's file tools.

``resolve_in_worktree`` turns a model-supplied path into a real path inside the worktree or
raises ``PathOutsideWorktree``: absolute paths, ``..``, and — checked on the path as given *and*
on the real path after every symlink is followed — anything outside the worktree or in or at a
``.git`` (the worktree's ``.git`` file, a nested repository's ``.git`` dir, ``.GIT`` on a
case-insensitive disk). So a committed symlink such as ``link_git -> .git`` or one that leads
out can be neither read nor written through. ``WriteGuard`` decides which worktree paths may
be written (spec allow/block + policy globs); callers apply it to the real path too.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path, PurePath, PurePosixPath
from typing import Protocol

import pathspec

from specpilot.pipeline.core.errors import PathOutsideWorktree, ToolError


def resolve_in_worktree(root: Path, raw: str) -> tuple[Path, str]:
    """Return (real absolute path, real repo-relative POSIX path) for ``raw``.

    Symlinks inside the worktree are followed, so the relative path returned names the file
    that is really read or written (``.`` for the root).
    """
    if not isinstance(raw, str) or not raw.strip():
        raise ToolError("A path is required; give a path relative to the repository root.")
    if "\x00" in raw:
        raise ToolError(f"The path {raw!r} contains a NUL byte.")
    text = raw.strip()
    if text.startswith("~") or PurePosixPath(text).is_absolute() or "\\" in text:
        raise PathOutsideWorktree(
            f"The path {raw!r} is absolute or not a POSIX path; give a path relative to the "
            "repository root, like 'src/app.py'."
        )
    rel = PurePosixPath(text)
    if ".." in rel.parts:
        raise PathOutsideWorktree(
            f"The path {raw!r} contains '..'; paths must stay inside the repository."
        )
    if _touches_git(rel):
        raise PathOutsideWorktree(f"The path {raw!r} is inside .git, which the tools never touch.")
    real_root = root.resolve()
    try:
        target = (real_root / rel).resolve()
    except (OSError, RuntimeError) as exc:  # a symlink loop
        raise PathOutsideWorktree(f"The path {raw!r} cannot be resolved: {exc}.") from exc
    if target != real_root and not target.is_relative_to(real_root):
        raise PathOutsideWorktree(
            f"The path {raw!r} leads outside the repository through a symlink; only paths "
            "inside the repository can be used."
        )
    real = target.relative_to(real_root)
    if _touches_git(real):
        raise PathOutsideWorktree(
            f"The path {raw!r} leads into .git through a symlink (to {real.as_posix()}); the "
            "tools never touch git's own files."
        )
    return target, real.as_posix()


def _touches_git(rel: PurePath) -> bool:
    """True when a part of ``rel`` is ``.git`` (any case: git treats ``.GIT`` alike on
    case-insensitive file systems)."""
    return any(part.casefold() == ".git" for part in rel.parts)


class WriteCheck(Protocol):
    """An extra veto on writes (e.g. ``functools.partial(policy.write_refusal, policy)``):
    a sentence saying why ``path`` may not be written with ``new_text``, or None."""

    def __call__(
        self, path: str, *, old_text: str | None = None, new_text: str | None = None
    ) -> str | None: ...


class WriteGuard:
    """Which repo-relative paths the agent may write.

    ``allow`` (when non-empty) lists the only writable paths; ``block`` lists paths that are
    never writable (the spec's and the policy's). Globs use gitignore syntax.
    """

    def __init__(self, allow: Sequence[str] = (), block: Sequence[str] = ()) -> None:
        self.allow = tuple(allow)
        self.block = tuple(block)
        self._allow = pathspec.GitIgnoreSpec.from_lines(self.allow) if self.allow else None
        self._block = pathspec.GitIgnoreSpec.from_lines(self.block)

    def refusal(self, rel_path: str) -> str | None:
        """None when ``rel_path`` may be written, else a sentence saying why not."""
        if self._block.match_file(rel_path):
            return (
                f"{rel_path} is blocked for writing (blocked paths: {', '.join(self.block)}); "
                "change the plan to avoid it."
            )
        if self._allow is not None and not self._allow.match_file(rel_path):
            return (
                f"{rel_path} is outside the paths this spec allows ({', '.join(self.allow)}); "
                "write only there."
            )
        return None
