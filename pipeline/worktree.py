"""Git worktrees for the code stage: the agent never touches the user's checkout.

A run gets a new branch ``<prefix><slug>`` checked out in a worktree of its own (by default
under ``<git common dir>/specpilot/worktrees/``), or — in suggest mode — a detached worktree
that is removed at the end. Git runs as a subprocess with identity and signing given on the
command line, so nothing depends on the user's global git config.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from specpilot.pipeline.errors import WorktreeError

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Worktree:
    repo: Path  # the user's repository (its top level)
    path: Path  # the worktree's directory
    branch: str | None  # None: detached
    base_ref: str  # what the user asked for ("main", "HEAD")
    base_commit: str  # the commit it started from


def git(
    args: Sequence[str], *, cwd: Path, check: bool = True, env: dict[str, str] | None = None
) -> str:
    full_env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", **(env or {})}
    try:
        proc = subprocess.run(
            ["git", "-c", "commit.gpgsign=false", "-c", "core.hooksPath=/dev/null", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            env=full_env,
            check=False,
            timeout=120,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise WorktreeError(f"git {' '.join(args)} could not run in {str(cwd)!r}: {exc}.") from exc
    if check and proc.returncode != 0:
        raise WorktreeError(
            f"git {' '.join(args)} failed in {str(cwd)!r} (exit {proc.returncode}): "
            f"{proc.stderr.strip() or proc.stdout.strip()}"
        )
    return proc.stdout


def repo_root(path: Path) -> Path:
    """The top level of the git repository containing ``path``."""
    if not path.exists():
        raise WorktreeError(f"The repository path {str(path)!r} does not exist.")
    try:
        return Path(git(["rev-parse", "--show-toplevel"], cwd=path).strip())
    except WorktreeError as exc:
        raise WorktreeError(
            f"{str(path)!r} is not inside a git repository; specpilot needs one to make a "
            "branch and a worktree."
        ) from exc


def resolve_commit(repo: Path, ref: str) -> str:
    try:
        return git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], cwd=repo).strip()
    except WorktreeError as exc:
        raise WorktreeError(
            f"The base {ref!r} is not a branch, tag or commit in {str(repo)!r}; set 'base' in "
            "the spec to an existing branch (and make sure the repository has a commit)."
        ) from exc


def _git_common_dir(path: Path) -> Path:
    common = Path(git(["rev-parse", "--git-common-dir"], cwd=path).strip())
    return common if common.is_absolute() else (path / common).resolve()


def default_worktrees_root(repo: Path) -> Path:
    return _git_common_dir(repo) / "specpilot" / "worktrees"


def main_checkout(path: Path) -> Path | None:
    """The work tree a git worktree at ``path`` was made from (the parent of the common
    ``.git``); None outside git or for a bare repository."""
    try:
        common = _git_common_dir(path)
    except WorktreeError:
        return None
    return common.parent if common.name == ".git" else None


def branch_exists(repo: Path, branch: str) -> bool:
    out = git(["branch", "--list", branch], cwd=repo)
    return bool(out.strip())


def unique_branch(repo: Path, name: str) -> str:
    """``name``, or ``name-2``, ``name-3`` ... when it exists (logged)."""
    candidate, n = name, 1
    while branch_exists(repo, candidate):
        n += 1
        candidate = f"{name}-{n}"
    if candidate != name:
        log.info("branch %s exists; using %s", name, candidate)
    return candidate


def create_worktree(repo: Path, *, path: Path, base: str | None, branch: str | None) -> Worktree:
    """A worktree at ``path`` on a new ``branch`` (or detached when None) from ``base``."""
    top = repo_root(repo)
    base_ref = base or "HEAD"
    base_commit = resolve_commit(top, base_ref)
    if path.exists():
        raise WorktreeError(f"The worktree path {str(path)!r} already exists.")
    path.parent.mkdir(parents=True, exist_ok=True)
    args = ["worktree", "add", "--quiet"]
    args += (
        ["-b", branch, str(path), base_commit] if branch else ["--detach", str(path), base_commit]
    )
    git(args, cwd=top)
    log.info(
        "worktree %s on %s from %s (%s)",
        path,
        branch or "detached HEAD",
        base_ref,
        base_commit[:10],
    )
    return Worktree(top, path, branch, base_ref, base_commit)


def stage_paths(wt: Worktree, paths: Sequence[str]) -> None:
    if paths:
        git(["add", "--all", "--", *paths], cwd=wt.path)


def diff_against_base(wt: Worktree, paths: Sequence[str]) -> str:
    """The staged diff of ``paths`` against the base commit (new files included)."""
    if not paths:
        return ""
    stage_paths(wt, paths)
    return git(["diff", "--cached", "--binary", wt.base_commit, "--", *paths], cwd=wt.path)


def commit_paths(
    wt: Worktree, paths: Sequence[str], message: str, *, author_name: str, author_email: str
) -> str:
    """Commit exactly ``paths`` (what the agent wrote) and return the new commit's sha."""
    stage_paths(wt, paths)
    identity = {
        "GIT_AUTHOR_NAME": author_name,
        "GIT_AUTHOR_EMAIL": author_email,
        "GIT_COMMITTER_NAME": author_name,
        "GIT_COMMITTER_EMAIL": author_email,
    }
    git(
        ["commit", "--quiet", "--no-verify", "-m", message, "--", *paths], cwd=wt.path, env=identity
    )
    return git(["rev-parse", "HEAD"], cwd=wt.path).strip()


def untracked_and_modified(wt: Worktree) -> list[str]:
    """Paths git sees as changed in the worktree (tracked changes and untracked files)."""
    out = git(["status", "--porcelain", "--untracked-files=all", "-z"], cwd=wt.path)
    return sorted({entry[3:] for entry in out.split("\0") if len(entry) > 3})


def remove_worktree(wt: Worktree, *, delete_branch: bool) -> None:
    """Remove the worktree directory and its admin entry; optionally delete its branch."""
    if wt.path.exists():
        try:
            git(["worktree", "remove", "--force", "--force", str(wt.path)], cwd=wt.repo)
        except WorktreeError as exc:
            log.warning("git worktree remove failed (%s); deleting %s directly", exc, wt.path)
            shutil.rmtree(wt.path, ignore_errors=False)
    git(["worktree", "prune"], cwd=wt.repo)
    if delete_branch and wt.branch:
        git(["branch", "-D", wt.branch], cwd=wt.repo)
