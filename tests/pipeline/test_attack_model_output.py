"""Attacks from the model's side of the wire: replies that must not be acted on blindly.

A reply cut off at ``max_tokens`` carries tool calls whose arguments may be truncated (half a
file in ``create_file``); none of them may run — the model is told and asked again, a bounded
number of times. A 200 reply that is not a Messages API response (invalid JSON, an HTML page,
JSON without ``usage`` or ``content``) ends the run with a clear status and a record, never a
traceback. Every reply goes through the real ``anthropic`` SDK from the loopback scripted
server.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from specpilot.pipeline.audit.log import read_records
from specpilot.pipeline.core.config import PipelineConfig
from specpilot.pipeline.core.errors import ModelError
from specpilot.pipeline.deliver.deliver import deliver_change
from specpilot.pipeline.model.protocol import Message
from specpilot.pipeline.run.context import RetrievedContext
from specpilot.pipeline.run.drive import run_spec
from specpilot.pipeline.run.plan import make_plan
from specpilot.pipeline.run.spec import parse_spec
from specpilot.pipeline.testing import GrepIndex, ScriptedReply, raw_reply, tool_reply
from tests.pipeline.conftest import StartServer
from tests.pipeline.policy_fixtures import AUDIT_KEY
from tests.pipeline.run_helpers import git, model_for, plan_reply

SPEC = parse_spec(
    "---\ntitle: Add a multiply helper\n---\nAdd `mul` in calc/mul.py.\n", source="specs/mul.md"
)
HALF_A_FILE = "def mul(a, b):\n    return a *"  # what a create_file cut off mid-content holds


def _cut_create() -> ScriptedReply:
    call = ("create_file", {"path": "calc/mul.py", "content": HALF_A_FILE})
    return tool_reply(call, stop_reason="max_tokens", output_tokens=8192)


def _finish() -> ScriptedReply:
    return tool_reply(("finish", {"summary": "Added mul."}))


def _last_user_turn(body: dict) -> tuple[list[dict], str]:
    content = body["messages"][-1]["content"]
    results = [b for b in content if b.get("type") == "tool_result"]
    text = " ".join(b["text"] for b in content if b.get("type") == "text")
    return results, text


def test_a_tool_call_cut_off_at_max_tokens_is_never_run_committed_or_pushed(
    demo_repo: Path, config: PipelineConfig, scripted_server: StartServer, tmp_path: Path
) -> None:
    bare = tmp_path / "remote.git"
    git(tmp_path, "clone", "-q", "--bare", str(demo_repo), str(bare))
    git(demo_repo, "remote", "add", "origin", str(bare))
    server = scripted_server([plan_reply(), _cut_create(), _finish()])
    record = run_spec(
        SPEC, repo=demo_repo, mode="pr", config=config, model=model_for(server, config),
        index=GrepIndex(demo_repo),
    )  # fmt: skip
    delivery = deliver_change(
        record, SPEC, config=config, audit_log=tmp_path / "a.jsonl", actor="t", audit_key=AUDIT_KEY
    )

    assert "calc/mul.py" not in record.files_changed and record.commit is None
    assert record.status == "stopped" and "without changing any file" in (record.stop_reason or "")
    # escalated (on by default) with nothing to push: the report stays in the run dir
    assert delivery.outcome == "escalated" and delivery.deploy is None
    assert (Path(record.run_dir) / "ESCALATED.md").is_file()
    assert git(bare, "branch", "--list", "specpilot/*").strip() == ""  # nothing pushed
    assert not (Path(record.worktree or tmp_path / "gone") / "calc/mul.py").exists()
    # the model was told: each cut-off call answered "not run", and why
    results, text = _last_user_turn(server.requests[2].body)
    assert len(results) == 1 and results[0]["is_error"] is True
    assert "not run" in results[0]["content"].lower()
    assert "cut off" in text and "max_tokens" in text
    trace = [
        json.loads(ln)
        for ln in (Path(record.run_dir) / "trace.jsonl").read_text().split("\n")
        if ln
    ]
    assert not [e for e in trace if e["kind"] == "tool_call" and e["tool"] == "create_file"]
    assert [e for e in trace if e["kind"] == "cut_off"]


def test_cut_off_replies_are_retried_a_bounded_number_of_times(
    demo_repo: Path, config: PipelineConfig, scripted_server: StartServer
) -> None:
    assert config.max_cut_off_retries == 2
    server = scripted_server([plan_reply(), _cut_create(), _cut_create(), _cut_create(), _finish()])
    record = run_spec(
        SPEC, repo=demo_repo, mode="pr", config=config, model=model_for(server, config),
        index=GrepIndex(demo_repo),
    )  # fmt: skip
    assert record.status == "stopped" and record.files_changed == ()
    reason = record.stop_reason or ""
    assert "cut off at max_tokens 3 times in a row" in reason and "pipeline.max_tokens" in reason
    assert len(server.requests) == 4 and server.remaining == 1  # plan + 1 try + 2 retries
    assert record.tool_steps == 0


def test_a_plan_cut_off_at_max_tokens_is_asked_again_not_used(
    config: PipelineConfig, scripted_server: StartServer
) -> None:
    cut = tool_reply(
        ("submit_plan", {"summary": "Add", "steps": [], "files_to_change": [], "risks": []}),
        stop_reason="max_tokens",
    )
    server = scripted_server([cut, plan_reply()])
    plan = make_plan(SPEC, RetrievedContext(), model=model_for(server, config), config=config)
    assert plan.summary.startswith("Add the requested function")  # the second, whole plan
    results, text = _last_user_turn(server.requests[1].body)
    assert results and results[0]["is_error"] and "cut off" in text


def test_a_plan_cut_off_every_time_falls_back_to_the_retrieval_plan(
    config: PipelineConfig, scripted_server: StartServer
) -> None:
    cut = tool_reply(("submit_plan", {"summary": "Add"}), stop_reason="max_tokens")
    server = scripted_server([cut, cut, plan_reply()])
    plan = make_plan(SPEC, RetrievedContext(), model=model_for(server, config), config=config)
    assert plan.source == "retrieval" and "cut off at max_tokens" in plan.notes[0]
    assert plan.summary != "Add"  # nothing of a cut-off plan is used
    assert len(server.requests) == 2  # asked once more, then the fallback


_MESSAGE = '"type": "message", "role": "assistant", "id": "m1", "model": "x"'
MALFORMED = {
    "invalid-json": raw_reply('{"type": "message", "content": [ oops'),
    "html-page": raw_reply(
        "<html><body><h1>Welcome to nginx!</h1></body></html>", content_type="text/html"
    ),
    "html-labelled-json": raw_reply("<!DOCTYPE html><html>login</html>"),
    "empty-body": raw_reply(""),
    "no-usage": raw_reply(
        f'{{{_MESSAGE}, "content": [{{"type": "text", "text": "hi"}}], "stop_reason": "end_turn"}}'
    ),
    "no-content": raw_reply(
        f'{{{_MESSAGE}, "stop_reason": "end_turn", '
        '"usage": {"input_tokens": 1, "output_tokens": 1}}'
    ),
    "a-json-list": raw_reply("[1, 2, 3]"),
    "tool-use-without-id": raw_reply(
        f'{{{_MESSAGE}, "content": [{{"type": "tool_use", "input": {{}}}}], '
        '"stop_reason": "tool_use", "usage": {"input_tokens": 1, "output_tokens": 1}}'
    ),
    "usage-not-a-number": raw_reply(
        f'{{{_MESSAGE}, "content": [], "stop_reason": "end_turn", '
        '"usage": {"input_tokens": "lots", "output_tokens": 1}}'
    ),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_a_malformed_200_reply_is_a_model_error_naming_the_server(
    config: PipelineConfig, scripted_server: StartServer, case: str
) -> None:
    server = scripted_server([MALFORMED[case]])
    model = model_for(server, config)
    with pytest.raises(ModelError) as caught:
        model.complete(system=[], messages=[Message("user", "hi")])
    message = str(caught.value)
    assert f"server at {server.url}" in message
    assert "is not a Messages API response" in message and "\n" not in message


def test_a_malformed_reply_stops_the_run_with_a_record(
    demo_repo: Path, config: PipelineConfig, scripted_server: StartServer
) -> None:
    server = scripted_server([MALFORMED["html-page"]])
    record = run_spec(
        SPEC, repo=demo_repo, mode="pr", config=config, model=model_for(server, config),
        index=GrepIndex(demo_repo),
    )  # fmt: skip
    assert record.status == "stopped"
    assert (record.stop_reason or "").startswith("model: ")
    assert "is not a Messages API response" in (record.stop_reason or "")
    saved = json.loads((Path(record.run_dir) / "record.json").read_text())
    assert saved["status"] == "stopped" and saved["stop_reason"] == record.stop_reason


def test_the_cli_reports_a_malformed_reply_exit_1_audited_no_traceback(
    demo_repo: Path, scripted_server: StartServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from specpilot.flows.commands import app

    monkeypatch.setenv("SPECPILOT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SPECPILOT_ACTOR", "tester")
    server = scripted_server([MALFORMED["invalid-json"]])
    spec = tmp_path / "mul.md"
    spec.write_text("---\ntitle: Add mul\n---\nAdd mul.\n")
    env = {"ANTHROPIC_API_KEY": "test-key", "ANTHROPIC_BASE_URL": server.url}
    argv = ["run", str(spec), "--repo", str(demo_repo), "--mode", "pr", "--json"]
    result = CliRunner().invoke(app, [*argv, "--set", "index.embed.model='hash'"], env=env)
    assert result.exit_code == 1, result.output + result.stderr
    assert "Traceback" not in result.output + result.stderr
    data = json.loads(result.stdout)
    assert data["outcome"] == "escalated" and data["ok"] is False  # nothing to push
    assert f"server at {server.url}" in data["message"]
    assert "is not a Messages API response" in data["message"]
    (entry,) = read_records(Path(data["audit_log"]))
    assert entry.run_id == data["run_id"] and any("Messages API" in n for n in entry.notes)
    assert os.path.isfile(data["record_path"])
