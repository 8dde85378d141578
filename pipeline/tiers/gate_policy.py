"""Where a human approves: the policy's ``[tool.specpilot.policy.gates]`` table.

Two gates exist. ``plan``: after the plan, before any code is written; ``merge``: before
delivery, i.e. before a PR is opened or a merge is made. Each names the **tiers** it applies
to and, optionally, the **modes** (default: both modes that write, ``pr`` and ``auto``;
``suggest`` writes nothing and never waits)::

    [tool.specpilot.policy.gates]
    plan = [2, 3]                               # tiers, in pr and auto mode
    merge = { tiers = [1], modes = ["auto"] }   # a human confirms every auto-merge
    timeout_hours = 24                          # an unanswered gate ends the run

The tier at the plan gate is the plan's *predicted* tier (its files through the same rules
as a diff, the spec's hint and the mode's cap: see :func:`planned_tier`); at the merge gate
it is the tier decision of the actual diff. Defaults: no gate, as before gates existed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Gate = Literal["plan", "merge"]
GATES: tuple[Gate, ...] = ("plan", "merge")
WritingMode = Literal["pr", "auto"]
TierNo = Literal[1, 2, 3]


class GateRule(BaseModel):
    """The tiers (and modes) at which one gate stops the run for a human."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    tiers: frozenset[TierNo] = frozenset()
    modes: frozenset[WritingMode] = frozenset({"pr", "auto"})

    @model_validator(mode="before")
    @classmethod
    def _tiers_only(cls, data: Any) -> Any:
        """``plan = [2, 3]`` is short for ``plan = { tiers = [2, 3] }``."""
        return {"tiers": data} if isinstance(data, list | tuple) else data

    def applies(self, mode: str, tier: int) -> bool:
        return mode in self.modes and tier in self.tiers


class GatePolicy(BaseModel):
    """The policy's gates table (see the module docstring)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    plan: GateRule = GateRule()
    merge: GateRule = GateRule()
    timeout_hours: float = Field(default=24.0, gt=0)

    def rule(self, gate: Gate) -> GateRule:
        return self.plan if gate == "plan" else self.merge

    def widened(self, gates: Iterable[str]) -> GatePolicy:
        """These gates at every tier in both writing modes (``--gate plan``, the user's
        ``pipeline.gates``): added to the policy's, never removing one."""
        every = GateRule(tiers=frozenset({1, 2, 3}))
        names = set(gates)
        return self.model_copy(
            update={g: every for g in GATES if g in names},
        )

    def requires(self, gate: Gate, mode: str, tier: int) -> bool:
        return self.rule(gate).applies(mode, tier)
