"""Tool calls written as text: the shapes real small models wrote, and text that is no call."""

from __future__ import annotations

import pytest

from specpilot.pipeline.run.text_tool_calls import find_text_calls, strip_calls

OFFERED = ("read_file", "edit_file", "run_tests", "finish")
READ = {"path": "calc/ops.py"}

CALLS = {
    "fenced-json": '```json\n{\n  "name": "read_file",\n  "arguments": {"path": "calc/ops.py"}\n}\n```',
    "tool-call-tags": '<tool_call>\n{"name": "read_file", "arguments": {"path": "calc/ops.py"}}\n</tool_call>',
    "parameters-key": 'Sure: {"name": "read_file", "parameters": {"path": "calc/ops.py"}}',
    "openai-function": '{"type": "function", "function": {"name": "read_file", '
    '"arguments": "{\\"path\\": \\"calc/ops.py\\"}"}}',
    "function-and-arguments": '{"function": "read_file", "arguments": {"path": "calc/ops.py"}}',
    "invented-tag": '<read_file>{"path": "calc/ops.py"}</read_file>',
    "function-equals-tag": '<function=read_file>{"path": "calc/ops.py"}</function>',
    "tool-as-key": '{"read_file": {"path": "calc/ops.py"}}',
    "flattened": '{"name": "read_file", "path": "calc/ops.py"}',
    "a-list": '[{"name": "read_file", "arguments": {"path": "calc/ops.py"}}]',
    "tool-calls-key": '{"tool_calls": [{"name": "read_file", "arguments": {"path": "calc/ops.py"}}]}',
}


@pytest.mark.parametrize("shape", sorted(CALLS))
def test_each_shape_is_one_call(shape: str) -> None:
    found = find_text_calls(CALLS[shape], OFFERED)
    assert [(c.name, dict(c.arguments)) for c in found.calls] == [("read_file", READ)]
    assert found.unknown == ()


def test_raw_newlines_in_strings_and_repeats() -> None:
    text = (
        '{"name": "edit_file", "arguments": {"path": "a.py", "old_text": "x", '
        '"new_text": "def f():\n    return 1\n"}}\n'
        '{"name": "edit_file", "arguments": {"path": "a.py", "old_text": "x", '
        '"new_text": "def f():\n    return 1\n"}}'
    )
    (call,) = find_text_calls(text, OFFERED).calls  # the repeat is dropped
    assert call.arguments["new_text"] == "def f():\n    return 1\n"


NOT_CALLS = [
    "I have made the change.",
    '{"name": "my-package", "version": "1.0.0"}',  # package.json content, not a call
    "```python\nprint({'a': 1})\n```",
    '{"summary": "a plan", "steps": []}',
    '{"name": "read_file", "arguments": "not json"}',
]


@pytest.mark.parametrize("text", NOT_CALLS)
def test_text_that_is_no_call(text: str) -> None:
    found = find_text_calls(text, OFFERED)
    assert found.calls == () and found.unknown == ()


def test_an_invented_tool_is_reported_as_unknown() -> None:
    found = find_text_calls(
        '<tool_call>{"name": "write_code", "arguments": {}}</tool_call>', OFFERED
    )
    assert found.calls == () and found.unknown == ("write_code",)


def test_strip_calls_leaves_the_prose() -> None:
    text = "Let me read it.\n" + CALLS["fenced-json"] + "\nThen edit."
    found = find_text_calls(text, OFFERED)
    assert strip_calls(text, found.calls) == "Let me read it.\n\nThen edit."


def test_a_call_under_the_specs_title_whose_arguments_fit_one_tool_is_that_tool() -> None:
    schemas = {
        "read_file": {"properties": {"path": {}, "start_line": {}, "end_line": {}},
                      "required": ["path"]},
        "edit_file": {"properties": {"path": {}, "old_text": {}, "new_text": {}},
                      "required": ["path", "old_text", "new_text"]},
    }  # fmt: skip
    text = _title_call({"path": "src/strings.js", "start_line": 4, "end_line": 6})
    (call,) = find_text_calls(text, OFFERED, schemas).calls  # what the 0.5B model wrote
    assert call.name == "read_file" and call.named == "capitalize crashes on an empty string"
    nothing = find_text_calls(_title_call({"x": -3}), OFFERED, schemas)  # fits no tool
    assert nothing.calls == () and nothing.unknown == ("capitalize crashes on an empty string",)


def _title_call(arguments: dict) -> str:
    import json

    body = {"name": "capitalize crashes on an empty string", "arguments": arguments}
    return "```json\n" + json.dumps(body) + "\n```"
