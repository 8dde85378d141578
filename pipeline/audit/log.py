"""The append-only audit trail: one JSON line per record, each chained to the one before under
a key that does not live next to the log (``pipeline.audit_key``).

Every record carries ``prev_hash`` (the ``hash`` of the record before it), ``key_id`` and its
own ``hash``: an HMAC-SHA256 of its canonical JSON (``pipeline.audit_chain`` has the details and
:func:`verify`). A sidecar ``<log>.head`` names the last record under a MAC, so removing records
from the end is detected too. Appends take an exclusive ``fcntl`` lock on ``<log>.lock`` and
verify the whole log first: a record is never chained onto a log that fails verification.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from specpilot.pipeline.audit.chain import (
    GENESIS,
    VerifyResult,
    canonical,
    head_path,
    keyed_head,
    parse_line,
    record_hash,
    verify,
)
from specpilot.pipeline.audit.key import AuditKey, check_key_placement
from specpilot.pipeline.core.errors import AuditError

__all__ = [
    "GENESIS",
    "AuditEntry",
    "AuditRecord",
    "VerifyResult",
    "append",
    "canonical",
    "default_audit_path",
    "read_records",
    "read_verified",
    "record_hash",
    "sha256_text",
    "show",
    "verify",
]

logger = logging.getLogger(__name__)


class AuditEntry(BaseModel):
    """What a caller records; :func:`append` adds the sequence number, time, key id and hashes."""

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
    gates: tuple[dict[str, Any], ...] = ()  # GateDecision dumps: who approved/rejected, when


class AuditRecord(AuditEntry):
    seq: int = Field(ge=0)
    ts: str  # ISO 8601, UTC
    prev_hash: str
    key_id: str | None = None  # the audit key's id; None in records of the old unkeyed scheme
    hash: str


def default_audit_path(home: Path) -> Path:
    """The audit log under a specpilot home directory (``$SPECPILOT_HOME``, chosen by the CLI)."""
    return home / "audit" / "audit.jsonl"


def sha256_text(text: str) -> str:
    """The hex sha256 of ``text`` (UTF-8), e.g. for ``AuditEntry.spec_hash``."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def append(
    path: Path, entry: AuditEntry, *, key: AuditKey, now: datetime | None = None
) -> AuditRecord:
    """Append ``entry`` to the log at ``path`` (created if missing), MAC'ed under ``key``.

    The whole log is verified first, under the lock: :class:`AuditError` when it fails (a
    changed, forged, removed or reordered record, a cut end, another key), since chaining onto
    it would vouch for the damage. Unkeyed records of the old scheme are chained onto, with a
    warning: from the first keyed record on, the prefix cannot be changed without the key.
    """
    if key.path is not None:
        check_key_placement(key.path, log=path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _locked(path):
        state = verify(path, key)
        if not state.ok:
            where = f" at line {state.line}" if state.line else ""
            raise AuditError(
                f"Refusing to append to the audit log {path}: it fails verification{where}: "
                f"{state.problem} Run `specpilot audit verify`; restore the log (or move it "
                "aside) before the next run."
            )
        for warning in state.warnings:
            logger.warning("audit: %s: %s", path, warning)
        seq, prev = state.records, state.last_hash or GENESIS
        ts = (now or datetime.now(UTC)).astimezone(UTC).isoformat()
        body: dict[str, Any] = {
            **entry.model_dump(mode="json"),
            "seq": seq,
            "ts": ts,
            "prev_hash": prev,
            "key_id": key.key_id,
        }
        body["hash"] = record_hash(body, key)
        record = AuditRecord.model_validate(body)
        _write_line(path, canonical(body) + "\n")
        _write_head(path, keyed_head(seq, body["hash"], key))
    logger.info("audit: appended record %d (run %s) to %s", seq, entry.run_id, path)
    return record


def read_records(path: Path) -> tuple[AuditRecord, ...]:
    """All records of the log (none when it does not exist), unchecked; a bad line raises
    AuditError. Decisions read :func:`read_verified` instead."""
    if not path.exists():
        return ()
    records = []
    with path.open(encoding="utf-8") as fh:
        for no, line in enumerate(fh, start=1):
            body = parse_line(path, line, no)
            try:
                records.append(AuditRecord.model_validate(body))
            except ValidationError as err:
                raise AuditError(f"Line {no} of {path} is not an audit record: {err}") from None
    return tuple(records)


def read_verified(path: Path, key: AuditKey) -> tuple[AuditRecord, ...]:
    """The records of a log that verifies under ``key`` (rate limits are counted from these);
    AuditError naming the first problem otherwise."""
    state = verify(path, key)
    if not state.ok:
        where = f" at line {state.line}" if state.line else ""
        raise AuditError(f"The audit log {path} fails verification{where}: {state.problem}")
    return read_records(path)


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


def _write_head(path: Path, data: dict[str, Any]) -> None:
    head = head_path(path)
    tmp = head.with_name(head.name + ".tmp")
    try:
        tmp.write_text(canonical(data) + "\n", encoding="utf-8")
        os.replace(tmp, head)
    except OSError as err:
        raise AuditError(f"Cannot write the audit head file {head}: {err}.") from err
