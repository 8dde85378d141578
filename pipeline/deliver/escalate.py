"""Escalation: a run that cannot finish hands over to a human instead of failing quietly.

A run escalates when it ends without a deliverable change for any reason (``stopped``: the
tests still fail after the repair rounds, the budget ran out, the model gave up; or any other
ending a caller passes as ``reason``, e.g. a rejected gate), unless ``pipeline.escalate`` is off.

- In ``pr``/``auto`` mode, with a diff, the change goes through the same gates as any push:
  the policy of the base commit, the rate limits from the verified audit log and the secret
  scan (``deliver.tier``). Only when that decision allows a PR (tier 1 or 2, not blocked, no
  limit hit) is the branch pushed as a **draft PR labelled ``needs-human``** whose body holds
  the escalation report. ``deploy`` re-runs the secret gate on the final diff and the PR text.
- Otherwise (suggest mode, nothing changed, blocked, limited, no remote) nothing is pushed.

In every case ``<run dir>/ESCALATED.md`` holds the report (what was tried, the failing tests
with their output tail, the plan steps not delivered), and ``tell`` — an optional "where to
tell" seam, e.g. :func:`issue_teller` for a spec that came from a GitHub issue — receives it,
in suggest mode too: suggest mode writes nothing to the repository, but a run of an issue
answers on the issue whatever its mode (the issue asked for it).
The run's record is rewritten with status ``escalated`` and ``report.md`` gets the report.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from specpilot.pipeline.core.config import PipelineConfig
from specpilot.pipeline.core.errors import PipelineError
from specpilot.pipeline.deliver.audit_entry import summarize_tests
from specpilot.pipeline.deliver.deploy import deploy
from specpilot.pipeline.deliver.deploy_result import DeployResult
from specpilot.pipeline.deliver.github import GitHubClient
from specpilot.pipeline.run.end import rewrite_record
from specpilot.pipeline.run.record import RunRecord
from specpilot.pipeline.run.spec import Spec
from specpilot.pipeline.tiers.policy import load_policy
from specpilot.pipeline.tiers.tiering import TierDecision

log = logging.getLogger(__name__)

ESCALATED_FILE = "ESCALATED.md"
NEEDS_HUMAN = "needs-human"
OUTPUT_TAIL_LINES = 40
# ``tell(report_markdown)`` tells a human where the spec came from; returns where, or None
Tell = Callable[[str], str | None]


@dataclass(frozen=True, slots=True)
class Escalation:
    """What an escalation did: the record (status ``escalated``), decision, push, where told."""

    record: RunRecord
    decision: TierDecision | None
    result: DeployResult | None
    error: str | None
    report_path: Path
    told: str | None


def should_escalate(record: RunRecord, config: PipelineConfig) -> bool:
    """A run that ended without a change to deliver, and escalation is on. A crashed or
    tampered run (status ``error``) is not handed over as work to review."""
    return config.escalate and record.status == "stopped" and record.tampered is None


def escalate(
    record: RunRecord,
    spec: Spec,
    *,
    config: PipelineConfig,
    diff_text: str,
    decide: Callable[[], TierDecision],
    base: Callable[[], str],
    reason: str | None = None,
    remote: str | None = "origin",
    github: GitHubClient | None = None,
    tell: Tell | None = None,
) -> Escalation:
    """Hand the run over (see the module docstring); errors end up in ``error``, not raised.

    ``decide`` is the same gate a normal delivery goes through (``deliver.tier``: policy of
    the base commit, verified rate limits, secret scan); ``base`` names the PR's base branch.
    """
    reason = reason or record.stop_reason or "the run could not finish"
    text = escalation_report(record, reason)
    decision: TierDecision | None = None
    result: DeployResult | None = None
    error: str | None = None
    notes: list[str] = []
    if record.mode == "suggest":
        notes.append("Nothing was pushed: suggest mode writes nothing to the repository.")
    elif not diff_text.strip():
        notes.append("Nothing was pushed: the run left no change.")
    else:
        try:
            decision = decide()
            refusal = _refusal(decision)
            if refusal:
                notes.append(f"Nothing was pushed: {refusal}.")
            else:
                result = _push_draft(
                    record, spec, decision, text, diff_text, base(), config, remote, github
                )
                if result.pr_url:
                    notes.append(f"Draft PR: {result.pr_url}")
                elif result.pushed:
                    notes.append(f"Branch `{result.branch}` pushed (no GitHub API to open a PR).")
                else:
                    notes.append(f"Nothing was pushed: {result.fallback_reason}.")
        except PipelineError as exc:
            error = f"{type(exc).__name__}: {exc}"
            notes.append(f"Nothing was pushed: {error}")
    body = text + "\n## Hand-over\n\n" + "".join(f"- {n}\n" for n in notes)
    told = None
    if tell is not None:  # a run of an issue answers on it, suggest mode included
        try:
            told = tell(body)
        except PipelineError as exc:
            body += f"- Could not tell the spec's source: {exc}\n"
    if told:
        body += f"- Told: {told}\n"
    run_dir = Path(record.run_dir)
    report_path = run_dir / ESCALATED_FILE
    report_path.write_text(body, encoding="utf-8")
    escalated = record.model_copy(update={"status": "escalated", "stop_reason": reason})
    artifacts = {**escalated.artifacts, "escalation": ESCALATED_FILE}
    escalated = escalated.model_copy(update={"artifacts": artifacts})
    rewrite_record(escalated, report_tail=body)
    log.info("run %s escalated: %s", record.run_id, reason)
    return Escalation(escalated, decision, result, error, report_path, told)


def issue_teller(github: GitHubClient, number: int) -> Tell:
    """A ``tell`` that comments the escalation report on GitHub issue ``number``."""

    def tell(body: str) -> str:
        github.comment_on_issue(number, body)
        return f"comment on {github.repo}#{number}"

    return tell


def escalation_report(record: RunRecord, reason: str) -> str:
    """The hand-over text: why, what was tried, the failing tests, the plan not delivered."""
    lines = [f"# Escalated: {record.spec_title}", "", f"**Why:** {reason}", ""]
    lines += ["## What was tried", ""]
    lines.append(
        f"- {len(record.test_reports)} test run(s), {record.repair_rounds} repair round(s), "
        f"{record.model_calls} model call(s), {record.tool_steps} tool step(s)"
    )
    if record.files_changed:
        lines.append(f"- files changed: {', '.join(record.files_changed)}")
    lines.append(f"- run directory: {record.run_dir}")
    last = record.test_reports[-1] if record.test_reports else None
    if last is not None:
        lines += ["", "## Failing tests", "", f"- {summarize_tests(last)}"]
        lines += [f"- {case.name}" for case in last.failed_cases[:20]]
        tail = "\n".join(last.output.splitlines()[-OUTPUT_TAIL_LINES:])
        lines += ["", "Output (tail):", "", "```text", tail.replace("```", "'''"), "```"]
    steps = record.plan.steps if record.plan else ()
    if steps:
        lines += ["", "## Remaining plan (not delivered green)", ""]
        lines += [f"{i}. {step}" for i, step in enumerate(steps, 1)]
    return "\n".join(lines) + "\n"


def _refusal(decision: TierDecision) -> str | None:
    """Why the gates refuse a push (blocked, a rate limit, a suggest-only tier), or None."""
    if decision.action == "blocked":
        why = "; ".join(r.message for r in decision.reasons if r.blocked)
        return f"the policy blocks this change ({why})"
    if decision.action not in ("pr", "merge"):
        why = "; ".join(r.message for r in decision.reasons if r.tier == 3) or "tier 3"
        return f"the change may only be suggested ({why})"
    return None


def _push_draft(
    record: RunRecord,
    spec: Spec,
    decision: TierDecision,
    text: str,
    diff_text: str,
    base: str,
    config: PipelineConfig,
    remote: str | None,
    github: GitHubClient | None,
) -> DeployResult:
    """Push as a draft PR labelled needs-human — through ``deploy``, with its secret gate."""
    repo = Path(record.repo).resolve()
    as_pr = decision.model_copy(update={"action": "pr"}) if decision.action == "merge" else decision
    return deploy(
        as_pr,
        repo=repo,
        diff_text=diff_text,
        branch=record.branch or config.branch_prefix + spec.slug,
        base=base,
        out_dir=Path(record.run_dir) / "deploy",
        policy=load_policy(repo, ref=record.base_commit),
        title=f"[needs-human] {spec.title}",
        plan="",
        test_summary=text,
        tests_passed=False,
        remote=remote,
        github=github,
        draft=True,
        extra_labels=(NEEDS_HUMAN,),
    )
