"""Shared test fixtures: tiny repositories on disk, with or without git history."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
from typer.testing import CliRunner

os.environ.setdefault("LANCEDB_LOG", "error")  # silence the Rust logger's warnings

# Fixed identity and dates so commits (and their hashes) do not depend on the machine.
GIT_ENV: dict[str, str] = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@t",
    "GIT_AUTHOR_DATE": "2024-01-01T00:00:00+00:00",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@t",
    "GIT_COMMITTER_DATE": "2024-01-01T00:00:00+00:00",
    "GIT_CONFIG_GLOBAL": os.devnull,  # ignore ~/.gitconfig (global excludes, hooks, signing)
    "GIT_CONFIG_NOSYSTEM": "1",
}
# Variables that would point git at another repository (set inside git hooks, for instance).
_REPO_ENV = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR", "GIT_PREFIX")

MakeRepo = Callable[..., Path]


@pytest.fixture(autouse=True)
def _isolated_git(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every git call in a test (ours and the code's) ignores the user's git config, and
    specpilot never reads the developer's ~/.config/specpilot/config.toml."""
    for key, value in GIT_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("XDG_CONFIG_HOME", os.path.join(os.devnull, "no-user-config"))
    for key in _REPO_ENV:
        monkeypatch.delenv(key, raising=False)
    # the user's audit key and tokens never reach a test that did not set them itself
    for key in ("SPECPILOT_AUDIT_KEY", "SPECPILOT_AUDIT_KEY_FILE", "GH_TOKEN"):
        monkeypatch.delenv(key, raising=False)


def run_git(cwd: Path, *args: str) -> str:
    """Run git in cwd with a fixed identity; return its stdout."""
    cmd = [
        "git",
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@t",
        "-c",
        "commit.gpgsign=false",
        "-c",
        "init.defaultBranch=main",
        *args,
    ]
    env = {**os.environ, **GIT_ENV}
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=30)
    if done.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed in {cwd}: {done.stderr.strip()}")
    return done.stdout


def write_files(root: Path, files: Mapping[str, str | bytes]) -> None:
    """Write path -> content (str as UTF-8, bytes as is) under root, creating directories."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


@pytest.fixture
def make_repo(tmp_path: Path) -> MakeRepo:
    """Factory: ``make_repo(files, git=False, commit=True, name="repo") -> Path``.

    Writes ``files`` (path -> str | bytes) under ``tmp_path / name``. With ``git=True`` the
    directory is ``git init``-ed and, unless ``commit=False``, everything is added and
    committed once with a fixed author and date.
    """

    def _make(
        files: Mapping[str, str | bytes],
        *,
        git: bool = False,
        commit: bool = True,
        name: str = "repo",
    ) -> Path:
        root = tmp_path / name
        root.mkdir(parents=True, exist_ok=True)
        write_files(root, files)
        if git:
            _git_init(root, commit=commit)
        return root

    return _make


@pytest.fixture
def git() -> Callable[..., str]:
    """``git(cwd, *args) -> stdout``: run git with a fixed identity (fails on a non-zero exit)."""
    return run_git


def _git_init(root: Path, *, commit: bool) -> None:
    run_git(root, "init", "-q")
    if commit:
        run_git(root, "add", "-A")
        run_git(root, "commit", "-q", "--allow-empty", "-m", "initial")


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """A CLI runner with its own $SPECPILOT_HOME, no model or GitHub credentials, actor "tester"
    (test modules that need another environment define their own ``runner``)."""
    monkeypatch.setenv("SPECPILOT_HOME", str(tmp_path / "home"))
    for name in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_BASE_URL", "GITHUB_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SPECPILOT_ACTOR", "tester")
    return CliRunner()
