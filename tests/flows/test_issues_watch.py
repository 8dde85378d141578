"""The issues-watch poll against the loopback fake GitHub: a labelled issue is submitted once
per body, an unreadable one is told once, others are left alone; a flow run named after an
issue carries its origin and comments on it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from specpilot.flows.issue_report import report_to_issue, with_issue_origin
from specpilot.flows.issues_watch import HandledIssues, watch_once
from specpilot.pipeline import GitHubClient, PipelineError, parse_spec
from specpilot.pipeline.deliver.deliver import Delivery
from tests.conftest import run_git
from tests.fake_github import FakeGitHub

BODY = "Update `docs/usage.md`.\n\n- [ ] it says to run it twice\n"


class Submissions:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def __call__(self, text: str, name: str) -> Any:
        self.calls.append((text, name))
        return f"run-{len(self.calls)}"


def test_labelled_issues_are_submitted_once_per_body(tmp_path: Path) -> None:
    with FakeGitHub(token="t", repo="acme/demo") as gh:
        gh.add_issue(1, "Docs: run it twice", BODY, ("specpilot", "risk:low"))
        gh.add_issue(2, "Not for the bot", BODY, ("bug",))
        gh.add_issue(3, "Empty", "", ("specpilot",))
        gh.add_issue(4, "A PR", BODY, ("specpilot",), pull_request=True)
        gh.add_issue(5, "Closed", BODY, ("specpilot",), state="closed")
        client = GitHubClient("acme/demo", token="t", base_url=gh.base_url)
        store = tmp_path / "home" / "issues-watch" / "acme__demo.json"
        submit = Submissions()

        first = watch_once(client, HandledIssues(store), submit)
        assert [(w.number, w.action) for w in first] == [(1, "submitted"), (3, "refused")]
        ((text, name),) = submit.calls
        assert name == "gh:acme/demo#1"
        spec = parse_spec(text, source=name)  # what the flow run reads back
        assert spec.title == "Docs: run it twice" and spec.risk == "low"
        assert spec.acceptance == ("it says to run it twice",)
        (refusal,) = gh.comments(3)
        assert "specpilot cannot run this issue" in refusal and "field 'body' is empty" in refusal

        again = watch_once(client, HandledIssues(store), submit)  # a new process, same store
        assert [(w.number, w.action) for w in again] == [(1, "seen"), (3, "seen")]
        assert len(submit.calls) == 1 and len(gh.comments(3)) == 1

        gh.add_issue(1, "Docs: run it twice", BODY + "- [ ] and three times on Sundays\n",
                     ("specpilot",))  # fmt: skip
        edited = watch_once(client, HandledIssues(store), submit)
        assert [(w.number, w.action) for w in edited] == [(1, "submitted"), (3, "seen")]
        assert "three times on Sundays" in submit.calls[-1][0]
        assert gh.calls("GET", "/repos/acme/demo/issues")[0].query["labels"] == "specpilot"

        other = watch_once(client, HandledIssues(store), Submissions(), label="bug")
        assert [(w.number, w.action) for w in other] == [(2, "submitted")]


def test_a_broken_store_is_an_error_naming_it(tmp_path: Path) -> None:
    store = tmp_path / "acme__demo.json"
    store.write_text("{not json")
    with pytest.raises(PipelineError, match=r"acme__demo\.json: cannot be read as the handled"):
        HandledIssues(store)


def test_a_flow_run_named_after_an_issue_comments_on_it(tmp_path: Path) -> None:
    text = "---\ntitle: Docs\n---\nUpdate the docs.\n"
    spec = with_issue_origin(parse_spec(text, source="gh:acme/demo#7"), text)
    assert spec.source_kind == "github-issue"
    assert spec.source_ref == "https://github.com/acme/demo/issues/7"
    plain = with_issue_origin(parse_spec(text, source="specs/docs.md"), text)
    assert plain.source_kind is None
    delivery = Delivery(
        run_id="r1", outcome="pr", message=f"Branch pushed: see {tmp_path}/x", mode="pr",
        run_status="green", run_dir=str(tmp_path), record_path=str(tmp_path / "record.json"),
        audit_log="a.jsonl", audit_seq=3,
    )  # fmt: skip
    with FakeGitHub(token="t", repo="acme/demo") as gh:
        gh.add_issue(7, "Docs", "Update the docs.")
        env = {"GITHUB_TOKEN": "t"}
        assert report_to_issue(spec, delivery, gh.base_url, env) == "comment on gh:acme/demo#7"
        assert report_to_issue(plain, delivery, gh.base_url, env) is None
        assert report_to_issue(spec, delivery, gh.base_url, {}) is None  # no token: no comment
        (comment,) = gh.comments(7)
    assert "**pr**" in comment and "Run `r1`" in comment and "Audit record 3" in comment
    assert str(tmp_path) not in comment


def test_the_watch_is_deployed_for_a_github_remote_on_its_schedule(
    make_repo: Callable[..., Path],
) -> None:
    from specpilot.flows.deployments import build_deployments
    from specpilot.flows.pipeline_settings import ScheduleSettings, schedule_settings
    from specpilot.flows.settings import load_settings

    repo = make_repo(
        {
            "pyproject.toml": '[tool.specpilot.schedule]\nissues_cron = "*/5 * * * *"\n'
            'issues_label = "bot"\n'
        },
        git=True,
    )
    assert [d.full_name for d in build_deployments(repo, [], ScheduleSettings())] == [
        "index-repo/nightly",
        "spec-to-pr/default",
        "delivery-kpis/nightly",
        "deps-watch/nightly",
    ]  # no GitHub remote: nothing to watch
    run_git(repo, "remote", "add", "origin", "git@github.com:acme/demo.git")
    *_, watch = build_deployments(repo, [], schedule_settings(load_settings(repo)))
    assert watch.full_name == "issues-watch/default"
    assert watch.parameters["label"] == "bot" and watch.parameters["repo"] == str(repo)
    (sched,) = watch.schedules
    assert sched.schedule.cron == "*/5 * * * *"


def test_the_flow_submits_spec_to_pr_runs_with_the_issue_as_the_spec(
    make_repo: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import logging

    from specpilot.flows import flow_issues

    repo = make_repo({"README.md": "# demo\n"}, git=True)
    run_git(repo, "remote", "add", "origin", "https://github.com/acme/demo.git")
    created: list[dict[str, Any]] = []
    monkeypatch.setattr(flow_issues, "get_run_logger", lambda: logging.getLogger("t"))
    monkeypatch.setattr(
        flow_issues, "run_deployment", lambda name, **kw: created.append({"name": name, **kw})
    )
    monkeypatch.setenv("SPECPILOT_HOME", str(tmp_path / "home"))
    with FakeGitHub(token="t", repo="acme/demo") as gh:
        gh.add_issue(1, "Docs: run it twice", BODY, ("specpilot",))
        monkeypatch.setenv("GITHUB_TOKEN", "t")
        monkeypatch.setenv("GITHUB_API_URL", gh.base_url)
        state = flow_issues.issues_watch_flow.fn(repo=str(repo), mode="pr")
        again = flow_issues.issues_watch_flow.fn(repo=str(repo), mode="pr")
        monkeypatch.delenv("GITHUB_TOKEN")
        idle = flow_issues.issues_watch_flow.fn(repo=str(repo))
    assert state.is_completed() and "1 issue(s) submitted" in (state.message or "")
    assert "0 issue(s) submitted" in (again.message or "")
    assert idle.is_completed() and "Nothing to watch" in (idle.message or "")
    (run,) = created
    assert run["name"] == "spec-to-pr/default"
    params = run["parameters"]
    assert params["spec_name"] == "gh:acme/demo#1" and params["mode"] == "pr"
    assert params["repo"] == str(repo) and "title: 'Docs: run it twice'" in params["spec_text"]
    assert (tmp_path / "home" / "issues-watch" / "acme__demo.json").is_file()
