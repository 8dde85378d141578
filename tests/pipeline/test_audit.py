"""Tests for pipeline.audit: the keyed hash chain, its verification, tamper detection, the old
unkeyed scheme, key rotation and anchors. Attacks from outside are in test_attack_audit.py."""

from __future__ import annotations

import hashlib
import itertools
import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from specpilot.pipeline.audit.chain import head_path, keyed_head
from specpilot.pipeline.audit.key import key_from_hex
from specpilot.pipeline.audit.log import (
    GENESIS,
    AuditEntry,
    append,
    read_records,
    read_verified,
    record_hash,
    sha256_text,
    show,
    verify,
)
from specpilot.pipeline.core.errors import AuditError
from tests.pipeline import audit_forge as forge

T0 = datetime(2024, 1, 1, 12, 0, tzinfo=UTC)
KEY = key_from_hex("a1" * 32, source="test")
OTHER_KEY = key_from_hex("b2" * 32, source="test")


def _entry(run_id: str, **extra: object) -> AuditEntry:
    return AuditEntry.model_validate(
        {"run_id": run_id, "repo": "/r", "actor": "alice", "spec_hash": "ab" * 32, **extra}
    )


@pytest.fixture
def log(tmp_path: Path) -> Path:
    path = tmp_path / "audit" / "audit.jsonl"
    for i, run in enumerate(["run-a", "run-b", "run-c", "run-b"]):
        entry = _entry(run, cost_usd=0.01 * i, tool_calls={"edit_file": i})
        append(path, entry, key=KEY, now=T0)
    return path


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines(keepends=True)


def test_records_are_chained_and_verify(log: Path) -> None:
    records = read_records(log)
    assert [r.seq for r in records] == [0, 1, 2, 3]
    assert records[0].prev_hash == GENESIS
    for before, after in itertools.pairwise(records):
        assert after.prev_hash == before.hash
    assert all(record_hash(r.model_dump(mode="json"), KEY) == r.hash for r in records)
    assert {r.key_id for r in records} == {KEY.key_id} and len(KEY.key_id) == 16
    assert records[1].ts == "2024-01-01T12:00:00+00:00"
    assert records[2].tool_calls == {"edit_file": 2}
    result = verify(log, KEY)
    assert (result.ok, result.records, result.unkeyed, result.warnings) == (True, 4, 0, ())
    assert (result.last_seq, result.last_hash, result.key_id) == (3, records[3].hash, KEY.key_id)
    assert read_verified(log, KEY) == records
    assert sha256_text("spec") == hashlib.sha256(b"spec").hexdigest()


def test_show_one_run_by_id_or_prefix(log: Path) -> None:
    assert [r.seq for r in show(log, "run-b")] == [1, 3]
    assert [r.seq for r in show(log, "run-c")] == [2]
    with pytest.raises(AuditError, match="ambiguous"):
        show(log, "run-")
    with pytest.raises(AuditError, match=r"No audit record for run 'zzz'.*latest runs: run-b"):
        show(log, "zzz")


def test_changed_record_is_detected(log: Path) -> None:
    lines = _lines(log)
    lines[1] = lines[1].replace('"actor":"alice"', '"actor":"mallory"')
    log.write_text("".join(lines), encoding="utf-8")
    result = verify(log, KEY)
    assert (result.ok, result.line, result.records) == (False, 2, 1)
    assert result.problem is not None and "changed" in result.problem
    with pytest.raises(AuditError, match="fails verification at line 2"):
        read_verified(log, KEY)


def test_changed_record_with_a_recomputed_unkeyed_hash_is_caught_at_the_record(
    log: Path,
) -> None:
    lines = _lines(log)
    body = json.loads(lines[1])
    body["cost_usd"] = 0.0
    body["hash"] = record_hash(body, None)
    lines[1] = json.dumps(body, sort_keys=True, separators=(",", ":")) + "\n"
    log.write_text("".join(lines), encoding="utf-8")
    result = verify(log, KEY)
    assert (result.ok, result.line) == (False, 2) and "MAC" in (result.problem or "")


@pytest.mark.parametrize(
    ("edit", "line"),
    [
        (lambda ls: ls[:1] + ls[2:], 2),  # a record removed from the middle
        (lambda ls: [ls[0], ls[2], ls[1], ls[3]], 2),  # reordered
        (lambda ls: ls[1:], 1),  # the first record removed
    ],
)
def test_removed_or_reordered_record_is_detected(
    log: Path, edit: Callable[[list[str]], list[str]], line: int
) -> None:
    log.write_text("".join(edit(_lines(log))), encoding="utf-8")
    result = verify(log, KEY)
    assert (result.ok, result.line) == (False, line)
    assert result.problem is not None and "removed" in result.problem


def test_cut_end_is_detected_and_append_refuses(log: Path) -> None:
    log.write_text("".join(_lines(log)[:-1]), encoding="utf-8")
    result = verify(log, KEY)
    assert not result.ok and "removed from the end" in (result.problem or "")
    with pytest.raises(AuditError, match=r"Refusing to append.*removed from the end"):
        append(log, _entry("run-d"), key=KEY)
    log.write_text("", encoding="utf-8")
    assert "removed or truncated" in (verify(log, KEY).problem or "")
    log.unlink()
    assert not verify(log, KEY).ok
    with pytest.raises(AuditError, match="missing but its head file exists"):
        append(log, _entry("run-d"), key=KEY)


def test_garbage_line_and_partial_last_line(log: Path) -> None:
    with log.open("a", encoding="utf-8") as fh:
        fh.write('{"seq": 4, "half')
    with pytest.raises(AuditError, match=r"line 5.*not valid JSON"):
        append(log, _entry("run-d"), key=KEY)
    result = verify(log, KEY)
    assert (result.ok, result.line) == (False, 5)
    assert "not valid JSON" in (result.problem or "")


def test_interrupted_append_head_lag_is_recovered(log: Path) -> None:
    records = read_records(log)
    # the append died after writing record 3 and before the head: the head still names 2
    head_path(log).write_text(json.dumps(keyed_head(2, records[2].hash, KEY)), encoding="utf-8")
    result = verify(log, KEY)
    assert result.ok and "interrupted" in result.warnings[0]
    record = append(log, _entry("run-e"), key=KEY)
    assert record.seq == 4 and verify(log, KEY).ok and not verify(log, KEY).warnings
    # a lagging head that is not MAC'ed under the key is no excuse
    head_path(log).write_text(json.dumps({"seq": 3, "hash": records[3].hash}), encoding="utf-8")
    assert "unkeyed but names a keyed record" in (verify(log, KEY).problem or "")


def test_a_log_written_with_another_key_names_both_keys(log: Path) -> None:
    result = verify(log, OTHER_KEY)
    assert (result.ok, result.line) == (False, 1)
    assert KEY.key_id in (result.problem or "") and OTHER_KEY.key_id in (result.problem or "")
    assert "rotated" in (result.problem or "")
    with pytest.raises(AuditError, match="Refusing to append"):
        append(log, _entry("run-e"), key=OTHER_KEY)
    missing = verify(log, None)
    assert (missing.ok, missing.line) == (False, 1) and "no audit key" in (missing.problem or "")


def test_an_old_unkeyed_log_verifies_with_a_warning_and_is_pinned_once_keyed(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.jsonl"
    forge.legacy_log(path, ["run-a", "run-b"])
    for key in (None, KEY):
        result = verify(path, key)
        assert result.ok and result.unkeyed == 2 and "unkeyed" in result.warnings[0]
    assert not verify(path, KEY, require_keyed=True).ok
    append(path, _entry("run-c"), key=KEY)  # the first keyed record pins the old prefix
    result = verify(path, KEY)
    assert result.ok and (result.records, result.unkeyed, result.key_id) == (3, 2, KEY.key_id)
    bodies = forge.read(path)
    bodies[0]["actor"] = "mallory"
    forge.write(path, forge.rechain(bodies[:2]) + bodies[2:])
    result = verify(path, KEY)
    assert (result.ok, result.line) == (False, 3) and "removed" in (result.problem or "")


def test_anchors_catch_a_rewrite_by_a_key_holder_and_a_cut_back_head(
    log: Path, tmp_path: Path
) -> None:
    anchor = {verify(log, KEY).last_seq or 0: verify(log, KEY).last_hash or ""}
    saved_log, saved_head = log.read_bytes(), head_path(log).read_bytes()
    append(log, _entry("run-e"), key=KEY)
    assert verify(log, KEY, anchors=anchor).ok
    later = {4: verify(log, KEY).last_hash or ""}
    # rolled back to the saved (honest, MAC'ed) state: only an anchor taken later can tell
    log.write_bytes(saved_log)
    head_path(log).write_bytes(saved_head)
    assert verify(log, KEY).ok
    result = verify(log, KEY, anchors=later)
    assert not result.ok and "anchor names seq 4" in (result.problem or "")
    # someone holding the key rewrites the whole log: every MAC is right, the anchor is not
    other = tmp_path / "rewritten" / "audit.jsonl"
    for run in ["run-a", "run-x", "run-c", "run-b"]:
        append(other, _entry(run), key=KEY, now=T0)
    result = verify(other, KEY, anchors=anchor)
    assert (result.ok, result.line) == (False, 4) and "anchor" in (result.problem or "")


def test_missing_log_is_empty_and_concurrent_appends_keep_the_chain(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    assert verify(path, None).ok and read_records(path) == ()

    def worker(n: int) -> None:
        for i in range(8):
            append(path, _entry(f"run-{n}-{i}"), key=KEY)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result = verify(path, KEY)
    assert result.ok and result.records == 48
    assert [r.seq for r in read_records(path)] == list(range(48))
