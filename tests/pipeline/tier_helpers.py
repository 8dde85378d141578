"""Tiering a real `git diff` of a change in a tiny repository, as the tier attacks do."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path

from specpilot.pipeline.tiers.tiering import TierDecision, explain
from tests.pipeline.policy_fixtures import BASE_FILES, GIT_ENV, git, init_repo, write

Change = Callable[[Path], None]


def diff_of(repo: Path, change: Change) -> str:
    """The staged ``git diff`` of whatever ``change`` does to the work tree; then undo it.

    Read as bytes: text mode would turn a carriage return inside a line into a line break."""
    change(repo)
    git(repo, "add", "-A")
    args = ["git", "diff", "--cached", "-M", "--binary"]
    env = {**os.environ, **GIT_ENV}
    diff = subprocess.run(args, cwd=repo, env=env, capture_output=True, check=True).stdout.decode()
    git(repo, "reset", "-q", "--hard", "HEAD")
    git(repo, "clean", "-qfdx")
    return diff


def files_change(files: Mapping[str, str | bytes | None]) -> Change:
    return lambda repo: write(repo, files)


def tier_of(repo: Path, change: Change) -> TierDecision:
    return explain(repo, diff_of(repo, change))


def rules_of(d: TierDecision) -> set[str]:
    return {r.rule for r in d.reasons}


def tier_repo(tmp_path: Path, extra: Mapping[str, str | bytes | None] | None = None) -> Path:
    return init_repo(tmp_path / "repo", {**BASE_FILES, **(extra or {})})
