"""Human approval gates: the points where a run waits for a person, and what they decided.

A gate is a safety control. Where the policy (``pipeline/tiers/gate_policy.py``), the user's
``pipeline.gates`` or ``--gate`` ask for one, the run calls a :class:`GateHook` with what the
person decides on: ``plan`` after the plan and before any code (``SpecRun.pass_gate``),
``merge`` after the tier decision and before anything is pushed (``pipeline.deliver``). The
hook returns a :class:`GateDecision`; a rejection ends the run with status ``rejected`` and
the decision (who, when, the comment) goes into the run record and the audit log. A hook
that cannot ask now (no terminal, nobody to ask) raises :class:`AwaitingApproval`: the run
ends with status ``awaiting_approval`` and the caller prints how to continue. A gate with no
hook at all is never silently passed: it is :class:`AwaitingApproval` too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from specpilot.pipeline.core.errors import PipelineError
from specpilot.pipeline.run.plan import Plan, render_plan
from specpilot.pipeline.tiers.gate_policy import GATES, Gate, GatePolicy

__all__ = [
    "GATES", "AwaitingApproval", "Gate", "GateDecision", "GateHook", "GateKeeper", "GatePolicy",
]  # fmt: skip


class GateDecision(BaseModel):
    """What a person decided at a gate."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    gate: Gate
    approved: bool
    by: str
    at: datetime
    comment: str | None = None
    via: str = "cli"  # cli (a terminal), prefect (a flow run's input form), timeout

    def line(self) -> str:
        verdict = "approved" if self.approved else "rejected"
        said = f": {self.comment}" if self.comment else ""
        return f"{self.gate} gate {verdict} by {self.by} at {self.at.isoformat()}{said}"


class AwaitingApproval(PipelineError):
    """The gate cannot be decided now; the run waits (status ``awaiting_approval``)."""

    def __init__(self, gate: Gate, how_to_continue: str) -> None:
        super().__init__(f"awaiting approval at the {gate} gate: {how_to_continue}")
        self.gate = gate
        self.how_to_continue = how_to_continue


class GateHook(Protocol):
    """Asks a person at ``gate``; ``summary`` is what they decide on (Markdown: the plan, or
    the tier decision and the diff's files). Returns the decision or raises AwaitingApproval."""

    def __call__(self, gate: Gate, summary: str, *, run_id: str) -> GateDecision: ...


class GateError(PipelineError):
    """A ``--gate`` or ``pipeline.gates`` value that names no gate."""


def check_gate_names(names: tuple[str, ...] | list[str], source: str) -> tuple[Gate, ...]:
    """The names as gates, or GateError naming ``source`` and the valid gates."""
    out: list[Gate] = []
    for name in names:
        if name not in GATES:
            raise GateError(f"{source} {name!r} is not a gate; valid gates: {', '.join(GATES)}")
        out.append(name)  # narrowed by the membership test
    return tuple(out)


def widen_gates(policy: GatePolicy, extra: tuple[str, ...] | list[str], source: str) -> GatePolicy:
    """The policy's gates plus ``extra`` gates at every tier (they only ever add)."""
    return policy.widened(check_gate_names(extra, source)) if extra else policy


TierOfPlan = Callable[[Sequence[str]], int]


def _strictest(paths: Sequence[str]) -> int:
    return 3


@dataclass(frozen=True, slots=True)
class GateKeeper:
    """Which gates a run must pass and who is asked: one per run, built by the caller.

    ``policy``: the repo policy's gates, widened by the user's ``pipeline.gates`` and
    ``--gate``; ``hook``: asks a person (None: nobody can be asked, every required gate waits);
    ``tier_of_plan``: the predicted tier of the planned files (default: 3, the strictest)."""

    policy: GatePolicy
    hook: GateHook | None = None
    tier_of_plan: TierOfPlan = _strictest

    def plan_tier(self, mode: str, paths: Sequence[str]) -> int | None:
        """The plan's predicted tier when the plan gate applies to it, else None."""
        if mode not in ("pr", "auto") or not self.policy.plan.tiers:
            return None
        tier = self.tier_of_plan(paths)
        return tier if self.policy.requires("plan", mode, tier) else None

    def merge_required(
        self, mode: str, tier: int, action: str, *, plan_approved: bool = False
    ) -> bool:
        """Before a PR or a merge of a change of ``tier`` (nothing to approve otherwise).

        Also when the plan gate applies to the change's actual tier but nobody approved its
        plan (the plan predicted a lower tier than the change has): a plan that understates
        its change cannot skip the human, who is asked here instead."""
        if action not in ("pr", "merge"):
            return False
        unapproved_plan = self.policy.requires("plan", mode, tier) and not plan_approved
        return self.policy.requires("merge", mode, tier) or unapproved_plan

    def ask_plan(self, mode: str, plan: Plan, *, run_id: str) -> GateDecision | None:
        """Ask at the plan gate when it applies to the plan's predicted tier (None when it does
        not); the person sees the predicted tier and the plan."""
        tier = self.plan_tier(
            mode, [f.path for f in (*plan.files_to_change, *plan.files_to_create)]
        )
        if tier is None:
            return None
        summary = f"**Predicted tier {tier}** (mode {mode})\n\n{render_plan(plan)}"
        return self.ask("plan", summary, run_id=run_id)

    def ask(self, gate: Gate, summary: str, *, run_id: str) -> GateDecision:
        if self.hook is None:
            raise AwaitingApproval(gate, "no one can be asked here; approve it interactively")
        return self.hook(gate, summary, run_id=run_id)
