"""Checking the audit log's chain: the first record, if any, that was forged without the key.

A record's ``hash`` is the HMAC-SHA256, under the audit key, of its canonical JSON (sorted keys,
no spaces) without ``hash``; the record names its key in ``key_id`` and the record before it in
``prev_hash`` (64 zeros for the first). The sidecar ``<log>.head`` names the last record —
``seq``, ``hash``, ``key_id`` — under a MAC of its own, so a log cut back to an earlier prefix
fails while the head says more. Records of the old scheme (plain sha256, no ``key_id``) verify,
with an "unkeyed" warning, but only before the first keyed record: an unkeyed record after a
keyed one is a forgery.

:func:`verify` reports the first problem: a record changed or forged (its MAC), written with
another key (``key_id``), removed, reordered or replayed (``seq`` / ``prev_hash``), a head that
is missing, forged or names an earlier record (a cut end), or a record that differs from an
anchor taken earlier (``anchors``: seq -> hash, e.g. from a PR body or a git note).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from specpilot.pipeline.audit.key import AuditKey
from specpilot.pipeline.core.errors import AuditError

GENESIS = "0" * 64
RECORD_DOMAIN = b"specpilot audit record\n"
HEAD_DOMAIN = b"specpilot audit head\n"
KEY_SOURCES = (
    "give the key it was written with (SPECPILOT_AUDIT_KEY, SPECPILOT_AUDIT_KEY_FILE or "
    "$SPECPILOT_HOME/keys/audit.key)"
)


@dataclass(frozen=True, slots=True)
class VerifyResult:
    ok: bool
    records: int  # records read before the first problem (all of them when ok)
    line: int | None = None  # 1-based line of the first bad record (None: the head or the end)
    problem: str | None = None
    last_seq: int | None = None  # the last good record: what to anchor
    last_hash: str | None = None
    key_id: str | None = None  # the key the log's keyed records name
    unkeyed: int = 0  # records of the old unkeyed scheme
    warnings: tuple[str, ...] = ()


def canonical(obj: dict[str, Any]) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def record_hash(body: dict[str, Any], key: AuditKey | None) -> str:
    """A record's ``hash``: the HMAC under ``key`` of its canonical JSON without ``hash``; with
    ``key=None`` the old unkeyed sha256."""
    content = canonical({k: v for k, v in body.items() if k != "hash"})
    if key is None:
        return hashlib.sha256(content.encode("utf-8")).hexdigest()
    return key.mac(RECORD_DOMAIN, content)


def keyed_head(seq: int, digest: str, key: AuditKey) -> dict[str, Any]:
    """The head file's content naming record ``seq``, MAC'ed under ``key``."""
    head = {"seq": seq, "hash": digest, "key_id": key.key_id}
    return head | {"mac": head_mac(head, key)}


def head_mac(head: Mapping[str, Any], key: AuditKey) -> str:
    named = {"seq": head.get("seq"), "hash": head.get("hash"), "key_id": head.get("key_id")}
    return key.mac(HEAD_DOMAIN, canonical(named))


def head_path(path: Path) -> Path:
    return path.with_name(path.name + ".head")


def read_head(path: Path) -> dict[str, Any] | None:
    head = head_path(path)
    if not head.exists():
        return None
    try:
        data = json.loads(head.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise AuditError(f"Cannot read the audit head file {head}: {err}.") from err
    if not isinstance(data, dict):
        raise AuditError(f"The audit head file {head} is not a JSON object.")
    return data


def parse_line(path: Path, line: str, no: int) -> dict[str, Any]:
    try:
        body = json.loads(line)
    except json.JSONDecodeError as err:
        raise AuditError(f"Line {no} of {path} is not valid JSON ({err}).") from None
    if not isinstance(body, dict) or not isinstance(body.get("seq"), int):
        raise AuditError(f"Line {no} of {path} is not an audit record.")
    return body


def verify(
    path: Path,
    key: AuditKey | None,
    *,
    require_keyed: bool = False,
    anchors: Mapping[int, str] | None = None,
) -> VerifyResult:
    """Walk the chain and report the first problem (or ``ok``, with warnings)."""
    walk = _Walk(key, require_keyed, dict(anchors or {}))
    try:
        head = read_head(path)
    except AuditError as err:
        return walk.result(str(err), None)
    if not path.exists():
        if head is not None:
            return walk.result(f"The audit log {path} is missing but its head file exists.", None)
        return walk.result(walk.anchor_gap(), None)
    try:
        with path.open(encoding="utf-8") as fh:
            for no, line in enumerate(fh, start=1):
                problem = walk.step(path, line, no)
                if problem is not None:
                    return walk.result(problem, no)
    except (OSError, UnicodeDecodeError) as err:
        return walk.result(f"Cannot read the audit log {path}: {err}.", None)
    return walk.result(walk.check_head(path, head) or walk.anchor_gap(), None)


@dataclass(slots=True)
class _Walk:
    """The state of one walk down the log (what was seen so far)."""

    key: AuditKey | None
    require_keyed: bool
    anchors: dict[int, str]
    expected: int = 0
    prev: str = GENESIS
    last: dict[str, Any] | None = None
    before_last: dict[str, Any] | None = None
    keyed: int = 0
    unkeyed: int = 0
    warnings: list[str] = field(default_factory=list)

    def step(self, path: Path, line: str, no: int) -> str | None:
        try:
            body = parse_line(path, line, no)
        except AuditError as err:
            return str(err)
        problem = self._content(body) or self._link(body) or self._anchor(body)
        if problem is None:
            self.keyed += "key_id" in body
            self.unkeyed += "key_id" not in body
            self.prev, self.expected = str(body["hash"]), self.expected + 1
            self.before_last, self.last = self.last, body
        return problem

    def _content(self, body: dict[str, Any]) -> str | None:
        seq, key_id = body["seq"], body.get("key_id")
        if "key_id" in body:
            if self.key is None:
                return (
                    f"record seq {seq} is keyed (key id {key_id}) but no audit key was given; "
                    f"{KEY_SOURCES}."
                )
            if key_id != self.key.key_id:
                return (
                    f"record seq {seq} names the audit key {key_id!r}, not the key given "
                    f"({self.key.key_id}): the key was rotated or replaced ({KEY_SOURCES}), or "
                    "the record was forged."
                )
            if not _same(record_hash(body, self.key), body.get("hash")):
                return (
                    f"record seq {seq} was changed or forged without the key: its MAC does not "
                    "match."
                )
            return None
        if self.keyed:
            return (
                f"record seq {seq} is unkeyed but follows keyed records: it was written without "
                "the key (a downgrade to the old scheme)."
            )
        if self.require_keyed:
            return (
                f"record seq {seq} is unkeyed (the old sha256 chain) and keyed records are "
                "required."
            )
        if not _same(record_hash(body, None), body.get("hash")):
            return f"record seq {seq} was changed: its content does not match its hash."
        return None

    def _link(self, body: dict[str, Any]) -> str | None:
        if body["seq"] == self.expected and body.get("prev_hash") == self.prev:
            return None
        return (
            f"expected record seq {self.expected} chained to the previous hash, found seq "
            f"{body['seq']}: a record before this line was removed, records were reordered, or "
            "this one was replayed from another log."
        )

    def _anchor(self, body: dict[str, Any]) -> str | None:
        seq, want = body["seq"], self.anchors.get(body["seq"])
        if want is None or _same(want, body.get("hash")):
            return None
        return (
            f"record seq {seq} does not match its anchor {seq}:{want[:16]}…: the log was "
            "rewritten from here on (by someone holding the key, or before it was keyed)."
        )

    def check_head(self, path: Path, head: dict[str, Any] | None) -> str | None:
        where, last = head_path(path), self.last
        if head is None:
            if last is None:
                return None
            return f"{where} is missing, so records cut from the end would go unnoticed."
        if last is None:
            return (
                f"The audit log {path} is empty but {where} names seq {head.get('seq')}: the log "
                "was removed or truncated."
            )
        if "mac" in head:
            problem = self._head_mac(where, head)
            if problem is not None:
                return problem
        if head.get("seq") == last["seq"] and head.get("hash") == last["hash"]:
            named = last
        elif (
            self.before_last is not None  # no honest head ever names the record before seq 0
            and head.get("seq") == last["seq"] - 1
            and head.get("hash") == last.get("prev_hash")
        ):
            named = self.before_last
            self.warnings.append(
                f"{where} lags one record behind the log (an append was interrupted); the next "
                "append repairs it."
            )
        else:
            return (
                f"the log ends at seq {last['seq']} but {where} names seq {head.get('seq')}: "
                "records were removed from the end, or the head was replaced."
            )
        if "mac" not in head and "key_id" in named:
            return f"{where} is unkeyed but names a keyed record: it was replaced without the key."
        return None

    def _head_mac(self, where: Path, head: dict[str, Any]) -> str | None:
        if self.key is None:
            return (
                f"{where} is keyed (key id {head.get('key_id')}) but no audit key was given; "
                f"{KEY_SOURCES}."
            )
        if head.get("key_id") != self.key.key_id:
            return (
                f"{where} names the audit key {head.get('key_id')!r}, not the key given "
                f"({self.key.key_id}): the key was rotated or replaced, or the head was forged."
            )
        if not _same(head_mac(head, self.key), head.get("mac")):
            return f"{where} was changed or forged without the key: its MAC does not match."
        return None

    def anchor_gap(self) -> str | None:
        last_seq = self.last["seq"] if self.last else -1
        beyond = sorted(s for s in self.anchors if s > last_seq)
        if not beyond:
            return None
        return (
            f"the log ends at seq {last_seq} but an anchor names seq {beyond[0]}: records were "
            "removed from the end, or the log was replaced."
        )

    def result(self, problem: str | None, line: int | None) -> VerifyResult:
        warnings = list(self.warnings)
        if self.unkeyed:
            warnings.insert(0, _unkeyed_warning(self.unkeyed, self.keyed))
        return VerifyResult(
            ok=problem is None,
            records=self.expected,
            line=line,
            problem=problem,
            last_seq=self.last["seq"] if self.last else None,
            last_hash=str(self.last["hash"]) if self.last else None,
            key_id=self.key.key_id if self.keyed and self.key else None,
            unkeyed=self.unkeyed,
            warnings=tuple(warnings),
        )


def _unkeyed_warning(unkeyed: int, keyed: int) -> str:
    scope = "the whole log" if not keyed else f"seq 0 to {unkeyed - 1}, before the key was used"
    return (
        f"{unkeyed} record(s) ({scope}) are unkeyed: the old sha256 chain, which anyone who can "
        "write the log can recompute; only keyed records prove anything."
    )


def _same(expected: str, found: object) -> bool:
    """Constant-time comparison of a computed digest with what the file says."""
    return isinstance(found, str) and hmac.compare_digest(expected.encode(), found.encode())
