"""Earned autonomy: count a change kind's measured record in one repository from the verified
audit log, and turn it into the ``earned.<kind>`` reason of the tier decision.

What counts, for the runs of the repository recorded in the last ``window_days``, whose tier
decision gave the change that one kind (a ``mixed`` change counts for no kind):

- **merged**: a tier-1 merge, or a PR a later ``pr_merged`` record says was merged with its
  head still the commit specpilot pushed (GitHub's ``head_sha`` in the fate record; an older
  fate record without it counts as merged, as nothing says it was changed);
- **merged_changed**: a PR merged after someone pushed more commits to it: not an unchanged
  merge, so it does not count as merged (nor as closed);
- **closed**: a PR closed unmerged;
- **open**: a PR without a fate yet (neither way). Escalation drafts (``needs-human``) and
  suggestions are not deliveries and count nowhere. Reverts are not in the audit log, so they
  are not counted.

The record is only counted from a log that verifies under the audit key: a log that fails
verification, or one that cannot be read, gives an :class:`EarnedStatus` with ``error`` and
the change is held at tier 2 (fails closed). Only records of ``repo`` are counted, so one
repository's policy cannot borrow another's record.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from specpilot.pipeline.audit.key import AuditKey
from specpilot.pipeline.audit.log import AuditRecord, read_verified
from specpilot.pipeline.core.errors import AuditError
from specpilot.pipeline.kpi.facts import FATE_EVENTS, outcome_of, when
from specpilot.pipeline.tiers.earned_policy import EarnedPolicy, EarnedRule
from specpilot.pipeline.tiers.rules import Reason


@dataclass(frozen=True, slots=True)
class KindRecord:
    """The measured record of one change kind in one repository."""

    kind: str
    merged: int = 0  # tier-1 merges + PRs merged unchanged
    merged_changed: int = 0  # PRs merged after more commits were pushed to them
    closed: int = 0  # PRs closed unmerged
    open: int = 0  # PRs without a fate yet
    runs: tuple[str, ...] = ()  # the run ids behind the counts, oldest first

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "merged": self.merged,
            "merged_changed": self.merged_changed,
            "closed": self.closed,
            "open": self.open,
            "runs": list(self.runs),
        }


@dataclass(frozen=True, slots=True)
class EarnedStatus:
    """The records the tier decision reads, or why none could be counted."""

    repo: str
    window_days: int
    since: datetime
    records: Mapping[str, KindRecord] = field(default_factory=dict)
    error: str | None = None  # the log could not be read or failed verification

    def record(self, kind: str) -> KindRecord:
        return self.records.get(kind, KindRecord(kind))


def count_records(
    records: Iterable[AuditRecord],
    policy: EarnedPolicy,
    *,
    repo: str,
    now: datetime | None = None,
) -> EarnedStatus:
    """The record of each kind ``policy`` names, counted from ``records`` (verified by the
    caller) of ``repo`` in the policy's window ending at ``now``."""
    now = now or datetime.now(UTC)
    since = now - timedelta(days=policy.window_days)
    mine = tuple(r for r in records if r.repo == repo)
    fates = _fates(mine)
    counts: dict[str, dict[str, int]] = {}
    runs: dict[str, list[str]] = {}
    for r in mine:
        kind = (r.decision or {}).get("change_kind")
        if r.event != "run" or kind not in policy.rules() or not since < when(r) <= now:
            continue
        fate = _fate(r, fates)
        if fate is None:
            continue
        counts.setdefault(kind, {})
        counts[kind][fate] = counts[kind].get(fate, 0) + 1
        runs.setdefault(kind, []).append(r.run_id)
    found: dict[str, KindRecord] = {
        kind: KindRecord(kind, runs=tuple(runs.get(kind, ())), **counts.get(kind, {}))
        for kind in policy.rules()
    }
    return EarnedStatus(repo=repo, window_days=policy.window_days, since=since, records=found)


def earned_status(
    path: Path,
    key: AuditKey | None,
    policy: EarnedPolicy,
    *,
    repo: str,
    now: datetime | None = None,
) -> EarnedStatus:
    """:func:`count_records` over the log at ``path`` verified under ``key``; a log that cannot
    be verified gives a status with ``error`` (the decision then holds the change)."""
    now = now or datetime.now(UTC)
    since = now - timedelta(days=policy.window_days)
    if key is None and path.exists():
        error = f"no audit key to verify the audit log {path} with"
        return EarnedStatus(repo, policy.window_days, since, error=error)
    try:
        records = read_verified(path, key) if key is not None and path.exists() else ()
    except AuditError as err:
        return EarnedStatus(repo, policy.window_days, since, error=str(err))
    return count_records(records, policy, repo=repo, now=now)


def earned_reasons(
    kinds: Iterable[str], policy: EarnedPolicy, status: EarnedStatus | None
) -> list[Reason]:
    """One ``earned.<kind>`` reason per kind of the change that the policy names: tier 2 when
    its record does not pass (or could not be counted), tier 1 when it does."""
    reasons = []
    rules = policy.rules()
    for kind in dict.fromkeys(kinds):
        rule = rules.get(kind)  # type: ignore[call-overload]
        if rule is None:
            continue
        reasons.append(_reason(kind, rule, policy.window_days, status))
    return reasons


def _reason(kind: str, rule: EarnedRule, days: int, status: EarnedStatus | None) -> Reason:
    need = f"{kind} changes auto-merge after {rule.merged} merged"
    need += f", at most {rule.max_closed} closed unmerged"
    if status is None or status.error is not None:
        why = "no audit log was read" if status is None else status.error
        message = f"{need}; the record cannot be counted ({why}): held at tier 2"
        return Reason(rule=f"earned.{kind}", tier=2, message=message)
    rec = status.record(kind)
    shows = f"the record shows {rec.merged} merged, {rec.closed} closed"
    extra = [
        f"{n} {what}"
        for n, what in ((rec.open, "open"), (rec.merged_changed, "merged with changes"))
        if n
    ]
    if extra:
        shows += f" ({', '.join(extra)})"
    shows += f" (last {days} days)"
    if rec.merged >= rule.merged and rec.closed <= rule.max_closed:
        return Reason(rule=f"earned.{kind}", tier=1, message=f"{need}; {shows}: earned")
    return Reason(rule=f"earned.{kind}", tier=2, message=f"{need}; {shows}: held at tier 2")


def _fate(r: AuditRecord, fates: Mapping[str, AuditRecord]) -> str | None:
    """What the run's delivery became: merged, merged_changed, closed, open, or None (not a
    delivery: a suggestion, a block, an escalation draft, an unpushed PR)."""
    deploy = r.deploy or {}
    if outcome_of(r) == "escalated":
        return None
    if deploy.get("action") == "merge":
        return "merged"
    if deploy.get("action") != "pr" or not deploy.get("pushed"):
        return None
    latest = None
    for key in _keys(deploy):
        found = fates.get(key)
        if found is not None and found.seq > r.seq and (latest is None or found.seq > latest.seq):
            latest = found
    if latest is None:
        return "open"
    if latest.event == "pr_closed":
        return "closed"
    head, pushed = (latest.deploy or {}).get("head_sha"), deploy.get("commit_sha")
    return "merged_changed" if head and pushed and head != pushed else "merged"


def _fates(records: Iterable[AuditRecord]) -> dict[str, AuditRecord]:
    """PR URL or branch -> the latest fate record naming it (records of one repo)."""
    latest: dict[str, AuditRecord] = {}
    for r in records:
        if r.event in FATE_EVENTS and r.deploy is not None:
            for key in _keys(r.deploy):
                latest[key] = r
    return latest


def _keys(deploy: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(str(v) for v in (deploy.get("pr_url"), deploy.get("branch")) if v)
