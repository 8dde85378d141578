"""AnthropicModel on the real SDK against the scripted loopback server."""

from __future__ import annotations

import socket
from dataclasses import replace

import pytest

from specpilot.pipeline.core.config import PipelineConfig
from specpilot.pipeline.core.errors import ModelError, NoModelError
from specpilot.pipeline.model.anthropic import AnthropicModel
from specpilot.pipeline.model.protocol import Message, SystemBlock, ToolCall, ToolResult, ToolSpec
from specpilot.pipeline.testing import error_reply, text_reply, tool_reply
from tests.pipeline.conftest import StartServer
from tests.pipeline.run_helpers import model_for

TOOL = ToolSpec(
    "read_file", "Read a file.", {"type": "object", "properties": {"path": {"type": "string"}}}
)
SYSTEM = [SystemBlock("You are a test."), SystemBlock("static repo context", cache=True)]


def test_request_shape_and_response_mapping(
    config: PipelineConfig, scripted_server: StartServer
) -> None:
    server = scripted_server(
        [
            tool_reply(
                ("read_file", {"path": "a.py"}),
                text="Let me look.",
                input_tokens=1000,
                output_tokens=200,
                cache_read=5000,
                cache_write=300,
            )
        ]
    )
    model = model_for(server, config)
    history = [
        Message("user", "Do the thing."),
        Message("assistant", "Reading.", (ToolCall("toolu_1", "read_file", {"path": "b.py"}),)),
        Message("user", "go on", tool_results=(ToolResult("toolu_1", "nope", is_error=True),)),
    ]
    response = model.complete(system=SYSTEM, messages=history, tools=[TOOL])

    assert response.text == "Let me look."
    assert response.tool_calls == (ToolCall("toolu_0002", "read_file", {"path": "a.py"}),)
    assert response.stop_reason == "tool_use" and response.model == config.model
    u = response.usage
    assert (u.input_tokens, u.output_tokens, u.cache_read_tokens, u.cache_write_tokens) == (
        1000, 200, 5000, 300,
    )  # fmt: skip
    # claude-sonnet-4-6: $3 in, $15 out, $0.30 cache read, $3.75 cache write per MTok
    assert response.cost_usd == pytest.approx((1000 * 3 + 200 * 15 + 5000 * 0.3 + 300 * 3.75) / 1e6)

    (request,) = server.requests
    assert request.path == "/v1/messages"
    auth = request.headers.get("authorization", "") + request.headers.get("x-api-key", "")
    assert "test-key" in auth
    body = request.body
    assert body["model"] == config.model and body["max_tokens"] == config.max_tokens
    assert body["system"] == [
        {"type": "text", "text": "You are a test."},
        {"type": "text", "text": "static repo context", "cache_control": {"type": "ephemeral"}},
    ]
    assert body["tools"][0]["name"] == "read_file" and body["tool_choice"] == {"type": "auto"}
    assert body["messages"][1]["content"] == [
        {"type": "text", "text": "Reading."},
        {"type": "tool_use", "id": "toolu_1", "name": "read_file", "input": {"path": "b.py"}},
    ]
    assert body["messages"][2]["content"] == [
        {"type": "tool_result", "tool_use_id": "toolu_1", "content": "nope", "is_error": True},
        {"type": "text", "text": "go on", "cache_control": {"type": "ephemeral"}},
    ]
    assert "cache_control" not in body["messages"][0]["content"][-1]  # one breakpoint: the end


def test_forced_tool_choice(config: PipelineConfig, scripted_server: StartServer) -> None:
    server = scripted_server([tool_reply(("read_file", {"path": "x"}))])
    model_for(server, config).complete(
        system=SYSTEM, messages=[Message("user", "x")], tools=[TOOL], tool_choice="read_file"
    )
    assert server.requests[0].body["tool_choice"] == {"type": "tool", "name": "read_file"}


def test_unknown_model_has_unknown_cost_not_zero(
    config: PipelineConfig, scripted_server: StartServer
) -> None:
    server = scripted_server([text_reply("hi")])
    model = model_for(server, replace(config, model="claude-someday-9"))
    response = model.complete(system=SYSTEM, messages=[Message("user", "x")])
    assert response.cost_usd is None and response.model == "claude-someday-9"


def test_429_then_success_is_retried(config: PipelineConfig, scripted_server: StartServer) -> None:
    server = scripted_server([error_reply(429, "rate limited"), text_reply("ok")])
    response = model_for(server, config).complete(system=SYSTEM, messages=[Message("user", "x")])
    assert response.text == "ok"
    assert len(server.requests) == 2
    assert [r.headers["x-stainless-retry-count"] for r in server.requests] == ["0", "1"]


def test_500_until_retries_are_exhausted_raises_model_error(
    config: PipelineConfig, scripted_server: StartServer
) -> None:
    server = scripted_server([error_reply(500, "overheated")] * 3 + [text_reply("too late")])
    with pytest.raises(ModelError, match=r"HTTP 500 .* after 2 retries: api_error: overheated"):
        model_for(server, config).complete(system=SYSTEM, messages=[Message("user", "x")])
    assert len(server.requests) == 3 and server.remaining == 1


def test_client_errors_are_not_retried(
    config: PipelineConfig, scripted_server: StartServer
) -> None:
    server = scripted_server([error_reply(400, "bad request body"), text_reply("never")])
    with pytest.raises(ModelError, match="HTTP 400"):
        model_for(server, config).complete(system=SYSTEM, messages=[Message("user", "x")])
    assert len(server.requests) == 1


def test_unreachable_endpoint_is_a_model_error(config: PipelineConfig) -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens on this port now
    model = AnthropicModel(
        replace(config, max_retries=0), api_key="k", base_url=f"http://127.0.0.1:{port}"
    )
    with pytest.raises(ModelError, match="Cannot reach the Messages API"):
        model.complete(system=SYSTEM, messages=[Message("user", "x")])


def test_exhausted_script_answers_500_without_retry(
    config: PipelineConfig, scripted_server: StartServer
) -> None:
    server = scripted_server([])
    with pytest.raises(ModelError, match="script exhausted"):
        model_for(server, config).complete(system=SYSTEM, messages=[Message("user", "x")])
    assert len(server.requests) == 1


def test_from_env(config: PipelineConfig) -> None:
    assert AnthropicModel.from_env(config, {}) is None
    model = AnthropicModel.from_env(config, {"ANTHROPIC_API_KEY": "sk-test"})
    assert model is not None and model.name == config.model
    with pytest.raises(NoModelError, match="ANTHROPIC_API_KEY"):
        AnthropicModel(config, api_key="")


def test_only_anthropic_model_imports_the_sdk() -> None:
    from pathlib import Path

    import specpilot.pipeline

    root = Path(specpilot.pipeline.__file__).parent
    importers = sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("*.py")
        if "import anthropic" in p.read_text() or "from anthropic" in p.read_text()
    )
    assert importers == ["model/anthropic.py"]
