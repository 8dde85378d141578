"""``specpilot report``: the KPI object as JSON, plain lines when piped, --since, --html,
--refresh against a fake GitHub on loopback, and a tampered log refused."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from specpilot.flows.commands import app
from specpilot.pipeline.audit.chain import verify
from specpilot.pipeline.audit.log import append, read_records
from specpilot.pipeline.deliver.github import GitHubClient
from tests.cli_checks import assert_one_line_error
from tests.fake_github import FakeGitHub
from tests.pipeline.kpi_log import SLUG, T0, pr_deploy, run_entry, write_known_log
from tests.pipeline.policy_fixtures import AUDIT_KEY

SINCE = ["--since", "2024-05-01"]


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("SPECPILOT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SPECPILOT_AUDIT_KEY", "c3" * 32)  # AUDIT_KEY, the tests' log key
    monkeypatch.setenv("SPECPILOT_ACTOR", "lead")
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    return CliRunner()


@pytest.fixture
def log(tmp_path: Path) -> Path:
    return tmp_path / "logs" / "audit.jsonl"


def _json(result: Result) -> Any:
    assert result.exit_code == 0, result.output + result.stderr
    return json.loads(result.stdout)


def test_json_is_the_kpi_object(runner: CliRunner, log: Path) -> None:
    write_known_log(log)
    data = _json(runner.invoke(app, ["report", "--log", str(log), *SINCE, "--json"]))
    assert data["runs"] == 11  # every repository: the other one's run too; not the old one
    assert data["acceptance_rate"] == 0.75 and data["median_time_to_merge_h"] == 4.0
    assert (data["prs_open"], data["merged_changes"]) == (1, 5)
    assert data["coverage"]["percent"] is None and "refresh" not in data


def test_repo_filters_to_that_repository(runner: CliRunner, log: Path, tmp_path: Path) -> None:
    repo = tmp_path / "demo"
    repo.mkdir()
    write_known_log(log, repo=str(repo.resolve()))
    args = ["report", "--log", str(log), "--repo", str(repo), *SINCE, "--json"]
    data = _json(runner.invoke(app, args))
    assert data["repo"] == str(repo.resolve()) and data["runs"] == 10
    assert data["cost_per_merged_change_usd"] == 0.25


def test_piped_output_is_plain_complete_lines(runner: CliRunner, log: Path) -> None:
    write_known_log(log)
    result = runner.invoke(app, ["report", "--log", str(log), *SINCE])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "PR acceptance rate: 75% (3 merged of 4 with a fate)" in lines
    assert "median time to merge: 4.0 h (over 3 merged PR(s))" in lines
    assert "diff coverage: not measured" in lines and "PR opened: 5" in lines
    assert "no tier (ended before tiering): 2" in lines


def test_a_window_with_nothing_in_it(runner: CliRunner, log: Path) -> None:
    write_known_log(log)
    data = _json(runner.invoke(app, ["report", "--log", str(log), "--since", "12h", "--json"]))
    assert data["runs"] == 0 and data["acceptance_rate"] is None


@pytest.mark.parametrize("since", ["yesterday", "30", "5m", "2024-13-01"])
def test_a_bad_since_is_a_one_line_error(runner: CliRunner, log: Path, since: str) -> None:
    result = runner.invoke(app, ["report", "--log", str(log), "--since", since])
    assert_one_line_error(result, f"--since {since!r}", "12h, 30d, 2w", "ISO date")


def test_html_writes_the_page(runner: CliRunner, log: Path, tmp_path: Path) -> None:
    write_known_log(log)
    page = tmp_path / "out" / "kpis.html"
    page.parent.mkdir()
    result = runner.invoke(
        app, ["report", "--log", str(log), *SINCE, "--html", str(page), "--json"]
    )
    assert json.loads(result.stdout)["runs"] == 11  # stdout stays the JSON
    assert f"wrote {page}" in result.stderr
    assert page.read_text().count("data:image/png;base64,") == 3
    result = runner.invoke(app, ["report", "--log", str(log), *SINCE, "--html", str(tmp_path)])
    assert_one_line_error(result, "is a directory")


def test_a_tampered_log_is_refused(runner: CliRunner, log: Path) -> None:
    write_known_log(log)
    lines = log.read_text().splitlines()
    lines[2] = lines[2].replace('"outcome: pr"', '"outcome: merged"')
    log.write_text("\n".join(lines) + "\n")
    result = runner.invoke(app, ["report", "--log", str(log), *SINCE])
    assert_one_line_error(result, "fails verification at line 3", code=1)


def test_refresh_learns_fates_from_github_and_records_them(
    runner: CliRunner, log: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with FakeGitHub(token="gh-token", repo=SLUG) as gh:
        for n in (1, 2, 3):
            gh_pr = {"title": f"c{n}", "head": f"specpilot/r{n}", "base": "main", "body": ""}
            GitHubClient(SLUG, token="gh-token", base_url=gh.base_url).create_pull(**gh_pr)
            entry = run_entry(f"r{n}", "pr", tier=2, deploy=pr_deploy(n))
            append(log, entry, key=AUDIT_KEY, now=T0 + timedelta(hours=n))
        gh.set_fate(1, merged=True, at="2024-06-01T07:00:00Z")  # opened T0+1h: 6 h
        gh.set_fate(2, merged=False, at="2024-06-01T08:00:00Z")
        args = ["report", "--log", str(log), *SINCE, "--refresh", "--json"]
        args += ["--set", f"deliver.github_api_url={json.dumps(gh.base_url)}"]

        result = runner.invoke(app, args)
        assert_one_line_error(result, "GITHUB_TOKEN", code=2)  # no token: says so, asks nothing
        assert gh.requests[3:] == []

        monkeypatch.setenv("GITHUB_TOKEN", "gh-token")
        data = _json(runner.invoke(app, args))
        assert data["refresh"] == {
            "asked": 3,
            "merged": 1,
            "closed": 1,
            "still_open": 1,
            "skipped": [],
            "errors": [],
        }
        assert (data["prs_merged"], data["prs_closed"], data["prs_open"]) == (1, 1, 1)
        assert data["median_time_to_merge_h"] == 6.0 and data["acceptance_rate"] == 0.5
        fates = [(r.event, r.run_id, r.actor) for r in read_records(log)[3:]]
        assert fates == [("pr_merged", "r1", "lead"), ("pr_closed", "r2", "lead")]
        assert verify(log, AUDIT_KEY).ok

        again = _json(runner.invoke(app, args))
        assert again["refresh"]["asked"] == 1 and len(read_records(log)) == 5


def test_a_repos_github_api_url_never_receives_the_token(
    runner: CliRunner, log: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hostile repository cannot point --refresh (and the user's token) at its own server."""
    repo = tmp_path / "hostile"
    repo.mkdir()
    append(
        log,
        run_entry("r1", "pr", tier=2, deploy=pr_deploy(1), repo=str(repo.resolve())),
        key=AUDIT_KEY,
    )
    monkeypatch.setenv("GITHUB_TOKEN", "gh-token")
    with FakeGitHub(token="gh-token", repo=SLUG) as listener:
        (repo / "pyproject.toml").write_text(
            f'[tool.specpilot.deliver]\ngithub_api_url = "{listener.base_url}"\n'
        )
        args = ["report", "--log", str(log), "--repo", str(repo), "--refresh", *SINCE]
        result = runner.invoke(app, args)
        assert listener.requests == []
    assert_one_line_error(result, "deliver.github_api_url")
    assert len(read_records(log)) == 1


def test_a_terminal_gets_rich_tables(
    runner: CliRunner, log: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from specpilot.flows import render

    write_known_log(log)
    monkeypatch.setattr(render, "stdout_is_terminal", lambda: True)
    result = runner.invoke(app, ["report", "--log", str(log), *SINCE], terminal_width=120)
    assert result.exit_code == 0, result.output
    assert "PR acceptance rate: 75%" not in result.stdout  # not the piped form
    assert re.search(r"PR acceptance rate\s+75% \(3 merged of 4 with a fate\)", result.stdout)
    assert re.search(r"Runs by tier\s*\n", result.stdout)
