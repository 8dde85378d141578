"""Decide the tier of a change: 1 auto-merge on green, 2 branch + PR, 3 suggestion only.

Every rule that fires adds a :class:`Reason` (rule id, the tier it asks for, blocked or not, a
sentence, the paths); the tier is the highest any reason asks for. Rules, in order:

- ``kind.<kind>``: the policy's tier for each change kind present (docs, tests, ...), with
  why each file has its kind (see :mod:`pipeline.classify`)
- ``dependency.change``: a manifest or lockfile changed beyond a version bump: tier 2 at least,
  whatever the policy gives ``config``; ``dependency.major``: a bump of a major version: tier 2
- ``dependency.new`` / ``.unbounded`` / ``.typosquat`` / ``.unknown``: the supply-chain guard
  on dependencies the change adds (see :mod:`pipeline.tiers.supply_chain`): tier 2 at least,
  tier 3 for a likely typosquat or a name the package index does not know
- ``binary``: binary files cannot be read or scanned
- ``filemode`` / ``symlink`` / ``submodule``: a mode change, a symbolic link (tier 3 when it
  points out of the repository), a submodule pointer: tier 2 at least
- ``size.*``: too many files / lines / bytes, or a too long line, for auto-merge (tier 2) or at
  all (tier 3)
- ``path:<glob>``: the policy's path rules (a tier floor, or blocked)
- ``sensitive.<group>``: CI, auth, crypto, secrets, migrations, ... blocked unless the policy's
  ``allow_edit`` names the group (then ``sensitive_tier``, never auto-merged); globs match
  whatever the case, and a symlink counts as the path it points to
- ``policy.self``: the policy files, and any change of ``tool.specpilot`` in the parsed
  ``pyproject.toml`` (however its keys are spelled): always blocked
- ``secrets``: detect-secrets found something in the added lines: blocked
- ``tests.red``: the change's tests failed: no merge (the policy's ``merge.fallback``)
- ``spec.risk``: the spec's risk hint raises the tier, never lowers it
- ``earned.<kind>``: a tier-1 change of a kind the policy's ``earned`` table names is held at
  tier 2 until its record in the audit log passes (see :mod:`pipeline.tiers.earned`)
- ``mode.<mode>``: the run's mode caps autonomy (suggest → 3, pr → 2)
- ``limits.*``: a rate limit is reached: suggestion

A blocked change has tier 3 and action ``blocked``: nothing but a report is written.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, cast, get_args

from pydantic import BaseModel, ConfigDict

from specpilot.pipeline.audit.key import AuditKey
from specpilot.pipeline.audit.log import read_records
from specpilot.pipeline.core.diffparse import Patch, parse_diff
from specpilot.pipeline.core.errors import PolicyError, SpecError
from specpilot.pipeline.deliver.limits import LimitStatus, check_limits
from specpilot.pipeline.secrets.scan import SecretFinding, scan_patch
from specpilot.pipeline.tiers.base_tree import BaseTree, FileTexts, GitTree
from specpilot.pipeline.tiers.classify import classify
from specpilot.pipeline.tiers.earned import EarnedStatus, earned_reasons, earned_status
from specpilot.pipeline.tiers.policy import Mode, Policy, Tier, load_policy
from specpilot.pipeline.tiers.rules import Reason, change_reasons
from specpilot.pipeline.tiers.supply_chain import PackageLookup, supply_chain_reasons

__all__ = ["Action", "Reason", "TierDecision", "decide", "explain"]

logger = logging.getLogger(__name__)

Action = Literal["merge", "pr", "suggest", "blocked"]
TIER_ACTION: dict[int, Action] = {1: "merge", 2: "pr", 3: "suggest"}
SPEC_RISK: dict[str, Tier] = {"low": 1, "medium": 2, "high": 3, "1": 1, "2": 2, "3": 3}
MODE_CAP: dict[str, Tier] = {"auto": 1, "pr": 2, "suggest": 3}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TierDecision(_Frozen):
    schema_version: Literal[1] = 1
    tier: Tier  # after the spec hint, the mode cap and the limits
    risk_tier: Tier  # from the change and the spec hint alone
    blocked: bool
    mode: Mode
    action: Action
    change_kind: str  # one kind, "mixed" or "empty"
    kinds: dict[str, str]  # path -> kind
    files: int
    lines_added: int
    lines_removed: int
    reasons: tuple[Reason, ...]
    policy_file: str | None = None
    policy_sha256: str | None = None
    earned: dict[str, Any] | None = None  # the record behind ``earned.*`` reasons (as_json)

    def rationale(self) -> str:
        """The reasons as a Markdown list, for reports and PR bodies."""
        head = f"**Tier {self.tier}** ({'blocked' if self.blocked else self.action})"
        rows = [head, ""]
        for r in self.reasons:
            flag = "blocked" if r.blocked else f"tier {r.tier}"
            rows.append(f"- `{r.rule}` ({flag}): {r.message}")
        return "\n".join(rows)


def decide(
    patch: Patch,
    policy: Policy,
    *,
    spec_risk: str | None = None,
    mode: str = "auto",
    secrets: Sequence[SecretFinding] = (),
    tests_passed: bool | None = None,
    limits: LimitStatus | None = None,
    base: BaseTree | None = None,
    predicted: bool = False,
    packages: PackageLookup | None = None,
    earned: EarnedStatus | None = None,
) -> TierDecision:
    """The tier of ``patch`` under ``policy`` with every rule that fired.

    ``base`` is the commit the patch applies to (read-only: manifests are parsed and test
    files' importers looked up in it). Without it nothing that needs the old text can be
    shown safe: a manifest is not a bump, a test file counts as source, a pyproject.toml
    change is blocked. ``predicted``: the patch names planned files only (no base is expected).
    ``packages`` is asked whether each dependency the patch adds exists
    on the package index (without it, the names are not checked). ``earned``: the measured
    records the policy's ``earned`` table asks for (without it, such a change is held)."""
    if mode not in MODE_CAP:
        raise PolicyError(f"Unknown mode {mode!r}; valid modes: {', '.join(get_args(Mode))}.")
    hint = _hint_tier(spec_risk)
    if base is None and patch.files and not predicted:
        logger.warning("tiering without a base tree: changes that need it are not trusted")
    texts = FileTexts(base)
    classification = classify(patch, policy.classify, policy.manifests, texts=texts)
    reasons = change_reasons(patch, policy, classification, texts)
    if patch.files:
        reasons += supply_chain_reasons(patch, texts, packages)
    if secrets:
        where = ", ".join(s.describe() for s in secrets)
        message = f"the secret scan found likely secrets at {where}; nothing may be committed"
        paths = tuple(dict.fromkeys(s.path for s in secrets))
        reasons.append(Reason(rule="secrets", tier=3, blocked=True, message=message, paths=paths))
    if tests_passed is False:
        tier: Tier = 2 if policy.merge.fallback == "pr" else 3
        fallback = policy.merge.fallback
        message = f"the tests failed, so the change is not merged (merge.fallback = {fallback!r})"
        reasons.append(Reason(rule="tests.red", tier=tier, message=message))
    risk: Tier = max((r.tier for r in reasons), default=1)
    if hint is not None:
        change = f"raises the tier from {risk} to {hint}" if hint > risk else f"keeps tier {risk}"
        message = f"the spec's risk hint {spec_risk!r} asks for tier {hint} or higher; it {change}"
        reasons.append(Reason(rule="spec.risk", tier=hint, message=message))
        risk = max(risk, hint)
    held = []
    if risk == 1 and policy.earned.rules():
        held = earned_reasons((f.kind for f in classification.files), policy.earned, earned)
        reasons += held
        risk = max((r.tier for r in reasons), default=1)
    cap = MODE_CAP[mode]
    if cap > risk:
        message = f"mode '{mode}' allows at most tier {cap} autonomy ({TIER_ACTION[cap]})"
        reasons.append(Reason(rule=f"mode.{mode}", tier=cap, message=message))
    for hit in limits.hits if limits is not None else ():
        message = f"{hit.message}; falling back to a suggestion"
        reasons.append(Reason(rule=hit.rule, tier=3, message=message))
    blocked = any(r.blocked for r in reasons)
    final: Tier = 3 if blocked else max((r.tier for r in reasons), default=1)
    decision = TierDecision(
        tier=final,
        risk_tier=3 if blocked else risk,
        blocked=blocked,
        mode=cast(Mode, mode),  # checked against MODE_CAP above
        action="blocked" if blocked else TIER_ACTION[final],
        change_kind=classification.overall,
        kinds={f.path: f.kind for f in classification.files},
        files=len(patch.files),
        lines_added=patch.lines_added,
        lines_removed=patch.lines_removed,
        reasons=tuple(reasons),
        policy_file=policy.origin.file,
        policy_sha256=policy.origin.sha256,
        earned=_earned_json(earned) if held else None,
    )
    logger.info("tier decision: tier %d (%s), %d rule(s)", final, decision.action, len(reasons))
    return decision


def explain(
    repo: Path,
    diff_text: str,
    *,
    spec_risk: str | None = None,
    mode: str = "auto",
    ref: str | None = None,
    audit_log: Path | None = None,
    audit_key: AuditKey | None = None,
    repo_id: str | None = None,
    now: datetime | None = None,
    packages: PackageLookup | None = None,
) -> TierDecision:
    """The tier ``diff_text`` would get in ``repo``, running nothing: load the policy (from the
    work tree, or commit ``ref``), parse, classify against the files of ``ref`` (default
    ``HEAD``, which the diff must apply to), scan for secrets, and with ``audit_log`` count
    the rate limits for ``repo_id`` (default: the repo's absolute path) and the earned-autonomy
    records (from the log verified under ``audit_key``); ``packages`` looks up the
    dependencies the diff adds (a read-only index query)."""
    policy = load_policy(repo, ref=ref)
    patch = parse_diff(diff_text)
    limits = earned = None
    if audit_log is not None:
        rid = repo_id or str(repo.resolve())
        if policy.earned.rules():
            earned = earned_status(audit_log, audit_key, policy.earned, repo=rid, now=now)
        limits = check_limits(read_records(audit_log), policy.limits, repo=rid, now=now)
    return decide(
        patch,
        policy,
        spec_risk=spec_risk,
        mode=mode,
        secrets=scan_patch(patch, allowlist=policy.secrets_allowlist),
        limits=limits,
        base=GitTree(repo, ref or "HEAD"),
        packages=packages,
        earned=earned,
    )


def _earned_json(status: EarnedStatus | None) -> dict[str, Any]:
    if status is None:
        return {"error": "no audit log was read"}
    return {
        "repo": status.repo,
        "window_days": status.window_days,
        "since": status.since.isoformat(),
        "error": status.error,
        "records": {kind: rec.as_json() for kind, rec in status.records.items()},
    }


def _hint_tier(spec_risk: str | None) -> Tier | None:
    if spec_risk is None or not spec_risk.strip():
        return None
    tier = SPEC_RISK.get(spec_risk.strip().lower())
    if tier is None:
        raise SpecError(f"The spec's risk hint {spec_risk!r} is not one of low, medium, high.")
    return tier
