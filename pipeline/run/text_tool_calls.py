"""Tool calls that a model wrote as text, turned back into tool calls.

Small local models (Qwen2.5-Coder 0.5B/1.5B on llama.cpp's server, with ``tool_choice:
auto``) answer a tool request with the call written out in the *text* — JSON in a fenced
block, inside ``<tool_call>`` tags or tags of their own — and the server returns no
``tool_use`` block. ``find_text_calls`` finds the well-formed calls in such a text:

    {"name": "read_file", "arguments": {"path": "a.py"}}            (also "parameters", "input")
    {"type": "function", "function": {"name": ..., "arguments": "<JSON string>"}}
    {"function": "read_file", "arguments": {...}}
    <tool_call>{"name": ...}</tool_call>, <read_file>{"path": ...}</read_file>,
    <function=read_file>{"path": ...}</function>
    {"read_file": {"path": "a.py"}}                                  (an offered tool only)
    {"name": "read_file", "path": "a.py"}                            (an offered tool only)
    {"name": "<the spec's title>", "arguments": {"path": "a.py"}}    (arguments that fit one
                                                                      tool's schema only)

A call that names a tool which is not offered is returned in ``unknown`` (so the caller can
tell the model which tools exist) only when it is clearly meant as a call: it has an
arguments field or sits in tags. Nothing here runs anything.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

MAX_SCAN_CHARS = 200_000
_ARG_KEYS = ("arguments", "parameters", "args", "input", "tool_input")
_NAME_KEYS = ("name", "tool", "tool_name")
_TAG_BEFORE = re.compile(r"<(?:function=)?([A-Za-z_][\w.-]*)>\s*$")
_FENCE = re.compile(r"```[\w-]*[ \t]*\n?\s*```")
_EMPTY_TAGS = re.compile(r"<(/?)(tool_call|tool_calls|function_call|tools?)>", re.IGNORECASE)
_DECODER = json.JSONDecoder(strict=False)  # small models put raw newlines inside strings


@dataclass(frozen=True, slots=True)
class TextCall:
    name: str
    arguments: Mapping[str, Any]
    start: int  # the span of the call's JSON in the text
    end: int
    named: str | None = None  # the name the model wrote, when it was no tool's (see ``fits``)


@dataclass(frozen=True, slots=True)
class TextCalls:
    calls: tuple[TextCall, ...]  # calls of offered tools, in order, duplicates dropped
    unknown: tuple[str, ...]  # names of tools that were called but are not offered


def json_values(text: str) -> Iterator[tuple[int, int, Any]]:
    """Every top-level JSON object or array in ``text``: (start, end, value)."""
    text = text[:MAX_SCAN_CHARS]
    pos = 0
    while True:
        starts = [i for i in (text.find("{", pos), text.find("[", pos)) if i >= 0]
        if not starts:
            return
        i = min(starts)
        try:
            value, end = _DECODER.raw_decode(text, i)
        except json.JSONDecodeError:
            pos = i + 1
            continue
        yield i, end, value
        pos = end


def find_text_calls(
    text: str, offered: Collection[str], schemas: Mapping[str, Mapping[str, Any]] | None = None
) -> TextCalls:
    """The tool calls written in ``text`` (see the module docstring). With ``schemas`` (tool
    name -> input schema), a call under a name that is no tool's — small models use the spec's
    title — whose arguments fit exactly one tool's schema is read as a call of that tool."""
    calls: list[TextCall] = []
    unknown: list[str] = []
    seen: set[str] = set()
    for start, end, value in json_values(text):
        tag = _TAG_BEFORE.search(text, 0, start)
        tag_name = tag.group(1) if tag else None
        if isinstance(value, dict) and isinstance(value.get("tool_calls"), list):
            value = value["tool_calls"]
        items = value if isinstance(value, list) else [value]
        for item in items:
            found = _as_call(item, offered, tag_name)
            if found is None:
                continue
            name, args, explicit = found
            named = None
            if name not in offered:
                fitting = [t for t, schema in (schemas or {}).items() if fits(args, schema)]
                if explicit and len(fitting) == 1:
                    name, named = fitting[0], name
                else:
                    if explicit and name not in unknown:
                        unknown.append(name)
                    continue
            key = json.dumps([name, args], sort_keys=True, default=str)
            if key not in seen:
                seen.add(key)
                calls.append(TextCall(name, args, start, end, named))
    return TextCalls(tuple(calls), tuple(unknown))


def _as_call(
    obj: Any, offered: Collection[str], tag: str | None
) -> tuple[str, dict[str, Any], bool] | None:
    """(name, arguments, clearly-a-call) for one JSON value, or None when it is no call."""
    if not isinstance(obj, dict):
        return None
    inner = obj.get("function")
    if isinstance(inner, dict):  # {"type": "function", "function": {...}}
        return _as_call(inner, offered, tag)
    name = next((obj[k] for k in _NAME_KEYS if isinstance(obj.get(k), str)), None)
    if name is None and isinstance(inner, str):
        name = inner
    arg_key = next((k for k in _ARG_KEYS if k in obj), None)
    if isinstance(name, str) and name.strip():
        name = name.strip()
        if arg_key is not None:
            args = _arguments(obj[arg_key])
            return (name, args, True) if args is not None else None
        rest = {k: v for k, v in obj.items() if k not in (*_NAME_KEYS, "function", "type", "id")}
        if name in offered:  # {"name": "read_file", "path": "a.py"}
            return name, rest, True
        explicit = tag is not None and tag.lower() in ("tool_call", "function_call", "function")
        return (name, rest, True) if explicit and not rest else None
    if tag is not None and tag in offered:  # <read_file>{"path": "a.py"}</read_file>
        return tag, obj, True
    if len(obj) == 1:  # {"read_file": {"path": "a.py"}}
        ((key, value),) = obj.items()
        if key in offered and isinstance(value, dict):
            return key, value, True
    return None


def fits(args: Mapping[str, Any], schema: Mapping[str, Any]) -> bool:
    """Whether ``args`` are non-empty, name only the schema's properties and hold every
    required one."""
    props = set(schema.get("properties") or {})
    required = set(schema.get("required") or [])
    return bool(args) and set(args) <= props and required <= set(args)


def _arguments(value: Any) -> dict[str, Any] | None:
    if value is None:
        return {}
    if isinstance(value, str):  # OpenAI style: the arguments as a JSON string
        try:
            value = _DECODER.decode(value) if value.strip() else {}
        except json.JSONDecodeError:
            return None
    return value if isinstance(value, dict) else None


def strip_calls(text: str, calls: Collection[TextCall]) -> str:
    """``text`` without the calls' JSON and the fences or tags left empty around them."""
    out, pos = [], 0
    for call in sorted(calls, key=lambda c: c.start):
        if call.start >= pos:
            out.append(text[pos : call.start])
            pos = call.end
    out.append(text[pos:])
    rest = _EMPTY_TAGS.sub("", _FENCE.sub("", "".join(out)))
    return re.sub(r"\n{3,}", "\n\n", rest).strip()


def unknown_tools_message(
    unknown: Collection[str], offered: Collection[str], example_path: str | None = None
) -> str:
    """What the model is told when it called tools that do not exist (with an example call
    of read_file on a real path: small models copy placeholders literally)."""
    names = ", ".join(repr(n) for n in unknown)
    example = (
        f' For example: {{"name": "read_file", "arguments": {{"path": "{example_path}"}}}}.'
        if "read_file" in offered and example_path
        else ""
    )
    return (
        f"There is no tool named {names}. The tools are: {', '.join(offered)}. "
        f"Call one of them by its name, with its arguments.{example}"
    )
