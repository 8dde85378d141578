"""What a local model server needs from the requests, replayed through the real ``anthropic`` SDK:
sampling settings sent only when configured, timeouts, a small context window (packed, never
overflowing, re-packed once when the server rejects for length), no credential for a local
server, unpriced models; and pr mode with no git remote. See test_real_model_shapes.py for the
reply shapes real small models produced.
"""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from pathlib import Path

import pytest

from specpilot.pipeline.core.config import PipelineConfig
from specpilot.pipeline.core.errors import ModelError
from specpilot.pipeline.deliver.deliver import deliver_change
from specpilot.pipeline.model.anthropic import AnthropicModel, auth_from_env
from specpilot.pipeline.model.protocol import Message
from specpilot.pipeline.testing import (
    served_as,
    slow,
    text_reply,
    tool_reply,
)
from tests.pipeline.conftest import StartServer
from tests.pipeline.model_shape_helpers import FINISH, OPS, SPEC, TESTS, run_add_mul
from tests.pipeline.policy_fixtures import AUDIT_KEY
from tests.pipeline.run_helpers import ADD_MUL, ADD_MUL_TEST, edit, git, model_for, plan_reply


# --- pr mode with no git remote -----------------------------------------------------------------
@pytest.mark.timeout(90)
def test_pr_mode_without_a_remote_keeps_the_tested_branch_and_says_how_to_push_it(
    demo_repo: Path, config: PipelineConfig, scripted_server: StartServer, tmp_path: Path
) -> None:
    script = [plan_reply(), tool_reply(edit(OPS, *ADD_MUL), edit(TESTS, *ADD_MUL_TEST)), FINISH]
    server = scripted_server([served_as(r, "qwen2.5-coder-0.5b-instruct") for r in script])
    record = run_add_mul(demo_repo, config, server)
    assert record.status == "green" and record.branch and record.commit
    assert record.model == config.model and record.server_model == "qwen2.5-coder-0.5b-instruct"
    delivery = deliver_change(
        record, SPEC, config=config, audit_log=tmp_path / "a.jsonl", audit_key=AUDIT_KEY, actor="t"
    )
    assert delivery.ok and delivery.outcome == "pr" and delivery.error is None
    assert delivery.deploy is not None and delivery.deploy.pushed is False
    assert delivery.deploy.branch == record.branch
    assert git(demo_repo, "rev-parse", record.branch).strip() == delivery.deploy.commit_sha
    assert delivery.deploy.commit_sha == record.commit  # the tested commit itself
    assert f"git push <remote> {record.branch}" in delivery.message
    assert "not pushed" in delivery.message and "\n" not in delivery.message


# --- sampling, timeouts, context window, auth ---------------------------------------------------
def test_temperature_is_sent_only_when_configured(
    config: PipelineConfig, scripted_server: StartServer
) -> None:
    server = scripted_server([text_reply("a"), text_reply("b")])
    model_for(server, config).complete(system=[], messages=[Message("user", "x")])
    model_for(server, replace(config, temperature=0.0)).complete(
        system=[], messages=[Message("user", "x")]
    )
    assert "temperature" not in server.requests[0].body
    assert server.requests[1].body["temperature"] == 0.0


def test_a_request_slower_than_the_timeout_is_a_one_line_model_error_and_the_wait_is_logged(
    config: PipelineConfig, scripted_server: StartServer, caplog: pytest.LogCaptureFixture
) -> None:
    from specpilot.pipeline.run.context_window import WindowedModel

    server = scripted_server([slow(text_reply("late"), 2.0)])
    quick = replace(config, request_timeout_s=0.5, max_retries=0)
    model = WindowedModel(model_for(server, quick), quick)
    with (
        caplog.at_level(logging.INFO, logger="specpilot.pipeline.model_wait"),
        pytest.raises(ModelError, match=r"within 0 s|within 1 s") as caught,
    ):
        model.complete(system=[], messages=[Message("user", "x")])
    assert "pipeline.request_timeout_s" in str(caught.value) and "\n" not in str(caught.value)
    assert any("waiting on the model" in r.getMessage() for r in caplog.records)


@pytest.mark.timeout(90)
def test_requests_are_packed_to_a_small_context_window(
    demo_repo: Path, config: PipelineConfig, scripted_server: StartServer
) -> None:
    big = "x = 1\n" * 3000  # an 18k-char file: far more than a 4k-token window holds
    (demo_repo / "calc" / "big.py").write_text(big)
    git(demo_repo, "add", ".")
    git(demo_repo, "commit", "-qm", "big")
    small = replace(config, context_window=4096, max_tokens=2048, tool_output_chars=20_000)
    server = scripted_server(
        [
            plan_reply(),
            tool_reply(("read_file", {"path": "calc/big.py", "end_line": 3000})),
            tool_reply(edit(OPS, *ADD_MUL), edit(TESTS, *ADD_MUL_TEST)),
            FINISH,
        ]
    )
    record = run_add_mul(demo_repo, small, server)
    assert record.status == "green", record.stop_reason
    for request in server.requests:  # input (estimated at 3 chars a token) + output fit
        chars = len(json.dumps(request.body["messages"])) + len(json.dumps(request.body["system"]))
        assert chars / 3 + request.body["max_tokens"] <= 4096 * 1.1
    assert "context_trimmed" in record.fallbacks and "max_tokens_lowered" in record.fallbacks


def test_a_request_that_cannot_fit_is_never_sent(
    config: PipelineConfig, scripted_server: StartServer
) -> None:
    from specpilot.pipeline.run.context_window import WindowedModel

    server = scripted_server([text_reply("never")])
    tiny = replace(config, context_window=1200)
    model = WindowedModel(model_for(server, tiny), tiny)
    with pytest.raises(ModelError, match="does not fit the model's context window"):
        model.complete(system=[], messages=[Message("user", "spec " * 2000)])
    assert server.requests == []


def test_a_server_that_rejects_for_length_gets_a_tighter_request_once(
    config: PipelineConfig, scripted_server: StartServer
) -> None:
    from specpilot.pipeline.model.protocol import SystemBlock
    from specpilot.pipeline.run.context_window import WindowedModel
    from specpilot.pipeline.testing import error_reply

    llama = error_reply(400, "the request exceeds the available context size, try increasing it")
    server = scripted_server([llama, text_reply("ok")])
    cfg = replace(config, context_window=8192, max_tokens=1024)
    model = WindowedModel(model_for(server, cfg), cfg)
    context = SystemBlock("def f():\n    pass\n" * 1200, cache=True)  # ~21k chars ~ 7k tokens
    response = model.complete(system=[context], messages=[Message("user", "x")])
    assert response.text == "ok" and len(server.requests) == 2
    first, second = (len(r.body["system"][0]["text"]) for r in server.requests)
    assert second < first


def test_a_local_server_needs_no_credential_and_a_bearer_token_is_sent_as_one(
    config: PipelineConfig, scripted_server: StartServer
) -> None:
    server = scripted_server([text_reply("a"), text_reply("b"), text_reply("c")])

    def headers(environ: dict[str, str], cfg: PipelineConfig = config) -> dict[str, str]:
        auth = auth_from_env(cfg, environ, base_url=server.url)
        assert auth is not None
        AnthropicModel(cfg, auth=auth, base_url=server.url).complete(
            system=[], messages=[Message("user", "x")]
        )
        return dict(server.requests[-1].headers)

    local = headers({})
    assert "authorization" not in local and "x-api-key" not in local
    assert headers({"ANTHROPIC_AUTH_TOKEN": "tok-1"})["authorization"] == "Bearer tok-1"
    kept_back = headers({"ANTHROPIC_API_KEY": "sk-real"}, replace(config, auth="none"))
    assert "sk-real" not in json.dumps(kept_back)
    assert auth_from_env(config, {}, base_url=None) is None  # the hosted API needs a key


@pytest.mark.timeout(90)
def test_an_unpriced_model_reports_tokens_and_unpriced_without_a_warning(
    demo_repo: Path, config: PipelineConfig, scripted_server: StartServer
) -> None:
    local = replace(config, model="local-qwen")
    server = scripted_server(
        [plan_reply(), tool_reply(edit(OPS, *ADD_MUL), edit(TESTS, *ADD_MUL_TEST)), FINISH]
    )
    record = run_add_mul(demo_repo, local, server)
    assert record.status == "green" and record.cost_usd is None and record.input_tokens > 0
    assert not any("price" in w for w in record.warnings)
    assert "Cost: unpriced" in (Path(record.run_dir) / "report.md").read_text()
