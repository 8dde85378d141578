"""Small read-only git queries (HEAD commit, commits since, the log for co-change history)."""

from __future__ import annotations

import logging
import subprocess
from pathlib import Path

log = logging.getLogger(__name__)


def git_output(root: Path, *args: str, timeout: float = 10.0) -> str | None:
    """``git -C root ARGS``'s standard output, or None when git fails or is missing.

    Paths come back as written (``core.quotepath`` off; UTF-8, undecodable bytes kept).
    """
    try:
        res = subprocess.run(
            ["git", "-C", str(root), "-c", "core.quotepath=off", *args],
            capture_output=True,
            encoding="utf-8",
            errors="surrogateescape",
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        log.warning("git %s in %s failed: %s", " ".join(args[:2]), root, exc)
        return None
    return res.stdout if res.returncode == 0 else None


def _git(root: Path, *args: str) -> str | None:
    out = git_output(root, *args)
    return out.strip() if out is not None else None


def head_commit(root: Path) -> str:
    """HEAD's sha, or "" when ``root`` is not in a git work tree or has no commits."""
    return _git(root, "rev-parse", "--verify", "-q", "HEAD") or ""


def commits_since(root: Path, commit: str) -> int | None:
    """How many commits HEAD is ahead of ``commit`` (None if unknown)."""
    if not commit:
        return None
    out = _git(root, "rev-list", "--count", f"{commit}..HEAD")
    return int(out) if out and out.isdigit() else None
