"""Where the secret scan runs: before the run's commit, and on the final diff before any push.

- :func:`commit_block` — ``SpecRun.commit`` asks it before committing the agent's files; the
  diff of every round together is scanned (a token added in round 1 and kept is caught; one
  added and removed again is not in the diff and does not block).
- :func:`ensure_push_is_clean` — deploy calls it right before each ``git push`` (PR branch or
  merged base). It scans what the push adds to the remote: the diff from the merge base of the
  pushed commit and the remote's tip of ``base`` to the pushed commit. That is the *final*
  diff, including local commits of ``base`` the remote does not have yet; a remote without
  ``base`` (or with unrelated history) gets the whole pushed tree scanned.

- :func:`ensure_text_is_clean` — the PR description sent to GitHub (the model's plan and the
  output of the agent's tests are in it) is scanned before the push.

All use the allowlist of the policy at the run's base commit, which the change cannot edit.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from specpilot.pipeline.core.diffparse import DiffLine, FileDiff, Patch, parse_diff
from specpilot.pipeline.deliver.deploy_git import fetch_tip, git, remote_tip
from specpilot.pipeline.secrets.scan import ensure_no_secrets, scan_diff, secrets_message
from specpilot.pipeline.tiers.policy import load_policy

EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"  # git's well-known empty tree


def commit_block(repo: Path, base_commit: str, diff_text: str) -> str | None:
    """Why the diff may not be committed (its secrets, by file:line and rule), or ``None``."""
    allowlist = load_policy(repo, ref=base_commit).secrets_allowlist
    findings = scan_diff(diff_text, allowlist=allowlist)
    return f"the secret gate refused the commit. {secrets_message(findings)}" if findings else None


def ensure_push_is_clean(
    repo: Path, remote: str, sha: str, base: str, *, allowlist: Sequence[str] = ()
) -> None:
    """Raise :class:`SecretsFound` when pushing ``sha`` to ``remote`` would add a secret to it."""
    ensure_no_secrets(parse_diff(final_diff(repo, remote, sha, base)), allowlist=allowlist)


def ensure_text_is_clean(label: str, text: str, *, allowlist: Sequence[str] = ()) -> None:
    """Raise :class:`SecretsFound` when ``text`` that leaves the machine (a PR description:
    the model's plan, the output of the agent's tests) holds a secret; ``label`` names it."""
    lines = tuple(DiffLine(number=i, text=t) for i, t in enumerate(text.split("\n"), start=1))
    page = FileDiff(path=label, old_path=None, status="added", added=len(lines), added_lines=lines)
    ensure_no_secrets(Patch(files=(page,)), allowlist=allowlist)


def final_diff(repo: Path, remote: str, sha: str, base: str) -> str:
    """What the remote lacks of ``sha``: its diff from the remote's merge base on ``base``."""
    start = EMPTY_TREE
    # the push destination decides what is new to it (a remote may fetch from elsewhere)
    where = _git(repo, "remote", "get-url", "--push", remote, check=False).strip() or remote
    if remote_tip(repo, where, base) is not None:
        tip = fetch_tip(repo, where, base)
        merge_base = _git(repo, "merge-base", tip, sha, check=False)
        if merge_base:
            start = merge_base.strip()
    # raw content only: no colour, external diff tool, textconv or prefix settings of the user
    return _git(
        repo, "diff", "--binary", "--no-color", "--no-ext-diff", "--no-textconv", "-M",
        "--src-prefix=a/", "--dst-prefix=b/", start, sha,
    )  # fmt: skip


def _git(repo: Path, *args: str, check: bool = True) -> str:
    """Through deploy's git (the fixed environment); stdout keeps any byte sequence, so a file
    that is not UTF-8 is still scanned. Unchecked: "" when git fails."""
    done = git(repo, *args, check=check)
    return done.stdout if done.returncode == 0 else ""
