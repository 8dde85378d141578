"""Decide the tier of a change: 1 auto-merge on green, 2 branch + PR, 3 suggestion only.

Every rule that fires adds a :class:`Reason` (rule id, the tier it asks for, blocked or not, a
sentence, the paths); the tier is the highest any reason asks for. Rules, in order:

- ``kind.<kind>``: the policy's tier for each change kind present (docs, tests, ...)
- ``binary``: binary files cannot be read or scanned
- ``size.*``: too many files / lines for auto-merge (tier 2) or at all (tier 3)
- ``path:<glob>``: the policy's path rules (a tier floor, or blocked)
- ``sensitive.<group>``: CI, auth, crypto, secrets, migrations, ... blocked unless the policy's
  ``allow_edit`` names the group (then ``sensitive_tier``, never auto-merged)
- ``policy.self``: the policy files and ``[tool.specpilot*]`` tables: always blocked
- ``secrets``: detect-secrets found something in the added lines: blocked
- ``tests.red``: the change's tests failed: no merge (the policy's ``merge.fallback``)
- ``spec.risk``: the spec's risk hint raises the tier, never lowers it
- ``mode.<mode>``: the run's mode caps autonomy (suggest → 3, pr → 2)
- ``limits.*``: a rate limit is reached: suggestion

A blocked change has tier 3 and action ``blocked``: nothing but a report is written.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Literal, cast, get_args

from pydantic import BaseModel, ConfigDict

from specpilot.pipeline.audit import read_records
from specpilot.pipeline.classify import KIND_ORDER, Classification, Matcher, classify
from specpilot.pipeline.diffparse import FileDiff, Patch, parse_diff
from specpilot.pipeline.errors import PolicyError, SpecError
from specpilot.pipeline.limits import LimitStatus, check_limits
from specpilot.pipeline.policy import (
    PROTECTED_GLOBS,
    PYPROJECT,
    Mode,
    Policy,
    Tier,
    load_policy,
    specpilot_ranges,
)
from specpilot.pipeline.secrets_scan import SecretFinding, scan_patch

logger = logging.getLogger(__name__)

Action = Literal["merge", "pr", "suggest", "blocked"]
TIER_ACTION: dict[int, Action] = {1: "merge", 2: "pr", 3: "suggest"}
SPEC_RISK: dict[str, Tier] = {"low": 1, "medium": 2, "high": 3, "1": 1, "2": 2, "3": 3}
MODE_CAP: dict[str, Tier] = {"auto": 1, "pr": 2, "suggest": 3}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Reason(_Frozen):
    rule: str
    tier: Tier
    blocked: bool = False
    message: str
    paths: tuple[str, ...] = ()


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
) -> TierDecision:
    """The tier of ``patch`` under ``policy`` with every rule that fired (pure; no I/O)."""
    if mode not in MODE_CAP:
        raise PolicyError(f"Unknown mode {mode!r}; valid modes: {', '.join(get_args(Mode))}.")
    hint = _hint_tier(spec_risk)
    classification = classify(patch, policy.classify, policy.manifests)
    reasons = _change_reasons(patch, policy, classification)
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
    repo_id: str | None = None,
    now: datetime | None = None,
) -> TierDecision:
    """The tier ``diff_text`` would get in ``repo``, running nothing: load the policy (from the
    work tree, or commit ``ref``), parse, classify, scan for secrets, and with ``audit_log``
    count the rate limits for ``repo_id`` (default: the repo's absolute path)."""
    policy = load_policy(repo, ref=ref)
    patch = parse_diff(diff_text)
    limits = None
    if audit_log is not None:
        rid = repo_id or str(repo.resolve())
        limits = check_limits(read_records(audit_log), policy.limits, repo=rid, now=now)
    return decide(
        patch,
        policy,
        spec_risk=spec_risk,
        mode=mode,
        secrets=scan_patch(patch, allowlist=policy.secrets_allowlist),
        limits=limits,
    )


def _hint_tier(spec_risk: str | None) -> Tier | None:
    if spec_risk is None or not spec_risk.strip():
        return None
    tier = SPEC_RISK.get(spec_risk.strip().lower())
    if tier is None:
        raise SpecError(f"The spec's risk hint {spec_risk!r} is not one of low, medium, high.")
    return tier


def _change_reasons(patch: Patch, policy: Policy, classification: Classification) -> list[Reason]:
    reasons: list[Reason] = []
    if not patch.files:
        message = "the diff changes no file; there is nothing to deploy"
        return [Reason(rule="empty", tier=3, blocked=True, message=message)]
    for kind in KIND_ORDER:
        paths = classification.paths_of(kind)
        if paths:
            tier = policy.kinds[kind]
            message = f"{len(paths)} {kind} file(s); the policy gives {kind} changes tier {tier}"
            reasons.append(Reason(rule=f"kind.{kind}", tier=tier, message=message, paths=paths))
    binary = tuple(f.path for f in patch.files if f.binary)
    if binary:
        message = "binary files cannot be reviewed or scanned for secrets automatically"
        reasons.append(
            Reason(rule="binary", tier=policy.binary_tier, message=message, paths=binary)
        )
    reasons.extend(_size_reasons(patch, policy))
    every = patch.paths
    for rule in policy.paths:
        matched = tuple(p for p in every if Matcher([rule.glob])(p))
        if matched:
            why = rule.reason or f"the policy's path rule for {rule.glob!r}"
            tier = 3 if rule.blocked or rule.tier is None else rule.tier
            message = f"{why} ({'blocked' if rule.blocked else f'tier {tier} or higher'})"
            reasons.append(
                Reason(
                    rule=f"path:{rule.glob}",
                    tier=tier,
                    blocked=rule.blocked,
                    message=message,
                    paths=matched,
                )
            )
    for group, globs in policy.sensitive.items():
        matched = tuple(p for p in every if Matcher(globs)(p))
        if not matched:
            continue
        if group in policy.allow_edit:
            tier = policy.sensitive_tier
            message = f"{group} paths are sensitive: never auto-merged (tier {tier})"
            reasons.append(
                Reason(rule=f"sensitive.{group}", tier=tier, message=message, paths=matched)
            )
        else:
            message = (
                f"{group} paths are sensitive and the agent may not edit them "
                f"(the policy's allow_edit does not name {group!r})"
            )
            reasons.append(
                Reason(
                    rule=f"sensitive.{group}", tier=3, blocked=True, message=message, paths=matched
                )
            )
    own = tuple(p for p in every if Matcher(PROTECTED_GLOBS)(p))
    own += tuple(
        f.path
        for f in patch.files
        if f.path == PYPROJECT and _touches_ranges(f, policy.origin.pyproject_ranges)
    )
    if own:
        message = "the change edits specpilot's own policy or configuration, which only a human may"
        reasons.append(Reason(rule="policy.self", tier=3, blocked=True, message=message, paths=own))
    return reasons


def _size_reasons(patch: Patch, policy: Policy) -> list[Reason]:
    size = policy.size
    excluded = Matcher(size.exclude)
    lines = sum(f.added + f.removed for f in patch.files if not excluded(f.path))
    files = len(patch.files)
    out = []
    for what, count, auto, top in (
        ("files", files, size.auto_max_files, size.max_files),
        ("lines", lines, size.auto_max_lines, size.max_lines),
    ):
        if count > top:
            message = f"{count} changed {what} exceed max_{what} = {top}"
            out.append(Reason(rule=f"size.max_{what}", tier=3, message=message))
        elif count > auto:
            message = f"{count} changed {what} exceed auto_max_{what} = {auto}: no auto-merge"
            out.append(Reason(rule=f"size.auto_max_{what}", tier=2, message=message))
    return out


def _touches_ranges(f: FileDiff, ranges: Sequence[tuple[int, int]]) -> bool:
    """Does a pyproject.toml change touch (or add) a ``[tool.specpilot*]`` table?"""
    for d in f.added_lines:
        if "specpilot" in d.text and specpilot_ranges(d.text):
            return True  # a new [tool.specpilot...] table or key
        if d.anchor is not None and any(a <= d.anchor - 1 <= b for a, b in ranges):
            return True
    return any(a <= d.number <= b for d in f.removed_lines for a, b in ranges)
