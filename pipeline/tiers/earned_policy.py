"""Earned autonomy: the policy's ``[tool.specpilot.policy.earned]`` table.

A change kind named here auto-merges (tier 1) only once its measured record in this
repository passes the threshold; until then it is held at tier 2 (a PR)::

    [tool.specpilot.policy.earned]
    window_days = 90                        # the counting window (default 90)
    docs = { merged = 10, max_closed = 0 }  # >= 10 docs changes merged, none closed unmerged
    dependency = { merged = 5 }             # max_closed defaults to 0

Keys are the change kinds (``docs``, ``dependency``, ``tests``, ``config``, ``source``) and
``window_days``; anything else is a :class:`PolicyError` naming the key. The record itself is
counted from the verified audit log by :mod:`pipeline.tiers.earned`.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from specpilot.pipeline.tiers.classify import ChangeKind


class EarnedRule(BaseModel):
    """The record one change kind needs before it may auto-merge."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    merged: int = Field(ge=1)  # changes of the kind delivered and merged, at least
    max_closed: int = Field(default=0, ge=0)  # PRs of the kind closed unmerged, at most


class EarnedPolicy(BaseModel):
    """The policy's earned-autonomy table (see the module docstring); empty: switched off."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    window_days: int = Field(default=90, ge=1, le=3650)
    docs: EarnedRule | None = None
    dependency: EarnedRule | None = None
    tests: EarnedRule | None = None
    config: EarnedRule | None = None
    source: EarnedRule | None = None

    def rules(self) -> dict[ChangeKind, EarnedRule]:
        """Change kind -> its rule, for the kinds the table names."""
        found: dict[ChangeKind, EarnedRule] = {}
        for kind in ("docs", "dependency", "tests", "config", "source"):
            rule = getattr(self, kind)
            if rule is not None:
                found[kind] = rule
        return found
