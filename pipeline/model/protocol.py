"""The ``Model`` protocol the stages talk to, and the provider-neutral data it exchanges.

Only ``pipeline/model/anthropic.py`` knows about the ``anthropic`` SDK; every stage sees these
frozen dataclasses.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from specpilot.pipeline.core.config import ModelPrice


@dataclass(frozen=True, slots=True)
class ToolSpec:
    """A tool the model may call; ``input_schema`` is a JSON schema of its arguments."""

    name: str
    description: str
    input_schema: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class ToolCall:
    id: str
    name: str
    arguments: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class ToolResult:
    call_id: str
    content: str
    is_error: bool = False


@dataclass(frozen=True, slots=True)
class Message:
    """One conversation turn. A user turn carries tool results (first) and/or text."""

    role: Literal["user", "assistant"]
    text: str = ""
    tool_calls: tuple[ToolCall, ...] = ()
    tool_results: tuple[ToolResult, ...] = ()


@dataclass(frozen=True, slots=True)
class SystemBlock:
    """A block of the system prompt; ``cache=True`` marks static context for prompt caching."""

    text: str
    cache: bool = False


@dataclass(frozen=True, slots=True)
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return (
            self.input_tokens
            + self.output_tokens
            + self.cache_read_tokens
            + self.cache_write_tokens
        )

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.input_tokens + other.input_tokens,
            self.output_tokens + other.output_tokens,
            self.cache_read_tokens + other.cache_read_tokens,
            self.cache_write_tokens + other.cache_write_tokens,
        )


@dataclass(frozen=True, slots=True)
class ModelResponse:
    text: str
    tool_calls: tuple[ToolCall, ...]
    stop_reason: str  # "end_turn", "tool_use", "max_tokens", ...
    usage: Usage
    cost_usd: float | None  # None: the model's price is unknown (never reported as 0)
    model: str
    request_id: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


class Model(Protocol):
    """A chat model with tool use. Implementations retry transient errors themselves and
    raise ``ModelError`` when they give up."""

    @property
    def name(self) -> str: ...

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
        """One model turn. ``tool_choice``: None = the model decides; a tool name forces it.

        ``timeout_s``: the call, every attempt and retry wait included, ends within this many
        seconds or raises ``DeadlineExceeded`` (the run's remaining wall time, passed by the
        ``MeteredModel``); None = only the implementation's own request timeout applies."""
        ...


def cost_of(usage: Usage, price: ModelPrice | None) -> float | None:
    """US dollars for ``usage``; None when the price is unknown."""
    if price is None:
        return None
    return (
        usage.input_tokens * price.input_per_mtok
        + usage.output_tokens * price.output_per_mtok
        + usage.cache_read_tokens * price.cache_read_per_mtok
        + usage.cache_write_tokens * price.cache_write_per_mtok
    ) / 1_000_000


# Stop reasons of a reply that was cut off: its text and its tool calls' arguments may be
# incomplete (half a file in create_file), so nothing in it may be acted on.
CUT_OFF_STOP_REASONS = frozenset({"max_tokens", "model_context_window_exceeded"})
NOT_RUN = "Not run: your reply was cut off before it ended, so this call may be incomplete."


def is_cut_off(response: ModelResponse) -> bool:
    return response.stop_reason in CUT_OFF_STOP_REASONS


def cut_off_turn(response: ModelResponse, max_tokens: int, advice: str) -> Message:
    """The user turn that answers a cut-off reply: every tool call gets a "not run" result
    (the API needs one per call) and the text says why and what to do instead."""
    results = tuple(ToolResult(call.id, NOT_RUN, is_error=True) for call in response.tool_calls)
    text = (
        f"Your last reply was cut off at max_tokens ({max_tokens} output tokens, stop reason "
        f"{response.stop_reason!r}), so none of its tool calls were run. {advice}"
    )
    return Message("user", text, tool_results=results)


def cut_off_reason(what: str, count: int, max_tokens: int) -> str:
    """Why a stage gave up after ``count`` cut-off replies in a row (no full stop)."""
    return (
        f"{what} was cut off at max_tokens {count} times in a row (max_tokens = {max_tokens}) "
        "and none of its tool calls were run; raise pipeline.max_tokens or split the spec"
    )
