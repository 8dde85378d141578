"""A hand-made audit log with known outcomes, written with the real audit writer, for the KPI
tests (numbers, the page, the CLI).

Ten runs of REPO, one hour apart from T0, each 1000 tokens in and 200 out at $0.10:

    r1..r5  PR #1..#5 opened (tier 2); #1, #2, #3 merged 2 h, 4 h and 10 h after opening,
            #4 closed unmerged, #5 still open
    r6      a tier-1 merge             r7  escalated: a draft PR #6 (needs-human), open
    r8      stopped (no tier)          r9  suggested (tier 3)        r10  failed (no tier)

so: acceptance 3 / (3 + 1) = 0.75, median time to merge 4 h, 4 merged changes, $1.00 / 4 =
$0.25 and 12000 / 4 = 3000 tokens per merged change, escalation rate 1 / 10. The fates are
recorded two days later with GitHub's merge time: the KPIs must use GitHub's time. Plus one
run of another repository and one run 40 days before T0.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from specpilot.pipeline.audit.log import AuditEntry, append
from tests.pipeline.policy_fixtures import AUDIT_KEY

REPO = "/repos/demo"
OTHER = "/repos/other"
T0 = datetime(2024, 6, 1, 0, 0, tzinfo=UTC)
SLUG = "acme/demo"


def pr_deploy(n: int, *, draft: bool = False) -> dict[str, Any]:
    return {
        "action": "pr",
        "requested": "pr",
        "tier": 2,
        "mode": "pr",
        "base": "main",
        "branch": f"specpilot/r{n}",
        "pushed": True,
        "pr_number": n,
        "pr_url": f"https://github.com/{SLUG}/pull/{n}",
        "labels": ["needs-human"] if draft else [],
    }


def run_entry(
    run_id: str,
    outcome: str,
    *,
    tier: int | None,
    deploy: dict[str, Any] | None = None,
    repair_rounds: int | None = None,
    tools: dict[str, int] | None = None,
    cost: float | None = 0.10,
    repo: str = REPO,
) -> AuditEntry:
    tests = None if repair_rounds is None else {"passed": True, "repair_rounds": repair_rounds}
    return AuditEntry(
        run_id=run_id,
        repo=repo,
        actor="dev",
        tokens_in=1000,
        tokens_out=200,
        cost_usd=cost,
        decision={"tier": tier, "action": "pr"} if tier is not None else None,
        deploy=deploy,
        tests=tests,
        tool_calls=tools or {},
        notes=(f"outcome: {outcome}",),
    )


def fate_entry(n: int, event: str, at: datetime | None, *, repo: str = REPO) -> AuditEntry:
    deploy: dict[str, Any] = {"pr_number": n, "pr_url": pr_deploy(n)["pr_url"]}
    if at is not None:
        deploy["merged_at" if event == "pr_merged" else "closed_at"] = at.strftime(
            "%Y-%m-%dT%H:%M:%SZ"
        )
    return AuditEntry(run_id=f"r{n}", repo=repo, actor="dev", event=event, deploy=deploy)


def write_known_log(path: Path, *, fates: bool = True, repo: str = REPO) -> Path:
    """The log described in the module docstring (its runs of ``repo``); ``fates=False``:
    without the fate records."""

    def add(entry: AuditEntry, at: datetime) -> None:
        append(path, entry, key=AUDIT_KEY, now=at)

    add(run_entry("old", "merged", tier=1, repo=repo), T0 - timedelta(days=40))
    rounds = [0, 1, 2, 3, None]
    for n in range(1, 6):
        tools = {"read_file": n, "edit_file": 1}  # n + 1 tool steps
        entry = run_entry(
            f"r{n}",
            "pr",
            tier=2,
            deploy=pr_deploy(n),
            repair_rounds=rounds[n - 1],
            tools=tools,
            repo=repo,
        )
        add(entry, T0 + timedelta(hours=n - 1))
    add(
        run_entry("r6", "merged", tier=1, deploy={"action": "merge"}, repo=repo),
        T0 + timedelta(hours=5),
    )
    add(
        run_entry("r7", "escalated", tier=2, deploy=pr_deploy(6, draft=True), repo=repo),
        T0 + timedelta(hours=6),
    )
    add(run_entry("r8", "stopped", tier=None, repo=repo), T0 + timedelta(hours=7))
    add(
        run_entry("r9", "suggested", tier=3, deploy={"action": "suggest"}, repo=repo),
        T0 + timedelta(hours=8),
    )
    add(run_entry("r10", "failed", tier=None, repo=repo), T0 + timedelta(hours=9))
    add(run_entry("x1", "merged", tier=1, repo=OTHER), T0 + timedelta(hours=9))
    if fates:
        later = T0 + timedelta(days=2)
        add(fate_entry(1, "pr_merged", T0 + timedelta(hours=2), repo=repo), later)  # opened T0: 2 h
        add(
            fate_entry(2, "pr_merged", T0 + timedelta(hours=5), repo=repo), later
        )  # opened T0+1h: 4 h
        add(
            fate_entry(3, "pr_merged", T0 + timedelta(hours=12), repo=repo), later
        )  # opened T0+2h: 10 h
        add(fate_entry(4, "pr_closed", T0 + timedelta(hours=4), repo=repo), later)
    return path
