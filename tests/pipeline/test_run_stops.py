"""End-to-end runs of ``run_spec`` that stop early: API errors and retries, budgets, a hanging
test command, a crash, a model that never calls a tool, a missing model or an unknown mode.

Each asserts on the run record, the checkout and the requests the server received (the runs
that finish are in test_run.py).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from specpilot.pipeline.core.config import PipelineConfig
from specpilot.pipeline.run.drive import run_spec
from specpilot.pipeline.run.record import load_record
from specpilot.pipeline.testing import error_reply, text_reply, tool_reply
from tests.pipeline.conftest import StartServer
from tests.pipeline.run_case import OPS, SPEC, TESTS, branch_names, trace_events
from tests.pipeline.run_helpers import (
    ADD_MUL,
    ADD_MUL_TEST,
    edit,
    git,
    model_for,
    plan_reply,
)


@pytest.mark.timeout(60)
def test_a_429_is_retried_by_the_sdk_and_the_run_goes_on(
    demo_repo: Path, config: PipelineConfig, scripted_server: StartServer
) -> None:
    server = scripted_server(
        [
            error_reply(429, "slow down"),
            plan_reply(),
            tool_reply(edit(OPS, *ADD_MUL), edit(TESTS, *ADD_MUL_TEST)),
            tool_reply(("finish", {"summary": "Added mul."})),
        ]
    )
    record = run_spec(
        SPEC, repo=demo_repo, mode="pr", config=config, model=model_for(server, config), index=None
    )

    assert record.status == "green", record.stop_reason
    assert len(server.requests) == 4
    assert server.requests[0].body == server.requests[1].body  # the same request, retried
    assert server.requests[1].headers["x-stainless-retry-count"] == "1"
    assert record.model_calls == 3  # the retry is inside one model call


@pytest.mark.timeout(60)
def test_500s_until_retries_run_out_stop_cleanly_with_the_work_so_far(
    demo_repo: Path, config: PipelineConfig, scripted_server: StartServer
) -> None:
    server = scripted_server(
        [
            plan_reply(),
            tool_reply(edit(OPS, *ADD_MUL)),
            *[error_reply(500, "internal trouble")] * (config.max_retries + 1),
            tool_reply(("finish", {"summary": "never reached"})),
        ]
    )
    record = run_spec(
        SPEC, repo=demo_repo, mode="pr", config=config, model=model_for(server, config), index=None
    )

    assert record.status == "stopped"
    assert record.stop_reason is not None and "HTTP 500" in record.stop_reason
    assert len(server.requests) == 2 + config.max_retries + 1
    assert server.remaining == 1
    run_dir = Path(record.run_dir)
    assert load_record(run_dir).status == "stopped"
    assert "+def mul" in (run_dir / "changes.patch").read_text()
    # the work so far stays in the worktree (uncommitted) on its branch
    assert record.commit is None and record.branch == "specpilot/add-mul"
    assert "def mul" in (Path(record.worktree or "") / OPS).read_text()
    assert git(demo_repo, "rev-parse", "specpilot/add-mul") == git(demo_repo, "rev-parse", "main")
    assert any(e["kind"] == "model_error" for e in trace_events(run_dir))


@pytest.mark.timeout(60)
def test_token_budget_exhausted_mid_run_stops_before_the_next_call(
    demo_repo: Path, tmp_path: Path, scripted_server: StartServer
) -> None:
    from dataclasses import replace

    from tests.pipeline.run_helpers import PYTEST

    config = PipelineConfig(
        runs_dir=tmp_path / "runs", worktrees_dir=tmp_path / "wt", test_command=PYTEST,
        max_total_tokens=1500, max_retries=0,
    )  # fmt: skip
    server = scripted_server(
        [
            plan_reply(),  # 400 + 80 + 300 = 780 tokens
            tool_reply(edit(OPS, *ADD_MUL), input_tokens=700),  # 1500 in all: the limit
            tool_reply(("finish", {"summary": "never reached"})),
        ]
    )
    record = run_spec(
        SPEC, repo=demo_repo, mode="pr", config=config, model=model_for(server, config), index=None
    )

    assert record.status == "stopped"
    assert record.stop_reason is not None and "token budget of 1500" in record.stop_reason
    assert len(server.requests) == 2 and server.remaining == 1
    assert record.model_calls == 2 and record.input_tokens + record.output_tokens >= 1180
    assert record.files_changed == (OPS,)  # the edit of the last turn was still applied
    assert load_record(Path(record.run_dir)).stop_reason == record.stop_reason

    steps = replace(config, max_total_tokens=10**6, max_tool_steps=1, runs_dir=tmp_path / "r2")
    server2 = scripted_server(
        [plan_reply(), tool_reply(("read_file", {"path": OPS}), ("read_file", {"path": TESTS}))]
    )
    record2 = run_spec(
        SPEC, repo=demo_repo, mode="pr", config=steps, model=model_for(server2, steps), index=None
    )
    assert record2.status == "stopped" and "tool-step budget of 1" in (record2.stop_reason or "")
    assert record2.tool_steps == 1
    assert record2.branch is None and "specpilot/add-mul-2" not in branch_names(demo_repo)


@pytest.mark.timeout(60)
def test_a_hanging_test_command_is_killed_at_its_limit(
    demo_repo: Path, tmp_path: Path, scripted_server: StartServer
) -> None:
    hang = f"{sys.executable} -c 'import time; time.sleep(120)'"
    config = PipelineConfig(
        runs_dir=tmp_path / "runs", worktrees_dir=tmp_path / "wt", test_command=hang,
        test_timeout_s=1.0, max_repair_rounds=0,
    )  # fmt: skip
    server = scripted_server(
        [plan_reply(), tool_reply(edit(OPS, *ADD_MUL)), tool_reply(("finish", {"summary": "ok"}))]
    )
    record = run_spec(
        SPEC, repo=demo_repo, mode="pr", config=config, model=model_for(server, config), index=None
    )

    assert record.status == "stopped"
    (report,) = record.test_reports
    assert report.timed_out and report.returncode is None and not report.passed
    assert "killed after the 1 s time limit" in report.output
    assert "still fail" in (record.stop_reason or "") and "time limit" in (record.stop_reason or "")
    leftovers = subprocess.run(
        ["pgrep", "-f", "time.sleep\\(120\\)"], capture_output=True, text=True
    )
    assert leftovers.stdout == ""


@pytest.mark.timeout(60)
def test_pr_mode_without_a_model_stops_and_says_why(
    demo_repo: Path, config: PipelineConfig
) -> None:
    record = run_spec(SPEC, repo=demo_repo, mode="pr", config=config, model=None, index=None)
    assert record.status == "stopped"
    assert "needs a model" in (record.stop_reason or "")
    assert branch_names(demo_repo) == ["main"]


@pytest.mark.timeout(60)
def test_a_crash_still_writes_the_record(
    demo_repo: Path, config: PipelineConfig, scripted_server: StartServer, monkeypatch
) -> None:
    import specpilot.pipeline.run.stages as run_module

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(run_module, "plan_from_retrieval", boom)
    with pytest.raises(RuntimeError, match="disk on fire"):
        run_spec(SPEC, repo=demo_repo, mode="suggest", config=config, model=None, index=None)
    (run_dir,) = config.runs_dir.iterdir()
    record = load_record(run_dir)
    assert record.status == "error" and "disk on fire" in (record.stop_reason or "")
    assert trace_events(run_dir)[-1]["kind"] == "run_end"


def test_unknown_mode_is_refused(demo_repo: Path, config: PipelineConfig) -> None:
    from specpilot.pipeline.core.errors import PipelineError

    with pytest.raises(PipelineError, match="available: suggest, pr, auto"):
        run_spec(SPEC, repo=demo_repo, mode="yolo", config=config, model=None, index=None)  # type: ignore[arg-type]


def test_text_reply_without_tools_is_nudged_then_gives_up(
    demo_repo: Path, config: PipelineConfig, scripted_server: StartServer
) -> None:
    server = scripted_server([plan_reply(), *[text_reply("I think it is done.")] * 3])
    record = run_spec(
        SPEC, repo=demo_repo, mode="pr", config=config, model=model_for(server, config), index=None
    )
    assert record.status == "stopped"
    assert "without calling finish" in (record.stop_reason or "")
    nudge = server.requests[2].body["messages"][-1]["content"][0]["text"]
    assert "call finish" in nudge
    assert record.branch is None and branch_names(demo_repo) == ["main"]
