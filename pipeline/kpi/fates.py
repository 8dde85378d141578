"""Learning what became of the PRs specpilot opened: ask GitHub about each PR the audit log
says was opened and has no fate yet, and record the answer as a ``pr_merged`` / ``pr_closed``
audit record (``specpilot report --refresh``).

The fate record carries the opening run's id and repo (so ``specpilot audit show RUN`` shows
it), the PR's URL, branch and number (what the KPIs and the rate limits match it by), and
GitHub's ``merged_at`` / ``closed_at``. It goes through the normal audit writer
(:func:`pipeline.audit.log.append`): the log must verify under the key first, and the record
is chained and MAC'ed like every other. A PR already given a fate is not asked again.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from specpilot.pipeline.audit.key import AuditKey
from specpilot.pipeline.audit.log import AuditEntry, AuditRecord, append, read_verified
from specpilot.pipeline.core.errors import DeployError
from specpilot.pipeline.deliver.github import API_URL, GitHubClient, PullRequestState
from specpilot.pipeline.kpi.facts import collect_runs

log = logging.getLogger(__name__)

_PR_URL = re.compile(r"/([A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)/pull/(\d+)/?$")


@dataclass(frozen=True, slots=True)
class PendingPr:
    run_id: str
    repo: str  # the repository's identity in the audit log
    number: int
    url: str | None
    branch: str | None


# asks GitHub about a PR; None: nobody to ask for it (no client for its repository)
Lookup = Callable[[PendingPr], PullRequestState | None]


@dataclass(frozen=True, slots=True)
class RefreshResult:
    asked: int
    learned: tuple[AuditRecord, ...]  # the pr_merged / pr_closed records appended
    still_open: int
    skipped: tuple[str, ...]  # PRs nobody could be asked about, and why
    errors: tuple[str, ...]  # lookups that failed (the PR stays without a fate)

    def as_json(self) -> dict[str, Any]:
        return {
            "asked": self.asked,
            "merged": sum(r.event == "pr_merged" for r in self.learned),
            "closed": sum(r.event == "pr_closed" for r in self.learned),
            "still_open": self.still_open,
            "skipped": list(self.skipped),
            "errors": list(self.errors),
        }


def pr_slug(url: str | None) -> tuple[str, int] | None:
    """``("owner/name", number)`` of a PR's web URL (github.com or GitHub Enterprise)."""
    m = _PR_URL.search(url or "")
    return (m.group(1), int(m.group(2))) if m else None


def github_lookup(token: str, *, base_url: str = API_URL) -> Lookup:
    """A :data:`Lookup` asking the GitHub API at ``base_url`` (the user's, never a
    repository's) with ``token``, one client per repository named by the PR's URL."""
    clients: dict[str, GitHubClient] = {}

    def lookup(pr: PendingPr) -> PullRequestState | None:
        slug = pr_slug(pr.url)
        if slug is None:
            return None
        if slug[0] not in clients:
            clients[slug[0]] = GitHubClient(slug[0], token=token, base_url=base_url)
        return clients[slug[0]].pull_request_state(slug[1])

    return lookup


def pending_prs(records: tuple[AuditRecord, ...]) -> tuple[PendingPr, ...]:
    """PRs (for review, or escalation drafts) the log says were opened, with a number and no
    ``pr_merged`` / ``pr_closed`` record yet."""
    return tuple(
        PendingPr(r.run_id, r.repo, r.pr.number, r.pr.url, r.pr.branch)
        for r in collect_runs(records)
        if r.pr is not None and r.pr.fate == "open" and r.pr.number is not None
    )


def refresh_fates(
    path: Path,
    key: AuditKey,
    lookup: Lookup,
    *,
    actor: str,
    trigger: str = "cli",
    repo: str | None = None,
    now: datetime | None = None,
) -> RefreshResult:
    """Ask ``lookup`` about every pending PR (of ``repo``; all: None) in the verified log at
    ``path`` and append a fate record for each one that is merged or closed. AuditError when
    the log fails verification (nothing is asked or written then)."""
    pending = [p for p in pending_prs(read_verified(path, key)) if repo is None or p.repo == repo]
    learned: list[AuditRecord] = []
    skipped: list[str] = []
    errors: list[str] = []
    still_open = 0
    for pr in pending:
        try:
            state = lookup(pr)
        except DeployError as err:
            errors.append(f"PR #{pr.number} of run {pr.run_id}: {err}")
            log.warning("kpi: cannot learn the fate of PR #%s: %s", pr.number, err)
            continue
        if state is None:
            skipped.append(f"PR #{pr.number} of run {pr.run_id}: no GitHub client for {pr.url}")
            continue
        if not state.merged and state.state != "closed":
            still_open += 1
            continue
        entry = _fate_entry(pr, state, actor=actor, trigger=trigger)
        learned.append(append(path, entry, key=key, now=now))
    return RefreshResult(len(pending), tuple(learned), still_open, tuple(skipped), tuple(errors))


def _fate_entry(pr: PendingPr, state: PullRequestState, *, actor: str, trigger: str) -> AuditEntry:
    fate = "merged" if state.merged else "closed"
    deploy: dict[str, Any] = {
        "pr_number": pr.number,
        "pr_url": pr.url,
        "branch": pr.branch,
        "state": state.state,
        "merged": state.merged,
        "merged_at": state.merged_at,
        "closed_at": state.closed_at,
        "merge_sha": state.merge_sha,
        "head_sha": state.head_sha,
    }
    return AuditEntry(
        run_id=pr.run_id,
        repo=pr.repo,
        event=f"pr_{fate}",
        actor=actor,
        trigger=trigger,
        deploy={k: v for k, v in deploy.items() if v is not None},
        notes=(f"fate: {fate}", "learned from GitHub"),
    )
