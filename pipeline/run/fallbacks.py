"""Fallbacks: what the pipeline did instead when a model did not do what was asked.

No fallback is silent. Each one is logged as a warning and written to the run's trace as a
``fallback`` event; the run record counts them (``RunRecord.fallbacks``: kind -> times, in
order of first use) and ``report.md`` names them. The kinds:

    text_tool_call       a tool call written as text was run as a tool call
    unknown_tool         the model called a tool that does not exist and was told the real ones
    plan_from_text       the plan was read from the reply's text, not from a submit_plan call
    plan_lenient         the plan did not fit the schema exactly; its meaning was clear
    plan_reask           the plan was missing or invalid; the model was asked once more
    plan_from_retrieval  no usable plan from the model; the retrieval plan was used
    finish_inferred      the model stopped calling tools without finish; its change was taken
                         as finished (the tests decide)
    context_trimmed      the request was packed to the model's context window
    max_tokens_lowered   max_tokens was lowered so input + output fit the context window
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any, Protocol

log = logging.getLogger(__name__)

KINDS: Mapping[str, str] = MappingProxyType(
    {
        "text_tool_call": "tool calls written as text were run as tool calls",
        "unknown_tool": "the model called a tool that does not exist and was told the real ones",
        "plan_from_text": "the plan was read from the reply's text, not from a submit_plan call",
        "plan_lenient": "the plan did not fit the schema exactly; it was read where its "
        "meaning was clear",
        "plan_reask": "the plan was missing, invalid or cut off; the model was asked once more",
        "plan_from_retrieval": "no usable plan from the model; the retrieval plan was used",
        "finish_inferred": "the model stopped calling tools without calling finish; its change "
        "was taken as finished and the tests decided",
        "context_trimmed": "requests were packed to the model's context window",
        "max_tokens_lowered": "max_tokens was lowered so that input and output fit the "
        "context window",
    }
)


class Trace(Protocol):
    def event(self, kind: str, **fields: Any) -> None: ...


def fallback(trace: Trace | None, kind: str, detail: str, **fields: Any) -> None:
    """Log the fallback ``kind`` (one of ``KINDS``) as a warning and trace it."""
    if kind not in KINDS:
        raise ValueError(f"unknown fallback kind {kind!r}; known: {', '.join(KINDS)}")
    log.warning("fallback %s: %s", kind, detail)
    if trace is not None:
        trace.event("fallback", fallback=kind, detail=detail, **fields)


def fallbacks_in(events: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """Fallback kind -> how often, from a trace's events (in order of first use)."""
    counts: dict[str, int] = {}
    for e in events:
        if e.get("kind") == "fallback":
            kind = str(e.get("fallback"))
            counts[kind] = counts.get(kind, 0) + 1
    return counts
