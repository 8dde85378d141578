"""Helpers for the policy / tiering / deploy / audit tests: tiny git repos, bare remotes, diffs.

Plain functions (not fixtures), imported explicitly by the test modules. Every git call runs
with a fixed identity and without the user's global or system git config.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path

from specpilot.pipeline.audit.key import key_from_hex

GIT_ENV: dict[str, str] = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@t",
    "GIT_AUTHOR_DATE": "2024-01-01T00:00:00+00:00",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@t",
    "GIT_COMMITTER_DATE": "2024-01-01T00:00:00+00:00",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}

# The audit key of these tests (a user's key comes from their environment or home).
AUDIT_KEY = key_from_hex("c3" * 32, source="tests")

# AWS's documented example access key id (not a live credential), joined at run time so this
# file holds no line the secret gate would block when the repository scans itself.
AWS_KEY_LINE = 'aws_access_key_id = "' + "AKIA" + "IOSFODNN7EXAMPLE" + '"'


def git(cwd: Path, *args: str) -> str:
    """Run git in ``cwd``; return stdout; raise with stderr on failure."""
    cmd = ["git", "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main", *args]
    env = {**os.environ, **GIT_ENV}
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=30)
    if done.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed in {cwd}: {done.stderr.strip()}")
    return done.stdout


def write(root: Path, files: Mapping[str, str | bytes | None]) -> None:
    """Write path -> content under root; ``None`` deletes the file."""
    for rel, content in files.items():
        path = root / rel
        if content is None:
            path.unlink()
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


BASE_FILES: dict[str, str | bytes | None] = {
    "README.md": "# demo\n\nA tiny project.\n",
    "docs/usage.md": "# Usage\n\nRun it.\n",
    "src/app.py": "def add(a, b):\n    return a + b\n",
    "src/auth/login.py": "def login(user):\n    return user is not None\n",
    "tests/test_app.py": "from src.app import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n",
    "requirements.txt": "requests==2.31.0\nrich==13.7.0\n",
    "pyproject.toml": '[project]\nname = "demo"\ndependencies = [\n    "requests>=2.31",\n]\n',
    ".github/workflows/ci.yml": "on: push\njobs: {}\n",
}


def init_repo(root: Path, files: Mapping[str, str | bytes | None] | None = None) -> Path:
    """A git repo at ``root`` on branch ``main`` with one commit of ``files`` (default BASE_FILES)."""
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    write(root, BASE_FILES if files is None else files)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "initial")
    return root


def make_diff(repo: Path, changes: Mapping[str, str | bytes | None], *, binary: bool = True) -> str:
    """Apply ``changes`` to the work tree, return their ``git diff``, and put the files back.

    Only the changed paths are staged and restored; other work-tree edits stay as they are.
    """
    saved = {rel: (repo / rel).read_bytes() if (repo / rel).exists() else None for rel in changes}
    write(repo, changes)
    paths = list(changes)
    git(repo, "add", "-A", "--", *paths)
    args = ["diff", "--cached", "-M"] + (["--binary"] if binary else [])
    diff = git(repo, *args, "--", *paths)
    git(repo, "reset", "-q", "--", *paths)
    for rel, content in saved.items():
        if content is None:
            (repo / rel).unlink(missing_ok=True)
        else:
            write(repo, {rel: content})
    return diff


def bare_remote(repo: Path, where: Path) -> Path:
    """Create a bare clone of ``repo`` at ``where`` and make it ``repo``'s ``origin``."""
    git(where.parent, "clone", "-q", "--bare", str(repo), str(where))
    git(repo, "remote", "add", "origin", str(where))
    git(repo, "fetch", "-q", "origin")
    return where


def refs(repo: Path) -> str:
    """Every ref with its target, for before/after comparisons."""
    return git(repo, "for-each-ref", "--format=%(refname) %(objectname)")
