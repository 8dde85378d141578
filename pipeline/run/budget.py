"""Per-run limits (tokens, cost, tool steps, wall time) and a ``Model`` wrapper that meters.

``Budget.check()`` runs before every model call and ``charge_step()`` before every tool call;
each model call is also bounded by the wall time left (``MeteredModel`` passes it as the
call's ``timeout_s``). Each raises ``BudgetExceeded`` naming the limit, which the
orchestrator turns into a clean stop. A model without a known price cannot be held to
``max_cost_usd``: its cost is reported as unpriced (never as free, and without a warning on every run) and the token limit applies.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from specpilot.pipeline.core.config import PipelineConfig
from specpilot.pipeline.core.errors import BudgetExceeded, DeadlineExceeded
from specpilot.pipeline.model.protocol import (
    Message,
    Model,
    ModelResponse,
    SystemBlock,
    ToolSpec,
    Usage,
)
from specpilot.pipeline.run.record import RunTrace

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class BudgetState:
    usage: Usage
    cost_usd: float | None  # None once any call had an unknown price
    model_calls: int
    tool_steps: int
    elapsed_s: float


class Budget:
    def __init__(
        self, config: PipelineConfig, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._config = config
        self._clock = clock
        self._start = clock()
        self.usage = Usage()
        self.cost_usd: float | None = 0.0
        self.model_calls = 0
        self.tool_steps = 0
        self.warnings: list[str] = []

    def elapsed(self) -> float:
        return self._clock() - self._start

    def check(self) -> None:
        """Raise ``BudgetExceeded`` if any limit is already reached."""
        c = self._config
        if self.usage.total_tokens >= c.max_total_tokens:
            raise BudgetExceeded(
                f"The token budget of {c.max_total_tokens} was reached "
                f"({self.usage.total_tokens} used); raise max_total_tokens to go further."
            )
        if self.cost_usd is not None and self.cost_usd >= c.max_cost_usd:
            raise BudgetExceeded(
                f"The cost budget of ${c.max_cost_usd:.2f} was reached "
                f"(${self.cost_usd:.4f} spent); raise max_cost_usd to go further."
            )
        self.check_time()

    def check_time(self) -> None:
        if self.time_left() <= 0:
            raise self.wall_time_reached()

    def time_left(self) -> float:
        """Seconds of ``max_wall_time_s`` left (the deadline of the next model call)."""
        return self._config.max_wall_time_s - self.elapsed()

    def wall_time_reached(self, during: str = "") -> BudgetExceeded:
        """The stop at ``max_wall_time_s``; ``during``: what it cut short."""
        c = self._config
        cut = f" during {during}" if during else ""
        return BudgetExceeded(
            f"The wall-time budget of {c.max_wall_time_s:.0f} s was reached{cut} "
            f"({self.elapsed():.0f} s elapsed); raise max_wall_time_s to go further."
        )

    def charge_step(self) -> None:
        """Count one tool call; raise ``BudgetExceeded`` when no step or time is left.

        Tokens and cost are checked before model calls only: the tool calls of a reply that
        was already paid for still run, and the run stops before the next call."""
        c = self._config
        if self.tool_steps >= c.max_tool_steps:
            raise BudgetExceeded(
                f"The tool-step budget of {c.max_tool_steps} was reached; raise "
                "max_tool_steps to go further."
            )
        self.check_time()
        self.tool_steps += 1

    def charge_model(self, usage: Usage, cost_usd: float | None) -> None:
        self.model_calls += 1
        self.usage = self.usage + usage
        if cost_usd is None:
            if self.cost_usd is not None:  # once per run, and no warning: reported as unpriced
                log.info(
                    "model %r is unpriced: the run reports tokens, its cost as unpriced, and "
                    "only the token limit (max_total_tokens) applies",
                    self._config.model,
                )
            self.cost_usd = None
        elif self.cost_usd is not None:
            self.cost_usd += cost_usd

    def state(self) -> BudgetState:
        return BudgetState(
            self.usage, self.cost_usd, self.model_calls, self.tool_steps, self.elapsed()
        )


class MeteredModel:
    """Wraps a ``Model``: checks the budget before each call, charges it after, and traces
    every call (stage, tokens, stop reason, cost). Each call gets the wall time left as its
    ``timeout_s``, so one slow request (or its retries) cannot outlast ``max_wall_time_s``:
    a call cut by it is the same ``BudgetExceeded`` as the check between calls."""

    def __init__(self, inner: Model, budget: Budget, trace: RunTrace | None = None) -> None:
        self._inner = inner
        self._budget = budget
        self._trace = trace
        self.stage = "model"  # set by the orchestrator: "plan", "code"

    @property
    def name(self) -> str:
        return self._inner.name

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
        self._budget.check()
        started = time.monotonic()
        left = self._budget.time_left()
        given = left if timeout_s is None else min(timeout_s, left)
        try:
            response = self._inner.complete(
                system=system,
                messages=messages,
                tools=tools,
                tool_choice=tool_choice,
                max_tokens=max_tokens,
                timeout_s=given,
            )
        except Exception as exc:
            # a call cut at the wall time left is the budget's stop (a caller's own, shorter
            # deadline stays the caller's DeadlineExceeded)
            cut = isinstance(exc, DeadlineExceeded) and given >= left
            stop = self._budget.wall_time_reached(f"a model request ({exc})") if cut else exc
            if self._trace:
                self._trace.event(
                    "model_error", stage=self.stage, error=f"{type(stop).__name__}: {stop}"
                )
            if stop is exc:
                raise
            raise stop from exc
        self._budget.charge_model(response.usage, response.cost_usd)
        if self._trace:
            u = response.usage
            self._trace.event(
                "model_call",
                stage=self.stage,
                model=response.model,
                stop_reason=response.stop_reason,
                input_tokens=u.input_tokens,
                output_tokens=u.output_tokens,
                cache_read_tokens=u.cache_read_tokens,
                cache_write_tokens=u.cache_write_tokens,
                cost_usd=response.cost_usd,
                tool_calls=[c.name for c in response.tool_calls],
                text=_trimmed(response.text),  # what the model said: a failed plan is readable
                messages_sent=len(messages),
                seconds=round(time.monotonic() - started, 3),
                request_id=response.request_id,
            )
        return response


REPLY_TEXT_CHARS = 2000  # of each reply's text kept in the trace


def _trimmed(text: str) -> str:
    if len(text) <= REPLY_TEXT_CHARS:
        return text
    half = REPLY_TEXT_CHARS // 2
    return f"{text[:half]}\n[... {len(text) - REPLY_TEXT_CHARS} chars ...]\n{text[-half:]}"
