"""Budget limits and the metering model wrapper."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import pytest

from specpilot.pipeline.core.config import PipelineConfig
from specpilot.pipeline.core.errors import BudgetExceeded, ConfigError
from specpilot.pipeline.model.protocol import Message, ModelResponse, SystemBlock, ToolSpec, Usage
from specpilot.pipeline.run.budget import Budget, MeteredModel
from specpilot.pipeline.run.record import RunTrace


class FakeModel:
    """A minimal in-process Model that answers with fixed usage and cost."""

    def __init__(self, usage: Usage, cost: float | None) -> None:
        self.usage, self.cost, self.calls = usage, cost, 0

    @property
    def name(self) -> str:
        return "fake"

    def complete(
        self,
        *,
        system: Sequence[SystemBlock],
        messages: Sequence[Message],
        tools: Sequence[ToolSpec] = (),
        tool_choice: str | None = None,
        max_tokens: int | None = None,
        timeout_s: float | None = None,
    ) -> ModelResponse:
        self.calls += 1
        return ModelResponse("ok", (), "end_turn", self.usage, self.cost, "fake")


def test_tokens_are_checked_before_each_call(tmp_path) -> None:
    budget = Budget(PipelineConfig(max_total_tokens=250))
    inner = FakeModel(Usage(100, 20, 0, 0), 0.01)
    trace = RunTrace(tmp_path / "t.jsonl")
    model = MeteredModel(inner, budget, trace)
    for _ in range(3):  # 120, 240 (both under 250), then 360
        model.complete(system=[], messages=[])
    with pytest.raises(BudgetExceeded, match="token budget of 250 was reached \\(360 used\\)"):
        model.complete(system=[], messages=[])
    assert inner.calls == 3  # the fourth call never reached the model
    events = trace.events()
    assert [e["kind"] for e in events] == ["model_call"] * 3
    assert events[0]["input_tokens"] == 100 and events[0]["cost_usd"] == 0.01
    assert budget.state().model_calls == 3


def test_cost_limit() -> None:
    budget = Budget(PipelineConfig(max_cost_usd=0.05))
    budget.charge_model(Usage(1, 1), 0.03)
    budget.check()
    budget.charge_model(Usage(1, 1), 0.03)
    with pytest.raises(BudgetExceeded, match=r"cost budget of \$0.05"):
        budget.check()


def test_unknown_price_makes_cost_unpriced_without_a_warning_and_tokens_still_limit() -> None:
    budget = Budget(PipelineConfig(max_cost_usd=0.01, max_total_tokens=8))
    budget.charge_model(Usage(1, 1), 0.001)
    budget.charge_model(Usage(1, 1), None)
    budget.charge_model(Usage(1, 1), None)
    assert budget.cost_usd is None
    assert budget.warnings == []  # an unpriced (local) model is normal, not a warning each run
    budget.check()  # no cost check possible; tokens are still counted
    assert budget.usage.total_tokens == 6
    budget.charge_model(Usage(1, 1), None)
    with pytest.raises(BudgetExceeded, match="token budget of 8"):
        budget.check()  # the cost limit falls back to the token limit


def test_steps_and_wall_time() -> None:
    now = [0.0]
    budget = Budget(PipelineConfig(max_tool_steps=2, max_wall_time_s=10), clock=lambda: now[0])
    budget.charge_step()
    budget.charge_step()
    with pytest.raises(BudgetExceeded, match="tool-step budget of 2"):
        budget.charge_step()
    fresh = Budget(PipelineConfig(max_wall_time_s=10), clock=lambda: now[0])
    now[0] = 11.0
    with pytest.raises(BudgetExceeded, match="wall-time budget of 10 s"):
        fresh.check()
    with pytest.raises(BudgetExceeded, match="wall-time"):
        fresh.charge_step()


def test_config_rejects_bad_limits() -> None:
    with pytest.raises(ConfigError, match="max_tool_steps must be greater than 0, not 0"):
        PipelineConfig(max_tool_steps=0)
    with pytest.raises(ConfigError, match="max_repair_rounds must be 0 or more"):
        PipelineConfig(max_repair_rounds=-1)
    with pytest.raises(ConfigError, match="branch_prefix"):
        PipelineConfig(branch_prefix="")
    data = replace(PipelineConfig(), blocked_paths=("a/**",)).to_dict()
    assert data["blocked_paths"] == ["a/**"] and data["runs_dir"] == "runs"
    assert data["prices"]["claude-sonnet-4-6"]["input_per_mtok"] == 3.0
