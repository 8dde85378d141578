"""The audit commands of the CLI: ``audit verify`` and ``head`` on a real audit log, the
audit key's errors as one-line usage errors, and a hostile repository that tries to choose the key
(the run commands are in test_cli_pipeline.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from specpilot.flows.commands import app
from specpilot.pipeline.audit.log import AuditEntry, append
from tests.conftest import MakeRepo
from tests.flows.cli_pipeline_helpers import result_json, user_audit_key
from tests.flows.spec_helpers import DEMO_FILES


@pytest.fixture
def repo(make_repo: MakeRepo) -> Path:
    """A committed repository, where a hostile ``specpilot.toml`` names a key."""
    return make_repo(DEMO_FILES, git=True, name="repo")


def test_audit_verify_detects_tampering(runner: CliRunner, tmp_path: Path) -> None:
    log = tmp_path / "logs" / "audit.jsonl"  # a directory of its own, apart from the key
    key = user_audit_key(tmp_path)
    for run_id in ("run-a", "run-b", "run-c"):
        append(log, AuditEntry(run_id=run_id, repo="/r", actor="tester"), key=key)
    data = result_json(runner.invoke(app, ["audit", "verify", "--log", str(log), "--json"]))
    head = data.pop("head")
    assert data == {
        "ok": True,
        "records": 3,
        "line": None,
        "problem": None,
        "log": str(log),
        "key_id": key.key_id,
        "unkeyed": 0,
        "warnings": [],
    }
    assert head["seq"] == 2 and head["anchor"] == f"2:{head['hash']}"

    lines = log.read_text().splitlines()
    lines[1] = lines[1].replace('"actor":"tester"', '"actor":"mallory"')
    log.write_text("\n".join(lines) + "\n")
    result = runner.invoke(app, ["audit", "verify", "--log", str(log), "--json"])
    data = result_json(result, code=1)
    assert data["ok"] is False and data["line"] == 2 and data["records"] == 1
    assert "seq 1 was changed" in data["problem"] and data["head"] is None
    result = runner.invoke(app, ["audit", "verify", "--log", str(log)])
    assert result.exit_code == 1 and "line 2" in result.stdout
    result = runner.invoke(app, ["audit", "head", "--log", str(log)])
    assert result.exit_code == 1 and "fails verification at line 2" in result.stderr


def test_audit_head_prints_an_anchor_that_verify_checks(runner: CliRunner, tmp_path: Path) -> None:
    log = tmp_path / "logs" / "audit.jsonl"  # a directory of its own, apart from the key
    key = user_audit_key(tmp_path)
    empty = runner.invoke(app, ["audit", "head", "--log", str(log)])
    assert empty.exit_code == 0 and empty.stdout == "" and "no records yet" in empty.stderr
    append(log, AuditEntry(run_id="run-a", repo="/r", actor="tester"), key=key)
    anchor = runner.invoke(app, ["audit", "head", "--log", str(log)]).stdout.strip()
    assert anchor.startswith("0:") and len(anchor) == 66
    append(log, AuditEntry(run_id="run-b", repo="/r", actor="tester"), key=key)
    later = result_json(runner.invoke(app, ["audit", "head", "--log", str(log), "--json"]))
    assert later["head"]["seq"] == 1 and later["key_id"] == key.key_id
    args = ["audit", "verify", "--log", str(log), "--json", "--anchor", anchor]
    assert result_json(runner.invoke(app, [*args, "--anchor", later["head"]["anchor"]]))["ok"]
    wrong = f"0:{'0' * 64}"
    data = result_json(runner.invoke(app, [*args[:-1], wrong]), code=1)
    assert data["line"] == 1 and "anchor" in data["problem"]
    bad = runner.invoke(app, [*args[:-1], "0:xyz"])
    assert bad.exit_code == 2 and "SEQ:HASH" in bad.stderr


def test_audit_key_problems_are_one_line_usage_errors(
    runner: CliRunner, tmp_path: Path, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "logs" / "audit.jsonl"  # a directory of its own, apart from the key
    key = user_audit_key(tmp_path)
    append(log, AuditEntry(run_id="run-a", repo="/r", actor="tester"), key=key)
    verify = ["audit", "verify", "--log", str(log)]
    assert key.path is not None
    key.path.chmod(0o644)
    result = runner.invoke(app, verify)
    assert (
        result.exit_code == 2 and "chmod 600" in result.stderr and "Traceback" not in result.output
    )
    key.path.chmod(0o600)
    monkeypatch.setenv("SPECPILOT_AUDIT_KEY_FILE", str(tmp_path / "nope.key"))
    result = runner.invoke(app, verify)
    assert result.exit_code == 2 and "does not exist" in result.stderr
    monkeypatch.setenv("SPECPILOT_AUDIT_KEY", "ab" * 32)
    result = runner.invoke(app, verify)
    assert result.exit_code == 2 and "set only one" in result.stderr
    monkeypatch.delenv("SPECPILOT_AUDIT_KEY_FILE")
    data = result_json(runner.invoke(app, [*verify, "--json"]), code=1)  # a key, but not this log's
    assert "rotated" in data["problem"] and key.key_id in data["problem"]
    monkeypatch.delenv("SPECPILOT_AUDIT_KEY")
    inside = repo / "audit.key"
    inside.write_text("cd" * 32 + "\n")
    inside.chmod(0o600)
    monkeypatch.setenv("SPECPILOT_AUDIT_KEY_FILE", str(inside))
    result = runner.invoke(app, [*verify, "--repo", str(repo)])
    assert result.exit_code == 2 and "inside the target repository" in result.stderr


def test_a_hostile_repo_cannot_choose_the_audit_key(
    runner: CliRunner, tmp_path: Path, repo: Path
) -> None:
    evil = repo / "evil.key"  # a key the repository's author knows
    evil.write_text("ee" * 32 + "\n")
    evil.chmod(0o600)
    log = tmp_path / "log" / "a.jsonl"
    (repo / "specpilot.toml").write_text(f'[audit]\nkey_file = "{evil}"\n')  # not a key of ours
    key = user_audit_key(tmp_path)
    append(log, AuditEntry(run_id="r", repo="/r", actor="t"), key=key)
    args = ["audit", "verify", "--repo", str(repo), "--log", str(log), "--json"]
    data = result_json(runner.invoke(app, args))
    assert data["key_id"] == key.key_id and data["log"] == str(log)
    # the key file and the log location are the user's: a repository naming either is refused
    for table in (f'[deliver]\naudit_key_file = "{evil}"\n', f'[deliver]\naudit_log = "{log}"\n'):
        (repo / "specpilot.toml").write_text(table)
        refused = runner.invoke(app, ["audit", "verify", "--repo", str(repo), "--json"])
        assert refused.exit_code == 2 and "a repository's config may not set it" in refused.stderr
