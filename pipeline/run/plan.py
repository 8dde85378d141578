"""The plan stage: a structured ``Plan`` from the model (through the ``submit_plan`` tool), or,
without a model — or when the model gives no usable plan — ``plan_from_retrieval``, which says
plainly that it is retrieval only."""

from __future__ import annotations

import json
import logging
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from specpilot.conventions import house_rule_items
from specpilot.pipeline.core.config import PipelineConfig
from specpilot.pipeline.model.protocol import (
    Message,
    Model,
    ModelResponse,
    SystemBlock,
    ToolResult,
    ToolSpec,
    cut_off_turn,
    is_cut_off,
)
from specpilot.pipeline.run.acceptance import TEST_FILE
from specpilot.pipeline.run.context import RankedFile, RetrievedContext, render_context
from specpilot.pipeline.run.fallbacks import Trace, fallback
from specpilot.pipeline.run.plan_lenient import (
    PLAN_TOOL_NAME,
    lenient_plan_data,
    one_line,
    plan_arguments_in_text,
)
from specpilot.pipeline.run.spec import Spec
from specpilot.pipeline.workspace.paths import WriteGuard

log = logging.getLogger(__name__)

RETRIEVAL_ONLY_NOTE = (
    "This plan was made from retrieval only: no model read the code or wrote it. "
    "Writing code needs a model — set ANTHROPIC_API_KEY and run again."
)
_TEST_FILE = TEST_FILE
# a repository path a task names: `in backticks`, or bare with a folder and an extension
_NAMED_PATH = re.compile(
    r"`([A-Za-z0-9_./-]+\.[A-Za-z0-9]+)`|(?<![\w/.:-])((?:[A-Za-z0-9_.-]+/)+[A-Za-z0-9_-]+\.[A-Za-z0-9]+)"
)


def task_paths(spec: Spec) -> tuple[str, ...]:
    """The file paths the spec's tasks name, in order (``src/x.py``, `` `setup.cfg` ``)."""
    found: list[str] = []
    for task in spec.tasks:
        for m in _NAMED_PATH.finditer(task):
            path = (m.group(1) or m.group(2)).removeprefix("./")
            if not path.startswith(("/", "../")) and "/../" not in path and path not in found:
                found.append(path)
    return tuple(found)


class FileChange(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    path: str = Field(min_length=1)
    reason: str = ""
    symbols: tuple[str, ...] = ()


class Plan(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[1] = 1
    source: Literal["model", "retrieval"]
    summary: str
    steps: tuple[str, ...] = ()
    files_to_change: tuple[FileChange, ...] = ()
    files_to_create: tuple[FileChange, ...] = ()
    tests_to_add: tuple[str, ...] = ()
    tests_to_run: tuple[str, ...] = ()
    conventions: tuple[str, ...] = ()
    risks: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


_FILES = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "path": {"type": "string", "description": "repo-relative path"},
            "reason": {"type": "string"},
            "symbols": {"type": "array", "items": {"type": "string"}},
        },
        "required": ["path"],
    },
}
_STRINGS = {"type": "array", "items": {"type": "string"}}

PLAN_TOOL = ToolSpec(
    name=PLAN_TOOL_NAME,
    description="Submit the implementation plan for the spec. Call this exactly once.",
    input_schema={
        "type": "object",
        "properties": {
            "summary": {"type": "string", "description": "one paragraph: what changes and why"},
            "steps": {**_STRINGS, "description": "ordered implementation steps"},
            "files_to_change": _FILES,
            "files_to_create": _FILES,
            "tests_to_add": {**_STRINGS, "description": "test cases to write"},
            "tests_to_run": {**_STRINGS, "description": "test files or node ids to run"},
            "conventions": {**_STRINGS, "description": "house rules that apply here"},
            "risks": {**_STRINGS, "description": "what could break; what a reviewer checks"},
        },
        "required": ["summary", "steps", "files_to_change", "risks"],
    },
)

PLANNER_INSTRUCTIONS = """\
You are the planning stage of specpilot, a coding agent that turns a written spec into a \
tested change. Read the spec and the repository context, then call the submit_plan tool once \
with a concrete plan: the files and symbols to change or create, ordered steps, tests to add \
and to run, the house rules that apply, and the risks a reviewer should check. Use only paths \
that appear in the context or that you propose to create. Do not write code yet. Answer with \
the submit_plan tool call itself, not with text."""

# The re-ask offers a simpler schema: plain strings only (read leniently into the full plan).
SIMPLE_PLAN_TOOL = ToolSpec(
    name=PLAN_TOOL_NAME,
    description="Submit the implementation plan for the spec: a summary, steps and file paths.",
    input_schema={
        "type": "object",
        "properties": {
            "summary": {"type": "string"},
            "steps": _STRINGS,
            "files_to_change": {**_STRINGS, "description": "repo-relative paths"},
        },
        "required": ["summary", "steps", "files_to_change"],
    },
)
FALLBACK_NOTE = (
    "The model's plan could not be used ({problem}); this plan comes from retrieval only. "
    "The code stage still works with the model."
)


def make_plan(
    spec: Spec,
    context: RetrievedContext,
    *,
    model: Model,
    config: PipelineConfig,
    trace: Trace | None = None,
) -> Plan:
    """The model's plan, offered as the ``submit_plan`` tool with ``tool_choice: auto`` (a
    forced tool makes some servers ramble to max_tokens).

    A plan written as text is read from the text; one that almost fits the schema is repaired
    where the meaning is clear (``pipeline.plan_lenient``). A missing, invalid or cut-off plan
    is asked for once more, with the error and a simpler schema; after that the retrieval
    plan is used. Every such step is a fallback (``pipeline.fallbacks``) in the trace."""
    system = [
        SystemBlock(PLANNER_INSTRUCTIONS),
        SystemBlock(render_context(context), cache=True),
    ]
    messages = [Message("user", "Plan the change for this spec.\n\n" + spec.to_markdown())]
    tool, problem = PLAN_TOOL, ""
    for attempt in (1, 2):
        response = model.complete(
            system=system, messages=messages, tools=[tool], max_tokens=config.max_tokens
        )
        plan, problem = _read_plan(spec, response, trace)
        if plan is not None:
            return plan
        if trace:
            trace.event("plan_rejected", attempt=attempt, problem=problem)
        if attempt == 1:
            fallback(trace, "plan_reask", problem)
            messages += [Message("assistant", response.text, response.tool_calls),
                         _reask_turn(response, problem, config)]  # fmt: skip
            tool = SIMPLE_PLAN_TOOL
    fallback(trace, "plan_from_retrieval", problem)
    retrieval = plan_from_retrieval(spec, context, config=config)
    note = FALLBACK_NOTE.format(problem=problem.rstrip("."))
    notes = tuple(n for n in retrieval.notes if n != RETRIEVAL_ONLY_NOTE)
    return retrieval.model_copy(update={"notes": (note, *notes)})


def _read_plan(spec: Spec, response: ModelResponse, trace: Trace | None) -> tuple[Plan | None, str]:
    """The plan in ``response``, or None and what is wrong with it (one line)."""
    if is_cut_off(response):
        log.warning("the model's plan was cut off (%s)", response.stop_reason)
        return None, (
            f"the plan was cut off at max_tokens (stop reason {response.stop_reason!r}); "
            "none of it was used"
        )
    raw, how = _plan_arguments(response)
    if raw is None:
        others = sorted({c.name for c in response.tool_calls})
        called = f" (it called {', '.join(others)} instead)" if others else ""
        return None, f"the model did not call {PLAN_TOOL_NAME}{called}"
    if how != "tool":
        fallback(trace, "plan_from_text", f"the plan was read from {how}")
    data, repairs = lenient_plan_data(raw)
    dropped = sorted(set(raw) - PLAN_FIELDS - {"plan", "arguments", "function", "name"})
    notes = (
        [f"Ignored unknown plan fields from the model: {', '.join(dropped)}."] if dropped else []
    )
    if repairs:
        notes.append("Read leniently: " + "; ".join(repairs) + ".")
    try:
        plan = Plan.model_validate({**data, "source": "model", "notes": notes})
    except ValidationError as exc:
        if trace:
            trace.event("plan_invalid", error=str(exc), arguments=_short(raw))
        return None, f"the plan does not match the plan schema: {one_line(exc)}"
    if repairs:
        fallback(trace, "plan_lenient", "; ".join(repairs))
    return _without_forbidden(spec, plan), ""


def _plan_arguments(response: ModelResponse) -> tuple[dict[str, Any] | None, str]:
    """The plan's raw arguments and where they came from: the tool call, the text, or a call
    of another (invented) tool whose arguments are a plan."""
    for call in response.tool_calls:
        if call.name == PLAN_TOOL_NAME:
            return dict(call.arguments), "tool"
    for call in response.tool_calls:
        if PLAN_FIELDS & set(call.arguments):
            return dict(call.arguments), f"a call of the unknown tool {call.name!r}"
    found = plan_arguments_in_text(response.text) if response.text else None
    return (found, "the reply's text") if found is not None else (None, "")


def _reask_turn(response: ModelResponse, problem: str, config: PipelineConfig) -> Message:
    ask = (
        f"Call the {PLAN_TOOL_NAME} tool now (a tool call, not text) with: summary (a "
        "string), steps (a list of strings), files_to_change (a list of file paths)."
    )
    if is_cut_off(response):
        turn = cut_off_turn(response, config.max_tokens, CUT_OFF_ADVICE + " " + ask)
        return turn
    results = tuple(
        ToolResult(c.id, f"Not accepted: {problem}.", is_error=True) for c in response.tool_calls
    )
    return Message("user", f"Not accepted: {problem}. {ask}", tool_results=results)


def _short(value: Any, limit: int = 4000) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[:limit] + "..."


def _without_forbidden(spec: Spec, plan: Plan) -> Plan:
    """The model's plan without files the spec does not allow writing (named in the notes)."""
    guard = WriteGuard(spec.paths.allow, spec.paths.block)
    dropped: list[str] = []

    def allowed(files: tuple[FileChange, ...]) -> tuple[FileChange, ...]:
        kept = []
        for f in files:
            reason = guard.refusal(f.path)
            if reason is None:
                kept.append(f)
            else:
                dropped.append(
                    f"Not planned: the model proposed {f.path}, which may not be written ({reason})."
                )
        return tuple(kept)

    change, create = allowed(plan.files_to_change), allowed(plan.files_to_create)
    if not dropped:
        return plan
    update = {
        "files_to_change": change,
        "files_to_create": create,
        "notes": (*plan.notes, *dropped),
    }
    return plan.model_copy(update=update)


PLAN_FIELDS = frozenset(PLAN_TOOL.input_schema["properties"])
CUT_OFF_ADVICE = f"Call {PLAN_TOOL_NAME} again with a shorter plan: fewer, terser entries."


def plan_from_retrieval(spec: Spec, context: RetrievedContext, *, config: PipelineConfig) -> Plan:
    """A plan built only from retrieval ranking: honest about not having read the code.

    It lists the best-ranked files down to where the score falls off (``plan_score_ratio`` of
    the best, at most ``plan_max_files``), and never a file the spec does not allow writing:
    those are named in the notes instead."""
    files, refused = _focused(spec, context, config)
    symbols_by_path: dict[str, list[str]] = {}
    for sym in context.symbols:
        symbols_by_path.setdefault(sym.path, []).append(sym.symbol)
    source_files = [f for f in files if not _TEST_FILE.search(f.path)]
    test_files = [f.path for f in files if _TEST_FILE.search(f.path)]
    # the files the spec's own tasks name come first: the spec's author said so
    guard = WriteGuard(spec.paths.allow, spec.paths.block)
    named = [p for p in task_paths(spec) if guard.refusal(p) is None]
    test_files = [*(p for p in named if _TEST_FILE.search(p) and p not in test_files), *test_files]
    named = [p for p in named if not _TEST_FILE.search(p)]
    changes = tuple(
        FileChange(
            path=p,
            reason="named by the spec's tasks",
            symbols=tuple(dict.fromkeys(symbols_by_path.get(p, []))),
        )
        for p in named
    ) + tuple(
        FileChange(
            path=f.path,
            reason=f"ranked #{i} by retrieval (score {f.score:.3g}; {f.reason})",
            symbols=tuple(dict.fromkeys(symbols_by_path.get(f.path, []))),
        )
        for i, f in enumerate(source_files, 1)
        if f.path not in named
    )
    test_command = spec.test_command or config.test_command
    steps = [f"Task: {t}" for t in spec.tasks]
    steps += [f"Read {c.path} and decide whether it must change." for c in changes[:3]]
    if spec.acceptance:
        steps.append("Add tests for each acceptance criterion.")
    steps.append(f"Run the tests ({test_command or 'the detected test command'}).")
    risks = ["Retrieval-only plan: the ranking is a starting point, not a reading of the code."]
    if spec.risk:
        risks.append(f"The spec's risk hint is {spec.risk!r}.")
    if not files:
        risks.append("Retrieval found no relevant files; the index may be missing or stale.")
    conventions = house_rule_items(context.house_rules)  # each rule keeps its language
    if not conventions and context.house_rules.strip():
        conventions = (context.house_rules.strip(),)
    return Plan(
        source="retrieval",
        summary=f"Retrieval-grounded starting points for: {spec.title}.",
        steps=tuple(steps),
        files_to_change=changes,
        tests_to_add=spec.acceptance,
        tests_to_run=tuple(test_files) or ((test_command,) if test_command else ()),
        conventions=conventions,
        risks=tuple(risks),
        notes=(RETRIEVAL_ONLY_NOTE, *refused, *context.notes),
    )


def _focused(
    spec: Spec, context: RetrievedContext, config: PipelineConfig
) -> tuple[list[RankedFile], list[str]]:
    """The files worth planning, and a note for each well-ranked file the spec forbids."""
    guard = WriteGuard(spec.paths.allow, spec.paths.block)
    # tests ranked high become tests to run; the fall-off is measured among the others
    best = max((f.score for f in context.files if not _TEST_FILE.search(f.path)), default=0.0)
    kept: list[RankedFile] = []
    refused: list[str] = []
    for f in context.files:
        if len(kept) >= config.plan_max_files:
            break
        if f.score < config.plan_score_ratio * best and not _TEST_FILE.search(f.path):
            continue
        reason = guard.refusal(f.path)
        if reason is None:
            kept.append(f)
        else:
            refused.append(f"Not planned: {f.path} ranks high but may not be written ({reason}).")
    return kept, refused


def render_plan(plan: Plan) -> str:
    """The plan as Markdown for reports."""
    out = [f"## Plan ({'model' if plan.source == 'model' else 'retrieval only'})", plan.summary]

    def section(title: str, items: list[str]) -> None:
        if items:
            out.append(f"### {title}")
            out.extend(f"- {item}" for item in items)

    section("Steps", list(plan.steps))
    section(
        "Files to change",
        [
            f"`{f.path}`"
            + (f" ({', '.join(f'`{s}`' for s in f.symbols)})" if f.symbols else "")
            + (f" — {f.reason}" if f.reason else "")
            for f in plan.files_to_change
        ],
    )
    section("Files to create", [f"`{f.path}` — {f.reason}" for f in plan.files_to_create])
    section("Tests to add", list(plan.tests_to_add))
    section("Tests to run", [f"`{t}`" for t in plan.tests_to_run])
    section("Conventions to follow", list(plan.conventions))
    section("Risks", list(plan.risks))
    section("Notes", list(plan.notes))
    return "\n".join(out) + "\n"
