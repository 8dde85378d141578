"""``AnthropicModel``: the ``Model`` protocol on Anthropic's Messages API.

The only module that imports ``anthropic``. 408/409/429/5xx and connection errors are retried
(``config.max_retries``, honouring ``retry-after``: the SDK's policy, ``pipeline.model.retry``,
applied here so that a ``timeout_s`` bounds all attempts of a call together); when it gives
up, the error becomes a ``ModelError`` (``DeadlineExceeded`` when the caller's time ran out).
A 200 body is checked by ``pipeline.messages_reply`` before anything reads it (the SDK's own
parsing does not validate), so a reply that is not a Messages API response is a
``ModelError`` naming the server too. Static system blocks are marked for prompt caching.

Any server speaking the Messages API works (Ollama, llama.cpp's server, a LiteLLM proxy,
vLLM): the credential is an API key, a bearer token (``ANTHROPIC_AUTH_TOKEN``) or none for a
local server (``auth_from_env``); ``temperature`` is sent only when configured; the request
timeout and the connect timeout are separate; a rejection for length is a
``ContextWindowError`` (the ``WindowedModel`` packs tighter and asks once more).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Mapping, Sequence
from typing import Any, cast

import anthropic
from anthropic.types import MessageParam, TextBlockParam, ToolChoiceParam, ToolParam

from specpilot.pipeline.core.config import PipelineConfig
from specpilot.pipeline.core.errors import (
    ContextWindowError,
    DeadlineExceeded,
    ModelError,
    NoModelError,
)
from specpilot.pipeline.model.auth import API_KEY_ENV as API_KEY_ENV
from specpilot.pipeline.model.auth import AUTH_TOKEN_ENV as AUTH_TOKEN_ENV
from specpilot.pipeline.model.auth import BASE_URL_ENV as BASE_URL_ENV
from specpilot.pipeline.model.auth import Auth
from specpilot.pipeline.model.auth import auth_from_env as auth_from_env
from specpilot.pipeline.model.messages_reply import MessagesReply, parse_reply
from specpilot.pipeline.model.protocol import (
    Message,
    ModelResponse,
    SystemBlock,
    ToolCall,
    ToolSpec,
    Usage,
    cost_of,
)
from specpilot.pipeline.model.retry import retry_delay_s, should_retry

log = logging.getLogger(__name__)

_TOO_LONG = re.compile(
    r"context (length|size|window)|too long|exceeds? .*(context|tokens)|maximum context",
    re.IGNORECASE,
)
# a timeout with this little of the caller's time left was the deadline's, not the request's
DEADLINE_SLACK_S = 0.25


class AnthropicModel:
    def __init__(
        self,
        config: PipelineConfig,
        *,
        api_key: str | None = None,
        auth: Auth | None = None,
        base_url: str | None = None,
    ) -> None:
        url = base_url or config.base_url
        auth = auth or (Auth("api_key", api_key) if api_key else None)
        if auth is None or (auth.kind == "none" and not url):
            raise NoModelError(
                f"An Anthropic API key is needed; set {API_KEY_ENV} (or {AUTH_TOKEN_ENV}, or "
                f"point {BASE_URL_ENV} / pipeline.base_url at a server that needs none)."
            )
        self._config = config
        credential: dict[str, Any] = {"api_key": auth.secret}
        if auth.kind == "auth_token":
            credential = {"auth_token": auth.secret}
        elif auth.kind == "none":  # explicit (so no variable is read) and then left out
            credential["default_headers"] = {"Authorization": anthropic.omit,
                                             "X-Api-Key": anthropic.omit}  # fmt: skip
        self._client = anthropic.Anthropic(
            **credential,
            base_url=url,
            max_retries=0,  # retried in _send, within the caller's deadline
            timeout=anthropic.Timeout(config.request_timeout_s, connect=config.connect_timeout_s),
        )

    @classmethod
    def from_env(cls, config: PipelineConfig, environ: Mapping[str, str]) -> AnthropicModel | None:
        """A model when ``environ`` has a credential (``auth_from_env``) or ``config.base_url``
        names a server of your own; None otherwise."""
        auth = auth_from_env(config, environ, base_url=config.base_url)
        return cls(config, auth=auth) if auth else None

    @property
    def name(self) -> str:
        return self._config.model

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
        kwargs: dict[str, Any] = {
            "model": self._config.model,
            "max_tokens": max_tokens or self._config.max_tokens,
            "system": _system_blocks(system),
            "messages": _messages_param(messages),
        }
        if self._config.temperature is not None:  # this SDK has no parameter for it
            kwargs["extra_body"] = {"temperature": self._config.temperature}
        if tools:
            kwargs["tools"] = [_tool_param(t) for t in tools]
            choice: ToolChoiceParam = (
                {"type": "tool", "name": tool_choice} if tool_choice else {"type": "auto"}
            )
            kwargs["tool_choice"] = choice
        raw = self._send(kwargs, timeout_s)
        reply = parse_reply(
            raw.text(),
            content_type=raw.headers.get("content-type", ""),
            server=str(self._client.base_url).rstrip("/"),
        )
        return self._response(reply, raw.request_id)

    def _send(self, kwargs: dict[str, Any], timeout_s: float | None) -> Any:
        """Every attempt of one request (``config.max_retries`` retries, the SDK's policy in
        ``pipeline.model.retry``). With ``timeout_s`` all of them end within it: each attempt's
        timeout is the smaller of ``request_timeout_s`` and the time left, and a retry whose
        wait would pass it is not made (``DeadlineExceeded``)."""
        c = self._config
        started = time.monotonic()
        deadline = None if timeout_s is None else started + timeout_s
        retries = 0
        while True:
            read = c.request_timeout_s
            if deadline is not None:
                read = min(read, deadline - time.monotonic())
                if read <= 0:
                    raise self._deadline(deadline - started, started, retries, "no time was left")
            timeout = anthropic.Timeout(read, connect=min(c.connect_timeout_s, read))
            headers: Mapping[str, str] | None = None
            try:
                return self._client.messages.with_raw_response.create(
                    **kwargs,
                    timeout=timeout,
                    extra_headers={"x-stainless-retry-count": str(retries)},
                )
            except anthropic.APIStatusError as exc:
                failure: anthropic.APIError = exc
                headers = exc.response.headers
                retry = should_retry(exc.status_code, headers)
            except anthropic.APITimeoutError as exc:  # before its base, APIConnectionError
                if deadline is not None and deadline - time.monotonic() <= DEADLINE_SLACK_S:
                    raise self._deadline(
                        deadline - started, started, retries, "it was cut"
                    ) from exc
                failure, retry = exc, True
            except anthropic.APIConnectionError as exc:
                failure, retry = exc, True
            if not retry or retries >= c.max_retries:
                raise self._error(failure, retries) from failure
            wait = retry_delay_s(retries, headers)
            if deadline is not None and time.monotonic() + wait >= deadline:
                why = f"a retry after {type(failure).__name__} would wait {wait:.1f} s"
                raise self._deadline(deadline - started, started, retries, why) from failure
            log.info("retrying the Messages API request in %.1f s (%s)", wait, failure)
            time.sleep(wait)
            retries += 1

    def _deadline(
        self, timeout_s: float, started: float, retries: int, why: str
    ) -> DeadlineExceeded:
        return DeadlineExceeded(
            f"The Messages API request to model {self._config.model!r} had {timeout_s:.1f} s "
            f"of its caller's time and {why} after {time.monotonic() - started:.1f} s "
            f"({retries} retries).",
            timeout_s=timeout_s,
        )

    def _error(self, exc: anthropic.APIError, retries: int) -> ModelError:
        """The ``ModelError`` of an attempt that is not retried."""
        if isinstance(exc, anthropic.APIStatusError):
            if exc.status_code in (400, 413) and _TOO_LONG.search(_error_text(exc)):
                return ContextWindowError(
                    f"The server rejected the request as longer than the model's context "
                    f"window (HTTP {exc.status_code}: {_error_text(exc)}); set "
                    "pipeline.context_window to the server's context size.",
                    rejected_by_server=True,
                )
            return ModelError(
                f"The Messages API answered HTTP {exc.status_code} for model "
                f"{self._config.model!r} after {retries} retries: {_error_text(exc)}."
            )
        if isinstance(exc, anthropic.APITimeoutError):
            return ModelError(
                f"The Messages API did not answer within {self._config.request_timeout_s:.0f} s "
                f"after {retries} retries; raise pipeline.request_timeout_s "
                "(a small model on a busy CPU may need 600 s or more) or retry."
            )
        return ModelError(f"Cannot reach the Messages API after {retries} retries: {exc}.")

    def _response(self, msg: MessagesReply, request_id: str | None) -> ModelResponse:
        texts: list[str] = []
        calls: list[ToolCall] = []
        for block in msg.content:
            # parse_reply guarantees the fields of text and tool_use blocks
            if block.type == "text" and block.text is not None:
                texts.append(block.text)
            elif block.type == "tool_use" and block.id and block.name:
                calls.append(ToolCall(id=block.id, name=block.name, arguments=block.input or {}))
            else:
                log.warning("ignoring a %s content block in the model's reply", block.type)
        u = msg.usage
        usage = Usage(
            input_tokens=u.input_tokens,
            output_tokens=u.output_tokens,
            cache_read_tokens=u.cache_read_input_tokens or 0,
            cache_write_tokens=u.cache_creation_input_tokens or 0,
        )
        return ModelResponse(
            text="\n".join(texts),
            tool_calls=tuple(calls),
            stop_reason=str(msg.stop_reason or "unknown"),
            usage=usage,
            cost_usd=cost_of(usage, self._config.price()),
            model=msg.model or self._config.model,
            request_id=request_id,
        )


def _system_blocks(blocks: Sequence[SystemBlock]) -> list[TextBlockParam]:
    out: list[TextBlockParam] = []
    for block in blocks:
        param: TextBlockParam = {"type": "text", "text": block.text}
        if block.cache:
            param["cache_control"] = {"type": "ephemeral"}
        out.append(param)
    return out


def _tool_param(tool: ToolSpec) -> ToolParam:
    return {
        "name": tool.name,
        "description": tool.description,
        "input_schema": cast(Any, dict(tool.input_schema)),
    }


def _messages_param(messages: Sequence[Message]) -> list[MessageParam]:
    """The conversation, with a cache breakpoint on its last block: the next turn of a tool
    loop re-sends this prefix and reads it from the cache (the API ignores breakpoints on
    prompts below its minimum cacheable length)."""
    params = [_message_param(m) for m in messages]
    if params:
        content = cast(list[dict[str, Any]], params[-1]["content"])
        content[-1]["cache_control"] = {"type": "ephemeral"}
    return params


def _message_param(message: Message) -> MessageParam:
    content: list[dict[str, Any]] = []
    if message.role == "user":
        for result in message.tool_results:
            content.append(
                {
                    "type": "tool_result",
                    "tool_use_id": result.call_id,
                    "content": result.content,
                    "is_error": result.is_error,
                }
            )
        if message.text:
            content.append({"type": "text", "text": message.text})
    else:
        if message.text:
            content.append({"type": "text", "text": message.text})
        for call in message.tool_calls:
            content.append(
                {
                    "type": "tool_use",
                    "id": call.id,
                    "name": call.name,
                    "input": dict(call.arguments),
                }
            )
    if not content:
        content.append({"type": "text", "text": "(empty)"})
    return cast(MessageParam, {"role": message.role, "content": content})


def _error_text(exc: anthropic.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict) and err.get("message"):
            return f"{err.get('type', 'error')}: {err['message']}"
    return str(exc.message)
