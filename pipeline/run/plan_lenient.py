"""A plan as small models send it, coerced towards the plan schema where the meaning is clear.

Real small models call ``submit_plan`` with plans that *almost* fit: a string where a list of
steps is expected, steps as objects (``{"step": 1, "description": "..."}``), files as plain
paths or under ``file`` instead of ``path``, the whole plan wrapped in
``{"function": ..., "arguments": ...}`` or ``{"plan": ...}``, or written as JSON in the text
instead of a tool call. ``lenient_plan_data`` repairs what has one obvious reading and says
so in a note per repair; what has none is left for the schema to refuse (the plan stage then
asks once more, then falls back). ``one_line`` turns a pydantic error into one line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from specpilot.pipeline.run.text_tool_calls import find_text_calls, json_values

PLAN_TOOL_NAME = "submit_plan"
STRING_LISTS = ("steps", "tests_to_add", "tests_to_run", "conventions", "risks")
FILE_LISTS = ("files_to_change", "files_to_create")
PLAN_KEYS = frozenset({"summary", *STRING_LISTS, *FILE_LISTS})
_TEXT_KEYS = ("description", "step", "text", "action", "task", "title", "name", "test", "risk")
_PATH_KEYS = ("path", "file", "filename", "file_path", "filepath", "name")
_REASON_KEYS = ("reason", "description", "why", "change", "changes", "purpose")
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s*")


def plan_arguments_in_text(text: str) -> dict[str, Any] | None:
    """Plan arguments written in a reply's text: a ``submit_plan`` call, else the first JSON
    object that has plan fields."""
    found = find_text_calls(text, {PLAN_TOOL_NAME})
    if found.calls:
        return dict(found.calls[0].arguments)
    for _start, _end, value in json_values(text):
        if isinstance(value, dict):
            inner = _unwrapped(value)
            if PLAN_KEYS & set(inner):
                return inner
    return None


def lenient_plan_data(raw: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The plan fields of ``raw``, repaired where the meaning is clear, and a note per repair."""
    notes: list[str] = []
    data = _unwrapped(dict(raw))
    if data is not raw and set(data) != set(raw):
        notes.append("the plan was wrapped in another object")
    out: dict[str, Any] = {}
    for key in STRING_LISTS:
        if data.get(key) is not None:
            out[key] = _strings(data[key], key, notes)
    for key in FILE_LISTS:
        if data.get(key) is not None:
            out[key] = _files(data[key], key, notes)
    summary = data.get("summary")
    if isinstance(summary, str) and summary.strip():
        out["summary"] = summary
    elif _all_strings(summary):
        out["summary"] = " ".join(str(x) for x in summary or ())
        notes.append("summary was a list of strings, joined")
    elif summary is not None:
        out["summary"] = summary  # left for the schema to refuse
    elif _all_strings(out.get("steps")):
        out["summary"] = out["steps"][0]
        notes.append("summary was missing; the first step stands for it")
    return out, notes


def _all_strings(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(x, str) for x in value)


def _unwrapped(data: dict[str, Any]) -> dict[str, Any]:
    """The plan inside ``{"plan": {...}}``, ``{"arguments": {...}}``, ``{"function": ...}``."""
    for _ in range(3):
        if PLAN_KEYS & set(data):
            return data
        inner = next(
            (data[k] for k in ("plan", "arguments", "parameters", "input") if k in data), None
        )
        if isinstance(data.get("function"), dict):
            inner = data["function"].get("arguments", inner)
        if isinstance(inner, str):
            try:
                inner = json.loads(inner, strict=False)
            except json.JSONDecodeError:
                return data
        if not isinstance(inner, dict):
            return data
        data = inner
    return data


def _strings(value: Any, key: str, notes: list[str]) -> Any:
    if isinstance(value, str):
        lines = [_BULLET.sub("", ln).strip() for ln in value.splitlines()]
        items = [ln for ln in lines if ln] if len(lines) > 1 else [value.strip()]
        notes.append(f"{key} was a string, read as {len(items)} item(s)")
        return [i for i in items if i]
    if isinstance(value, dict):
        value = [value]
        notes.append(f"{key} was a single object, read as a list of one")
    if not isinstance(value, list):
        return value  # a number or a flag has no reading as text: the schema refuses it
    out: list[Any] = []
    objects = False
    for item in value:
        if isinstance(item, dict):
            objects = True
            out.append(_text_of(item))
        elif item is not None:
            out.append(item)  # strings; anything else is left for the schema to refuse
    if objects:
        notes.append(f"{key} held objects where strings are expected; their text was used")
    return [s for s in out if not isinstance(s, str) or s.strip()]


def _text_of(item: Mapping[str, Any]) -> str:
    for k in _TEXT_KEYS:
        if isinstance(item.get(k), str) and item[k].strip():
            return str(item[k])
    texts = [v for v in item.values() if isinstance(v, str) and v.strip()]
    if len(texts) == 1:
        return texts[0]
    return json.dumps(item, ensure_ascii=False, default=str)


def _files(value: Any, key: str, notes: list[str]) -> list[dict[str, Any]]:
    if isinstance(value, str):
        value = [value]
        notes.append(f"{key} was a string, read as one path")
    elif isinstance(value, dict):
        if any(k in value for k in _PATH_KEYS):
            value = [value]
        else:  # {"calc/ops.py": "add mul"}
            value = [
                {"path": p, "reason": r if isinstance(r, str) else ""} for p, r in value.items()
            ]
        notes.append(f"{key} was an object, read as a list")
    elif not isinstance(value, list):
        return []
    out: list[dict[str, Any]] = []
    repaired = False
    for item in value:
        if isinstance(item, str) and item.strip():
            out.append({"path": item.strip()})
            repaired = True
        elif isinstance(item, dict):
            change, exact = _file(item)
            repaired = repaired or not exact
            if change is not None:
                out.append(change)
    if repaired:
        notes.append(f"{key} entries were paths or had other field names; read as files")
    return out


def _file(item: Mapping[str, Any]) -> tuple[dict[str, Any] | None, bool]:
    path = next((item[k] for k in _PATH_KEYS if isinstance(item.get(k), str)), None)
    if not path or not path.strip():
        return None, False
    reason = next((item[k] for k in _REASON_KEYS if item.get(k) is not None), "")
    symbols = item.get("symbols", item.get("functions")) or []
    if not isinstance(symbols, list):
        symbols = [symbols]
    symbols = [s if isinstance(s, str) else _text_of(s) if isinstance(s, dict) else str(s)
               for s in symbols]  # fmt: skip
    exact = set(item) <= {"path", "reason", "symbols"} and isinstance(reason, str)
    if not isinstance(reason, str):
        reason = _text_of(reason) if isinstance(reason, dict) else str(reason)
    return {"path": path.strip(), "reason": reason, "symbols": symbols}, exact


def one_line(exc: ValidationError) -> str:
    """A pydantic error as one line: each problem's field and message, without URLs."""
    parts = []
    for err in exc.errors()[:3]:
        where = ".".join(str(p) for p in err["loc"]) or "the plan"
        got = err.get("input")
        shown = "" if isinstance(got, dict | list) else f" (got {str(got)[:40]!r})"
        parts.append(f"{where}: {str(err['msg']).removeprefix('Value error, ')}{shown}")
    more = exc.error_count() - len(parts)
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")
