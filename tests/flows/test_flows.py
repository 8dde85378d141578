"""The Prefect flows under ``prefect_test_harness`` (one temporary server for the session):
index-repo (task-runner parsing, artifacts, the per-index lock) and spec-to-pr (one task per
stage, artifacts, final states named after the outcome, parameter and spec errors)."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from specpilot.indexer.store.index_store import IndexStore
from specpilot.pipeline.testing import ScriptedMessagesServer, tool_reply
from tests.flows.spec_helpers import (
    DEMO_FILES,
    DOCS_SPEC,
    add_bare_remote,
    artifacts_of,
    docs_script,
    git,
    task_names,
)

HASH = ["index.embed.model='hash'"]


@pytest.fixture(scope="session")
def harness() -> Iterator[None]:
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=60):
        yield


@pytest.fixture
def env(harness: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SPECPILOT_HOME", str(tmp_path / "home"))
    for name in ("ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "GITHUB_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


@pytest.fixture
def repo(env: Path, make_repo: Callable[..., Path]) -> Path:
    return make_repo(DEMO_FILES, git=True, name="repo")


@contextmanager
def _scripted_model(monkeypatch: pytest.MonkeyPatch, script: list[Any]) -> Iterator[Any]:
    """The loopback Messages API replaying ``script``; the SDK pointed at it."""
    with ScriptedMessagesServer(script) as server:
        monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
        monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)
        yield server


def _spec_flow(**params: Any) -> Any:
    from specpilot.flows.flow_spec import spec_to_pr

    return spec_to_pr(**{"overrides": HASH, **params}, return_state=True)


def _by_key(flow_run_id: Any) -> dict[str, Any]:
    return {a.key: a for a in artifacts_of(flow_run_id) if a.key}


def test_index_repo_flow_parses_through_tasks_and_reports(repo: Path) -> None:
    from prefect.client.orchestration import get_client

    from specpilot.flows.flow_index import index_lock_name, index_repo_flow

    state = index_repo_flow(repo=str(repo), overrides=HASH, return_state=True)
    assert state.is_completed(), state.message
    summary = state.result()
    assert summary["files"] == len(DEMO_FILES) and summary["added"] == len(DEMO_FILES)
    assert "Indexed 5 files (5 added" in state.message
    run_id = state.state_details.flow_run_id
    assert "parse-batch" in task_names(run_id)
    kinds = {a.type for a in artifacts_of(run_id)}
    assert {"table", "progress"} <= kinds
    table = _by_key(run_id)["index-summary"]
    assert {"item": "files", "value": "5"} in json.loads(str(table.data))
    with get_client(sync_client=True) as client:
        limit = client.read_global_concurrency_limit_by_name(index_lock_name(summary["db"]))
    assert limit.limit == 1 and limit.active

    again = index_repo_flow(repo=str(repo), overrides=HASH, return_state=True).result()
    assert (again["added"], again["unchanged"], again["chunks_embedded"]) == (0, 5, 0)


def test_a_second_index_run_waits_for_the_lock_of_the_index(repo: Path, env: Path) -> None:
    from prefect.concurrency.sync import concurrency

    from specpilot.flows.flow_index import ensure_lock, index_lock_name, index_repo_flow

    db = str(env / "locked-index")
    lock = index_lock_name(db)
    ensure_lock(lock)
    states: list[Any] = []
    worker = threading.Thread(
        target=lambda: states.append(
            index_repo_flow(repo=str(repo), overrides=HASH, db=db, return_state=True)
        )
    )
    with concurrency(lock, occupy=1):  # another run is writing this index
        worker.start()
        worker.join(timeout=2.5)
        assert worker.is_alive() and not IndexStore.exists(db)
    worker.join(timeout=60)
    assert states and states[0].is_completed(), states


def test_the_task_runner_comes_from_the_config(repo: Path) -> None:
    from prefect.task_runners import ThreadPoolTaskRunner

    from specpilot.flows.flow_index import index_repo_flow, make_task_runner
    from specpilot.flows.pipeline_settings import FlowSettings

    assert isinstance(make_task_runner(FlowSettings()), ThreadPoolTaskRunner)
    dask = [*HASH, "flows.task_runner='dask'"]
    state = index_repo_flow(repo=str(repo), overrides=dask, return_state=True)
    # prefect-dask is optional: without it the flow says what to install
    try:
        import prefect_dask  # noqa: F401
    except ImportError:
        assert state.is_failed() and "pip install prefect-dask" in str(state.message)
    else:
        assert state.is_completed(), state.message
    state = index_repo_flow(
        repo=str(repo), overrides=[*HASH, "flows.task_runner='spark'"], return_state=True
    )
    assert state.is_failed() and "use 'threads' or 'dask'" in str(state.message)


def test_index_repo_flow_with_a_missing_repo_fails_with_a_message(env: Path) -> None:
    from specpilot.flows.flow_index import index_repo_flow

    state = index_repo_flow(repo=str(env / "nowhere"), return_state=True)
    assert state.is_failed() and "must be an existing directory" in str(state.message)


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
    artifacts = _by_key(run_id)
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
        "overrides": HASH, "db": None, "actor": None, **params,
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
            overrides=[*HASH, "pipeline.max_total_tokens=100", "pipeline.escalate=false"],
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
            overrides=[*HASH, "pipeline.max_repair_rounds=0"],
        )
    assert state.is_failed() and state.name == "Escalated", state.message
    assert "the tests still fail after 0 repair round(s)" in str(state.message)
    names = task_names(state.state_details.flow_run_id)
    assert names.count("test") == 1 and "escalate" in names and "deploy" not in names
    esc = _by_key(state.state_details.flow_run_id)["escalation"]
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
    from specpilot.flows.cli import app

    spec = env / "usage-docs.md"
    spec.write_text(DOCS_SPEC)
    args = ["run", str(spec), "--repo", str(repo), "--flow", "--json", "--set", HASH[0]]
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
    from specpilot.flows.cli import app

    add_bare_remote(repo, env / "remote.git")
    monkeypatch.setenv("SPECPILOT_ACTOR", "lead")
    with _scripted_model(monkeypatch, docs_script()):
        thread, out = _flow_in_thread(
            spec_text=DOCS_SPEC, spec_name="usage-docs.md", repo=str(repo), mode="pr",
            gates=["plan"], overrides=[*HASH, "pipeline.gate_poll_s=1"],
        )  # fmt: skip
        paused = _wait_paused(out["id"])
        assert paused.state.is_paused(), paused.state
        assert "gate-plan" in _by_key(out["id"])
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
            overrides=[*HASH, "pipeline.gate_poll_s=1"],
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


def _vectors(db: str) -> dict[str, list[float] | None]:
    rows = IndexStore.open(db).table("chunks").to_arrow().select(["id", "vector"]).to_pydict()
    return dict(zip(rows["id"], rows["vector"], strict=True))


MANY_FILES = {
    f"pkg/mod{i}.py": "".join(f"def f{i}_{j}(x):\n    return x * {j} + {i}\n\n" for j in range(8))
    for i in range(40)
}
UNMERGED = [*HASH, "index.chunk.merge_below_lines=0"]  # one chunk per function: 320


def test_embedding_fanned_out_over_two_task_workers_writes_the_plain_index_vectors(
    env: Path, make_repo: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from specpilot.flows import embed_fanout
    from specpilot.flows.cli import app
    from specpilot.flows.flow_index import index_repo_flow

    repo = make_repo(MANY_FILES, git=True, name="many")
    plain = str(env / "plain-index")
    sets = [a for o in UNMERGED for a in ("--set", o)]
    cli = CliRunner().invoke(app, ["index", str(repo), "--db", plain, *sets])
    assert cli.exit_code == 0, cli.output
    monkeypatch.setattr(embed_fanout, "CALLS_PER_TASK", 1)  # many small tasks, 4 in flight
    db = str(env / "fanned-out")
    state = index_repo_flow(
        repo=str(repo), overrides=UNMERGED, db=db, embed_workers=2, return_state=True
    )
    assert state.is_completed(), state.message
    fanned, expected = _vectors(db), _vectors(plain)
    assert len(fanned) == len(expected) > 300  # over 10 calls of 32 texts
    assert all(v is not None for v in fanned.values())
    assert IndexStore.open(db).meta.vectors_missing == 0
    assert fanned == expected  # each chunk got its own text's vector: order kept
    names = task_names(state.state_details.flow_run_id)
    assert names.count("embed-batch") >= 10 and "parse-batch" in names


def test_embed_workers_must_be_zero_or_more(repo: Path) -> None:
    from specpilot.flows.flow_index import index_repo_flow

    state = index_repo_flow(repo=str(repo), overrides=HASH, embed_workers=-1, return_state=True)
    assert state.is_failed() and "'embed_workers' must be 0" in str(state.message)
