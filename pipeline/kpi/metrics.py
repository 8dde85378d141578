"""The KPIs of the runs in a window, as one JSON-ready model (``specpilot report --json``).

Definitions (docs/pipeline.md, "KPIs: specpilot report", says the same for users):

- a run counts when its audit record falls in ``[since, until]``; its outcome is the one the
  record notes when the run ended (``pr`` = a PR was opened; its later fate is counted apart);
- PR numbers cover the review PRs (outcome ``pr``, pushed) opened in the window: **acceptance
  rate** = merged / (merged + closed unmerged), None while none has a fate; **time to merge**
  = merge time - the opening run's record time, in hours; escalation drafts (``needs-human``)
  are counted apart;
- a **merged change** is a tier-1 merge (outcome ``merged``) or a merged PR of the window;
  **tokens / cost per merged change** = all tokens / cost of every run in the window (failed
  ones too: they are what the merged changes cost) / merged changes. Cost is None when any run
  has no price (``unpriced_runs`` says how many): tokens stand in;
- repair rounds and tool steps per run: means over the runs that recorded them;
- **escalation rate** = escalated runs / runs;
- **diff coverage**: covered / total added-or-modified lines summed over the runs that measured
  it (a mean of percentages when only percentages were recorded); None: not measured.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from specpilot.pipeline.kpi.facts import RunFacts

OUTCOMES = ("merged", "pr", "suggested", "blocked", "escalated", "stopped", "failed")
TIERS = ("1", "2", "3", "none")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MergedChange(_Frozen):
    run_id: str
    merged_at: datetime
    via: Literal["tier-1 merge", "pr"]
    pr_number: int | None = None
    tokens: int
    cost_usd: float | None
    time_to_merge_h: float | None = None  # None for a tier-1 merge (no human in between)


class DayOutcomes(_Frozen):
    day: date
    outcomes: dict[str, int]


class CoverageKpi(_Frozen):
    measured_runs: int
    covered_lines: int | None = None
    total_lines: int | None = None
    percent: float | None = None  # None: not measured


class Kpis(_Frozen):
    schema_version: Literal[1] = 1
    since: datetime
    until: datetime
    repo: str | None  # None: every repository in the log
    runs: int
    runs_by_outcome: dict[str, int]
    runs_by_tier: dict[str, int]
    prs_opened: int
    prs_merged: int
    prs_closed: int  # closed without merging
    prs_open: int  # no fate known yet (`specpilot report --refresh` asks GitHub)
    acceptance_rate: float | None
    median_time_to_merge_h: float | None
    time_to_merge_h: tuple[float, ...]
    escalation_prs_open: int
    merged_changes: int
    tokens_total: int
    tokens_per_merged_change: float | None
    cost_usd_total: float | None  # of the priced runs; None: none priced
    cost_per_merged_change_usd: float | None  # None: nothing merged, or some run unpriced
    unpriced_runs: int
    repair_rounds_per_run: float | None
    tool_steps_per_run: float | None
    escalation_rate: float | None
    coverage: CoverageKpi
    merged: tuple[MergedChange, ...]
    daily: tuple[DayOutcomes, ...]


def compute_kpis(
    runs: Iterable[RunFacts], *, since: datetime, until: datetime, repo: str | None = None
) -> Kpis:
    """The KPIs of the ``runs`` recorded in ``[since, until]``."""
    window = [r for r in runs if since <= r.at <= until]
    outcomes = Counter(r.outcome for r in window)
    tiers = Counter(str(r.tier) if r.tier is not None else "none" for r in window)
    review = [r.pr for r in window if r.pr is not None and not r.pr.escalation]
    merged_prs = [p for p in review if p.fate == "merged"]
    closed = sum(p.fate == "closed" for p in review)
    ttm = tuple(
        round((p.fate_at - p.opened_at).total_seconds() / 3600, 4)
        for p in merged_prs
        if p.fate_at is not None
    )
    merged = _merged_changes(window)
    priced = [r.cost_usd for r in window if r.cost_usd is not None]
    unpriced = len(window) - len(priced)
    tokens = sum(r.tokens for r in window)
    cost = round(sum(priced), 6) if priced else None
    return Kpis(
        since=since,
        until=until,
        repo=repo,
        runs=len(window),
        runs_by_outcome={o: outcomes.get(o, 0) for o in _ordered(outcomes, OUTCOMES)},
        runs_by_tier={t: tiers.get(t, 0) for t in _ordered(tiers, TIERS)},
        prs_opened=len(review),
        prs_merged=len(merged_prs),
        prs_closed=closed,
        prs_open=sum(p.fate == "open" for p in review),
        acceptance_rate=_ratio(len(merged_prs), len(merged_prs) + closed),
        median_time_to_merge_h=statistics.median(ttm) if ttm else None,
        time_to_merge_h=ttm,
        escalation_prs_open=sum(
            1 for r in window if r.pr is not None and r.pr.escalation and r.pr.fate == "open"
        ),
        merged_changes=len(merged),
        tokens_total=tokens,
        tokens_per_merged_change=_ratio(tokens, len(merged)),
        cost_usd_total=cost,
        cost_per_merged_change_usd=(
            _ratio(cost, len(merged)) if cost is not None and not unpriced else None
        ),
        unpriced_runs=unpriced,
        repair_rounds_per_run=_mean(r.repair_rounds for r in window),
        tool_steps_per_run=_mean(r.tool_steps for r in window),
        escalation_rate=_ratio(outcomes.get("escalated", 0), len(window)),
        coverage=_coverage(window),
        merged=merged,
        daily=_daily(window),
    )


def _merged_changes(window: list[RunFacts]) -> tuple[MergedChange, ...]:
    changes = []
    for r in window:
        if r.outcome == "merged":
            changes.append(
                MergedChange(
                    run_id=r.run_id,
                    merged_at=r.at,
                    via="tier-1 merge",
                    tokens=r.tokens,
                    cost_usd=r.cost_usd,
                )
            )
        elif r.pr is not None and r.pr.fate == "merged":
            at = r.pr.fate_at or r.at
            changes.append(
                MergedChange(
                    run_id=r.run_id,
                    merged_at=at,
                    via="pr",
                    pr_number=r.pr.number,
                    tokens=r.tokens,
                    cost_usd=r.cost_usd,
                    time_to_merge_h=round((at - r.pr.opened_at).total_seconds() / 3600, 4),
                )
            )
    return tuple(sorted(changes, key=lambda c: c.merged_at))


def _coverage(window: list[RunFacts]) -> CoverageKpi:
    measured = [r.coverage for r in window if r.coverage is not None]
    if not measured:
        return CoverageKpi(measured_runs=0)
    if all(c.covered is not None and c.total is not None for c in measured):
        covered = sum(c.covered or 0 for c in measured)
        total = sum(c.total or 0 for c in measured)
        percent = round(100.0 * covered / total, 2) if total else None
        return CoverageKpi(
            measured_runs=len(measured), covered_lines=covered, total_lines=total, percent=percent
        )
    return CoverageKpi(
        measured_runs=len(measured), percent=round(statistics.fmean(c.percent for c in measured), 2)
    )


def _daily(window: list[RunFacts]) -> tuple[DayOutcomes, ...]:
    days: dict[date, Counter[str]] = {}
    for r in window:
        days.setdefault(r.at.date(), Counter())[r.outcome] += 1
    return tuple(
        DayOutcomes(day=d, outcomes=dict(sorted(c.items()))) for d, c in sorted(days.items())
    )


def _ordered(seen: Counter[str], known: tuple[str, ...]) -> list[str]:
    return list(known) + sorted(k for k in seen if k not in known)


def _ratio(part: float, whole: int) -> float | None:
    return round(part / whole, 6) if whole else None


def _mean(values: Iterable[int | None]) -> float | None:
    known = [v for v in values if v is not None]
    return round(statistics.fmean(known), 4) if known else None
