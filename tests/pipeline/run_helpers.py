"""Plain helpers for the spec-pipeline tests (imported by the test modules, not fixtures)."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from specpilot.pipeline.core.config import PipelineConfig
from specpilot.pipeline.model.anthropic import AnthropicModel
from specpilot.pipeline.testing import ScriptedMessagesServer, ScriptedReply, tool_reply

PYTEST = f"{shlex.quote(sys.executable)} -m pytest -q"

OPS = '''"""Arithmetic helpers."""


def add(a, b):
    return a + b


def sub(a, b):
    return a - b
'''

TEST_OPS = """from calc.ops import add, sub


def test_add():
    assert add(2, 3) == 5


def test_sub():
    assert sub(5, 3) == 2
"""

DEMO_FILES = {"calc/__init__.py": "", "calc/ops.py": OPS, "tests/test_ops.py": TEST_OPS}

ADD_MUL = (
    "def sub(a, b):\n    return a - b\n",
    "def sub(a, b):\n    return a - b\n\n\ndef mul(a, b):\n    return a * b\n",
)
ADD_MUL_TEST = (
    "def test_sub():\n    assert sub(5, 3) == 2\n",
    "def test_sub():\n    assert sub(5, 3) == 2\n\n\n"
    "def test_mul():\n    from calc.ops import mul\n\n    assert mul(2, 3) == 6\n",
)


def git(cwd: Path, *args: str) -> str:
    """git with a fixed identity, ignoring the user's config; returns stdout."""
    proc = subprocess.run(
        ["git", "-c", "commit.gpgsign=false", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"},
        check=True,
    )
    return proc.stdout


def model_for(server: ScriptedMessagesServer, config: PipelineConfig) -> AnthropicModel:
    return AnthropicModel(config, api_key="test-key", base_url=server.url)


def plan_reply(paths: Sequence[str] = ("calc/ops.py",), **extra: Any) -> ScriptedReply:
    plan = {
        "summary": "Add the requested function next to the others and test it.",
        "steps": ["Add the function", "Add a test", "Run the tests"],
        "files_to_change": [{"path": p, "reason": "it holds the helpers"} for p in paths],
        "tests_to_add": ["test for the new function"],
        "risks": ["none beyond the new function"],
        **extra,
    }
    return tool_reply(("submit_plan", plan), input_tokens=400, output_tokens=80, cache_write=300)


def edit(path: str, old: str, new: str) -> tuple[str, dict[str, str]]:
    return ("edit_file", {"path": path, "old_text": old, "new_text": new})


def tool_results(body: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The tool_result blocks of the last user message of a request body."""
    last = body["messages"][-1]
    return [b for b in last["content"] if b.get("type") == "tool_result"]


def all_text(bodies: Sequence[Mapping[str, Any]]) -> str:
    """Every request body as one string (to assert what the model was or was not sent)."""
    import json

    return "\n".join(json.dumps(b) for b in bodies)
