"""Reading the CLI's JSON output and the default audit key, for the pipeline CLI tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import Result

from specpilot.pipeline.audit.key import AuditKey, default_key_path, load_or_create_key


def result_json(result: Result, code: int = 0) -> Any:
    assert result.exit_code == code, result.output + result.stderr
    return json.loads(result.stdout)


def user_audit_key(tmp_path: Path) -> AuditKey:
    """The key the CLI finds by default ($SPECPILOT_HOME/keys/audit.key), made on first use."""
    return load_or_create_key(default_key_path(tmp_path / "home"))
