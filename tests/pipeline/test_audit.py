"""Tests for pipeline.audit: the hash-chained JSONL log, its verification and tamper detection."""

from __future__ import annotations

import hashlib
import itertools
import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from specpilot.pipeline.audit import (
    GENESIS,
    AuditEntry,
    append,
    read_records,
    record_hash,
    sha256_text,
    show,
    verify,
)
from specpilot.pipeline.errors import AuditError

T0 = datetime(2024, 1, 1, 12, 0, tzinfo=UTC)


def _entry(run_id: str, **extra: object) -> AuditEntry:
    return AuditEntry.model_validate(
        {"run_id": run_id, "repo": "/r", "actor": "alice", "spec_hash": "ab" * 32, **extra}
    )


@pytest.fixture
def log(tmp_path: Path) -> Path:
    path = tmp_path / "audit" / "audit.jsonl"
    for i, run in enumerate(["run-a", "run-b", "run-c", "run-b"]):
        append(path, _entry(run, cost_usd=0.01 * i, tool_calls={"edit_file": i}), now=T0)
    return path


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines(keepends=True)


def test_records_are_chained_and_verify(log: Path) -> None:
    records = read_records(log)
    assert [r.seq for r in records] == [0, 1, 2, 3]
    assert records[0].prev_hash == GENESIS
    for before, after in itertools.pairwise(records):
        assert after.prev_hash == before.hash
    assert all(record_hash(r.model_dump(mode="json")) == r.hash for r in records)
    assert records[1].ts == "2024-01-01T12:00:00+00:00"
    assert records[2].tool_calls == {"edit_file": 2}
    assert verify(log).ok and verify(log).records == 4
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
    result = verify(log)
    assert (result.ok, result.line, result.records) == (False, 2, 1)
    assert result.problem is not None and "changed" in result.problem


def test_changed_record_with_recomputed_hash_breaks_the_next_link(log: Path) -> None:
    lines = _lines(log)
    body = json.loads(lines[1])
    body["cost_usd"] = 0.0
    body["hash"] = record_hash(body)
    lines[1] = json.dumps(body, sort_keys=True, separators=(",", ":")) + "\n"
    log.write_text("".join(lines), encoding="utf-8")
    result = verify(log)
    assert (result.ok, result.line) == (False, 3)


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
    result = verify(log)
    assert (result.ok, result.line) == (False, line)
    assert result.problem is not None and "removed" in result.problem


def test_cut_end_is_detected_and_append_refuses(log: Path) -> None:
    log.write_text("".join(_lines(log)[:-1]), encoding="utf-8")
    result = verify(log)
    assert not result.ok and "removed from the end" in (result.problem or "")
    with pytest.raises(AuditError, match="does not match"):
        append(log, _entry("run-d"))
    log.unlink()
    assert not verify(log).ok
    with pytest.raises(AuditError, match="removed or truncated"):
        append(log, _entry("run-d"))


def test_garbage_line_and_partial_last_line(log: Path) -> None:
    with log.open("a", encoding="utf-8") as fh:
        fh.write('{"seq": 4, "half')
    with pytest.raises(AuditError, match="partial line"):
        append(log, _entry("run-d"))
    result = verify(log)
    assert (result.ok, result.line) == (False, 5)
    assert "not valid JSON" in (result.problem or "")


def test_interrupted_append_head_lag_is_recovered(log: Path) -> None:
    head = log.with_name(log.name + ".head")
    records = read_records(log)
    head.write_text(json.dumps({"seq": 2, "hash": records[2].hash}), encoding="utf-8")
    assert verify(log).ok
    record = append(log, _entry("run-e"))
    assert record.seq == 4 and verify(log).ok


def test_missing_log_is_empty_and_concurrent_appends_keep_the_chain(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    assert verify(path).ok and read_records(path) == ()

    def worker(n: int) -> None:
        for i in range(8):
            append(path, _entry(f"run-{n}-{i}"))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result = verify(path)
    assert result.ok and result.records == 48
    assert [r.seq for r in read_records(path)] == list(range(48))
