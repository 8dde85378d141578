"""``report --refresh``'s library half: PR fates learned from a fake GitHub on loopback and
recorded through the audit writer."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from specpilot.pipeline.audit.chain import verify
from specpilot.pipeline.audit.log import append, read_records
from specpilot.pipeline.core.errors import AuditError
from specpilot.pipeline.deliver.github import GitHubClient, PullRequestState
from specpilot.pipeline.deliver.limits import opened_prs
from specpilot.pipeline.kpi.fates import Lookup, PendingPr, pending_prs, pr_slug, refresh_fates
from specpilot.pipeline.kpi.from_log import kpis_from_log
from tests.fake_github import FakeGitHub
from tests.pipeline.kpi_log import REPO, SLUG, T0, pr_deploy, run_entry
from tests.pipeline.policy_fixtures import AUDIT_KEY


def _opened(path: Path, gh: FakeGitHub, count: int) -> GitHubClient:
    """``count`` PRs opened on the fake and recorded as runs r1..r<count> in the log."""
    client = GitHubClient(SLUG, token="t", base_url=gh.base_url)
    for n in range(1, count + 1):
        pr = client.create_pull(title=f"change {n}", head=f"specpilot/r{n}", base="main", body="")
        assert pr.number == n
        entry = run_entry(f"r{n}", "pr", tier=2, deploy=pr_deploy(n))
        append(path, entry, key=AUDIT_KEY, now=T0 + timedelta(hours=n))
    return client


def _lookup(client: GitHubClient) -> Lookup:
    def lookup(pr: PendingPr) -> PullRequestState | None:
        slug = pr_slug(pr.url)
        return client.pull_request_state(slug[1]) if slug and slug[0] == client.repo else None

    return lookup


def test_refresh_records_merged_and_closed_prs_and_asks_only_once(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    with FakeGitHub(token="t", repo=SLUG) as gh:
        client = _opened(log, gh, 3)
        gh.set_fate(1, merged=True, at="2024-06-01T05:00:00Z")  # opened T0+1h: 4 h
        gh.set_fate(2, merged=False, at="2024-06-01T06:00:00Z")
        result = refresh_fates(
            log, AUDIT_KEY, _lookup(client), actor="lead", now=T0 + timedelta(days=1)
        )
        assert (result.asked, result.still_open, result.errors) == (3, 1, ())
        assert [(r.event, r.run_id) for r in result.learned] == [
            ("pr_merged", "r1"),
            ("pr_closed", "r2"),
        ]
        assert len(gh.calls("GET", "/pulls/1")) == 1
        assert verify(log, AUDIT_KEY).ok  # chained and MAC'ed like every record
        merged = read_records(log)[3]
        assert merged.actor == "lead" and merged.deploy is not None
        assert merged.deploy["merged_at"] == "2024-06-01T05:00:00Z"
        assert merged.deploy["pr_url"] == f"https://github.com/{SLUG}/pull/1"

        again = refresh_fates(log, AUDIT_KEY, _lookup(client), actor="lead")
        assert again.asked == 1 and again.learned == ()  # only #3 is still asked about
        assert len(gh.calls("GET", "/pulls/1")) == 1

        gh.set_fate(3, merged=True, at="2024-06-02T03:00:00Z")  # opened T0+3h: 24 h
        third = refresh_fates(log, AUDIT_KEY, _lookup(client), actor="lead")
        assert [r.event for r in third.learned] == ["pr_merged"]
        assert pending_prs(read_records(log)) == ()
        assert opened_prs(read_records(log), repo=REPO) == ()  # the rate limit counts them gone

    k = kpis_from_log(
        log, AUDIT_KEY, runs_dir=None, since=T0, until=T0 + timedelta(days=9), repo=REPO
    )
    assert (k.prs_merged, k.prs_closed, k.acceptance_rate) == (2, 1, round(2 / 3, 6))
    assert k.median_time_to_merge_h == 14.0  # (4 + 24) / 2


def test_a_pr_of_another_repository_is_skipped_and_a_failed_lookup_is_reported(
    tmp_path: Path,
) -> None:
    log = tmp_path / "audit.jsonl"
    with FakeGitHub(token="t", repo=SLUG) as gh:
        _opened(log, gh, 1)
        foreign = {**pr_deploy(7), "pr_url": "https://github.com/someone/else/pull/7"}
        append(log, run_entry("r7", "pr", tier=2, deploy=foreign), key=AUDIT_KEY, now=T0)
        wrong_token = GitHubClient(SLUG, token="wrong", base_url=gh.base_url)
        result = refresh_fates(log, AUDIT_KEY, _lookup(wrong_token), actor="lead")
    assert result.asked == 2 and result.learned == ()
    assert len(result.errors) == 1 and "HTTP 401" in result.errors[0]
    assert result.skipped and "someone/else/pull/7" in result.skipped[0]
    assert len(read_records(log)) == 2  # nothing appended


def test_refresh_refuses_a_tampered_log_before_asking_github(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    with FakeGitHub(token="t", repo=SLUG) as gh:
        client = _opened(log, gh, 2)
        gh.set_fate(1, merged=True, at="2024-06-01T05:00:00Z")
        lines = log.read_text().splitlines()
        log.write_text(lines[0].replace('"pr_number":1', '"pr_number":2') + "\n" + lines[1] + "\n")
        with pytest.raises(AuditError, match="fails verification"):
            refresh_fates(log, AUDIT_KEY, _lookup(client), actor="lead")
        assert gh.calls("GET", "/pulls/1") == [] and gh.calls("GET", "/pulls/2") == []


def test_pull_request_state_of_the_fake() -> None:
    with FakeGitHub(token="t", repo=SLUG) as gh:
        client = GitHubClient(SLUG, token="t", base_url=gh.base_url)
        client.create_pull(title="x", head="b", base="main", body="")
        opened = client.pull_request_state(1)
        head = opened.head_sha  # the PR's head commit: what "merged unchanged" compares
        assert head and opened == PullRequestState(1, "open", False, None, None, None, head)
        gh.set_fate(1, merged=True, at="2024-06-01T05:00:00Z")
        state = client.pull_request_state(1)
        assert (state.state, state.merged, state.merged_at) == ("closed", True, state.closed_at)
        assert state.merge_sha


def test_pr_slug() -> None:
    assert pr_slug("https://github.com/acme/demo/pull/12") == ("acme/demo", 12)
    assert pr_slug("https://ghe.example/acme/demo/pull/3/") == ("acme/demo", 3)
    assert pr_slug("https://github.com/acme/demo/issues/3") is None and pr_slug(None) is None
