"""The tier a plan predicts, before any code exists: for the ``plan`` gate.

The plan's files go through the same rules as a diff of them would (kinds, sensitive paths,
blocked rules), with the spec's risk hint and the mode's cap. Nothing can be shown to be a
mere version bump without the change itself, so a planned manifest edit counts as config;
a plan that names no file is tier 3 (nothing is known about it).
"""

from __future__ import annotations

from collections.abc import Sequence

from specpilot.pipeline.core.diffparse import FileDiff, Patch
from specpilot.pipeline.tiers.policy import Policy, Tier
from specpilot.pipeline.tiers.tiering import decide


def planned_tier(
    policy: Policy, paths: Sequence[str], *, mode: str, spec_risk: str | None = None
) -> Tier:
    if not paths:
        return 3
    files = tuple(FileDiff(path=p, old_path=p, status="modified") for p in dict.fromkeys(paths))
    decision = decide(Patch(files=files), policy, spec_risk=spec_risk, mode=mode, predicted=True)
    return decision.tier
