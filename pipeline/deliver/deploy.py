"""Deliver a change as its :class:`TierDecision` says: suggestion, PR, or merge.

- ``blocked``: only a report (``report.md``) is written.
- ``suggest``: ``change.patch`` and ``report.md`` in ``out_dir``; nothing is written to any
  branch, ref or remote of the repo.
- ``pr``: the change is committed on ``base`` off to the side, pushed to ``branch`` (never
  forced), and a PR is opened through the GitHub API (with labels), or for a plain git remote
  the pushed branch plus a PR description file (``pr.md``). A repository without the remote
  keeps the run's tested branch; the result names it and how to push it (``pushed: false``).
- ``merge`` (tier 1): the change is merged onto the *current* tip of the remote's ``base`` in a
  temporary worktree and ``run_tests`` re-runs the tests there. Green → a plain remote gets a
  fast-forward push of ``base`` (rejected, not forced, if it moved meanwhile); GitHub gets a PR
  that is merged through the API once its checks are green (none configured is not green unless
  ``merge.require_checks = false``). A conflict, red tests, missing checks or a moved target
  fall back to a PR (or a suggestion, per ``merge.fallback``) and say why.

The added lines are scanned for secrets before anything is committed or written, and the final
diff against the remote's base again right before each push (:class:`SecretsFound`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from specpilot.pipeline.core.diffparse import Patch, parse_diff
from specpilot.pipeline.core.errors import DeployError
from specpilot.pipeline.deliver.deploy_git import (
    commit_diff,
    fetch_tip,
    git,
    merge_in_worktree,
    push,
    remote_tip,
    require_remote,
    rev,
    temp_worktree,
)
from specpilot.pipeline.deliver.deploy_result import DeployResult, RunTests
from specpilot.pipeline.deliver.deploy_text import (
    PATCH_FILE,
    PR_FILE,
    REPORT_FILE,
    ChangeText,
    pr_body,
    pr_file,
    report,
    write_text,
)
from specpilot.pipeline.deliver.github import GitHubClient
from specpilot.pipeline.deliver.secret_gate import ensure_push_is_clean, ensure_text_is_clean
from specpilot.pipeline.secrets.scan import ensure_no_secrets
from specpilot.pipeline.tiers.policy import Policy
from specpilot.pipeline.tiers.tiering import Action, TierDecision

logger = logging.getLogger(__name__)


def deploy(
    decision: TierDecision,
    *,
    repo: Path,
    diff_text: str,
    branch: str,
    base: str,
    out_dir: Path,
    policy: Policy,
    title: str,
    plan: str = "",
    test_summary: str = "",
    tests_passed: bool | None = None,
    run_tests: RunTests | None = None,
    remote: str | None = "origin",
    github: GitHubClient | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    draft: bool = False,
    extra_labels: tuple[str, ...] = (),
) -> DeployResult:
    """Carry out ``decision`` for the change ``diff_text`` (made against ``base`` of ``repo``)."""
    patch = parse_diff(diff_text)
    text = ChangeText(title=title, plan=plan, test_summary=test_summary, tests_passed=tests_passed)
    d = _Deploy(decision, repo, diff_text, patch, branch, base, out_dir, policy, text)
    d.run_tests, d.remote, d.github, d.sleep, d.clock = run_tests, remote, github, sleep, clock
    d.draft, d.extra_labels = draft, extra_labels
    if decision.action == "blocked":
        return d.blocked()
    ensure_no_secrets(patch, allowlist=policy.secrets_allowlist)
    if decision.action == "suggest" or decision.mode == "suggest":
        return d.suggest()
    commit = commit_diff(repo, rev(repo, base), diff_text, f"{title}\n\n{_trailer(decision)}")
    if decision.action == "pr":
        return d.open_pr(commit)
    if tests_passed is False:
        return d.fall_back(commit, "the change's tests failed; tier 1 merges only on green tests")
    return d.merge(commit)


def _trailer(decision: TierDecision) -> str:
    return f"Specpilot-Tier: {decision.tier} ({decision.change_kind})"


@dataclass(slots=True)
class _Deploy:
    decision: TierDecision
    repo: Path
    diff_text: str
    patch: Patch
    branch: str
    base: str
    out_dir: Path
    policy: Policy
    text: ChangeText
    run_tests: RunTests | None = None
    remote: str | None = "origin"
    github: GitHubClient | None = None
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    notes: list[str] = field(default_factory=list)
    draft: bool = False  # an escalation opens a draft PR whatever the policy says
    extra_labels: tuple[str, ...] = ()

    def result(self, action: Action, **kw: Any) -> DeployResult:
        d = self.decision
        return DeployResult(
            action=action,
            requested=d.action,
            tier=d.tier,
            mode=d.mode,
            base=self.base,
            notes=tuple(self.notes),
            **kw,
        )

    def ensure_clean(self, remote: str, sha: str) -> None:
        """The secret gate on the final diff: what pushing ``sha`` adds to the remote."""
        allowlist = self.policy.secrets_allowlist
        ensure_push_is_clean(self.repo, remote, sha, self.base, allowlist=allowlist)

    # -- outcomes ------------------------------------------------------------------------
    def blocked(self) -> DeployResult:
        outcome = "blocked by the policy; nothing was committed, pushed or merged"
        body = report(self.text, self.decision, self.patch, outcome=outcome, notes=self.notes)
        path = write_text(self.out_dir, REPORT_FILE, body)
        return self.result("blocked", report_path=str(path))

    def suggest(self, reason: str | None = None) -> DeployResult:
        if reason:
            self.notes.append(f"Fell back to a suggestion: {reason}.")
        patch_path = write_text(self.out_dir, PATCH_FILE, self.diff_text)
        outcome = f"suggestion only; apply with `git apply {PATCH_FILE}`"
        body = report(self.text, self.decision, self.patch, outcome=outcome, notes=self.notes)
        report_path = write_text(self.out_dir, REPORT_FILE, body)
        return self.result(
            "suggest",
            patch_path=str(patch_path),
            report_path=str(report_path),
            fallback_reason=reason,
        )

    def open_pr(
        self, commit: str, reason: str | None = None, *, red: bool = False, **kw: Any
    ) -> DeployResult:
        """Push ``commit`` to the branch and open a PR (GitHub) or write ``pr.md``."""
        remote = self._remote()
        if remote is None:
            return self.kept_locally(commit, reason)
        if reason:
            self.notes.append(f"Opened a PR instead of merging: {reason}.")
        body = pr_body(self.text, self.decision, self.patch, self.notes)
        if self.github is not None:  # the description (plan, test output) goes to GitHub too
            allowlist = self.policy.secrets_allowlist
            ensure_text_is_clean(
                "PR description", f"{self.text.title}\n{body}", allowlist=allowlist
            )
        self.ensure_clean(remote, commit)
        refused = push(self.repo, remote, commit, self.branch)
        if refused and remote_tip(self.repo, remote, self.branch) != commit:
            raise DeployError(
                f"Cannot push branch {self.branch!r} to {remote!r} without force ({refused}); "
                "it exists with other commits: choose a new branch name."
            )
        labels = (*self.policy.pr.labels, *self.extra_labels)
        if self.policy.pr.tier_label:
            labels = (*labels, f"specpilot:tier-{self.decision.tier}")
        draft = self.draft or (
            self.policy.pr.draft_when_red and (red or self.text.tests_passed is False)
        )
        common = dict(
            branch=self.branch, commit_sha=commit, pushed=True, fallback_reason=reason, **kw
        )
        outcome = f"branch `{self.branch}` pushed to `{remote}` for review"
        rep = report(self.text, self.decision, self.patch, outcome=outcome, notes=self.notes)
        report_path = str(write_text(self.out_dir, REPORT_FILE, rep))
        if self.github is None:
            desc = write_text(
                self.out_dir, PR_FILE, pr_file(self.text.title, self.branch, self.base, body)
            )
            return self.result(
                "pr", pr_description_path=str(desc), report_path=report_path, **common
            )
        pr = self.github.create_pull(
            title=self.text.title, head=self.branch, base=self.base, body=body, draft=draft
        )
        self.github.add_labels(pr.number, labels)
        logger.info("opened PR #%d (%s)", pr.number, pr.url)
        return self.result(
            "pr",
            pr_number=pr.number,
            pr_url=pr.url,
            labels=labels,
            report_path=report_path,
            **common,
        )

    def _remote(self) -> str | None:
        """The configured remote when the repository has it; None when there is none."""
        remotes = git(self.repo, "remote").stdout.split()
        return self.remote if self.remote is not None and self.remote in remotes else None

    def kept_locally(self, commit: str, reason: str | None = None) -> DeployResult:
        """No remote to push to: the tested branch stays in the repository, and the result
        says where it is and how to push it (nothing is pushed; not a failure)."""
        remotes = git(self.repo, "remote").stdout.split()
        why = (
            f"{self.remote!r} is not a git remote of {self.repo} "
            f"(remotes: {', '.join(remotes) or 'none'})"
        )
        done = git(self.repo, "rev-parse", "--verify", "--quiet", f"refs/heads/{self.branch}",
                   check=False)  # fmt: skip
        tip = done.stdout.strip() if done.returncode == 0 else ""
        if not tip:
            git(self.repo, "branch", self.branch, commit)
            tip = commit
        push_hint = f"git -C {self.repo} push <remote> {self.branch}"
        if reason:
            self.notes.append(f"Not merged: {reason}.")
        self.notes.append(
            f"Nothing was pushed: {why}. The branch {self.branch} is kept at {tip[:12]}; "
            f"push it with `{push_hint}` and open a PR from it."
        )
        logger.info("no remote to push %s to; the branch is kept", self.branch)
        body = pr_body(self.text, self.decision, self.patch, self.notes)
        desc = write_text(
            self.out_dir, PR_FILE, pr_file(self.text.title, self.branch, self.base, body)
        )
        outcome = f"branch `{self.branch}` kept in the repository (no remote to push to)"
        rep = report(self.text, self.decision, self.patch, outcome=outcome, notes=self.notes)
        return self.result(
            "pr",
            branch=self.branch,
            commit_sha=tip,
            pushed=False,
            pr_description_path=str(desc),
            report_path=str(write_text(self.out_dir, REPORT_FILE, rep)),
            fallback_reason=why,
        )

    def fall_back(self, commit: str, reason: str, *, red: bool = False, **kw: Any) -> DeployResult:
        logger.warning("not merging %s: %s", self.branch, reason)
        if self.policy.merge.fallback == "suggest":
            return self.suggest(reason)
        return self.open_pr(commit, reason, red=red, **kw)

    # -- tier 1 --------------------------------------------------------------------------
    def merge(self, commit: str) -> DeployResult:
        remote = self._remote()
        if remote is None:
            return self.kept_locally(commit, "there is no remote to merge into")
        target = fetch_tip(self.repo, remote, self.base)
        if target != rev(self.repo, self.base):
            self.notes.append(
                f"The target branch {self.base} moved to {target[:12]} since the change was "
                "made; the change was merged onto the new tip and tested there."
            )
        method = self.policy.merge.method
        message = f"Merge {self.branch}: {self.text.title}\n\n{_trailer(self.decision)}"
        with temp_worktree(self.repo, target) as wt:
            outcome = merge_in_worktree(wt, commit, method=method, message=message)
            tested = self.run_tests(wt) if outcome.ok and self.run_tests is not None else None
        if not outcome.ok:
            files = ", ".join(outcome.conflicts)
            reason = (
                f"merging into {self.base} at {target[:12]} conflicts in {files}; "
                "a conflicting change is never merged automatically"
            )
            return self.fall_back(commit, reason)
        if tested is None:
            return self.fall_back(
                commit, "no test runner was given, so the merge result could not be tested"
            )
        verdict: dict[str, Any] = {
            "merge_tests_passed": tested.passed,
            "merge_tests_summary": tested.summary,
        }
        if not tested.passed:
            reason = f"the tests failed on the merge result ({tested.summary.strip()[:200]})"
            return self.fall_back(commit, reason, red=True, **verdict)
        local = f"tests re-run on the merge result with {self.base} at {target[:12]}: passed"
        if self.github is not None:
            return self.merge_on_github(commit, target, local, verdict)
        merged = outcome.sha
        if merged is None:
            raise DeployError(f"git reported a merge of {commit[:12]} without a result commit.")
        self.ensure_clean(remote, merged)
        refused = push(self.repo, remote, merged, self.base)
        if refused:
            reason = f"{self.base} moved while the tests ran; the push was refused ({refused})"
            return self.fall_back(commit, reason, checks=local, **verdict)
        return self.result(
            "merge",
            commit_sha=commit,
            merge_sha=merged,
            pushed=True,
            checks=f"{local}; no remote CI was waited for (plain git remote)",
            report_path=self._merged_report(merged),
            **verdict,
        )

    def merge_on_github(
        self, commit: str, target: str, local: str, verdict: dict[str, Any]
    ) -> DeployResult:
        gh, m = self.github, self.policy.merge
        pr_result = self.open_pr(commit, None, **verdict)
        number = pr_result.pr_number
        if gh is None or number is None:
            raise DeployError("Merging through GitHub needs a GitHub client and an opened PR.")
        state = gh.wait_for_checks(
            commit,
            required=m.required_checks,
            timeout_s=m.checks_timeout_s,
            poll_s=m.poll_interval_s,
            appear_s=m.checks_appear_s,
            sleep=self.sleep,
            clock=self.clock,
        )
        checks = f"{local}; waited for GitHub checks on {commit[:12]}: {state.describe()}"
        if state.verdict == "none" and not m.require_checks:
            checks += " (merge.require_checks = false: the local test run is the only gate)"
        elif state.verdict != "green":
            why = {
                "none": "no status checks or check runs are configured or reported for the PR "
                "head, and no checks is not green",
                "red": "GitHub checks failed",
                "pending": "GitHub checks did not finish in time",
            }[state.verdict]
            return self._left_open(pr_result, why, checks)
        if remote_tip(self.repo, require_remote(self.repo, self.remote), self.base) != target:
            return self._left_open(pr_result, f"{self.base} moved while waiting for checks", checks)
        for _ in range(10):
            pull = gh.get_pull(number)
            if pull.mergeable is not None:
                break
            self.sleep(m.poll_interval_s)
        if pull.mergeable is not True:
            return self._left_open(pr_result, "GitHub does not report the PR as mergeable", checks)
        try:
            sha = gh.merge_pull(number, sha=commit, method=m.method, title=self.text.title)
        except DeployError as err:
            return self._left_open(pr_result, f"GitHub refused the merge: {err}", checks)
        update: dict[str, Any] = {"action": "merge", "merge_sha": sha, "checks": checks}
        update |= {"notes": tuple(self.notes), "report_path": self._merged_report(sha)}
        return pr_result.model_copy(update=update)

    def _left_open(self, pr_result: DeployResult, why: str, checks: str) -> DeployResult:
        logger.warning("PR #%s left open: %s", pr_result.pr_number, why)
        self.notes.append(f"The PR is left open for a human: {why}.")
        return pr_result.model_copy(
            update={"fallback_reason": why, "checks": checks, "notes": tuple(self.notes)}
        )

    def _merged_report(self, merge_sha: str) -> str:
        outcome = f"merged into `{self.base}` as {merge_sha[:12]}"
        body = report(self.text, self.decision, self.patch, outcome=outcome, notes=self.notes)
        return str(write_text(self.out_dir, REPORT_FILE, body))
