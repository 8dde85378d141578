"""The wall-time budget bounds a single model request, its retries included.

A loopback Messages API server stalls before answering; the product's ``AnthropicModel`` (the
real ``anthropic`` SDK) is metered as in a run. With ``max_wall_time_s`` of 2 s and a
``request_timeout_s`` of 60 s the call must end with the wall-time budget stop within a few
seconds, whatever the retries; a request that times out on its own ``request_timeout_s``
keeps its model error.
"""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path

import pytest

from specpilot.pipeline.core.config import PipelineConfig
from specpilot.pipeline.core.errors import BudgetExceeded, DeadlineExceeded, ModelError
from specpilot.pipeline.model.protocol import Message
from specpilot.pipeline.run.budget import Budget, MeteredModel
from specpilot.pipeline.run.drive import run_spec
from specpilot.pipeline.run.record import RunTrace
from specpilot.pipeline.run.spec import parse_spec
from specpilot.pipeline.testing import (
    GrepIndex,
    ScriptedMessagesServer,
    error_reply,
    slow,
    text_reply,
)
from tests.pipeline.conftest import StartServer
from tests.pipeline.run_helpers import model_for, plan_reply

STALL_S = 12.0  # longer than any budget below, far shorter than request_timeout_s
WALL = "The wall-time budget of 2 s was reached during a model request"
SPEC = parse_spec(
    "---\ntitle: Add a multiply helper\n---\nAdd `mul` in calc/ops.py.\n", source="specs/mul.md"
)


def _metered(
    config: PipelineConfig, server: ScriptedMessagesServer, tmp_path: Path
) -> MeteredModel:
    """The product's client, metered by the run's budget (which starts now)."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    trace = RunTrace(tmp_path / "trace.jsonl")
    return MeteredModel(model_for(server, config), Budget(config), trace)


def _call(model: MeteredModel) -> tuple[BaseException, float]:
    started = time.monotonic()
    with pytest.raises((BudgetExceeded, ModelError)) as caught:
        model.complete(system=[], messages=[Message("user", "x")])
    return caught.value, time.monotonic() - started


@pytest.mark.timeout(30)
def test_a_stalled_request_is_cut_at_the_wall_time_left(
    config: PipelineConfig, scripted_server: StartServer, tmp_path: Path
) -> None:
    cfg = replace(config, max_wall_time_s=2, request_timeout_s=60, max_retries=2)
    server = scripted_server([slow(text_reply("too late"), STALL_S)] * 3)
    error, took = _call(_metered(cfg, server, tmp_path))
    assert isinstance(error, BudgetExceeded), error  # a budget stop, not a model error
    assert str(error).startswith(WALL) and "max_wall_time_s" in str(error)
    assert isinstance(error.__cause__, DeadlineExceeded)
    assert 1.8 <= took < 3.5
    assert len(server.requests) == 1  # no retry was started after the deadline
    events = RunTrace(tmp_path / "trace.jsonl").events()
    assert [e["kind"] for e in events] == ["model_error"]
    assert events[0]["error"].startswith(f"BudgetExceeded: {WALL}")


@pytest.mark.timeout(30)
def test_retries_stay_inside_the_wall_time(
    config: PipelineConfig, scripted_server: StartServer, tmp_path: Path
) -> None:
    """A quick 500, then a retry that stalls: the retry gets only what is left."""
    cfg = replace(config, max_wall_time_s=2, request_timeout_s=60, max_retries=2)
    script = [error_reply(500, "overheated", retry_after_ms=200)]
    server = scripted_server(script + [slow(text_reply("too late"), STALL_S)] * 2)
    error, took = _call(_metered(cfg, server, tmp_path))
    assert isinstance(error, BudgetExceeded) and str(error).startswith(WALL), error
    assert 1.8 <= took < 3.5
    assert [r.headers["x-stainless-retry-count"] for r in server.requests] == ["0", "1"]


@pytest.mark.timeout(30)
def test_a_retry_wait_past_the_wall_time_is_not_waited(
    config: PipelineConfig, scripted_server: StartServer, tmp_path: Path
) -> None:
    """A 429 asking for 30 s with 2 s left: the budget stops the run now, not in 30 s."""
    cfg = replace(config, max_wall_time_s=2, request_timeout_s=60, max_retries=2)
    server = scripted_server([error_reply(429, "slow down", retry_after_ms=30_000)])
    error, took = _call(_metered(cfg, server, tmp_path))
    assert isinstance(error, BudgetExceeded) and str(error).startswith(WALL), error
    assert "would wait 30.0 s" in str(error)
    assert took < 1.5 and len(server.requests) == 1


@pytest.mark.timeout(30)
def test_own_request_timeouts_keep_their_model_error_and_their_retries_are_bounded(
    config: PipelineConfig, scripted_server: StartServer, tmp_path: Path
) -> None:
    # within the budget: the request's own timeout is a model error, as before
    cfg = replace(config, max_wall_time_s=60, request_timeout_s=1, max_retries=0)
    server = scripted_server([slow(text_reply("too late"), 4)])
    error, _ = _call(_metered(cfg, server, tmp_path / "a"))
    assert type(error) is ModelError
    assert "did not answer within 1 s after 0 retries; raise pipeline.request_timeout_s" in str(
        error
    )
    # 3 attempts of 0.8 s and their backoff would take ~3.5 s: the budget of 2 s ends them
    cfg = replace(config, max_wall_time_s=2, request_timeout_s=0.8, max_retries=2)
    server = scripted_server([slow(text_reply("too late"), 4)] * 3)
    error, took = _call(_metered(cfg, server, tmp_path / "b"))
    assert isinstance(error, BudgetExceeded) and str(error).startswith(WALL), error
    assert took < 2.6


@pytest.mark.timeout(60)
def test_a_run_stalled_on_the_model_stops_as_a_wall_time_budget_stop(
    demo_repo: Path, config: PipelineConfig, scripted_server: StartServer
) -> None:
    cfg = replace(config, max_wall_time_s=3, request_timeout_s=60, max_retries=2)
    server = scripted_server([slow(plan_reply(), STALL_S)] * 3)
    started = time.monotonic()
    record = run_spec(
        SPEC, repo=demo_repo, mode="pr", config=cfg, model=model_for(server, cfg),
        index=GrepIndex(demo_repo),
    )  # fmt: skip
    assert time.monotonic() - started < 3 + 4  # the budget, plus the run's own setup/teardown
    assert record.status == "stopped"
    reason = record.stop_reason or ""
    assert reason.startswith("budget: The wall-time budget of 3 s was reached during a model")
    assert "max_wall_time_s" in reason
    run_dir = Path(record.run_dir)
    saved = json.loads((run_dir / "record.json").read_text())
    assert saved["stop_reason"] == reason
    assert f"**Why:** {reason}" in (run_dir / "report.md").read_text()
