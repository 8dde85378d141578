"""The user's allowlist for the secret gate: the policy's ``secrets_allowlist``.

Inline comments such as ``# pragma: allowlist secret`` are written by whoever writes the code —
here the agent — so they never count. The only allowlist is the one the user keeps in the
policy, which is read from the run's *base commit* (a change cannot add to it). Entries:

- ``sha256:<64 hex>`` — the fingerprint of one secret, as the block message prints it (the
  SHA-256 of the secret, never the secret);
- ``<rule>@<path glob>`` — a rule (``*`` for any) switched off for gitignore-style paths, e.g.
  ``private-key@tests/fixtures/**``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from specpilot.pipeline.core.errors import PolicyError
from specpilot.pipeline.tiers.classify import Matcher

_FINGERPRINT = re.compile(r"sha256:[0-9a-f]{64}")
_SCOPED = re.compile(r"(?P<rule>\*|[a-z0-9][a-z0-9:-]*)@(?P<glob>\S+)")


@dataclass(frozen=True, slots=True)
class Allowlist:
    fingerprints: frozenset[str] = frozenset()
    scoped: tuple[tuple[str, Matcher], ...] = ()

    @classmethod
    def parse(cls, entries: Sequence[str]) -> Allowlist:
        prints: set[str] = set()
        scoped: list[tuple[str, Matcher]] = []
        for entry in entries:
            if _FINGERPRINT.fullmatch(entry):
                prints.add(entry)
            elif m := _SCOPED.fullmatch(entry):
                scoped.append((m.group("rule"), Matcher([m.group("glob")])))
            else:
                raise PolicyError(
                    f"The policy's secrets_allowlist entry {entry!r} is not valid; use "
                    "'sha256:<64 lower-case hex>' (a fingerprint from a block message) or "
                    "'<rule id or *>@<path glob>'."
                )
        return cls(frozenset(prints), tuple(scoped))

    def allows(self, path: str, rule: str, fingerprint: str) -> bool:
        if fingerprint in self.fingerprints:
            return True
        return any(r in ("*", rule) and match(path) for r, match in self.scoped)
