"""One run as the KPIs see it: its outcome, tier, cost and effort from its audit record, what
its run record adds (repair rounds, tool steps, diff coverage), and the fate of its PR.

A PR's fate is what a later ``pr_merged`` / ``pr_closed`` audit record says about it (the same
match as the rate limits: its URL or branch in the same repo; the latest record wins); with
none the PR counts as open. GitHub's own time of the merge or close (``merged_at`` /
``closed_at`` in the record's ``deploy``) is used when recorded, else the record's time.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from specpilot.pipeline.audit.log import AuditRecord

log = logging.getLogger(__name__)

FATE_EVENTS = frozenset({"pr_merged", "pr_closed"})
Fate = Literal["open", "merged", "closed"]
_ACTION_OUTCOME = {"merge": "merged", "pr": "pr", "suggest": "suggested", "blocked": "blocked"}


@dataclass(frozen=True, slots=True)
class PrFacts:
    number: int | None
    url: str | None
    branch: str | None
    escalation: bool  # a draft PR labelled needs-human, not a change offered for review
    opened_at: datetime
    fate: Fate
    fate_at: datetime | None  # when it was merged or closed


@dataclass(frozen=True, slots=True)
class Coverage:
    """Diff coverage: of the lines the change added or modified, how many the tests ran."""

    percent: float
    covered: int | None = None
    total: int | None = None


@dataclass(frozen=True, slots=True)
class RunFacts:
    run_id: str
    repo: str
    at: datetime  # when the run's audit record was written (the run's end)
    outcome: str  # merged, pr, suggested, blocked, escalated, stopped, failed (or unknown)
    tier: int | None  # None: the run ended before tiering
    tokens: int  # in + out (cache reads and writes count as input)
    cost_usd: float | None  # None: the model has no price
    repair_rounds: int | None
    tool_steps: int | None
    pr: PrFacts | None
    coverage: Coverage | None  # None: not measured


def when(record: AuditRecord) -> datetime:
    return _aware(datetime.fromisoformat(record.ts))


def outcome_of(record: AuditRecord) -> str:
    """The outcome the run's record notes (``outcome: pr``), else what its deploy did."""
    for note in record.notes:
        key, _, value = note.partition(": ")
        if key == "outcome" and value:
            return value
    action = (record.deploy or {}).get("action")
    return _ACTION_OUTCOME.get(str(action), "unknown")


def collect_runs(
    records: Iterable[AuditRecord],
    *,
    extras: Mapping[str, Mapping[str, Any]] | None = None,
    repo: str | None = None,
) -> tuple[RunFacts, ...]:
    """The facts of every run record (``event == "run"``) of ``repo`` (all repos: None), oldest
    first. ``extras``: run id -> its ``record.json`` as read (:func:`read_run_extras`)."""
    records = tuple(r for r in records if repo is None or r.repo == repo)
    fates = _fates(records)
    extras = extras or {}
    return tuple(_facts(r, fates, extras.get(r.run_id, {})) for r in records if r.event == "run")


def read_run_extras(runs_dir: Path, run_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """``<runs_dir>/<run id>/record.json`` of each run that still has one, as plain JSON (read
    raw, so records of older and newer schemas alike give what they hold)."""
    found: dict[str, dict[str, Any]] = {}
    for run_id in run_ids:
        if "/" in run_id or run_id in ("", ".", ".."):
            continue
        path = runs_dir / run_id / "record.json"
        if not path.is_file():
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
            log.warning("kpi: skipping the run record %s: %s", path, err)
            continue
        if isinstance(data, dict):
            found[run_id] = data
    return found


def coverage_of(value: Any) -> Coverage | None:
    """A record's ``diff_coverage`` (``pipeline.run.diff_coverage.DiffCoverage``: ``covered`` of
    ``added_lines``), also ``{"covered": n, "total": m}``, ``{"percent": p}`` or a bare
    percentage; None, ``{"measured": false}`` or no added lines: not measured."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return Coverage(percent=float(value))
    if not isinstance(value, Mapping) or value.get("measured") is False:
        return None
    covered, total = value.get("covered"), value.get("total", value.get("added_lines"))
    if isinstance(covered, int) and isinstance(total, int) and _count(covered) and total > 0:
        return Coverage(percent=100.0 * covered / total, covered=covered, total=total)
    percent = value.get("percent", value.get("percent_covered"))
    if isinstance(percent, int | float) and not isinstance(percent, bool):
        return Coverage(percent=float(percent))
    return None


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _facts(
    r: AuditRecord, fates: Mapping[tuple[str, str], AuditRecord], extra: Mapping[str, Any]
) -> RunFacts:
    outcome = outcome_of(r)
    tier = (r.decision or {}).get("tier")
    repair = extra.get("repair_rounds", (r.tests or {}).get("repair_rounds"))
    steps = extra.get("tool_steps", sum(r.tool_calls.values()) if r.tool_calls else None)
    return RunFacts(
        run_id=r.run_id,
        repo=r.repo,
        at=when(r),
        outcome=outcome,
        tier=tier if isinstance(tier, int) else None,
        tokens=r.tokens_in + r.tokens_out,
        cost_usd=r.cost_usd,
        repair_rounds=repair if _count(repair) else None,
        tool_steps=steps if _count(steps) else None,
        pr=_pr(r, outcome, fates),
        coverage=coverage_of(extra.get("diff_coverage")),
    )


def _pr(
    r: AuditRecord, outcome: str, fates: Mapping[tuple[str, str], AuditRecord]
) -> PrFacts | None:
    deploy = r.deploy or {}
    if deploy.get("action") != "pr" or not deploy.get("pushed"):
        return None
    number = deploy.get("pr_number")
    fate_record = None
    for key in _keys(deploy):
        found = fates.get((r.repo, key))
        if (
            found is not None
            and found.seq > r.seq
            and (fate_record is None or found.seq > fate_record.seq)
        ):
            fate_record = found
    fate: Fate = "open"
    fate_at = None
    if fate_record is not None:
        fate = "merged" if fate_record.event == "pr_merged" else "closed"
        stamp = (fate_record.deploy or {}).get("merged_at" if fate == "merged" else "closed_at")
        fate_at = _parse_time(stamp) or when(fate_record)
    return PrFacts(
        number=number if isinstance(number, int) else None,
        url=deploy.get("pr_url"),
        branch=deploy.get("branch"),
        escalation=outcome == "escalated",
        opened_at=when(r),
        fate=fate,
        fate_at=fate_at,
    )


def _fates(records: Iterable[AuditRecord]) -> dict[tuple[str, str], AuditRecord]:
    """(repo, PR URL or branch) -> the latest fate record naming it."""
    latest: dict[tuple[str, str], AuditRecord] = {}
    for r in records:
        if r.event in FATE_EVENTS and r.deploy is not None:
            for key in _keys(r.deploy):
                latest[(r.repo, key)] = r
    return latest


def _keys(deploy: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(str(v) for v in (deploy.get("pr_url"), deploy.get("branch")) if v)


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:  # GitHub writes 2024-06-01T12:00:00Z
        return _aware(datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError:
        return None


def _aware(ts: datetime) -> datetime:
    return ts if ts.tzinfo else ts.replace(tzinfo=UTC)
