"""Rate limits counted from the audit log, like Renovate's prConcurrentLimit / prHourlyLimit.

- ``pr_concurrent``: PRs this tool opened for the repo that are still open
- ``prs_per_hour``: PRs opened for the repo in the last hour
- ``runs_per_hour``: runs recorded for the repo in the last hour

A PR counts as open from the record that opened it (``deploy.action == "pr"``) until a record
with event ``pr_closed`` / ``pr_merged`` names its branch or URL, or until ``is_open`` (e.g. a
GitHub lookup or a ``git ls-remote`` of the branch) says it is gone. Call :func:`check_limits`
before appending the current run's record. A limit of 0 means no limit. A hit makes the tier
decision fall back to a suggestion, with the reason.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from specpilot.pipeline.audit.log import AuditRecord
from specpilot.pipeline.deliver.deploy_git import remote_tip
from specpilot.pipeline.deliver.github import GitHubClient
from specpilot.pipeline.tiers.policy import RunLimits

logger = logging.getLogger(__name__)

WINDOW = timedelta(hours=1)
CLOSED_EVENTS = frozenset({"pr_closed", "pr_merged"})


@dataclass(frozen=True, slots=True)
class PrRef:
    repo: str
    branch: str | None
    url: str | None
    number: int | None
    opened: datetime
    run_id: str


@dataclass(frozen=True, slots=True)
class LimitHit:
    rule: str  # "limits.pr_concurrent" | "limits.prs_per_hour" | "limits.runs_per_hour"
    limit: int
    count: int
    message: str


@dataclass(frozen=True, slots=True)
class LimitStatus:
    open_prs: tuple[PrRef, ...]
    prs_last_hour: int
    runs_last_hour: int
    hits: tuple[LimitHit, ...]

    @property
    def exceeded(self) -> bool:
        return bool(self.hits)


def opened_prs(records: Iterable[AuditRecord], *, repo: str) -> tuple[PrRef, ...]:
    """Every PR the log says was opened for ``repo`` and not later closed or merged."""
    opened: list[PrRef] = []
    closed: set[str] = set()
    for r in records:
        if r.repo != repo or r.deploy is None:
            continue
        keys = {str(v) for v in (r.deploy.get("branch"), r.deploy.get("pr_url")) if v}
        if r.event in CLOSED_EVENTS:
            closed |= keys
        elif r.event == "run" and r.deploy.get("action") == "pr":
            number = r.deploy.get("pr_number")
            opened.append(
                PrRef(
                    repo=repo,
                    branch=r.deploy.get("branch"),
                    url=r.deploy.get("pr_url"),
                    number=number if isinstance(number, int) else None,
                    opened=_when(r),
                    run_id=r.run_id,
                )
            )
    return tuple(p for p in opened if not ({p.branch, p.url} & closed))


def check_limits(
    records: Iterable[AuditRecord],
    limits: RunLimits,
    *,
    repo: str,
    now: datetime | None = None,
    is_open: Callable[[PrRef], bool] | None = None,
) -> LimitStatus:
    """Count what the limits count for ``repo`` and list the limits already reached."""
    records = tuple(records)
    now = now or datetime.now(UTC)
    since = now - WINDOW
    prs = opened_prs(records, repo=repo)
    if is_open is not None:
        prs = tuple(p for p in prs if is_open(p))
    prs_hour = sum(  # opened in the window, whether still open or not
        1
        for r in records
        if r.repo == repo
        and r.event == "run"
        and r.deploy is not None
        and r.deploy.get("action") == "pr"
        and since < _when(r) <= now
    )
    runs_hour = sum(
        1 for r in records if r.repo == repo and r.event == "run" and since < _when(r) <= now
    )
    hits = []
    for rule, limit, count, what in (
        ("limits.pr_concurrent", limits.pr_concurrent, len(prs), "open PR(s)"),
        ("limits.prs_per_hour", limits.prs_per_hour, prs_hour, "PR(s) opened in the last hour"),
        ("limits.runs_per_hour", limits.runs_per_hour, runs_hour, "run(s) in the last hour"),
    ):
        if limit and count >= limit:
            key = rule.split(".", 1)[1]
            message = f"{count} {what} for this repo reach the limit {key} = {limit}"
            hits.append(LimitHit(rule, limit, count, message))
            logger.info("limit reached for %s: %s", repo, message)
    return LimitStatus(
        open_prs=prs, prs_last_hour=prs_hour, runs_last_hour=runs_hour, hits=tuple(hits)
    )


def open_pr_checker(
    repo: Path, remote: str, github: GitHubClient | None = None
) -> Callable[[PrRef], bool]:
    """An ``is_open`` for :func:`check_limits`: asks GitHub about the PR number when a client
    is given, else whether the PR's branch still exists on the plain git remote."""

    def is_open(pr: PrRef) -> bool:
        if github is not None and pr.number is not None:
            return github.get_pull(pr.number).state == "open"
        if pr.branch is None:
            return True  # nothing to look up: keep counting it
        return remote_tip(repo, remote, pr.branch) is not None

    return is_open


def _when(record: AuditRecord) -> datetime:
    ts = datetime.fromisoformat(record.ts)
    return ts if ts.tzinfo else ts.replace(tzinfo=UTC)
