"""The code stage: a bounded tool loop. Each turn asks the model, runs the tools it called
and sends back their results, until the model calls ``finish``, gives up, or the budget stops
it (``BudgetExceeded`` propagates to the orchestrator). A reply cut off at max_tokens is never
acted on: its tool calls are answered "not run" and the model is asked again, at most
``config.max_cut_off_retries`` times in a row.

What small models do instead of a tool call is handled here, each as a fallback in the trace
(``pipeline.fallbacks``): a call written as text is run (``pipeline.text_tool_calls``); a
call of a tool that does not exist is answered with the tools that do; a model that changed
files and then stops calling tools without ``finish`` is taken as finished — the tests, run
next by the stage, decide whether the change is green."""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from specpilot.pipeline.core.config import PipelineConfig
from specpilot.pipeline.model.protocol import (
    Message,
    Model,
    SystemBlock,
    ToolCall,
    ToolResult,
    cut_off_reason,
    cut_off_turn,
    is_cut_off,
)
from specpilot.pipeline.run.budget import Budget
from specpilot.pipeline.run.context import RetrievedContext, render_context
from specpilot.pipeline.run.fallbacks import fallback
from specpilot.pipeline.run.plan import Plan, render_plan
from specpilot.pipeline.run.record import RunTrace
from specpilot.pipeline.run.spec import Spec
from specpilot.pipeline.run.text_tool_calls import (
    find_text_calls,
    strip_calls,
    unknown_tools_message,
)
from specpilot.pipeline.workspace.file_tools import Toolbox

log = logging.getLogger(__name__)

CODER_INSTRUCTIONS = """\
You are the coding stage of specpilot. You work in a git worktree of the repository on a \
branch of your own; all paths are relative to the repository root. Implement the spec \
following the plan and the house rules: read before you edit, change as little as needed, \
add or update tests for the acceptance criteria, and run the tests. edit_file replaces text \
that must match exactly once. When the change is complete and the tests pass, call finish \
with a short summary. Tool errors are messages for you: read them and adapt."""

NUDGE = "Use the tools to make the change, then call finish with a summary."
NUDGE_CHANGED = (
    "If the change is complete and the tests pass, call finish with a summary; otherwise go "
    "on with the tools (as tool calls, not text)."
)
NOT_FINISHED = (
    "Not finished: a call before finish in this reply failed (see its result). Fix that "
    "first, then call finish."
)
REPEAT_LIMIT = 3  # the same call this often since the last write is not run again
REPEATED = (
    "Not run: you made this same {name} call {n} times and its result has not changed. Take "
    "the next step: change the file with edit_file (or create_file), or call finish."
)
CUT_OFF_ADVICE = (
    "Reply again in smaller steps: one edit per call, and a big new file in parts "
    "(create_file with the first part, then edit_file to add the rest)."
)


@dataclass(frozen=True, slots=True)
class LoopResult:
    finished: bool
    summary: str
    turns: int
    stop_reason: str  # "finished" or why the loop ended without finishing
    messages: tuple[Message, ...]


def coder_system(context: RetrievedContext) -> list[SystemBlock]:
    return [SystemBlock(CODER_INSTRUCTIONS), SystemBlock(render_context(context), cache=True)]


def first_message(spec: Spec, plan: Plan) -> Message:
    return Message(
        "user", "Implement this spec.\n\n" + spec.to_markdown() + "\n" + render_plan(plan)
    )


def code_loop(
    spec: Spec,
    plan: Plan,
    context: RetrievedContext,
    *,
    model: Model,
    toolbox: Toolbox,
    config: PipelineConfig,
    budget: Budget,
    trace: RunTrace | None = None,
    messages: Sequence[Message] = (),
    feedback: str | None = None,
) -> LoopResult:
    """Run the tool loop. ``messages`` continues an earlier round (repair); ``feedback`` is
    added as a user turn (e.g. the trimmed test failures)."""
    history = list(messages) or [first_message(spec, plan)]
    if feedback:
        _add_user_text(history, feedback)
    system = coder_system(context)
    idle = 0  # turns in a row without progress
    seen: Counter[str] = Counter()  # calls made since the last write, to refuse loops
    planned = [f.path for f in (*plan.files_to_change, *plan.files_to_create)]
    example = planned[0] if planned else None  # a real path for the example call
    cut_offs = 0  # cut-off replies in a row
    turns = 0
    while True:
        turns += 1
        response = model.complete(
            system=system, messages=history, tools=toolbox.specs(), max_tokens=config.max_tokens
        )
        if is_cut_off(response):
            history.append(Message("assistant", response.text, response.tool_calls))
            cut_offs += 1
            log.warning(
                "the model's reply was cut off (%s, %d in a row); its %d tool call(s) not run",
                response.stop_reason, cut_offs, len(response.tool_calls),
            )  # fmt: skip
            if trace:
                trace.event(
                    "cut_off",
                    stage="code",
                    stop_reason=response.stop_reason,
                    not_run=[c.name for c in response.tool_calls],
                    in_a_row=cut_offs,
                )
            if cut_offs > config.max_cut_off_retries:
                reason = cut_off_reason("the model's reply", cut_offs, config.max_tokens)
                return LoopResult(False, response.text, turns, reason, tuple(history))
            history.append(cut_off_turn(response, config.max_tokens, CUT_OFF_ADVICE))
            continue
        cut_offs = 0
        turn = _read_turn(response.text, response.tool_calls, toolbox, turns, trace, example)
        history.append(Message("assistant", turn.text, turn.calls))
        ran = _Ran((), None, False)
        if turn.calls:
            ran = _run_calls(turn, toolbox, budget, trace, seen, example)
            history.append(Message("user", tool_results=ran.results))
            if ran.summary is not None:
                return LoopResult(True, ran.summary, turns, "finished", tuple(history))
            if ran.progressed:
                idle = 0
                continue
        # no progress this turn: no call, only calls of missing tools, or only repeats
        idle += 1
        # with changes made, a model that stops making progress twice is taken as finished
        limit = min(1, config.max_idle_turns) if toolbox.changed else config.max_idle_turns
        if idle > limit and toolbox.changed:
            fallback(
                trace, "finish_inferred",
                f"the model made no progress {idle} times without calling finish after "
                f"changing {', '.join(toolbox.changed)}; taken as finished, the tests decide",
            )  # fmt: skip
            return LoopResult(True, turn.text, turns, "finish_inferred", tuple(history))
        if idle > limit:
            reason = (
                f"the model made no progress {idle} turns in a row (no tool call, a tool that "
                "does not exist, or a call it had repeated) without calling finish (last stop "
                f"reason {response.stop_reason!r}) and changed no file"
            )
            return LoopResult(False, turn.text, turns, reason, tuple(history))
        if not turn.calls:
            nudge = turn.unknown_text or (NUDGE_CHANGED if toolbox.changed else NUDGE)
            history.append(Message("user", nudge))


@dataclass(frozen=True, slots=True)
class _Ran:
    results: tuple[ToolResult, ...]
    summary: str | None  # set when finish was called
    progressed: bool  # some call ran that was neither a missing tool nor a repeat


def _run_calls(
    turn: _Turn,
    toolbox: Toolbox,
    budget: Budget,
    trace: RunTrace | None,
    seen: Counter[str],
    example: str | None,
) -> _Ran:
    """Run the turn's calls. A call of a tool that does not exist gets the list of those that
    do; the same call made ``REPEAT_LIMIT`` times since the last write is not run again."""
    results: list[ToolResult] = []
    summary: str | None = None
    progressed = False
    offered = [t.name for t in toolbox.specs()]
    for call in turn.calls:
        if call.name not in offered:
            fallback(trace, "unknown_tool", f"the model called {call.name!r}")
            message = unknown_tools_message([call.name], offered, example)
            results.append(ToolResult(call.id, message, True))
            continue
        failed = [r for r in results if r.is_error]
        if call.name == "finish" and failed:  # e.g. an edit that did not apply, then finish
            results.append(ToolResult(call.id, NOT_FINISHED, True))
            continue
        key = json.dumps([call.name, call.arguments], sort_keys=True, default=str)
        seen[key] += 1
        if seen[key] >= REPEAT_LIMIT:
            log.info("not running %s again: the same call %d times", call.name, seen[key])
            results.append(ToolResult(call.id, REPEATED.format(name=call.name, n=seen[key]), True))
            continue
        budget.charge_step()
        written = toolbox.writes
        outcome = toolbox.call(call)
        if toolbox.writes != written:
            seen.clear()  # the files changed: the same read may now answer differently
        progressed = True
        results.append(ToolResult(call.id, outcome.content, outcome.is_error))
        if trace:
            trace.event(
                "tool_call",
                tool=call.name,
                call_id=call.id,
                arguments=_short_args(call.arguments),
                is_error=outcome.is_error,
                result=outcome.content[:300],
                from_text=turn.from_text,
            )
        if outcome.finished:
            summary = str(call.arguments.get("summary", ""))
    return _Ran(tuple(results), summary, progressed)


@dataclass(frozen=True, slots=True)
class _Turn:
    text: str
    calls: tuple[ToolCall, ...]
    from_text: bool = False  # the calls were written as text
    unknown_text: str = ""  # what to tell a model that wrote a call of a tool that does not exist


def _read_turn(
    text: str,
    calls: tuple[ToolCall, ...],
    toolbox: Toolbox,
    turn: int,
    trace: RunTrace | None,
    example: str | None,
) -> _Turn:
    """The reply's tool calls; without any, the well-formed calls written in its text."""
    if calls or not text.strip():
        return _Turn(text, calls)
    specs = toolbox.specs()
    offered = [t.name for t in specs]
    found = find_text_calls(text, offered, {t.name: t.input_schema for t in specs})
    if found.calls:
        names = [c.name + (f" (named {c.named!r})" if c.named else "") for c in found.calls]
        fallback(
            trace, "text_tool_call",
            f"the reply wrote {len(names)} tool call(s) as text ({', '.join(names)}); run them",
            tools=[c.name for c in found.calls],
        )  # fmt: skip
        made = tuple(
            ToolCall(f"text_{turn}_{i}", c.name, c.arguments) for i, c in enumerate(found.calls, 1)
        )
        return _Turn(strip_calls(text, found.calls), made, from_text=True)
    if found.unknown:
        fallback(trace, "unknown_tool", f"the reply's text calls {', '.join(found.unknown)}")
        told = unknown_tools_message(found.unknown, offered, example)
        return _Turn(text, (), unknown_text=told)
    return _Turn(text, ())


def _add_user_text(history: list[Message], text: str) -> None:
    """Append ``text`` as a user turn, merged into a trailing user turn (tool results)."""
    if history and history[-1].role == "user":
        last = history[-1]
        joined = f"{last.text}\n\n{text}" if last.text else text
        history[-1] = Message("user", joined, last.tool_calls, last.tool_results)
    else:
        history.append(Message("user", text))


def _short_args(value: Any, limit: int = 2000) -> Any:
    """Arguments for the trace, long strings shortened (file contents can be big)."""
    if isinstance(value, Mapping):
        return {str(k): _short_args(v, limit) for k, v in value.items()}
    if isinstance(value, list):
        return [_short_args(v, limit) for v in value]
    if isinstance(value, str) and len(value) > limit:
        return value[:limit] + f"... [{len(value) - limit} more chars]"
    return value
