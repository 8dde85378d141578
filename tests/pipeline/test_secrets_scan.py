"""Tests for pipeline.secrets_scan: detect-secrets over the added lines of a diff."""

from __future__ import annotations

from pathlib import Path

import pytest
from detect_secrets.settings import get_settings
from policy_fixtures import AWS_KEY_LINE, init_repo, make_diff

from specpilot.pipeline.diffparse import parse_diff
from specpilot.pipeline.errors import SecretsFound
from specpilot.pipeline.secrets_scan import SecretFinding, ensure_no_secrets, scan_diff

SECRET = "AKIAIOSFODNN7EXAMPLE"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return init_repo(tmp_path / "repo")


def test_aws_key_is_found_with_file_and_line(repo: Path) -> None:
    text = make_diff(repo, {"src/app.py": f"def add(a, b):\n    return a + b\n{AWS_KEY_LINE}\n"})
    assert scan_diff(text) == (SecretFinding("src/app.py", 3, "AWS Access Key"),)


def test_error_names_file_and_line_but_never_the_secret(repo: Path) -> None:
    text = make_diff(repo, {"config/prod.env.py": f"X = 1\n{AWS_KEY_LINE}\n"})
    with pytest.raises(SecretsFound) as info:
        ensure_no_secrets(parse_diff(text))
    message = str(info.value)
    assert "config/prod.env.py:2 (AWS Access Key)" in message
    assert SECRET not in message
    assert SECRET not in repr(scan_diff(text))


def test_clean_removed_allowlisted_and_lockfile_lines_pass(repo: Path) -> None:
    assert scan_diff(make_diff(repo, {"docs/usage.md": "# Usage\n\nRun it twice.\n"})) == ()
    repo_with_key = init_repo(repo.parent / "other", {"src/keys.py": AWS_KEY_LINE + "\n"})
    assert scan_diff(make_diff(repo_with_key, {"src/keys.py": None})) == ()
    allowlisted = f"{AWS_KEY_LINE}  # pragma: allowlist secret\n"
    assert scan_diff(make_diff(repo, {"src/k.py": allowlisted})) == ()
    integrity = (
        '{"integrity": "sha512-Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA=="}\n'
    )
    assert scan_diff(make_diff(repo, {"package-lock.json": integrity})) == ()


def test_global_detect_secrets_settings_are_restored(repo: Path) -> None:
    before = get_settings().json()
    scan_diff(make_diff(repo, {"src/app.py": AWS_KEY_LINE + "\n"}))
    assert get_settings().json() == before
