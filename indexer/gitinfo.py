"""Small read-only git queries (HEAD commit, commits since)."""

from __future__ import annotations

import subprocess
from pathlib import Path


def _git(root: Path, *args: str) -> str | None:
    try:
        res = subprocess.run(
            ["git", "-C", str(root), *args],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return res.stdout.strip() if res.returncode == 0 else None


def head_commit(root: Path) -> str:
    """HEAD's sha, or "" when ``root`` is not in a git work tree or has no commits."""
    return _git(root, "rev-parse", "--verify", "-q", "HEAD") or ""


def commits_since(root: Path, commit: str) -> int | None:
    """How many commits HEAD is ahead of ``commit`` (None if unknown)."""
    if not commit:
        return None
    out = _git(root, "rev-list", "--count", f"{commit}..HEAD")
    return int(out) if out and out.isdigit() else None
