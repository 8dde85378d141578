"""What ``pipeline.deliver`` writes about a run: its audit entry, its one-sentence outcome, a
test-run summary line and the tool-call counts from the trace."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Literal

from specpilot.pipeline.audit.log import AuditEntry, sha256_text
from specpilot.pipeline.deliver.deploy_result import DeployResult
from specpilot.pipeline.run.record import RunRecord
from specpilot.pipeline.run.spec import Spec
from specpilot.pipeline.tiers.tiering import TierDecision
from specpilot.pipeline.workspace.test_runner import TestReport

Outcome = Literal[
    "merged", "pr", "suggested", "blocked", "stopped", "escalated", "failed", "rejected",
    "awaiting_approval",
]  # fmt: skip


def summarize_tests(report: TestReport) -> str:
    """One line: the command, the verdict and the counts."""
    verdict = "passed" if report.passed else ("timed out" if report.timed_out else "failed")
    counts = ""
    if report.tests is not None:
        counts = f": {report.tests} tests, {report.failures} failures, {report.errors} errors"
    return f"`{report.command}` {verdict}{counts} (exit {report.returncode})"


def tool_calls(run_dir: Path) -> dict[str, int]:
    """Tool name -> calls, from the run's ``trace.jsonl``."""
    trace = run_dir / "trace.jsonl"
    if not trace.is_file():
        return {}
    counts: Counter[str] = Counter()
    for line in trace.read_text(encoding="utf-8").splitlines():
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            continue
        if event.get("kind") == "tool_call" and event.get("tool"):
            counts[str(event["tool"])] += 1
    return dict(sorted(counts.items()))


def audit_entry(
    record: RunRecord,
    spec: Spec,
    spec_text: str | None,
    repo_id: str,
    actor: str,
    trigger: str,
    decision: TierDecision | None,
    result: DeployResult | None,
    error: str | None,
    outcome: Outcome,
) -> AuditEntry:
    last = record.test_reports[-1] if record.test_reports else None
    tests = None
    if last is not None:
        tests = {
            "passed": last.passed,
            "summary": summarize_tests(last),
            "runs": len(record.test_reports),
            "repair_rounds": record.repair_rounds,
            "network_isolated": last.network_isolated,
        }
        if record.diff_coverage is not None:  # the KPI report reads it from the log
            tests["diff_coverage"] = record.diff_coverage.model_dump(mode="json")
    notes = [f"outcome: {outcome}", f"status: {record.status}"]
    notes += [f"stop_reason: {record.stop_reason}"] if record.stop_reason else []
    notes += [f"error: {error}"] if error else []
    if spec.source_kind:  # where the spec came from: kind, path or URL, hash of what was read
        notes.append(f"spec_source: {spec.source_kind} {spec.source_ref} {spec.content_hash}")
    return AuditEntry(
        run_id=record.run_id,
        repo=repo_id,
        actor=actor,
        trigger=trigger,
        spec_path=spec.source,
        spec_hash=sha256_text(spec_text if spec_text is not None else spec.to_markdown()),
        model=record.model,
        tool_calls=tool_calls(Path(record.run_dir)),
        tokens_in=record.input_tokens + record.cache_read_tokens + record.cache_write_tokens,
        tokens_out=record.output_tokens,
        tests=tests,
        decision=decision.model_dump(mode="json") if decision else None,
        deploy=result.model_dump(mode="json") if result else None,
        cost_usd=record.cost_usd,
        notes=tuple(notes),
        gates=tuple(d.model_dump(mode="json") for d in record.gate_decisions),
    )


def delivery_message(
    outcome: Outcome,
    record: RunRecord,
    decision: TierDecision | None,
    result: DeployResult | None,
    error: str | None,
) -> str:
    if outcome == "failed":
        return f"The change could not be delivered: {error or record.stop_reason}"
    if outcome == "stopped":
        return f"The run stopped: {record.stop_reason}"
    if outcome == "rejected":
        return f"Rejected at a gate: {record.stop_reason}. Nothing was pushed."
    if outcome == "awaiting_approval":
        return f"Waiting for a person: {record.stop_reason}"
    if outcome == "escalated":
        where = result.pr_url if result is not None and result.pr_url else None
        where = where or str(Path(record.run_dir) / "ESCALATED.md")
        return f"Escalated to a human ({record.stop_reason}): {where}"
    fallback = f" ({result.fallback_reason})" if result and result.fallback_reason else ""
    if outcome == "merged" and result is not None:
        sha = (result.merge_sha or "")[:12]
        return f"Merged into {result.base} as {sha} (tier {result.tier}){fallback}."
    if outcome == "pr" and result is not None and not result.pushed:
        return (
            f"Branch {result.branch} is kept in the repository at {(result.commit_sha or '')[:12]}"
            f" (tier {result.tier}), not pushed: {result.fallback_reason}. Push it with "
            f"`git push <remote> {result.branch}` and open a PR from it."
        )
    if outcome == "pr" and result is not None:
        where = result.pr_url or f"PR description in {result.pr_description_path}"
        return f"Branch {result.branch} pushed for review (tier {result.tier}): {where}{fallback}."
    if outcome == "blocked" and decision is not None:
        why = "; ".join(r.message for r in decision.reasons if r.blocked)
        return f"Blocked by the policy: {why}."
    if result is not None and result.patch_path:
        return f"Suggestion only (tier {result.tier}): {result.patch_path}{fallback}."
    reason = record.stop_reason or "the run changed nothing"
    return f"Suggestion only: {reason} See {Path(record.run_dir) / 'report.md'}."
