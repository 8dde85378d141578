"""Attacks on the audit log from outside: someone who can write the audit directory but does not
hold the key edits, forges, truncates, swaps, replays and deletes — and a run then tries to
append. Every attack is judged through the CLI (`specpilot audit verify`, exit code 1 and the
first bad line) or a real `specpilot run`; the attacker's tools are in ``audit_forge``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from specpilot.flows.commands import app
from specpilot.pipeline.audit.key import key_from_hex
from specpilot.pipeline.audit.log import AuditEntry, append
from specpilot.pipeline.core.errors import AuditError
from tests.pipeline import audit_forge as forge
from tests.pipeline.run_helpers import DEMO_FILES

T0 = datetime(2024, 1, 1, 12, 0, tzinfo=UTC)
KEY_HEX = "5e" * 32  # the user's key (in the user's environment); the attacker never sees it
KEY = key_from_hex(KEY_HEX, source="SPECPILOT_AUDIT_KEY")


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("SPECPILOT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SPECPILOT_AUDIT_KEY", KEY_HEX)
    monkeypatch.delenv("SPECPILOT_AUDIT_KEY_FILE", raising=False)
    monkeypatch.setenv("SPECPILOT_ACTOR", "tester")
    return CliRunner()


def honest(log: Path, run_ids: list[str]) -> None:
    """Records appended by specpilot itself, with the user's key."""
    for run_id in run_ids:
        append(log, AuditEntry(run_id=run_id, repo="/r", actor="alice"), key=KEY, now=T0)


@pytest.fixture
def log(tmp_path: Path) -> Path:
    path = tmp_path / "home" / "audit" / "audit.jsonl"
    honest(path, ["run-a", "run-b", "run-c", "run-d"])
    return path


def verify(runner: CliRunner, log: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    result: Result = runner.invoke(app, ["audit", "verify", "--log", str(log), "--json", *extra])
    return result.exit_code, json.loads(result.stdout)


def _edit_and_rechain(log: Path) -> None:
    bodies = forge.read(log)
    bodies[1]["actor"] = "mallory"
    bodies = forge.rechain(bodies, start=1)
    forge.write(log, bodies)
    forge.forge_head(log, bodies)


def _append_forged(log: Path, *, head: bool) -> None:
    bodies = forge.read(log)
    forged = {**bodies[-1], "run_id": "run-evil", "actor": "mallory"}
    bodies = forge.rechain([*bodies, forged], start=len(bodies))
    forge.write(log, bodies)
    if head:
        forge.forge_head(log, bodies)


def _truncate(log: Path) -> None:
    bodies = forge.read(log)[:2]
    forge.write(log, bodies)
    forge.forge_head(log, bodies)


def _cut_to_one_with_a_genesis_head(log: Path) -> None:
    """Keep the first record and claim the head is one behind it (a fake interrupted append)."""
    forge.write(log, forge.read(log)[:1])
    forge.head_path(log).write_text(forge.canonical({"seq": -1, "hash": forge.GENESIS}))


def _swap(log: Path) -> None:
    bodies = forge.read(log)
    bodies[1], bodies[2] = bodies[2], bodies[1]
    bodies = forge.rechain(bodies, start=1)
    forge.write(log, bodies)
    forge.forge_head(log, bodies)


ATTACKS: dict[str, tuple[Callable[[Path], None], int | None, str]] = {
    # attack -> (the edit, the first bad line (None: the head), a word of the problem)
    "edit-and-rechain": (_edit_and_rechain, 2, "seq 1"),
    "forged-append-as-interrupted": (lambda p: _append_forged(p, head=False), 5, "seq 4"),
    "forged-append-and-head": (lambda p: _append_forged(p, head=True), 5, "seq 4"),
    "truncate-and-rewrite-head": (_truncate, None, "head"),
    "cut-to-one-with-a-genesis-head": (_cut_to_one_with_a_genesis_head, None, "head"),
    "swap-and-rechain": (_swap, 2, "seq 1"),
    "delete-head": (lambda p: forge.head_path(p).unlink(), None, "head"),
}


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_verify_names_the_first_record_forged_without_the_key(
    runner: CliRunner, log: Path, attack: str
) -> None:
    assert verify(runner, log)[0] == 0
    edit, line, word = ATTACKS[attack]
    edit(log)
    code, data = verify(runner, log)
    assert code == 1 and data["ok"] is False, data
    assert data["line"] == line and word in data["problem"], data
    text = runner.invoke(app, ["audit", "verify", "--log", str(log)])
    assert text.exit_code == 1 and "broken" in text.stdout


def test_a_record_replayed_from_another_log_is_caught(
    runner: CliRunner, log: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other" / "audit.jsonl"  # another log under the same key
    honest(other, ["run-x", "run-y"])
    bodies = forge.read(log)
    bodies[0] = forge.read(other)[0]  # a genuine first record, valid under the key
    bodies = forge.rechain(bodies, start=1)
    forge.write(log, bodies)
    forge.forge_head(log, bodies)
    code, data = verify(runner, log)
    assert code == 1 and data["line"] == 2, data


def test_a_downgrade_to_the_unkeyed_scheme_is_visible(runner: CliRunner, log: Path) -> None:
    bodies = forge.read(log)
    # only the tail: an unkeyed record after keyed ones is a forgery
    tail = [{k: v for k, v in b.items() if k != "key_id"} for b in bodies[-1:]]
    partial = forge.rechain([*bodies[:-1], *tail], start=len(bodies) - 1)
    forge.write(log, partial)
    forge.head_path(log).write_text(forge.canonical({"seq": 3, "hash": partial[-1]["hash"]}))
    code, data = verify(runner, log)
    assert code == 1 and data["line"] == 4 and "unkeyed" in data["problem"], data
    # the whole log: indistinguishable from a log of the old scheme, so it verifies with the
    # "unkeyed" warning, and fails where keyed records are required
    whole = forge.rechain([{k: v for k, v in b.items() if k != "key_id"} for b in bodies])
    forge.write(log, whole)
    forge.head_path(log).write_text(forge.canonical({"seq": 3, "hash": whole[-1]["hash"]}))
    code, data = verify(runner, log)
    assert code == 0 and data["unkeyed"] == 4 and "unkeyed" in " ".join(data["warnings"])
    code, data = verify(runner, log, "--require-keyed")
    assert code == 1 and data["line"] == 1 and "unkeyed" in data["problem"], data


def test_append_refuses_to_chain_onto_a_log_tampered_in_the_middle(log: Path) -> None:
    _edit_and_rechain(log)
    before = log.read_bytes()
    with pytest.raises(AuditError, match="line 2"):
        append(log, AuditEntry(run_id="run-e", repo="/r", actor="alice"), key=KEY)
    assert log.read_bytes() == before


def test_a_run_on_a_tampered_log_says_so_and_keeps_its_own_record(
    runner: CliRunner, log: Path, tmp_path: Path, make_repo: Callable[..., Path]
) -> None:
    repo = make_repo(DEMO_FILES, git=True, name="repo")
    spec = tmp_path / "spec.md"
    spec.write_text("---\ntitle: Add mul\n---\nAdd `mul(a, b)` to calc/ops.py.\n")
    _edit_and_rechain(log)
    before = log.read_bytes()
    args = ["run", str(spec), "--repo", str(repo), "--json", "--set", "index.embed.model='hash'"]
    result = runner.invoke(app, args)
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert data["audit_seq"] is None and "line 2" in data["audit_error"], data
    assert log.read_bytes() == before  # nothing was chained onto the tampered log
    run_dir = Path(data["run_dir"])
    assert json.loads((run_dir / "delivery.json").read_text())["audit_error"]
    kept = json.loads((run_dir / "audit_entry.json").read_text())
    assert kept["run_id"] == data["run_id"] and (run_dir / "record.json").is_file()
