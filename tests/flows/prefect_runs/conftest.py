"""The Prefect flow tests' fixtures: one temporary Prefect server for the session
(``prefect_test_harness``), a clean environment, and a committed demo repository."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.flows.spec_helpers import (
    DEMO_FILES,
)


@pytest.fixture(scope="session")
def harness() -> Iterator[None]:
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=60):
        yield


@pytest.fixture
def env(harness: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SPECPILOT_HOME", str(tmp_path / "home"))
    for name in ("ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "GITHUB_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


@pytest.fixture
def repo(env: Path, make_repo: Callable[..., Path]) -> Path:
    return make_repo(DEMO_FILES, git=True, name="repo")
