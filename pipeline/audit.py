"""The append-only audit trail: one JSON line per record, each chained to the one before.

Every record carries ``prev_hash`` (the ``hash`` of the record before it; 64 zeros for the
first) and its own ``hash``: the sha256 of its canonical JSON (sorted keys, no spaces) without
the ``hash`` key. A sidecar ``<log>.head`` holds the sequence number and hash of the last record,
so removing records from the end is detected too. Appends take an exclusive ``fcntl`` lock on
``<log>.lock``. :func:`verify` names the first broken link: a changed record (hash mismatch),
a removed or reordered one (sequence / ``prev_hash`` mismatch), a cut end (head mismatch).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from specpilot.pipeline.errors import AuditError

logger = logging.getLogger(__name__)

GENESIS = "0" * 64


class AuditEntry(BaseModel):
    """What a caller records; :func:`append` adds the sequence number, time and hashes."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[1] = 1
    run_id: str = Field(min_length=1)
    repo: str  # the repo's identity: absolute path or remote URL
    event: str = "run"  # "run", or "pr_closed" / "pr_merged" when a PR's fate is learned
    actor: str  # who asked (user, service account)
    trigger: str = "cli"  # what asked: cli, flow, schedule, api
    spec_path: str | None = None
    spec_hash: str | None = None
    model: str | None = None
    tool_calls: dict[str, int] = Field(default_factory=dict)  # tool name -> calls
    tokens_in: int = 0
    tokens_out: int = 0
    tests: dict[str, Any] | None = None  # e.g. {"passed": true, "summary": "12 passed"}
    decision: dict[str, Any] | None = None  # TierDecision.model_dump(mode="json")
    deploy: dict[str, Any] | None = None  # DeployResult.model_dump(mode="json")
    cost_usd: float | None = None
    notes: tuple[str, ...] = ()


class AuditRecord(AuditEntry):
    seq: int = Field(ge=0)
    ts: str  # ISO 8601, UTC
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class VerifyResult:
    ok: bool
    records: int  # records read before the first problem (all of them when ok)
    line: int | None = None  # 1-based line of the first broken link
    problem: str | None = None


def default_audit_path(home: Path) -> Path:
    """The audit log under a specpilot home directory (``$SPECPILOT_HOME``, chosen by the CLI)."""
    return home / "audit" / "audit.jsonl"


def sha256_text(text: str) -> str:
    """The hex sha256 of ``text`` (UTF-8), e.g. for ``AuditEntry.spec_hash``."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def canonical(obj: dict[str, Any]) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def record_hash(body: dict[str, Any]) -> str:
    """sha256 of a record's canonical JSON without its ``hash`` key."""
    content = {k: v for k, v in body.items() if k != "hash"}
    return hashlib.sha256(canonical(content).encode("utf-8")).hexdigest()


def append(path: Path, entry: AuditEntry, *, now: datetime | None = None) -> AuditRecord:
    """Append ``entry`` to the log at ``path`` (created if missing) and return the record.

    Refuses (:class:`AuditError`) to extend a log whose last record or head file is broken:
    chaining onto it would hide the damage.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with _locked(path):
        last = _last_line(path)
        head = _read_head(path)
        if last is None:
            if head is not None:
                raise AuditError(
                    f"The audit log {path} is empty but {_head_path(path)} records "
                    f"{head['seq'] + 1} record(s); the log was removed or truncated."
                )
            seq, prev = 0, GENESIS
        else:
            body = _parse_line(path, last)
            if record_hash(body) != body.get("hash"):
                raise AuditError(f"The last record of {path} does not match its hash; run verify.")
            if _head_lags(head, body):
                logger.warning(
                    "audit: %s lagged one record behind %s (an append was interrupted); fixed",
                    _head_path(path),
                    path,
                )
            elif head is None or head.get("seq") != body["seq"] or head.get("hash") != body["hash"]:
                raise AuditError(
                    f"The last record of {path} (seq {body['seq']}) does not match "
                    f"{_head_path(path)}; records were removed or the head was changed."
                )
            seq, prev = body["seq"] + 1, body["hash"]
        ts = (now or datetime.now(UTC)).astimezone(UTC).isoformat()
        body = {**entry.model_dump(mode="json"), "seq": seq, "ts": ts, "prev_hash": prev}
        body["hash"] = record_hash(body)
        record = AuditRecord.model_validate(body)
        _write_line(path, canonical(body) + "\n")
        _write_head(path, {"seq": seq, "hash": body["hash"]})
    logger.info("audit: appended record %d (run %s) to %s", seq, entry.run_id, path)
    return record


def read_records(path: Path) -> tuple[AuditRecord, ...]:
    """All records of the log (none when it does not exist); a bad line raises AuditError."""
    if not path.exists():
        return ()
    records = []
    with path.open(encoding="utf-8") as fh:
        for no, line in enumerate(fh, start=1):
            body = _parse_line(path, line, no)
            try:
                records.append(AuditRecord.model_validate(body))
            except ValidationError as err:
                raise AuditError(f"Line {no} of {path} is not an audit record: {err}") from None
    return tuple(records)


def show(path: Path, run_id: str) -> tuple[AuditRecord, ...]:
    """The records of one run (``run_id`` or a unique prefix of it), oldest first."""
    records = read_records(path)
    exact = tuple(r for r in records if r.run_id == run_id)
    if exact:
        return exact
    ids = sorted({r.run_id for r in records if r.run_id.startswith(run_id)})
    if len(ids) == 1:
        return tuple(r for r in records if r.run_id == ids[0])
    if ids:
        raise AuditError(f"The run id prefix {run_id!r} is ambiguous: {', '.join(ids[:10])}.")
    recent = list(dict.fromkeys(r.run_id for r in reversed(records)))[:5]
    known = ", ".join(recent) if recent else "none"
    raise AuditError(f"No audit record for run {run_id!r} in {path}; latest runs: {known}.")


def verify(path: Path) -> VerifyResult:
    """Walk the chain and report the first broken link (or ``ok``)."""
    head = _read_head(path)
    if not path.exists():
        if head is not None:
            return VerifyResult(False, 0, None, f"{path} is missing but its head file exists.")
        return VerifyResult(True, 0)
    prev, expected = GENESIS, 0
    last: dict[str, Any] = {}
    with path.open(encoding="utf-8") as fh:
        for no, line in enumerate(fh, start=1):
            try:
                body = _parse_line(path, line, no)
            except AuditError as err:
                return VerifyResult(False, expected, no, str(err))
            seq = body.get("seq")
            if record_hash(body) != body.get("hash"):
                problem = f"record seq {seq} was changed: its content does not match its hash."
                return VerifyResult(False, expected, no, problem)
            if seq != expected or body.get("prev_hash") != prev:
                problem = (
                    f"expected record seq {expected} chained to the previous hash, found seq "
                    f"{seq}: a record before this line was removed, or records were reordered."
                )
                return VerifyResult(False, expected, no, problem)
            prev, expected, last = body["hash"], expected + 1, body
    if head is None:
        if expected == 0:
            return VerifyResult(True, 0)
        return VerifyResult(False, expected, None, f"{_head_path(path)} is missing.")
    if _head_lags(head, last):
        logger.warning("audit: %s lags one record behind (an interrupted append)", path)
    elif head.get("seq") != expected - 1 or head.get("hash") != prev:
        problem = (
            f"the log ends at seq {expected - 1} but its head records seq {head.get('seq')}: "
            "records were removed from the end (or the head was changed)."
        )
        return VerifyResult(False, expected, None, problem)
    return VerifyResult(True, expected)


def _head_lags(head: dict[str, Any] | None, last: dict[str, Any]) -> bool:
    """The head names the record before ``last``: the append died between its two writes."""
    return (
        head is not None
        and head.get("seq") == last.get("seq", 0) - 1
        and head.get("hash") == last.get("prev_hash")
    )


def _head_path(path: Path) -> Path:
    return path.with_name(path.name + ".head")


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    try:
        fh = path.with_name(path.name + ".lock").open("a")
    except OSError as err:
        raise AuditError(f"Cannot open the lock file for the audit log {path}: {err}.") from err
    with fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _last_line(path: Path) -> str | None:
    """The last line of the file, read backwards in blocks (the log can be long)."""
    if not path.exists():
        return None
    with path.open("rb") as fh:
        end = fh.seek(0, os.SEEK_END)
        if end == 0:
            return None
        pos, chunk = end, b""
        while pos > 0:
            step = min(8192, pos)
            pos -= step
            fh.seek(pos)
            chunk = fh.read(step) + chunk
            if chunk.count(b"\n") >= 2 or (pos == 0 and chunk):
                break
    if not chunk.endswith(b"\n"):
        raise AuditError(f"The audit log {path} ends with a partial line; run verify.")
    return chunk[:-1].rsplit(b"\n", 1)[-1].decode("utf-8")


def _parse_line(path: Path, line: str, no: int | None = None) -> dict[str, Any]:
    where = f"line {no} of {path}" if no is not None else f"the last line of {path}"
    try:
        body = json.loads(line)
    except json.JSONDecodeError as err:
        raise AuditError(f"{where[0].upper()}{where[1:]} is not valid JSON ({err}).") from None
    if not isinstance(body, dict) or not isinstance(body.get("seq"), int):
        raise AuditError(f"{where[0].upper()}{where[1:]} is not an audit record.")
    return body


def _write_line(path: Path, line: str) -> None:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line.encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as err:
        raise AuditError(f"Cannot append to the audit log {path}: {err}.") from err


def _read_head(path: Path) -> dict[str, Any] | None:
    head = _head_path(path)
    if not head.exists():
        return None
    try:
        data = json.loads(head.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise AuditError(f"Cannot read the audit head file {head}: {err}.") from err
    if not isinstance(data, dict):
        raise AuditError(f"The audit head file {head} is not a JSON object.")
    return data


def _write_head(path: Path, data: dict[str, Any]) -> None:
    head = _head_path(path)
    tmp = head.with_name(head.name + ".tmp")
    try:
        tmp.write_text(canonical(data) + "\n", encoding="utf-8")
        os.replace(tmp, head)
    except OSError as err:
        raise AuditError(f"Cannot write the audit head file {head}: {err}.") from err
