"""What an attacker with write access to the audit directory (but not the key) can compute.

An independent re-implementation of the public parts of the log format — canonical JSON and the
old unkeyed sha256 chain — so the attack tests do not lean on the code they attack. Also writes
logs of the old (unkeyed) scheme, as specpilot wrote them before the chain was keyed.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

GENESIS = "0" * 64


def canonical(obj: dict[str, Any]) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha(body: dict[str, Any]) -> str:
    """The old scheme's record hash: sha256 of the canonical JSON without ``hash``."""
    return hashlib.sha256(
        canonical({k: v for k, v in body.items() if k != "hash"}).encode()
    ).hexdigest()


def head_path(log: Path) -> Path:
    return log.with_name(log.name + ".head")


def read(log: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]


def write(log: Path, bodies: list[dict[str, Any]]) -> None:
    log.write_text("".join(canonical(b) + "\n" for b in bodies), encoding="utf-8")


def rechain(bodies: list[dict[str, Any]], start: int = 0) -> list[dict[str, Any]]:
    """Renumber from ``start`` on and recompute every ``prev_hash`` / ``hash`` with sha256."""
    out = [dict(b) for b in bodies]
    for i in range(start, len(out)):
        out[i]["seq"] = i
        out[i]["prev_hash"] = out[i - 1]["hash"] if i else GENESIS
        out[i]["hash"] = sha(out[i])
    return out


def forge_head(log: Path, bodies: list[dict[str, Any]]) -> None:
    """Point the head at the last record, keeping whatever extra fields it has; a ``mac`` the
    attacker cannot compute is replaced by the best guess without the key."""
    path = head_path(log)
    head: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
    head |= {"seq": bodies[-1]["seq"], "hash": bodies[-1]["hash"]}
    if "mac" in head:
        head["mac"] = sha({k: v for k, v in head.items() if k != "mac"})
    path.write_text(canonical(head) + "\n", encoding="utf-8")


def legacy_log(log: Path, run_ids: list[str]) -> list[dict[str, Any]]:
    """A log of the old unkeyed scheme (records and head), as specpilot 0.x wrote it."""
    bodies = [
        {
            "schema_version": 1,
            "run_id": run_id,
            "repo": "/r",
            "event": "run",
            "actor": "alice",
            "trigger": "cli",
            "spec_path": None,
            "spec_hash": None,
            "model": None,
            "tool_calls": {},
            "tokens_in": 0,
            "tokens_out": 0,
            "tests": None,
            "decision": None,
            "deploy": None,
            "cost_usd": None,
            "notes": [],
            "ts": "2024-01-01T12:00:00+00:00",
            "hash": "",
        }
        for run_id in run_ids
    ]
    bodies = rechain(bodies)
    log.parent.mkdir(parents=True, exist_ok=True)
    write(log, bodies)
    head_path(log).write_text(canonical({"seq": len(bodies) - 1, "hash": bodies[-1]["hash"]}))
    return bodies
