"""Fixtures for the spec-pipeline tests: a tiny git repo with a passing pytest suite, a config
writing under tmp_path, and the scripted Messages API server (loopback only).

The root conftest isolates git from the user's config; ``make_repo`` comes from there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

from specpilot.pipeline.core.config import PipelineConfig
from specpilot.pipeline.testing import ScriptedMessagesServer, ScriptedReply
from tests.pipeline.run_helpers import DEMO_FILES, PYTEST

StartServer = Callable[[Sequence[ScriptedReply]], ScriptedMessagesServer]


@pytest.fixture(autouse=True)
def _no_real_api(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing in these tests may pick up a real key or endpoint from the environment."""
    for name in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def demo_repo(make_repo: Callable[..., Path]) -> Path:
    """A git repo (branch main, one commit) with calc/ops.py and a passing tests/test_ops.py."""
    return make_repo(DEMO_FILES, git=True, name="repo")


@pytest.fixture
def config(tmp_path: Path) -> PipelineConfig:
    return PipelineConfig(
        runs_dir=tmp_path / "runs",
        worktrees_dir=tmp_path / "worktrees",
        test_command=PYTEST,
        test_timeout_s=60,
        max_retries=2,
        request_timeout_s=10,
    )


@pytest.fixture
def scripted_server() -> Iterator[StartServer]:
    """``start(script) -> server``; every server started is stopped at teardown."""
    servers: list[ScriptedMessagesServer] = []

    def start(script: Sequence[ScriptedReply]) -> ScriptedMessagesServer:
        server = ScriptedMessagesServer(script).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
