"""End to end against a real ``prefect server start`` (127.0.0.1, a free port, its own
PREFECT_HOME): ``specpilot serve`` in the background, the nightly index deployment triggered,
a spec submitted with ``specpilot submit`` (the model is the scripted loopback server); and
the deployments registered on a process work pool, run by a ``prefect worker``.
(Malformed specs and bad parameters: test_flows.py, under the harness.) Every process started here is stopped by its
process group in ``finally``."""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from specpilot.pipeline.testing import ScriptedMessagesServer
from tests.flows.spec_helpers import (
    DEMO_FILES,
    DOCS_SPEC,
    add_bare_remote,
    artifacts_of,
    docs_script,
    git,
)
from tests.services import BIN, Services, free_port, wait_for


class _Services(Services):
    def prefect_server(self, port: int, log: Path) -> None:
        """``prefect server start`` on 127.0.0.1:``port``, waited for until healthy."""
        self.start(
            [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1",
             "--port", str(port), "--analytics-off"],
            log,
        )  # fmt: skip
        health = f"http://127.0.0.1:{port}/api/health"
        wait_for(
            "the server",
            lambda: urllib.request.urlopen(health, timeout=2).status == 200,
            60,
            self.logs,
        )


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_serve_trigger_and_submit_against_a_real_server(
    tmp_path: Path, make_repo: Callable[..., Path]
) -> None:
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from specpilot.flows.deployments import INDEX_DEPLOYMENT, SPEC_DEPLOYMENT, trigger

    repo = make_repo(DEMO_FILES, git=True, name="repo")
    remote = add_bare_remote(repo, tmp_path / "remote.git")
    spec = tmp_path / "usage-docs.md"
    spec.write_text(DOCS_SPEC)
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    logs = [tmp_path / "server.log", tmp_path / "serve.log"]
    with ScriptedMessagesServer(docs_script()) as model:
        env = {
            **os.environ,
            "PREFECT_HOME": str(tmp_path / "prefect"),
            "PREFECT_API_URL": api,
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "SPECPILOT_HOME": str(tmp_path / "home"),
            "ANTHROPIC_API_KEY": "test-key",
            "ANTHROPIC_BASE_URL": model.url,
            "PREFECT_RUNNER_POLL_FREQUENCY": "1",  # serve picks up new runs within a second
        }
        env.pop("GITHUB_TOKEN", None)
        services = _Services(env, logs)
        t0 = time.monotonic()
        marks: dict[str, float] = {}
        try:
            services.prefect_server(port, logs[0])
            marks["server"] = time.monotonic() - t0
            services.start(
                [str(BIN / "specpilot"), "serve", "--repo", str(repo),
                 "--set", "index.embed.model='hash'"],
                logs[1],
            )  # fmt: skip
            with temporary_settings({PREFECT_API_URL: api}), get_client(sync_client=True) as client:
                for name in (INDEX_DEPLOYMENT, SPEC_DEPLOYMENT):
                    wait_for(name, lambda n=name: client.read_deployment_by_name(n), 60, logs)
                marks["serve"] = time.monotonic() - t0
                index_run = trigger(INDEX_DEPLOYMENT)
                done = subprocess.run(
                    [str(BIN / "specpilot"), "submit", str(spec), "--mode", "pr", "--json"],
                    env=env, capture_output=True, text=True, timeout=60,
                )  # fmt: skip
                assert done.returncode == 0, done.stderr
                submitted = json.loads(done.stdout)
                assert submitted["ui_url"] == (
                    f"http://127.0.0.1:{port}/runs/flow-run/{submitted['flow_run_id']}"
                )

                def final(run_id: Any) -> Any:
                    run = client.read_flow_run(run_id)
                    return run if run.state and run.state.is_final() else None

                ids = (index_run.id, submitted["flow_run_id"])
                index_done, spec_done = (
                    wait_for(f"flow run {i}", lambda i=i: final(i), 120, logs) for i in ids
                )
                marks["runs"] = time.monotonic() - t0
                print("phases (s since start):", marks)
                assert index_done.state.is_completed(), index_done.state.message
                assert "index-summary" in {a.key for a in artifacts_of(index_run.id)}
                assert spec_done.state.name == "PR opened", spec_done.state.message
                assert spec_done.parameters["spec_text"] == DOCS_SPEC
                keys = {a.key for a in artifacts_of(spec_done.id)}
                assert {"plan", "diff", "test-report", "tier-decision", "run-record"} <= keys
            assert "Run it twice." in git(remote, "show", "specpilot/usage-docs:docs/usage.md")
        finally:
            services.close()


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_a_work_pool_worker_runs_the_registered_index_deployment(
    tmp_path: Path, make_repo: Callable[..., Path]
) -> None:
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from specpilot.flows.deployments import INDEX_DEPLOYMENT, trigger

    repo = make_repo(DEMO_FILES, git=True, name="repo")
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {
        **os.environ,
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "PREFECT_API_URL": api,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "SPECPILOT_HOME": str(tmp_path / "home"),
        "PREFECT_WORKER_QUERY_SECONDS": "1",  # the worker polls every second
        "PREFECT_WORKER_PREFETCH_SECONDS": "1",
    }
    logs = [tmp_path / "server.log", tmp_path / "worker.log"]
    services = _Services(env, logs)

    def run(args: list[str]) -> str:
        done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    try:
        services.prefect_server(port, logs[0])
        run([str(BIN / "prefect"), "work-pool", "create", "specpilot-test", "--type", "process"])
        out = run(
            [str(BIN / "specpilot"), "serve", "--repo", str(repo), "--work-pool", "specpilot-test",
             "--set", "index.embed.model='hash'"]
        )  # fmt: skip
        assert "registered" in out and "specpilot-test" in out  # registers, then returns
        services.start(
            [str(BIN / "prefect"), "worker", "start", "--pool", "specpilot-test"], logs[1]
        )
        with temporary_settings({PREFECT_API_URL: api}), get_client(sync_client=True) as client:
            deployment = client.read_deployment_by_name(INDEX_DEPLOYMENT)
            assert deployment.work_pool_name == "specpilot-test"
            index_run = trigger(INDEX_DEPLOYMENT)

            def final() -> Any:
                run_ = client.read_flow_run(index_run.id)
                return run_ if run_.state and run_.state.is_final() else None

            done = wait_for("the worker's flow run", final, 150, logs)
            assert done.state.is_completed(), done.state.message
            assert done.work_pool_name == "specpilot-test"  # the pool's worker ran it
            assert "index-summary" in {a.key for a in artifacts_of(index_run.id)}
    finally:
        services.close()


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_a_plan_gate_waits_for_specpilot_approve_against_a_real_server(
    tmp_path: Path, make_repo: Callable[..., Path]
) -> None:
    """``submit --gate plan``: the flow run pauses after its plan; ``specpilot runs --waiting``
    lists it; ``specpilot approve`` resumes it to a PR. A second one is rejected and ends
    ``Rejected`` with the reviewer's words in its state message. Nothing is pushed for it."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from specpilot.flows.deployments import SPEC_DEPLOYMENT
    from tests.flows.spec_helpers import plan_reply

    repo = make_repo(DEMO_FILES, git=True, name="repo")
    remote = add_bare_remote(repo, tmp_path / "remote.git")
    spec = tmp_path / "usage-docs.md"
    spec.write_text(DOCS_SPEC)
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    logs = [tmp_path / "server.log", tmp_path / "serve.log"]
    with ScriptedMessagesServer([*docs_script(), plan_reply()]) as model:
        env = {
            **os.environ,
            "PREFECT_HOME": str(tmp_path / "prefect"),
            "PREFECT_API_URL": api,
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "SPECPILOT_HOME": str(tmp_path / "home"),
            "SPECPILOT_ACTOR": "lead",
            "ANTHROPIC_API_KEY": "test-key",
            "ANTHROPIC_BASE_URL": model.url,
            "PREFECT_RUNNER_POLL_FREQUENCY": "1",
        }
        env.pop("GITHUB_TOKEN", None)
        services = _Services(env, logs)

        def cli(*args: str) -> Any:
            done = subprocess.run(
                [str(BIN / "specpilot"), *args], env=env, capture_output=True, text=True,
                timeout=60,
            )  # fmt: skip
            assert done.returncode == 0, done.stdout + done.stderr
            return json.loads(done.stdout) if "--json" in args else done.stdout

        try:
            services.prefect_server(port, logs[0])
            services.start(
                [str(BIN / "specpilot"), "serve", "--repo", str(repo),
                 "--set", "index.embed.model='hash'", "--set", "pipeline.gate_poll_s=1"],
                logs[1],
            )  # fmt: skip
            with temporary_settings({PREFECT_API_URL: api}), get_client(sync_client=True) as client:
                wait_for(
                    SPEC_DEPLOYMENT,
                    lambda: client.read_deployment_by_name(SPEC_DEPLOYMENT),
                    60,
                    logs,
                )

                def state_of(run_id: str, want: Callable[[Any], bool]) -> Any:
                    run = client.read_flow_run(run_id)
                    return run if run.state and want(run.state) else None

                outcomes = {}
                for verdict in ("approve", "reject"):
                    sub = cli("submit", str(spec), "--mode", "pr", "--gate", "plan", "--json")
                    assert sub["url"].endswith(sub["flow_run_id"])
                    run_id = sub["flow_run_id"]
                    wait_for(
                        "the pause",
                        lambda r=run_id: state_of(r, lambda s: s.is_paused()),
                        120,
                        logs,
                    )
                    (row,) = [
                        r for r in cli("runs", "--waiting", "--json") if r["flow_run_id"] == run_id
                    ]
                    assert row["state"] == "Paused" and row["run_id"]
                    extra = (
                        ["--reject", "--comment", "too risky today"] if verdict == "reject" else []
                    )
                    cli("approve", run_id, *extra)
                    outcomes[verdict] = wait_for(
                        "the end", lambda r=run_id: state_of(r, lambda s: s.is_final()), 120, logs
                    )
            approved, rejected = outcomes["approve"], outcomes["reject"]
            assert approved.state.name == "PR opened", approved.state.message
            assert rejected.state.name == "Rejected", rejected.state.message
            assert "too risky today" in rejected.state.message
            assert "plan gate rejected by lead" in rejected.state.message
            assert "Run it twice." in git(remote, "show", "specpilot/usage-docs:docs/usage.md")
            audit = [
                json.loads(line)
                for line in (tmp_path / "home/audit/audit.jsonl").read_text().splitlines()
            ]
            gates = [
                (r["gates"][0]["approved"], r["gates"][0]["by"]) for r in audit if r.get("gates")
            ]
            assert gates == [(True, "lead"), (False, "lead")]
        finally:
            services.close()
