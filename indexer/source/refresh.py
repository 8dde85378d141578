"""Incremental refresh: a pure diff of (path, content hash) against what the store holds."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass


def blob_hash(data: bytes) -> str:
    """The git blob hash of ``data`` (equal to ``git hash-object``)."""
    h = hashlib.sha1(b"blob %d\0" % len(data))
    h.update(data)
    return h.hexdigest()


@dataclass(frozen=True, slots=True)
class RefreshPlan:
    added: tuple[str, ...]
    changed: tuple[str, ...]
    deleted: tuple[str, ...]
    unchanged: int

    @property
    def to_index(self) -> tuple[str, ...]:
        return self.added + self.changed

    @property
    def empty(self) -> bool:
        return not (self.added or self.changed or self.deleted)


def plan_refresh(current: Mapping[str, str], stored: Mapping[str, str]) -> RefreshPlan:
    """What to (re)index and delete, given ``path -> content hash`` now and in the store.

    A rename is a delete plus an add; its chunks keep their vectors through the content-hash
    embedding cache, so nothing is embedded twice.
    """
    added = tuple(sorted(p for p in current if p not in stored))
    changed = tuple(sorted(p for p, h in current.items() if p in stored and stored[p] != h))
    deleted = tuple(sorted(p for p in stored if p not in current))
    unchanged = sum(1 for p, h in current.items() if stored.get(p) == h)
    return RefreshPlan(added, changed, deleted, unchanged)
