"""The ``delivery-kpis`` flow under ``prefect_test_harness``: PR fates refreshed from a fake
GitHub on loopback, the KPIs published as Markdown and table artifacts."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from specpilot.pipeline.audit.chain import verify
from specpilot.pipeline.audit.log import append, read_records
from specpilot.pipeline.deliver.github import GitHubClient
from tests.fake_github import FakeGitHub
from tests.flows.spec_helpers import artifacts_of
from tests.pipeline.kpi_log import SLUG, T0, pr_deploy, run_entry, write_known_log
from tests.pipeline.policy_fixtures import AUDIT_KEY


@pytest.fixture
def home(harness: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SPECPILOT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SPECPILOT_AUDIT_KEY", "c3" * 32)  # AUDIT_KEY
    monkeypatch.setenv("SPECPILOT_ACTOR", "nightly")
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    return tmp_path / "home"


def _repo(tmp_path: Path) -> Path:
    repo = tmp_path / "demo"
    repo.mkdir()
    return repo.resolve()


def test_the_flow_refreshes_fates_and_publishes_the_kpis(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from specpilot.flows.flow_report import delivery_kpis_flow

    repo = _repo(tmp_path)
    log = home / "audit" / "audit.jsonl"
    with FakeGitHub(token="gh-token", repo=SLUG) as gh:
        client = GitHubClient(SLUG, token="gh-token", base_url=gh.base_url)
        for n in (1, 2):
            client.create_pull(title=f"c{n}", head=f"specpilot/r{n}", base="main", body="")
            entry = run_entry(f"r{n}", "pr", tier=2, deploy=pr_deploy(n), repo=str(repo))
            append(log, entry, key=AUDIT_KEY, now=T0 + timedelta(hours=n))
        gh.set_fate(1, merged=True, at="2024-06-01T03:00:00Z")  # opened T0+1h: 2 h
        monkeypatch.setenv("GITHUB_TOKEN", "gh-token")
        overrides = [f"deliver.github_api_url={json.dumps(gh.base_url)}"]
        state = delivery_kpis_flow(
            repo=str(repo), overrides=overrides, since="2024-05-01", return_state=True
        )
    assert state.is_completed(), state.message
    data = state.result()
    assert (data["prs_merged"], data["prs_open"], data["median_time_to_merge_h"]) == (1, 1, 2.0)
    assert "PR acceptance 100%" in str(state.message)
    assert [(r.event, r.actor, r.trigger) for r in read_records(log)[2:]] == [
        ("pr_merged", "nightly", "flow")
    ]
    assert verify(log, AUDIT_KEY).ok
    by_key = {a.key: a for a in artifacts_of(state.state_details.flow_run_id)}
    markdown = str(by_key["delivery-kpis"].data)
    assert "| PR acceptance rate | 100% (1 merged of 1 with a fate) |" in markdown
    rows = json.loads(str(by_key["delivery-kpis-table"].data))
    assert {"kpi": "median time to merge", "value": "2.0 h (over 1 merged PR(s))"} in rows


def test_without_a_token_it_reports_what_the_log_knows(home: Path, tmp_path: Path) -> None:
    from specpilot.flows.flow_report import delivery_kpis_flow

    repo = _repo(tmp_path)
    write_known_log(home / "audit" / "audit.jsonl", repo=str(repo))
    state = delivery_kpis_flow(repo=str(repo), since="2024-05-01", return_state=True)
    assert state.is_completed(), state.message
    assert state.result()["acceptance_rate"] == 0.75


def test_a_tampered_log_fails_the_flow_run_with_the_reason(home: Path, tmp_path: Path) -> None:
    from specpilot.flows.flow_report import delivery_kpis_flow

    repo = _repo(tmp_path)
    log = write_known_log(home / "audit" / "audit.jsonl", repo=str(repo))
    lines = log.read_text().splitlines()
    log.write_text("\n".join(lines[:3] + lines[4:]) + "\n")  # a record removed
    state = delivery_kpis_flow(repo=str(repo), since="bogus", return_state=True)
    assert state.is_failed() and "--since 'bogus'" in str(state.message)
    state = delivery_kpis_flow(repo=str(repo), since="2024-05-01", return_state=True)
    assert state.is_failed() and "fails verification" in str(state.message)
