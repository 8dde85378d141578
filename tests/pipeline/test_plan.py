"""The plan stage: the model's plan through a forced tool call; the retrieval-only plan."""

from __future__ import annotations

from pathlib import Path

from specpilot.pipeline.core.config import PipelineConfig
from specpilot.pipeline.run.context import RankedFile, RetrievedContext, SymbolSite, gather_context
from specpilot.pipeline.run.plan import Plan, make_plan, plan_from_retrieval, render_plan
from specpilot.pipeline.run.spec import parse_spec
from specpilot.pipeline.testing import GrepIndex, text_reply, tool_reply
from tests.pipeline.conftest import StartServer
from tests.pipeline.run_helpers import model_for, plan_reply

SPEC = parse_spec(
    "---\ntitle: Add mul\nrisk: high\nacceptance: [mul works]\n"
    "paths:\n  block: ['calc/vendored/**']\n---\nAdd `mul` beside `add`.\n"
)
CONTEXT = RetrievedContext(
    files=(
        RankedFile("calc/ops.py", 3.0, "search hit"),
        RankedFile("tests/test_ops.py", 2.0, "search hit"),
        RankedFile("calc/vendored/x.py", 2.5, "search hit"),
        RankedFile("calc/unrelated.py", 0.4, "search hit"),
    ),
    symbols=(SymbolSite("calc/ops.py", "add", 4, 5, 1.0, "def add(a, b):"),),
    house_rules="- Use type hints on public functions.\n- Tests live in tests/.\n",
)


def test_model_plan_through_the_tool(config: PipelineConfig, scripted_server: StartServer) -> None:
    server = scripted_server(
        [plan_reply(["calc/ops.py", "calc/vendored/x.py"], conventions=["type hints"], extra=1)]
    )
    plan = make_plan(SPEC, CONTEXT, model=model_for(server, config), config=config)
    assert plan.source == "model" and plan.steps[0] == "Add the function"
    assert [f.path for f in plan.files_to_change] == ["calc/ops.py"]
    assert plan.conventions == ("type hints",)
    # a file the spec does not allow is not listed to change, only named in the notes
    assert "calc/vendored/x.py" not in [f.path for f in plan.files_to_change]
    assert plan.notes[0] == "Ignored unknown plan fields from the model: extra."
    assert "calc/vendored/x.py, which may not be written" in plan.notes[1]
    body = server.requests[0].body
    # offered, never forced: llama.cpp turns a forced tool into endless preamble
    assert body["tool_choice"] == {"type": "auto"} and body["tools"][0]["name"] == "submit_plan"
    assert "Use type hints" in body["system"][1]["text"]  # house rules reach the model
    assert "Acceptance criteria:\n- mul works" in body["messages"][0]["content"][0]["text"]
    assert Plan.model_validate_json(plan.model_dump_json()) == plan


def test_a_model_that_does_not_plan_is_asked_once_more_then_the_retrieval_plan_is_used(
    config: PipelineConfig, scripted_server: StartServer
) -> None:
    server = scripted_server(
        [text_reply("no plan"), tool_reply(("submit_plan", {"steps": 3})), plan_reply()]
    )
    plan = make_plan(SPEC, CONTEXT, model=model_for(server, config), config=config)
    assert plan.source == "retrieval" and server.remaining == 1  # two asks, not three
    assert "could not be used" in plan.notes[0] and "plan schema" in plan.notes[0]
    assert "\n" not in plan.notes[0] and "https://" not in plan.notes[0]  # one line, no URLs
    assert not any("set ANTHROPIC_API_KEY" in n for n in plan.notes)  # there is a model
    reask = server.requests[1].body
    assert "did not call submit_plan" in reask["messages"][-1]["content"][-1]["text"]
    assert set(reask["tools"][0]["input_schema"]["properties"]) == {
        "summary",
        "steps",
        "files_to_change",
    }  # fmt: skip  (the simpler schema)


def test_retrieval_plan_is_honest(config: PipelineConfig) -> None:
    plan = plan_from_retrieval(SPEC, CONTEXT, config=config)
    assert plan.source == "retrieval"
    assert "Writing code needs a model" in plan.notes[0]
    assert [f.path for f in plan.files_to_change] == ["calc/ops.py"]
    assert any("Not planned: calc/vendored/x.py" in n for n in plan.notes)
    assert plan.files_to_change[0].symbols == ("add",)
    assert plan.tests_to_run == ("tests/test_ops.py",)
    assert plan.tests_to_add == ("mul works",)
    assert plan.conventions == ("Use type hints on public functions.", "Tests live in tests/.")
    assert any("retrieval-only" in r.lower() for r in plan.risks)
    assert "The spec's risk hint is 'high'." in plan.risks
    text = render_plan(plan)
    assert "## Plan (retrieval only)" in text and "`calc/ops.py` (`add`)" in text


def test_retrieval_plan_without_context_says_so(config: PipelineConfig) -> None:
    plan = plan_from_retrieval(SPEC, RetrievedContext(), config=config)
    assert plan.files_to_change == ()
    assert any("found no relevant files" in r for r in plan.risks)
    assert plan.tests_to_run == (config.test_command,)


def test_gather_context_with_a_grep_index(demo_repo: Path) -> None:
    context = gather_context(SPEC, GrepIndex(demo_repo), top_k=5, max_chars=2000)
    assert context.files[0].path == "calc/ops.py"
    assert [s.symbol for s in context.symbols] == ["add"]  # `mul` does not exist yet
    # retrieval's excerpt packer: the named symbol labelled, blocks in line order per file
    assert "--- calc/ops.py:4-4 add\ndef add(a, b):" in context.packed_text
    assert context.packed_text.startswith("## Relevant code\n--- calc/ops.py:1-9\n")
    assert len(context.packed_text) <= 2000
