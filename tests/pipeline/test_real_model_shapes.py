"""What real small models (Qwen2.5-Coder 0.5B / 1.5B on llama.cpp's server) sent, replayed.

Each reply has the shape a real model produced (see /work/shared/LOCAL_LLM.md and
docs/benchmarks.md#agent-benchmark) and goes through the real ``anthropic`` SDK from the
scripted loopback server; each test asserts a clean outcome: the run goes on (and says which
fallback it used) or stops with a one-line reason — never a traceback, never a guess.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from specpilot.pipeline.core.config import PipelineConfig
from specpilot.pipeline.run.context import RetrievedContext
from specpilot.pipeline.run.plan import make_plan
from specpilot.pipeline.run.record import RunRecord
from specpilot.pipeline.testing import (
    ScriptedReply,
    text_reply,
    tool_reply,
)
from tests.pipeline.conftest import StartServer
from tests.pipeline.model_shape_helpers import FINISH, OPS, SPEC, TESTS, run_add_mul
from tests.pipeline.run_helpers import ADD_MUL, ADD_MUL_TEST, edit, git, model_for, plan_reply


def _call_json(name: str, arguments: dict) -> str:
    return json.dumps({"name": name, "arguments": arguments}, indent=2)


def _fenced(name: str, arguments: dict) -> ScriptedReply:
    """What both Qwen sizes did with tool_choice auto: the call as JSON in a fenced block."""
    return text_reply(f"```json\n{_call_json(name, arguments)}\n```")


def _tagged(name: str, arguments: dict) -> ScriptedReply:
    return text_reply(f"I will edit.\n<tool_call>\n{_call_json(name, arguments)}\n</tool_call>")


def _edit_args(path: str, old: str, new: str) -> dict:
    return {"path": path, "old_text": old, "new_text": new}


def _trace(record: RunRecord) -> list[dict]:
    path = Path(record.run_dir) / "trace.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]


# --- tool calls written as text ---------------------------------------------------------------
@pytest.mark.timeout(90)
def test_tool_calls_written_as_text_are_run_and_the_trace_says_so(
    demo_repo: Path, config: PipelineConfig, scripted_server: StartServer
) -> None:
    raw_newlines = (  # a real 0.5B habit: raw newlines inside the JSON strings
        '<tool_call>\n{"name": "finish", "arguments": {"summary": "Added mul\nand a test"}}\n'
        "</tool_call>"
    )
    server = scripted_server(
        [
            plan_reply(),
            _fenced("edit_file", _edit_args(OPS, *ADD_MUL)),
            _tagged("edit_file", _edit_args(TESTS, *ADD_MUL_TEST)),
            text_reply(raw_newlines),
        ]
    )
    record = run_add_mul(demo_repo, config, server)
    assert record.status == "green", record.stop_reason
    assert set(record.files_changed) == {OPS, TESTS} and record.commit
    assert record.fallbacks == {"text_tool_call": 3}
    calls = [e for e in _trace(record) if e["kind"] == "tool_call"]
    assert [c["tool"] for c in calls] == ["edit_file", "edit_file", "finish"]
    assert all(c["from_text"] for c in calls)
    # the conversation carries them as real tool calls, answered by tool results
    sent = server.requests[2].body["messages"]
    assert sent[-2]["content"][-1]["type"] == "tool_use"
    assert sent[-1]["content"][0]["type"] == "tool_result"
    assert "Fallbacks" in (Path(record.run_dir) / "report.md").read_text()


@pytest.mark.timeout(90)
def test_a_text_call_of_a_tool_that_does_not_exist_is_told_the_tools_that_do(
    demo_repo: Path, config: PipelineConfig, scripted_server: StartServer
) -> None:
    invented = _tagged("write_code", {"file": OPS, "code": "def mul(a, b): ..."})
    server = scripted_server(
        [
            plan_reply(),
            invented,
            tool_reply(edit(OPS, *ADD_MUL), edit(TESTS, *ADD_MUL_TEST)),
            FINISH,
        ]
    )
    record = run_add_mul(demo_repo, config, server)
    assert record.status == "green", record.stop_reason
    told = server.requests[2].body["messages"][-1]["content"][-1]["text"]
    assert "no tool named 'write_code'" in told and "edit_file" in told and "read_file" in told
    assert record.fallbacks == {"unknown_tool": 1}


@pytest.mark.timeout(90)
def test_a_model_looping_between_a_missing_tool_and_the_same_read_is_stopped_early(
    demo_repo: Path, config: PipelineConfig, scripted_server: StartServer
) -> None:
    invented = _fenced("add_multiply_helper", {"a": 2, "b": 3})  # what the 0.5B model did
    same_read = _fenced("read_file", {"path": OPS})
    server = scripted_server([plan_reply(), *[invented, same_read] * 10])
    record = run_add_mul(demo_repo, config, server)
    assert record.status == "stopped" and "made no progress" in (record.stop_reason or "")
    assert server.remaining > 10  # stopped after 7 code turns, not at the end of the script
    results = [
        b["content"]
        for r in server.requests
        for b in r.body["messages"][-1]["content"]
        if b.get("type") == "tool_result"
    ]
    assert any(c.startswith("Not run: you made this same read_file call 3 times") for c in results)
    assert record.tool_steps == 2  # the third identical read was not run


@pytest.mark.timeout(90)
def test_finish_after_a_failed_edit_in_the_same_reply_is_not_taken(
    demo_repo: Path, config: PipelineConfig, scripted_server: StartServer
) -> None:
    wrong = edit(OPS, "def mul(a, b):\n    return a * b\n", "def mul(a, b): ...")  # the 1.5B
    both = tool_reply(wrong, ("finish", {"summary": "Added mul."}))
    server = scripted_server(
        [plan_reply(), both, tool_reply(edit(OPS, *ADD_MUL), edit(TESTS, *ADD_MUL_TEST)), FINISH]
    )
    record = run_add_mul(demo_repo, config, server)
    assert record.status == "green", record.stop_reason
    results = [b for b in server.requests[2].body["messages"][-1]["content"]]
    assert results[1]["is_error"] and results[1]["content"].startswith("Not finished")


# --- the plan: offered, never forced; lenient; re-asked once; then the retrieval plan ---------
def test_the_plan_tool_is_offered_with_auto_and_a_plan_written_as_json_text_is_read(
    config: PipelineConfig, scripted_server: StartServer
) -> None:
    plan = {"summary": "Add mul.", "steps": ["add mul"], "files_to_change": [{"path": OPS}]}
    server = scripted_server(
        [text_reply("Here is the plan:\n```json\n" + json.dumps(plan) + "\n```")]
    )
    got = make_plan(SPEC, RetrievedContext(), model=model_for(server, config), config=config)
    assert (
        got.source == "model" and got.summary == "Add mul." and got.files_to_change[0].path == OPS
    )
    assert server.requests[0].body["tool_choice"] == {"type": "auto"}


def test_a_plan_that_almost_fits_the_schema_is_read_where_its_meaning_is_clear(
    config: PipelineConfig, scripted_server: StartServer
) -> None:
    wrapped = {  # the 1.5B's shape: wrapped, steps as objects, files as plain paths
        "function": "submit_plan",
        "arguments": {
            "summary": "Add mul to calc/ops.py",
            "steps": [{"step": 1, "description": "Add mul"}, {"step": 2, "description": "Test"}],
            "files_to_change": [OPS],
            "risks": "none",
        },
    }
    server = scripted_server([tool_reply(("submit_plan", wrapped))])
    plan = make_plan(SPEC, RetrievedContext(), model=model_for(server, config), config=config)
    assert plan.source == "model" and plan.steps == ("Add mul", "Test")
    assert [f.path for f in plan.files_to_change] == [OPS] and plan.risks == ("none",)
    assert any(n.startswith("Read leniently:") for n in plan.notes)
    assert len(server.requests) == 1  # no re-ask needed


def test_an_invalid_plan_is_asked_to_be_fixed_once_with_the_error_in_one_line(
    config: PipelineConfig, scripted_server: StartServer
) -> None:
    bad = tool_reply(("submit_plan", {"summary": {"text": "?"}, "steps": 7}))
    server = scripted_server([bad, plan_reply()])
    plan = make_plan(SPEC, RetrievedContext(), model=model_for(server, config), config=config)
    assert plan.source == "model" and plan.summary.startswith("Add the requested function")
    (result,) = [
        b for b in server.requests[1].body["messages"][-1]["content"] if b["type"] == "tool_result"
    ]
    assert result["is_error"] and "summary" in result["content"] and "steps" in result["content"]
    assert "\n" not in result["content"] and "errors.pydantic.dev" not in result["content"]


@pytest.mark.timeout(90)
def test_no_plan_at_all_falls_back_to_the_retrieval_plan_and_the_run_goes_on(
    demo_repo: Path, config: PipelineConfig, scripted_server: StartServer
) -> None:
    ramble = text_reply("\n" * 200, stop_reason="max_tokens")  # what a forced tool did
    server = scripted_server(
        [
            ramble,
            text_reply("I think we should add mul."),
            tool_reply(edit(OPS, *ADD_MUL), edit(TESTS, *ADD_MUL_TEST)),
            FINISH,
        ]
    )
    record = run_add_mul(demo_repo, config, server)
    assert record.status == "green", record.stop_reason
    assert record.plan is not None and record.plan.source == "retrieval"
    assert list(record.fallbacks) == ["plan_reask", "plan_from_retrieval"]
    rejected = [e for e in _trace(record) if e["kind"] == "plan_rejected"]
    assert "cut off" in rejected[0]["problem"] and "did not call" in rejected[1]["problem"]
    # the reply text is in the trace, so a failed plan can be diagnosed from the run directory
    texts = [e["text"] for e in _trace(record) if e["kind"] == "model_call"]
    assert texts[1] == "I think we should add mul."
    report = (Path(record.run_dir) / "report.md").read_text()
    assert "Writing code needs a model" not in report  # there was one


# --- the code loop stops calling tools without finish -----------------------------------------
@pytest.mark.timeout(90)
def test_a_model_that_edits_then_stops_without_finish_is_green_when_the_tests_pass(
    demo_repo: Path, config: PipelineConfig, scripted_server: StartServer
) -> None:
    done = text_reply("I have added mul and a test for it.")
    server = scripted_server(
        [plan_reply(), tool_reply(edit(OPS, *ADD_MUL), edit(TESTS, *ADD_MUL_TEST)), done, done]
    )
    record = run_add_mul(demo_repo, config, server)
    assert record.status == "green", record.stop_reason
    assert record.test_reports[-1].passed and record.fallbacks == {"finish_inferred": 1}
    assert server.remaining == 0 and len(server.requests) == 4  # one nudge, not three


@pytest.mark.timeout(90)
def test_a_model_that_stops_without_changing_anything_stops_the_run_with_the_reason(
    demo_repo: Path, config: PipelineConfig, scripted_server: StartServer
) -> None:
    server = scripted_server([plan_reply(), *[text_reply("Done.")] * 3])
    record = run_add_mul(demo_repo, config, server)
    assert record.status == "stopped"
    assert "without calling finish" in (record.stop_reason or "")
    assert "changed no file" in (record.stop_reason or "")


# --- claims of tests the diff does not have -----------------------------------------------------
@pytest.mark.timeout(90)
def test_acceptance_criteria_without_a_test_are_reported_and_can_block(
    demo_repo: Path, config: PipelineConfig, scripted_server: StartServer
) -> None:
    claim = tool_reply(("finish", {"summary": "Added mul and tests for every criterion."}))
    server = scripted_server([plan_reply(), tool_reply(edit(OPS, *ADD_MUL)), claim])
    record = run_add_mul(demo_repo, config, server)
    assert record.status == "green" and record.acceptance_tested is False
    assert any("No test covers the spec's 1 acceptance criterion" in w for w in record.warnings)
    assert "no test covers them" in (Path(record.run_dir) / "report.md").read_text()

    strict = replace(config, require_acceptance_tests=True)
    server = scripted_server([plan_reply(), tool_reply(edit(OPS, *ADD_MUL)), claim])
    blocked = run_add_mul(git_clone(demo_repo), strict, server)
    assert blocked.status == "stopped" and blocked.commit is None
    assert "require_acceptance_tests" in (blocked.stop_reason or "")


def git_clone(repo: Path) -> Path:
    """A fresh copy of ``repo`` (its branch name is taken by the first run)."""
    target = repo.parent / f"{repo.name}-again"
    git(repo.parent, "clone", "-q", str(repo), str(target))
    return target
