"""Requests that fit the model's context window: ``fit_request`` and the ``WindowedModel``.

Small local models have 8-32k tokens of context; a request longer than that is rejected by
the server (or silently cut by it). Every request is therefore packed to
``config.context_window`` before it is sent, with tokens estimated as characters /
``config.chars_per_token`` (no tokenizer is assumed; 3 characters a token errs on the safe
side for code). What is given up, in order, until input + output fit:

1. ``max_tokens`` is lowered, down to ``MIN_OUTPUT_TOKENS`` (``max_tokens_lowered``);
2. the results of earlier tool calls, and long arguments of earlier calls (file contents),
   become a short stub, oldest first (``context_trimmed``);
3. the retrieval context (the cached system block) is cut;
4. the newest tool results are cut to their head and tail.

A request that still does not fit is never sent: ``ContextWindowError`` names the numbers.
A server that rejects a request for length anyway (the estimate was low) gets it once more,
packed to 60 % of the window. ``WindowedModel`` does this for every call and logs, on the
``specpilot.pipeline.model_wait`` logger, that the run is waiting on the model and for how
long it waited (the CLI shows it as progress).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

from specpilot.pipeline.core.config import PipelineConfig
from specpilot.pipeline.core.errors import ContextWindowError
from specpilot.pipeline.model.protocol import (
    Message,
    Model,
    ModelResponse,
    SystemBlock,
    ToolCall,
    ToolResult,
    ToolSpec,
)
from specpilot.pipeline.run.fallbacks import Trace, fallback

log = logging.getLogger(__name__)
wait_log = logging.getLogger("specpilot.pipeline.model_wait")

MIN_OUTPUT_TOKENS = 1024
PER_MESSAGE_TOKENS = 8  # role markers and block framing of a chat template
STUB_CHARS = 200  # what is left of an earlier tool result
RETRY_SHARE = 0.6  # after a rejection for length: pack to this share of the window


@dataclass(frozen=True, slots=True)
class Fitted:
    system: tuple[SystemBlock, ...]
    messages: tuple[Message, ...]
    max_tokens: int
    input_tokens: int  # estimated
    trimmed: tuple[str, ...]  # what was cut, for the trace


def estimate_tokens(text: str, chars_per_token: float) -> int:
    return math.ceil(len(text) / chars_per_token)


def fit_request(
    system: Sequence[SystemBlock],
    messages: Sequence[Message],
    tools: Sequence[ToolSpec],
    max_tokens: int,
    *,
    window: int,
    chars_per_token: float,
) -> Fitted:
    """The request packed to ``window`` tokens (see the module docstring)."""
    sys_blocks, msgs = list(system), list(messages)
    trimmed: list[str] = []
    margin = max(64, window // 50)
    tools_tokens = sum(estimate_tokens(_tool_text(t), chars_per_token) for t in tools)
    min_out = min(max_tokens, MIN_OUTPUT_TOKENS)

    def size() -> int:
        text = sum(estimate_tokens(b.text, chars_per_token) for b in sys_blocks)
        turns = sum(
            estimate_tokens(_message_text(m), chars_per_token) + PER_MESSAGE_TOKENS for m in msgs
        )
        return text + turns + tools_tokens

    def fits() -> bool:
        return size() + min_out + margin <= window

    if not fits():
        last_user = max((i for i, m in enumerate(msgs) if m.role == "user"), default=-1)
        for i, m in enumerate(msgs):  # 2. earlier tool results and call arguments, oldest first
            if fits():
                break
            if i < last_user and (stub := _stubbed(m)) is not None:
                msgs[i] = stub
                trimmed.append(f"turn {i + 1}")
    if not fits():  # 3. the retrieval context
        for j, block in enumerate(sys_blocks):
            if block.cache and not fits():
                over = (size() + min_out + margin - window) * chars_per_token
                keep = max(0, len(block.text) - int(over) - 200)
                note = "\n[... the rest of the context was cut to fit the context window]\n"
                sys_blocks[j] = SystemBlock(block.text[:keep] + note, cache=True)
                trimmed.append("retrieval context")
    if not fits() and msgs and msgs[-1].tool_results:  # 4. the newest tool results
        over = int((size() + min_out + margin - window) * chars_per_token)
        msgs[-1] = _cut_results(msgs[-1], over)
        trimmed.append("latest tool results")
    used = size()
    if used + min_out + margin > window:
        raise ContextWindowError(
            f"The request does not fit the model's context window: about {used} input tokens "
            f"+ {min_out} output tokens > {window} (pipeline.context_window) even after "
            "packing; raise context_window if the model has more, or lower context_max_chars "
            "and tool_output_chars."
        )
    out = min(max_tokens, window - margin - used)
    return Fitted(tuple(sys_blocks), tuple(msgs), out, used, tuple(trimmed))


def _tool_text(tool: ToolSpec) -> str:
    return tool.name + tool.description + json.dumps(dict(tool.input_schema))


def _message_text(m: Message) -> str:
    calls = "".join(c.name + json.dumps(dict(c.arguments), default=str) for c in m.tool_calls)
    return m.text + calls + "".join(r.content for r in m.tool_results)


def _stubbed(m: Message) -> Message | None:
    """An earlier turn with its big parts replaced by stubs; None when there is nothing big."""
    results = tuple(
        ToolResult(r.call_id, _stub(r.content), r.is_error) if len(r.content) > STUB_CHARS else r
        for r in m.tool_results
    )
    calls = tuple(
        ToolCall(c.id, c.name, {k: _stub(v) if isinstance(v, str) else v
                                for k, v in c.arguments.items()})
        for c in m.tool_calls
    )  # fmt: skip
    text = _stub(m.text) if len(m.text) > 4 * STUB_CHARS else m.text
    new = dataclasses.replace(m, text=text, tool_calls=calls, tool_results=results)
    return None if new == m else new


def _stub(text: str) -> str:
    if len(text) <= STUB_CHARS:
        return text
    return f"{text[:STUB_CHARS]}\n[... {len(text) - STUB_CHARS} chars trimmed to fit the context window]"


def _cut_results(m: Message, over_chars: int) -> Message:
    total = sum(len(r.content) for r in m.tool_results) or 1
    results = []
    for r in m.tool_results:
        keep = max(STUB_CHARS, len(r.content) - int(over_chars * len(r.content) / total) - 100)
        if keep < len(r.content):
            head, tail = r.content[: keep // 2], r.content[-keep // 2 :]
            cut = len(r.content) - keep
            content = f"{head}\n[... {cut} chars cut to fit the context window ...]\n{tail}"
            results.append(ToolResult(r.call_id, content, r.is_error))
        else:
            results.append(r)
    return dataclasses.replace(m, tool_results=tuple(results))


class WindowedModel:
    """Wraps a ``Model``: every request packed to the context window (fallbacks traced), and
    the wait on the model logged."""

    def __init__(self, inner: Model, config: PipelineConfig, trace: Trace | None = None) -> None:
        self._inner = inner
        self._config = config
        self._trace = trace
        self._requests = 0

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
        wanted = max_tokens or self._config.max_tokens
        window = self._config.context_window
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        try:
            return self._send(system, messages, tools, tool_choice, wanted, window, deadline)
        except ContextWindowError as exc:
            if not exc.rejected_by_server:  # our own estimate: nothing was sent
                raise
            log.warning("the server rejected the request for length (%s); packing tighter", exc)
            tighter = int(window * RETRY_SHARE)
            return self._send(system, messages, tools, tool_choice, wanted, tighter, deadline)

    def _send(
        self,
        system: Sequence[SystemBlock],
        messages: Sequence[Message],
        tools: Sequence[ToolSpec],
        tool_choice: str | None,
        wanted: int,
        window: int,
        deadline: float | None,
    ) -> ModelResponse:
        fit = fit_request(
            system, messages, tools, wanted,
            window=window, chars_per_token=self._config.chars_per_token,
        )  # fmt: skip
        if fit.trimmed:
            fallback(
                self._trace, "context_trimmed",
                f"packed to {window} tokens: cut {', '.join(fit.trimmed)}",
            )  # fmt: skip
        if fit.max_tokens < wanted:
            fallback(
                self._trace, "max_tokens_lowered",
                f"max_tokens {wanted} -> {fit.max_tokens} (about {fit.input_tokens} input "
                f"tokens, context window {window})",
            )  # fmt: skip
        self._requests += 1
        started = time.monotonic()
        timeout_s = None if deadline is None else deadline - started
        wait_log.info(
            "waiting on the model %s (request %d, ~%d tokens in, up to %d out, timeout %.0f s)",
            self.name, self._requests, fit.input_tokens, fit.max_tokens,
            self._config.request_timeout_s if timeout_s is None
            else min(self._config.request_timeout_s, timeout_s),
        )  # fmt: skip
        response = self._inner.complete(
            system=fit.system,
            messages=fit.messages,
            tools=tools,
            tool_choice=tool_choice,
            max_tokens=fit.max_tokens,
            timeout_s=timeout_s,
        )
        wait_log.info(
            "the model answered in %.1f s (%d tokens out, stop reason %s)",
            time.monotonic() - started, response.usage.output_tokens, response.stop_reason,
        )  # fmt: skip
        return response
