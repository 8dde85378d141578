"""After ``run_spec``: policy → limits → secrets → tier → deploy → audit, as one function.

``deliver`` takes a finished run (its ``RunRecord`` and run directory) and:

1. loads the policy from the run's **base commit** (a change cannot loosen its own policy);
2. counts the rate limits from the audit log, which must verify under the audit key (not in
   ``suggest`` mode, which writes nothing): a tampered log fails the run before anything ships;
3. scans the diff's added lines for secrets;
4. ``decide``s the tier (the spec's risk hint, the mode's cap, red tests, limits);
5. ``deploy``s as the tier says (suggestion / PR / tier-1 merge with the tests re-run on the
   merge result by the sandboxed test runner) into ``<run dir>/deploy/``;
6. appends one audit record (who asked, the spec's hash, model and tool-call summary, test
   results, decision, deploy result, cost) — for every run, also stopped or failed ones; when
   the log fails verification nothing is chained onto it: the run says so (``audit_error``)
   and keeps the entry in ``<run dir>/audit_entry.json``;
7. writes ``<run dir>/delivery.json`` and returns the :class:`Delivery`.

A run without a diff (stopped, or a plan-only suggestion) skips steps 1 to 5. Errors of the policy,
the deploy or git make the outcome ``failed`` with the reason; they are not raised.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from specpilot.pipeline.audit.key import AuditKey
from specpilot.pipeline.audit.log import read_verified
from specpilot.pipeline.core.config import DepsConfig, PipelineConfig
from specpilot.pipeline.core.diffparse import parse_diff
from specpilot.pipeline.core.errors import PipelineError
from specpilot.pipeline.deliver.audit_entry import (
    summarize_tests,
)
from specpilot.pipeline.deliver.conclude import (
    Delivery,
    conclude,
)
from specpilot.pipeline.deliver.deploy import deploy
from specpilot.pipeline.deliver.deploy_git import git as deploy_git
from specpilot.pipeline.deliver.deploy_result import DeployResult, RunTests, TestOutcome
from specpilot.pipeline.deliver.escalate import Escalation, Tell, escalate, should_escalate
from specpilot.pipeline.deliver.github import GitHubClient
from specpilot.pipeline.deliver.limits import check_limits, open_pr_checker
from specpilot.pipeline.deliver.merge_gate import pass_merge_gate
from specpilot.pipeline.deps.registry import PackageIndex
from specpilot.pipeline.run.gates import GateKeeper
from specpilot.pipeline.run.plan import render_plan
from specpilot.pipeline.run.record import RunRecord
from specpilot.pipeline.run.spec import Spec
from specpilot.pipeline.secrets.scan import scan_patch
from specpilot.pipeline.tiers.base_tree import GitTree
from specpilot.pipeline.tiers.earned import earned_status
from specpilot.pipeline.tiers.policy import Policy, load_policy
from specpilot.pipeline.tiers.tiering import TierDecision, decide
from specpilot.pipeline.workspace.test_runner import resolve_test_command, run_tests

log = logging.getLogger(__name__)

DEPLOY_DIR = "deploy"


def deliver_change(
    record: RunRecord,
    spec: Spec,
    *,
    config: PipelineConfig,
    audit_log: Path,
    audit_key: AuditKey,
    actor: str,
    trigger: str = "cli",
    spec_text: str | None = None,
    remote: str | None = "origin",
    github: GitHubClient | None = None,
    now: datetime | None = None,
    tell: Tell | None = None,
    gates: GateKeeper | None = None,
) -> Delivery:
    """Tier and deploy the change of ``record``, audit it, and return the :class:`Delivery`.

    A run that could not finish is escalated (``pipeline.deliver.escalate``) unless
    ``pipeline.escalate`` is off; ``tell`` is where its report also goes (e.g. an issue).
    ``gates``: the merge gate is asked after the tier decision, before anything is pushed."""
    decision: TierDecision | None = None
    result: DeployResult | None = None
    error: str | None = None
    if has_change(record):
        try:
            decision = tier(
                record,
                spec,
                audit_log=audit_log,
                audit_key=audit_key,
                remote=remote,
                github=github,
                now=now,
                deps=config.deps,
            )
            record, go = pass_merge_gate(record, decision, gates)
            if go:
                result = ship(record, spec, decision, config=config, remote=remote, github=github)
        except PipelineError as exc:
            error = f"{type(exc).__name__}: {exc}"
            log.info("deploy of run %s failed: %s", record.run_id, exc)  # in the Delivery
    elif should_escalate(record, config):
        esc = escalate_run(
            record, spec, config=config, audit_log=audit_log, audit_key=audit_key,
            remote=remote, github=github, now=now, tell=tell,
        )  # fmt: skip
        record, decision, result, error = esc.record, esc.decision, esc.result, esc.error
    return conclude(
        record,
        spec,
        decision=decision,
        result=result,
        error=error,
        audit_log=audit_log,
        audit_key=audit_key,
        actor=actor,
        trigger=trigger,
        spec_text=spec_text,
        now=now,
    )


def escalate_run(
    record: RunRecord,
    spec: Spec,
    *,
    config: PipelineConfig,
    audit_log: Path,
    audit_key: AuditKey,
    remote: str | None = "origin",
    github: GitHubClient | None = None,
    now: datetime | None = None,
    tell: Tell | None = None,
) -> Escalation:
    """Hand a stopped run over (``pipeline.deliver.escalate``) through the same gates as a
    delivery (``tier``); the caller checks ``should_escalate`` first and ``conclude``s after.
    Written once for ``deliver_change`` and the spec-to-pr flow's ``escalate`` task."""
    repo = Path(record.repo).resolve()
    return escalate(
        record, spec, config=config, diff_text=change_text(record),
        decide=lambda: tier(record, spec, audit_log=audit_log, audit_key=audit_key,
                            remote=remote, github=github, now=now, deps=config.deps),
        base=lambda: _base_branch(repo, record), remote=remote, github=github, tell=tell,
    )  # fmt: skip


def change_text(record: RunRecord) -> str:
    """The run's diff (``changes.patch``), or "" when it made none."""
    patch_file = Path(record.run_dir) / "changes.patch"
    if not patch_file.is_file():
        return ""
    # bytes as written: universal newlines would turn a carriage return inside a line into a
    # line break, and the diff tiered and applied would not be the one git produced
    return patch_file.read_bytes().decode("utf-8", errors="surrogateescape")


def has_change(record: RunRecord) -> bool:
    """A finished (not stopped) run with a diff: something to tier and deploy."""
    return record.status not in ("stopped", "error") and bool(change_text(record).strip())


def tier(
    record: RunRecord,
    spec: Spec,
    *,
    audit_log: Path,
    audit_key: AuditKey,
    remote: str | None = "origin",
    github: GitHubClient | None = None,
    now: datetime | None = None,
    deps: DepsConfig | None = None,
) -> TierDecision:
    """The tier of the run's change: the policy of its base commit, the limits from the audit
    log (except in suggest mode; AuditError when it fails verification under ``audit_key``), a
    secrets scan, the spec's hint and the mode's cap. With ``deps`` (and its
    ``check_new_on_index``) each dependency the change adds is looked up on the index."""
    repo = Path(record.repo).resolve()
    policy = load_policy(repo, ref=record.base_commit)
    audit = (audit_log, audit_key)
    diff_text = change_text(record)
    if deps is None or not deps.check_new_on_index:
        return _decide(record, spec, diff_text, repo, policy, audit, remote, github, now, None)
    with PackageIndex(deps) as index:
        return _decide(record, spec, diff_text, repo, policy, audit, remote, github, now, index)


def ship(
    record: RunRecord,
    spec: Spec,
    decision: TierDecision,
    *,
    config: PipelineConfig,
    remote: str | None = "origin",
    github: GitHubClient | None = None,
) -> DeployResult:
    """Deploy the run's change as ``decision`` says (into ``<run dir>/deploy/``)."""
    repo = Path(record.repo).resolve()
    policy = load_policy(repo, ref=record.base_commit)
    diff_text = change_text(record)
    return _deploy(record, spec, diff_text, repo, config, policy, decision, remote, github)


def _decide(
    record: RunRecord,
    spec: Spec,
    diff_text: str,
    repo: Path,
    policy: Policy,
    audit: tuple[Path, AuditKey],
    remote: str | None,
    github: GitHubClient | None,
    now: datetime | None,
    packages: PackageIndex | None = None,
) -> TierDecision:
    patch = parse_diff(diff_text)
    limits = None
    if record.mode != "suggest":
        has_remote = remote is not None and remote in deploy_git(repo, "remote").stdout.split()
        checker = open_pr_checker(repo, remote, github) if has_remote and remote else None
        limits = check_limits(
            read_verified(*audit), policy.limits, repo=str(repo), now=now, is_open=checker
        )
    earned = None
    if policy.earned.rules():  # counted in every mode: a log that fails verification holds
        earned = earned_status(*audit, policy.earned, repo=str(repo), now=now)
    last = record.test_reports[-1] if record.test_reports else None
    return decide(
        patch,
        policy,
        spec_risk=spec.risk,
        mode=record.mode,
        secrets=scan_patch(patch, allowlist=policy.secrets_allowlist),
        tests_passed=last.passed if last else None,
        limits=limits,
        base=GitTree(repo, record.base_commit) if record.base_commit else None,
        packages=packages,
        earned=earned,
    )


def _deploy(
    record: RunRecord,
    spec: Spec,
    diff_text: str,
    repo: Path,
    config: PipelineConfig,
    policy: Policy,
    decision: TierDecision,
    remote: str | None,
    github: GitHubClient | None,
) -> DeployResult:
    run_dir = Path(record.run_dir)
    last = record.test_reports[-1] if record.test_reports else None
    return deploy(
        decision,
        repo=repo,
        diff_text=diff_text,
        branch=record.branch or config.branch_prefix + spec.slug,
        base=_base_branch(repo, record),
        out_dir=run_dir / DEPLOY_DIR,
        policy=policy,
        title=spec.title,
        plan=render_plan(record.plan) if record.plan else "",
        test_summary=summarize_tests(last) if last else "",
        tests_passed=last.passed if last else None,
        run_tests=merge_tester(spec, config, run_dir / "tests" / "merge"),
        remote=remote if record.mode != "suggest" else None,
        github=github,
    )


def _base_branch(repo: Path, record: RunRecord) -> str:
    """The branch a PR targets / a merge lands on: the spec's base, else the checked-out one."""
    base = record.base_ref or "HEAD"
    if base != "HEAD" or record.mode == "suggest":
        return base
    done = deploy_git(repo, "symbolic-ref", "--quiet", "--short", "HEAD", check=False)
    if done.returncode != 0:
        raise PipelineError(
            f"{repo} is on a detached HEAD, so there is no branch to open a PR against or merge "
            "into; set 'base' in the spec to a branch name."
        )
    return done.stdout.strip()


def merge_tester(spec: Spec, config: PipelineConfig, artifacts_dir: Path) -> RunTests:
    """Runs the repo's tests (sandboxed test runner) on a merge result for a tier-1 merge."""

    def run(where: Path) -> TestOutcome:
        command = resolve_test_command(where, spec.test_command, config)
        if command is None:
            return TestOutcome(False, "no test command was found for the merge result")
        report = run_tests(where, command, config=config, artifacts_dir=artifacts_dir)
        return TestOutcome(report.passed, summarize_tests(report))

    return run
