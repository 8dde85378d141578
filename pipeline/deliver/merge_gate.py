"""The merge gate: a person approves a change after its tier decision, before anything is
pushed (a PR opened or a merge made). See ``pipeline/run/gates.py`` for gates in general.

A rejection or an unanswerable gate ends the delivery there: the run's record says
``rejected`` (with who, when and why) or ``awaiting_approval`` (with how to continue), and
its commit stays on the local branch, unpushed.
"""

from __future__ import annotations

from pathlib import Path

from specpilot.pipeline.run.end import rewrite_record
from specpilot.pipeline.run.gates import AwaitingApproval, GateDecision, GateKeeper
from specpilot.pipeline.run.plan import render_plan
from specpilot.pipeline.run.record import RunRecord
from specpilot.pipeline.tiers.tiering import TierDecision


def merge_summary(record: RunRecord, decision: TierDecision) -> str:
    """What the person decides on: the action, the tier's reasons, the plan, the files."""
    action = "merge it" if decision.action == "merge" else "open a PR"
    plan = f"## The plan\n\n{render_plan(record.plan)}\n\n" if record.plan else ""
    files = "".join(f"- `{p}` ({decision.kinds.get(p, '?')})\n" for p in record.files_changed)
    return (
        f"# {record.spec_title}\n\nApprove to **{action}** (branch `{record.branch}`, "
        f"commit `{(record.commit or '')[:12]}`).\n\n{decision.rationale()}\n\n{plan}"
        f"## Files ({decision.lines_added}+ / {decision.lines_removed}-)\n\n{files}\n"
        f"The diff: {Path(record.run_dir) / 'changes.patch'}\n"
    )


def pass_merge_gate(
    record: RunRecord, decision: TierDecision, gates: GateKeeper | None
) -> tuple[RunRecord, bool]:
    """``(record, go)``: go is False when the gate stopped the delivery; the record (and the
    run directory's record.json and report.md) then says why."""
    plan_ok = any(d.gate == "plan" and d.approved for d in record.gate_decisions)
    if gates is None or not gates.merge_required(
        record.mode, decision.tier, decision.action, plan_approved=plan_ok
    ):
        return record, True
    try:
        answer = gates.ask("merge", merge_summary(record, decision), run_id=record.run_id)
    except AwaitingApproval as exc:
        return _rewrite(record, {"status": "awaiting_approval", "stop_reason": str(exc)}), False
    decided = _rewrite(record, {"gate_decisions": (*record.gate_decisions, answer)})
    if answer.approved:
        return decided, True
    return _rewrite(decided, {"status": "rejected", "stop_reason": answer.line()}), False


def _rewrite(record: RunRecord, update: dict[str, object]) -> RunRecord:
    return rewrite_record(record.model_copy(update=update))


__all__ = ["GateDecision", "merge_summary", "pass_merge_gate"]
