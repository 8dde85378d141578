"""Tests for pipeline.limits: open PRs and hourly counts from the audit log, and their effect."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from specpilot.pipeline.audit.log import AuditEntry, append, read_records
from specpilot.pipeline.deliver.github import GitHubClient
from specpilot.pipeline.deliver.limits import check_limits, open_pr_checker, opened_prs
from specpilot.pipeline.tiers.policy import RunLimits
from specpilot.pipeline.tiers.tiering import explain
from tests.fake_github import FakeGitHub
from tests.pipeline.policy_fixtures import AUDIT_KEY, bare_remote, git, init_repo, make_diff

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
REPO = "/repos/demo"


def _log(tmp_path: Path, rows: list[tuple[int, str, dict[str, Any] | None, str]]) -> Path:
    """rows: (minutes ago, event, deploy, repo)."""
    path = tmp_path / "audit.jsonl"
    for i, (ago, event, deploy, repo) in enumerate(rows):
        entry = AuditEntry(run_id=f"r{i}", repo=repo, actor="bot", event=event, deploy=deploy)
        append(path, entry, key=AUDIT_KEY, now=NOW - timedelta(minutes=ago))
    return path


def _pr(branch: str) -> dict[str, Any]:
    return {"action": "pr", "branch": branch, "pr_url": f"https://x/pull/{branch}"}


def test_counts_open_prs_hourly_prs_and_runs(tmp_path: Path) -> None:
    log = _log(
        tmp_path,
        [
            (300, "run", _pr("b1"), REPO),  # old, still open
            (90, "run", _pr("b2"), REPO),  # closed later
            (80, "pr_merged", {"branch": "b2"}, REPO),
            (30, "run", _pr("b3"), REPO),  # this hour, open
            (20, "run", {"action": "merge"}, REPO),
            (10, "run", {"action": "suggest"}, REPO),
            (5, "run", _pr("x1"), "/repos/other"),
        ],
    )
    records = read_records(log)
    assert [p.branch for p in opened_prs(records, repo=REPO)] == ["b1", "b3"]
    status = check_limits(records, RunLimits(), repo=REPO, now=NOW)
    assert (len(status.open_prs), status.prs_last_hour, status.runs_last_hour) == (2, 1, 3)
    assert not status.exceeded
    tight = RunLimits(pr_concurrent=2, prs_per_hour=1, runs_per_hour=4)
    hits = check_limits(records, tight, repo=REPO, now=NOW).hits
    assert [h.rule for h in hits] == ["limits.pr_concurrent", "limits.prs_per_hour"]
    assert hits[0].message == "2 open PR(s) for this repo reach the limit pr_concurrent = 2"
    later = check_limits(records, tight, repo=REPO, now=NOW + timedelta(hours=2))
    assert [h.rule for h in later.hits] == ["limits.pr_concurrent"]


def test_zero_means_unlimited_and_is_open_filters(tmp_path: Path) -> None:
    log = _log(tmp_path, [(1, "run", _pr(f"b{i}"), REPO) for i in range(5)])
    records = read_records(log)
    off = RunLimits(pr_concurrent=0, prs_per_hour=0, runs_per_hour=0)
    assert check_limits(records, off, repo=REPO, now=NOW).hits == ()
    status = check_limits(
        records,
        RunLimits(pr_concurrent=3, prs_per_hour=0),
        repo=REPO,
        now=NOW,
        is_open=lambda p: p.branch == "b0",
    )
    assert [p.branch for p in status.open_prs] == ["b0"] and not status.exceeded


def test_explain_falls_back_to_suggestion_when_a_limit_is_reached(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    (repo / ".specpilot").mkdir()
    (repo / ".specpilot" / "policy.toml").write_text("[limits]\nruns_per_hour = 2\n")
    rid = str(repo.resolve())
    log = _log(tmp_path, [(10, "run", None, rid), (5, "run", None, rid)])
    diff = make_diff(repo, {"docs/usage.md": "more docs\n"})
    decision = explain(repo, diff, audit_log=log, now=NOW)
    assert (decision.tier, decision.risk_tier, decision.action) == (3, 1, "suggest")
    reason = next(r for r in decision.reasons if r.rule == "limits.runs_per_hour")
    assert "runs_per_hour = 2; falling back to a suggestion" in reason.message
    assert explain(repo, diff, audit_log=log, now=NOW + timedelta(hours=1)).tier == 1


def test_open_pr_checker_asks_the_remote_or_github(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    remote = bare_remote(repo, tmp_path / "remote.git")
    git(repo, "push", "-q", "origin", "main:refs/heads/b-open")
    log = _log(tmp_path, [(5, "run", _pr("b-open"), REPO), (4, "run", _pr("b-gone"), REPO)])
    is_open = open_pr_checker(repo, "origin")
    status = check_limits(read_records(log), RunLimits(), repo=REPO, now=NOW, is_open=is_open)
    assert [p.branch for p in status.open_prs] == ["b-open"]
    with FakeGitHub(token="t", git_dir=remote) as fake:
        client = GitHubClient(fake.repo, token="t", base_url=fake.base_url)
        client.create_pull(title="x", head="b-open", base="main", body="")
        prs = opened_prs(read_records(log), repo=REPO)
        numbered = [replace(p, number=1) for p in prs]
        assert open_pr_checker(repo, "origin", client)(numbered[0])
