"""Git plumbing for deploy: commit a diff off to the side, fetch, merge in a throwaway worktree,
push without force. The user's work tree, index and local branches are never touched.

Every call goes through ``pipeline.gitenv`` (no system or global config except for fetch /
push / ls-remote, which need the user's credentials; no hooks, fsmonitor, pager or signing).
A diff is committed with a private index (``read-tree`` + ``apply --cached`` + ``write-tree`` +
``commit-tree``): no work tree, so no filter or hook runs, and the commit exists only as an
object until a push names it. Fetched tips land in a private temporary ref that is deleted
again. A merge is made in a temporary detached worktree where the repo's tests are re-run;
when those tests rewrote the worktree's ``.git`` metadata, :class:`WorktreeTampered` is raised
and nothing is pushed.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from specpilot.pipeline.core.errors import DeployError, WorktreeTampered
from specpilot.pipeline.workspace.gitenv import GitPlace, run_git
from specpilot.pipeline.workspace.worktree_pins import read_pins, tamper_reason

logger = logging.getLogger(__name__)

DEFAULT_IDENTITY: Mapping[str, str] = {
    "GIT_AUTHOR_NAME": "specpilot",
    "GIT_AUTHOR_EMAIL": "specpilot@localhost",
    "GIT_COMMITTER_NAME": "specpilot",
    "GIT_COMMITTER_EMAIL": "specpilot@localhost",
}


@dataclass(frozen=True, slots=True)
class MergeOutcome:
    ok: bool
    sha: str | None  # the merge result (HEAD of the worktree) when ok
    conflicts: tuple[str, ...] = ()


def git(
    cwd: Path,
    *args: str,
    stdin: str | None = None,
    check: bool = True,
    identity: Mapping[str, str] = DEFAULT_IDENTITY,
    network: bool = False,
    index_file: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """git in ``cwd`` with the fixed environment; ``network`` for fetch / push / ls-remote."""
    place = GitPlace(cwd, index_file=index_file)
    try:
        done = run_git(args, place, stdin=stdin, env=identity, network=network, timeout=300)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise DeployError(f"git {' '.join(args[:2])} could not run in {cwd}: {err}.") from err
    if check and done.returncode != 0:
        raise DeployError(f"git {' '.join(args)} failed in {cwd}: {done.stderr.strip()}")
    return done


def rev(repo: Path, ref: str) -> str:
    done = git(repo, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False)
    if done.returncode != 0:
        raise DeployError(f"{ref!r} is not a commit or branch in {repo}.")
    return done.stdout.strip()


def remote_url(repo: Path, remote: str) -> str | None:
    """The URL of ``remote`` in ``repo``, or None when there is no such remote."""
    done = git(repo, "remote", "get-url", remote, check=False)
    return done.stdout.strip() if done.returncode == 0 else None


def require_remote(repo: Path, remote: str | None) -> str:
    remotes = git(repo, "remote").stdout.split()
    if remote is None or remote not in remotes:
        known = ", ".join(remotes) or "none"
        raise DeployError(
            f"Pushing needs a git remote; {remote!r} is not one of {repo}'s remotes ({known})."
        )
    return remote


@contextmanager
def temp_worktree(repo: Path, commit: str) -> Iterator[Path]:
    """A detached worktree of ``commit`` in a temporary directory, removed afterwards.

    Raises WorktreeTampered on the way out when what ran in it (the repo's tests) rewrote
    its ``.git`` file or admin dir; it is then deleted without asking git about it."""
    tmp = Path(tempfile.mkdtemp(prefix="specpilot-deploy-"))
    path = tmp / "wt"
    git(repo, "worktree", "add", "--detach", "--quiet", str(path), commit)
    pins = read_pins(path)
    try:
        yield path
    finally:
        reason = tamper_reason(path, pins)
        if reason is None:
            git(repo, "worktree", "remove", "--force", str(path), check=False)
        else:
            shutil.rmtree(pins.git_dir, ignore_errors=True)
        shutil.rmtree(tmp, ignore_errors=True)
        git(repo, "worktree", "prune", check=False)
    if reason is not None:
        raise WorktreeTampered(
            f"{reason}: the tests run on the merge result rewrote git's metadata of the merge "
            "worktree, so the merge is not pushed"
        )


def commit_diff(repo: Path, base: str, diff_text: str, message: str) -> str:
    """Apply ``diff_text`` on ``base`` and commit it; return the new commit's sha (no ref).

    The patch is applied to a private index (no work tree: no filter, hook or attribute of
    the change itself takes part)."""
    with tempfile.TemporaryDirectory(prefix="specpilot-deploy-") as tmp:
        index = Path(tmp) / "index"
        git(repo, "read-tree", base, index_file=index)
        applied = git(
            repo, "apply", "--cached", "--whitespace=nowarn", "-",
            stdin=diff_text, check=False, index_file=index,
        )  # fmt: skip
        if applied.returncode != 0:
            raise DeployError(
                f"The diff does not apply to {base[:12]}: {applied.stderr.strip()} "
                "(a binary file needs 'git diff --binary')."
            )
        tree = git(repo, "write-tree", index_file=index).stdout.strip()
        text = message.strip() + "\n"
        return git(repo, "commit-tree", tree, "-p", base, "-F", "-", stdin=text).stdout.strip()


def remote_tip(repo: Path, remote: str, branch: str) -> str | None:
    out = git(
        repo, "ls-remote", "--heads", remote, f"refs/heads/{branch}", network=True
    ).stdout.split()
    return out[0] if out else None


def fetch_tip(repo: Path, remote: str, branch: str) -> str:
    """Fetch ``branch`` of ``remote`` and return its tip (through a temporary private ref)."""
    tmp_ref = f"refs/specpilot/fetch/{uuid.uuid4().hex}"
    done = git(
        repo,
        "fetch",
        "--quiet",
        "--no-tags",
        remote,
        f"+refs/heads/{branch}:{tmp_ref}",
        check=False,
        network=True,
    )
    if done.returncode != 0:
        raise DeployError(
            f"Cannot fetch branch {branch!r} from remote {remote!r}: {done.stderr.strip()}"
        )
    try:
        return rev(repo, tmp_ref)
    finally:
        git(repo, "update-ref", "-d", tmp_ref, check=False)


def push(repo: Path, remote: str, sha: str, branch: str) -> str | None:
    """Push ``sha`` to ``branch`` without force; ``None`` on success, else git's reason."""
    done = git(
        repo, "push", "--quiet", "--porcelain", remote, f"{sha}:refs/heads/{branch}",
        check=False, network=True,
    )  # fmt: skip
    if done.returncode == 0:
        logger.info("pushed %s to %s/%s", sha[:12], remote, branch)
        return None
    reason = (done.stdout + done.stderr).strip().splitlines()
    return " ".join(line for line in reason if line.strip())[:500]


def merge_in_worktree(wt: Path, commit: str, *, method: str, message: str) -> MergeOutcome:
    """Merge ``commit`` into the worktree's HEAD (merge / squash / rebase = cherry-pick)."""
    if method == "merge":
        done = git(wt, "merge", "--no-ff", "--no-edit", "-m", message, commit, check=False)
    elif method == "squash":
        done = git(wt, "merge", "--squash", commit, check=False)
        if done.returncode == 0:
            done = git(wt, "commit", "--quiet", "--no-verify", "-m", message, check=False)
    elif method == "rebase":
        done = git(wt, "cherry-pick", "--allow-empty", commit, check=False)
    else:
        raise DeployError(f"Unknown merge method {method!r}; valid: merge, squash, rebase.")
    if done.returncode == 0:
        return MergeOutcome(True, git(wt, "rev-parse", "HEAD").stdout.strip())
    conflicts = tuple(git(wt, "diff", "--name-only", "--diff-filter=U", check=False).stdout.split())
    git(wt, "reset", "--hard", "--quiet", check=False)
    if not conflicts:
        raise DeployError(f"git could not {method} {commit[:12]}: {done.stderr.strip()}")
    return MergeOutcome(False, None, conflicts)
