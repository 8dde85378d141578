"""Fixtures for the CLI and flow tests: ``home``, a user with nothing configured (modules that
need another user define their own ``home``)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty user: SPECPILOT_HOME and XDG_CONFIG_HOME under tmp_path, no credentials."""
    monkeypatch.setenv("SPECPILOT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    for name in (
        "ANTHROPIC_API_KEY",
        "ANTHROPIC_AUTH_TOKEN",
        "ANTHROPIC_BASE_URL",
        "GITHUB_TOKEN",
        "GITHUB_API_URL",
        "SPECPILOT_MODEL",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SPECPILOT_ACTOR", "tester")
    return tmp_path / "home"
