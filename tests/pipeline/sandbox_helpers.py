"""Helpers shared by test_attack_sandbox.py and test_attack_sandbox_report.py."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from specpilot.pipeline.workspace.sandbox import probe_isolation
from specpilot.pipeline.workspace.test_runner import (
    TestCommand,
)
from tests.pipeline.run_helpers import PYTEST

MakeRepo = Callable[..., Path]

needs_bwrap = pytest.mark.skipif(
    not probe_isolation().filesystem, reason="bubblewrap is not installed or cannot run here"
)

needs_unshare = pytest.mark.skipif(
    not probe_isolation().available, reason="unshare cannot make namespaces on this machine"
)

CREDENTIALS = {
    "AWS_SECRET_ACCESS_KEY": "aws-secret-7Qx",
    "AWS_ACCESS_KEY_ID": "AKIA-id-7Qx",
    "SECRET_KEY": "django-secret-7Qx",
    "DATABASE_URL": "postgres://app:dbpass-7Qx@db.internal/app",
    "GOOGLE_APPLICATION_CREDENTIALS": "/srv/creds/gcp-7Qx.json",
    "SSH_AUTH_SOCK": "/tmp/ssh-7Qx/agent.1",
    "ANTHROPIC_API_KEY": "sk-ant-7Qx",
}

SECRET_MARK = "7Qx"


def pytest_command() -> TestCommand:
    return TestCommand(PYTEST, "pytest", "config")


def evidence_test(body: str) -> dict[str, str]:
    """A test file whose test gathers ``evidence`` (a dict) and fails printing it.

    Markers such as 'CONN' + 'ECTED' are built at run time: pytest prints the test's source in
    its traceback, so a literal marker would show up whatever the test could do."""
    lines = "".join(f"    {line}\n" for line in body.strip().splitlines())
    return {
        "test_hostile.py": (
            "import os, socket, subprocess\n\n\ndef test_hostile():\n"
            "    evidence = {}\n" + lines + "    assert False, 'EVIDENCE ' + repr(evidence)\n"
        )
    }
