"""The spec-to-pr flow under the session's Prefect test server: one task per stage, artifacts,
final states named after the outcome, gates that pause the run, parameter and spec errors (the
index-repo flow is in test_index_flow.py, the KPI flow in test_kpi_flow.py)."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from specpilot.pipeline.testing import ScriptedMessagesServer, tool_reply
from tests.flows.spec_helpers import (
    DOCS_SPEC,
    HASH_OVERRIDES,
    add_bare_remote,
    artifacts_by_key,
    docs_script,
    git,
    task_names,
)


@contextmanager
def _scripted_model(monkeypatch: pytest.MonkeyPatch, script: list[Any]) -> Iterator[Any]:
    """The loopback Messages API replaying ``script``; the SDK pointed at it."""
    with ScriptedMessagesServer(script) as server:
        monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
        monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)
        yield server


def _spec_flow(**params: Any) -> Any:
    from specpilot.flows.flow_spec import spec_to_pr

    return spec_to_pr(**{"overrides": HASH_OVERRIDES, **params}, return_state=True)


def test_spec_to_pr_opens_a_pr_with_one_task_per_stage(
    repo: Path, env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    remote = add_bare_remote(repo, env / "remote.git")
    with _scripted_model(monkeypatch, docs_script()):
        state = _spec_flow(
            spec_text=DOCS_SPEC, spec_name="usage-docs.md", repo=str(repo), mode="pr"
        )
    assert state.is_completed() and state.name == "PR opened", state.message
    delivery = state.result()
    assert delivery["outcome"] == "pr" and delivery["deploy"]["pushed"] is True
    assert f"Run record: {delivery['record_path']}" in state.message
    assert (
        git(remote, "rev-parse", "specpilot/usage-docs").strip() == delivery["deploy"]["commit_sha"]
    )
    run_id = state.state_details.flow_run_id
    names = task_names(run_id)
    assert names == [  # the index-repo subflow first: the repo was not indexed yet
        "index-repo", "retrieve", "plan", "code", "test", "commit", "tier", "deploy",
    ]  # fmt: skip
    artifacts = artifacts_by_key(run_id)
    assert {"plan", "diff", "test-report", "tier-decision", "run-record"} <= set(artifacts)
    assert "Run it twice." in str(artifacts["diff"].data)
    assert "Tier 2" in str(artifacts["tier-decision"].data)
    (row,) = json.loads(str(artifacts["test-report"].data))
    assert row["passed"] is True and row["tests"] == 1
    assert str(artifacts["run-record"].data).endswith("record.json)")
    record = json.loads(Path(delivery["record_path"]).read_text())
    assert record["status"] == "green" and delivery["audit_seq"] == 0


def test_a_malformed_spec_fails_the_flow_run_with_the_parse_error(repo: Path) -> None:
    state = _spec_flow(
        spec_text="---\nrisk: extreme\n---\n# Oops\n", spec_name="bad.md", repo=str(repo)
    )
    assert state.is_failed()
    assert state.message == "bad.md:2: field 'risk': Input should be 'low', 'medium' or 'high'."


@pytest.mark.parametrize(
    ("params", "needle"),
    [
        ({"spec_text": " "}, "'spec_text' is empty"),
        ({"repo": "/no/such/repo"}, "'repo' must be an existing directory"),
        ({"mode": "yolo"}, "'mode' is 'yolo'"),
        ({"overrides": ["index.nope=1"]}, "unknown key index.nope"),
    ],
)
def test_bad_parameters_are_refused_with_a_clear_message(
    repo: Path, params: dict[str, Any], needle: str
) -> None:
    from specpilot.flows.flow_spec import request_from

    args: dict[str, Any] = {
        "spec_text": DOCS_SPEC, "spec_name": "s.md", "repo": str(repo), "mode": "pr",
        "overrides": HASH_OVERRIDES, "db": None, "actor": None, **params,
    }  # fmt: skip
    with pytest.raises(Exception, match=re.escape(needle)):
        request_from(**args)


def test_a_flow_run_without_a_model_for_pr_mode_fails_plainly(repo: Path) -> None:
    state = _spec_flow(spec_text=DOCS_SPEC, repo=str(repo), mode="pr")
    assert state.is_failed() and "needs a model: set ANTHROPIC_API_KEY" in str(state.message)
    assert "Traceback" not in str(state.message)


def test_the_budget_stops_the_run_and_names_the_state(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with _scripted_model(monkeypatch, docs_script()):
        state = _spec_flow(
            spec_text=DOCS_SPEC,
            repo=str(repo),
            mode="pr",
            overrides=[*HASH_OVERRIDES, "pipeline.max_total_tokens=100", "pipeline.escalate=false"],
        )
    assert state.is_failed() and state.name == "Stopped by budget", state.message
    assert "budget" in str(state.message) and "record.json" in str(state.message)


def test_red_tests_after_the_repair_rounds_escalate_the_run(
    repo: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    remote = add_bare_remote(repo, tmp_path / "remote.git")
    spec = re.sub(r"test_command: .*", 'test_command: "false"', DOCS_SPEC)
    with _scripted_model(monkeypatch, docs_script()):
        state = _spec_flow(
            spec_text=spec,
            repo=str(repo),
            mode="pr",
            overrides=[*HASH_OVERRIDES, "pipeline.max_repair_rounds=0"],
        )
    assert state.is_failed() and state.name == "Escalated", state.message
    assert "the tests still fail after 0 repair round(s)" in str(state.message)
    names = task_names(state.state_details.flow_run_id)
    assert names.count("test") == 1 and "escalate" in names and "deploy" not in names
    esc = artifacts_by_key(state.state_details.flow_run_id)["escalation"]
    assert "## Failing tests" in str(esc.data) and "## Remaining plan" in str(esc.data)
    # no GitHub token: the branch is pushed to the plain remote for a human to pick up
    delivery = state.result(raise_on_failure=False)
    assert delivery["outcome"] == "escalated" and delivery["deploy"]["pushed"] is True
    branch = delivery["deploy"]["branch"]
    assert "Run it twice." in git(remote, "show", f"refs/heads/{branch}:docs/usage.md")
    assert json.loads(Path(delivery["record_path"]).read_text())["status"] == "escalated"


def test_a_crash_in_a_stage_fails_the_run_and_is_audited(
    repo: Path, env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import specpilot.pipeline.run.stages

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(specpilot.pipeline.run.stages, "plan_from_retrieval", boom)
    state = _spec_flow(spec_text=DOCS_SPEC, repo=str(repo))
    assert state.is_failed() and state.name == "Failed"
    assert "the run crashed: RuntimeError: disk on fire" in str(state.message)
    delivery = state.result(raise_on_failure=False)
    assert delivery["outcome"] == "failed" and delivery["audit_seq"] == 0
    assert json.loads(Path(delivery["record_path"]).read_text())["status"] == "error"


def test_a_conventions_repair_round_runs_code_and_test_again(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import specpilot.flows.spec_run
    import specpilot.pipeline.run.stages
    from specpilot.pipeline.run.conventions_gate import GateResult

    gates = [GateResult(feedback="Name functions in snake_case."), GateResult()]
    from specpilot.conventions import ConventionProfile

    # a profile (empty: no house rules) so the gate runs; the gate itself is scripted
    monkeypatch.setattr(
        specpilot.flows.spec_run, "load_conventions", lambda store: (ConventionProfile(), None)
    )
    monkeypatch.setattr(
        specpilot.pipeline.run.stages, "conventions_gate", lambda *a, **k: gates.pop(0)
    )
    script = [*docs_script(), tool_reply(("finish", {"summary": "Names fixed."}))]
    with _scripted_model(monkeypatch, script) as server:
        state = _spec_flow(spec_text=DOCS_SPEC, repo=str(repo), mode="suggest")
        assert "snake_case" in json.dumps(server.requests[-1].body)
    assert state.is_completed() and state.name == "Suggested", state.message
    names = task_names(state.state_details.flow_run_id)
    assert names[names.index("code") :] == [
        "code",
        "test",
        "code",
        "test",
        "commit",
        "tier",
        "deploy",
    ]
    assert state.result()["deploy"]["patch_path"] and not gates


def test_run_with_flow_goes_through_spec_to_pr(repo: Path, env: Path) -> None:
    from specpilot.flows.commands import app

    spec = env / "usage-docs.md"
    spec.write_text(DOCS_SPEC)
    args = ["run", str(spec), "--repo", str(repo), "--flow", "--json", "--set", HASH_OVERRIDES[0]]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["state"] == "Suggested" and data["outcome"] == "suggested" and data["ok"] is True
    assert Path(data["record_path"]).is_file()


def _wait_paused(flow_run_id: Any, timeout_s: float = 60) -> Any:
    import time

    from prefect.client.orchestration import get_client

    deadline = time.monotonic() + timeout_s
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            run = client.read_flow_run(flow_run_id)
            if run.state and (run.state.is_paused() or run.state.is_final()):
                return run
            time.sleep(0.5)
    raise AssertionError(f"flow run {flow_run_id} never paused")


def _flow_in_thread(**params: Any) -> tuple[threading.Thread, dict[str, Any]]:
    """spec-to-pr in a thread (it blocks at its gate); its flow run id once it exists."""
    from prefect import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName

    out: dict[str, Any] = {}
    thread = threading.Thread(target=lambda: out.setdefault("state", _spec_flow(**params)))
    with get_client(sync_client=True) as client:
        seen = {r.id for r in client.read_flow_runs(limit=200)}
        thread.start()
        flt = FlowFilter(name=FlowFilterName(any_=["spec-to-pr"]))
        for _ in range(120):
            new = [r for r in client.read_flow_runs(flow_filter=flt, limit=200) if r.id not in seen]
            if new:
                out["id"] = new[0].id
                break
            thread.join(0.5)
    assert "id" in out, "the flow run never appeared"
    return thread, out


def test_a_plan_gate_pauses_the_flow_run_until_specpilot_approve(
    repo: Path, env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from specpilot.flows.commands import app

    add_bare_remote(repo, env / "remote.git")
    monkeypatch.setenv("SPECPILOT_ACTOR", "lead")
    with _scripted_model(monkeypatch, docs_script()):
        thread, out = _flow_in_thread(
            spec_text=DOCS_SPEC, spec_name="usage-docs.md", repo=str(repo), mode="pr",
            gates=["plan"], overrides=[*HASH_OVERRIDES, "pipeline.gate_poll_s=1"],
        )  # fmt: skip
        paused = _wait_paused(out["id"])
        assert paused.state.is_paused(), paused.state
        assert "gate-plan" in artifacts_by_key(out["id"])
        runner = CliRunner()
        listed = json.loads(runner.invoke(app, ["runs", "--waiting", "--json"]).stdout)
        (row,) = [r for r in listed if r["flow_run_id"] == str(out["id"])]
        assert row["state"] == "Paused" and row["run_id"] and row["spec"] == "usage-docs.md"
        done = runner.invoke(app, ["approve", row["run_id"], "--comment", "go"])
        assert done.exit_code == 0, done.output
        thread.join(120)
    state = out["state"]
    assert state.name == "PR opened", state.message
    (decision,) = state.result()["gates"]
    assert decision["by"] == "lead" and decision["comment"] == "go" and decision["via"] == "prefect"
    again = CliRunner().invoke(app, ["approve", str(out["id"])])
    assert again.exit_code == 2 and "is not waiting at a gate" in again.output


def test_an_unanswered_gate_times_out_with_a_clear_state(
    repo: Path, env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo / ".specpilot").mkdir()
    (repo / ".specpilot/policy.toml").write_text("[gates]\nplan = [2, 3]\ntimeout_hours = 0.0005\n")
    git(repo, "add", ".specpilot")
    git(repo, "commit", "-q", "-m", "gates")
    with _scripted_model(monkeypatch, docs_script()) as server:
        state = _spec_flow(
            spec_text=DOCS_SPEC, repo=str(repo), mode="pr",
            overrides=[*HASH_OVERRIDES, "pipeline.gate_poll_s=1"],
        )  # fmt: skip
        calls = len(server.requests)
    # past its pause timeout the server itself fails the run, naming our state in its message
    assert state.is_failed() and "gate timed out" in str(state.message), state.message
    assert calls == 1  # the plan; no code was written
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        run = client.read_flow_run(state.state_details.flow_run_id)
    assert run.state.is_failed()
    records = sorted((env / "home" / "runs").glob("*/record.json"))
    record = json.loads(records[-1].read_text())
    assert record["status"] == "rejected" and record["gate_decisions"][0]["via"] == "timeout"


def test_a_spec_to_pr_run_named_after_an_issue_comments_on_it(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.fake_github import FakeGitHub

    with FakeGitHub(token="issue-token", repo="acme/demo") as gh:
        gh.add_issue(5, "Explain how often to run it", "Update the docs.")
        monkeypatch.setenv("GITHUB_TOKEN", "issue-token")
        monkeypatch.setenv("GITHUB_API_URL", gh.base_url)
        state = _spec_flow(spec_text=DOCS_SPEC, spec_name="gh:acme/demo#5", repo=str(repo))
        (comment,) = gh.comments(5)
    assert state.is_completed(), state.message
    record = json.loads(Path(state.result()["record_path"]).read_text())
    assert record["spec_source_kind"] == "github-issue"
    assert record["spec_source_ref"] == "https://github.com/acme/demo/issues/5"
    assert "ran this issue in `suggest` mode: **suggested**" in comment
