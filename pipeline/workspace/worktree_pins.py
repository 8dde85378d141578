"""What git wrote when it made a linked worktree, and whether it still says so.

``git worktree add`` writes a ``.git`` *file* into the worktree (``gitdir: <admin dir>``) and an
admin dir ``<common>/worktrees/<name>/`` holding ``gitdir`` (the path back) and ``commondir``
(the repository's common dir). A test the agent's change runs can rewrite the worktree's
``.git`` file (the worktree is writable in the sandbox); without file-system isolation it could
also rewrite the admin dir. ``read_pins`` records all of it right after creation;
``tamper_reason`` compares, and callers raise :class:`WorktreeTampered` instead of running git.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from specpilot.pipeline.core.errors import WorktreeError

_ADMIN_FILES = ("gitdir", "commondir", "config.worktree")


@dataclass(frozen=True, slots=True)
class WorktreePins:
    """The git metadata of one worktree as git wrote it (``config.worktree`` None: absent)."""

    git_dir: Path  # the admin dir <common>/worktrees/<name>
    common_dir: Path  # the repository's .git (objects, refs, config)
    dotgit: bytes  # the worktree's .git file
    admin: tuple[tuple[str, bytes | None], ...]  # gitdir, commondir, config.worktree


def read_pins(path: Path) -> WorktreePins:
    """The pins of the worktree at ``path``, read right after ``git worktree add``."""
    dotgit_path = path / ".git"
    if not dotgit_path.is_file() or dotgit_path.is_symlink():
        raise WorktreeError(f"{str(dotgit_path)!r} is not the .git file of a linked worktree.")
    dotgit = dotgit_path.read_bytes()
    text = dotgit.decode("utf-8", errors="replace").strip()
    if not text.startswith("gitdir: "):
        raise WorktreeError(f"{str(dotgit_path)!r} does not start with 'gitdir: '.")
    git_dir = Path(text.removeprefix("gitdir: "))
    git_dir = (git_dir if git_dir.is_absolute() else path / git_dir).resolve()
    admin = tuple((name, _read(git_dir / name)) for name in _ADMIN_FILES)
    commondir = dict(admin)["commondir"]
    if commondir is None:
        raise WorktreeError(f"git's admin dir {str(git_dir)!r} has no commondir file.")
    common = (git_dir / commondir.decode("utf-8", errors="replace").strip()).resolve()
    if git_dir.parent != common / "worktrees":
        raise WorktreeError(f"git's admin dir {str(git_dir)!r} is not under {str(common)!r}.")
    return WorktreePins(git_dir, common, dotgit, admin)


def tamper_reason(path: Path, pins: WorktreePins) -> str | None:
    """None when the worktree's ``.git`` and admin dir say what git wrote, else what changed."""
    dotgit = path / ".git"
    found = _describe(dotgit)
    if found is not None:
        return f"the worktree's .git {found}"
    if dotgit.read_bytes() != pins.dotgit:
        now = dotgit.read_bytes()[:200].decode("utf-8", errors="replace").strip()
        was = pins.dotgit.decode("utf-8", errors="replace").strip()
        return f"the worktree's .git file now says {now!r} instead of {was!r}"
    found = _describe(pins.git_dir, want_dir=True)
    if found is not None:
        return f"git's admin dir {pins.git_dir} {found}"
    for name, expected in pins.admin:
        target = pins.git_dir / name
        if target.is_symlink():
            return f"git's admin file {target} was replaced by a symlink"
        actual = _read(target)
        if actual != expected:
            what = "was created" if expected is None else "was removed" if actual is None else ""
            return f"git's admin file {target} (.git metadata) {what or 'was changed'}"
    return None


def _describe(path: Path, *, want_dir: bool = False) -> str | None:
    """Why ``path`` is no longer a plain file (a plain directory with ``want_dir``), or None."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return "was removed"
    if stat.S_ISLNK(st.st_mode):
        return f"was replaced by a symlink to {os.readlink(path)!r}"
    if want_dir and not stat.S_ISDIR(st.st_mode):
        return "is no longer a directory"
    if not want_dir and not stat.S_ISREG(st.st_mode):
        return "was replaced by a directory" if stat.S_ISDIR(st.st_mode) else "is not a file"
    return None


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:  # a directory, say: never what git wrote
        return f"<unreadable: {exc.strerror}>".encode()
