"""The end of a delivery: the audit record, ``<run dir>/delivery.json`` and the
:class:`Delivery` that says how the run ended (``conclude``); ``deliver.py`` tiers and ships
before it."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from specpilot.pipeline.audit.key import AuditKey
from specpilot.pipeline.audit.log import append
from specpilot.pipeline.core.errors import AuditError, PipelineError
from specpilot.pipeline.deliver.audit_entry import (
    Outcome,
    audit_entry,
    delivery_message,
)
from specpilot.pipeline.deliver.deploy_result import DeployResult
from specpilot.pipeline.run.gates import GateDecision
from specpilot.pipeline.run.record import RunMode, RunRecord, RunStatus
from specpilot.pipeline.run.spec import Spec
from specpilot.pipeline.tiers.tiering import TierDecision
from specpilot.pipeline.workspace.worktree import Worktree, remove_worktree

log = logging.getLogger(__name__)

DELIVERY_FILE = "delivery.json"
AUDIT_ENTRY_FILE = "audit_entry.json"  # the entry a broken audit log could not take
_ACTION_OUTCOME: dict[str, Outcome] = {
    "merge": "merged",
    "pr": "pr",
    "suggest": "suggested",
    "blocked": "blocked",
}


class Delivery(BaseModel):
    """How a run ended after tiering and deploy (``<run dir>/delivery.json``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[1] = 1
    run_id: str
    outcome: Outcome
    message: str  # one sentence: what happened, and where to look
    mode: RunMode
    run_status: RunStatus
    stop_reason: str | None = None
    run_dir: str
    record_path: str
    decision: TierDecision | None = None
    deploy: DeployResult | None = None
    error: str | None = None
    audit_log: str
    audit_seq: int | None = None
    audit_hash: str | None = None
    audit_error: str | None = None
    gates: tuple[GateDecision, ...] = ()  # what people decided at the run's gates

    @property
    def ok(self) -> bool:
        """The run did what its outcome says (merged, PR, suggestion or a policy block)."""
        bad = ("stopped", "escalated", "failed", "rejected", "awaiting_approval")
        return self.outcome not in bad and self.audit_error is None


def conclude(
    record: RunRecord,
    spec: Spec,
    *,
    decision: TierDecision | None,
    result: DeployResult | None,
    error: str | None,
    audit_log: Path,
    audit_key: AuditKey,
    actor: str,
    trigger: str = "cli",
    spec_text: str | None = None,
    now: datetime | None = None,
) -> Delivery:
    """Append the audit record, write ``delivery.json`` and return the Delivery.

    A log that fails verification takes no record: ``audit_error`` says why, and the entry is
    kept in ``<run dir>/audit_entry.json`` so it can be recorded once the log is restored.
    """
    repo = Path(record.repo).resolve()
    run_dir = Path(record.run_dir)
    outcome: Outcome
    if record.status in ("escalated", "rejected", "awaiting_approval"):
        outcome = record.status
    elif error is not None or record.status == "error":
        outcome = "failed"
    elif record.status == "stopped":
        outcome = "stopped"
    elif result is not None:
        outcome = _ACTION_OUTCOME[result.action]
    else:
        outcome = "suggested"  # a plan-only suggestion (no model, or nothing changed)
    if result is not None and result.pushed and record.worktree:
        _remove_run_worktree(record, repo)
    entry = audit_entry(
        record, spec, spec_text, str(repo), actor, trigger, decision, result, error, outcome
    )
    seq = digest = audit_error = None
    try:
        audited = append(audit_log, entry, key=audit_key, now=now)
        seq, digest = audited.seq, audited.hash
    except AuditError as exc:
        kept = run_dir / AUDIT_ENTRY_FILE
        kept.write_text(entry.model_dump_json(indent=2) + "\n", encoding="utf-8")
        audit_error = f"{exc} The run's entry is kept in {kept}."
        log.error("run %s was not audited: %s", record.run_id, exc)
    delivery = Delivery(
        run_id=record.run_id,
        outcome=outcome,
        message=delivery_message(outcome, record, decision, result, error),
        mode=record.mode,
        run_status=record.status,
        stop_reason=record.stop_reason,
        run_dir=str(run_dir),
        record_path=str(run_dir / "record.json"),
        decision=decision,
        deploy=result,
        error=error,
        audit_log=str(audit_log),
        audit_seq=seq,
        audit_hash=digest,
        audit_error=audit_error,
        gates=record.gate_decisions,
    )
    (run_dir / DELIVERY_FILE).write_text(delivery.model_dump_json(indent=2) + "\n")
    return delivery


def _remove_run_worktree(record: RunRecord, repo: Path) -> None:
    """The change is pushed: the run's worktree is no longer needed (its branch stays)."""
    wt = Worktree(
        repo=repo,
        path=Path(record.worktree or ""),
        branch=record.branch,
        base_ref=record.base_ref or "HEAD",
        base_commit=record.base_commit or "",
    )
    try:
        remove_worktree(wt, delete_branch=False)
    except (PipelineError, OSError) as exc:
        log.warning("could not remove the run's worktree %s: %s", wt.path, exc)
