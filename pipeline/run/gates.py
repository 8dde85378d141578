"""Human approval gates: the points where a run waits for a person, and what they decided.

A gate is a safety control. The stage loop (``drive``) calls a :class:`GateHook` at each
gate the run requires: ``plan`` after the plan and before any code. The hook returns a
:class:`GateDecision`; a rejection ends the run with status ``rejected`` and the decision
(who, when, the comment) goes into the run record. A hook that cannot ask now (no TTY, a
flow waiting for input elsewhere) raises :class:`AwaitingApproval`: the run ends with status
``awaiting_approval`` and the caller prints how to continue.

Which gates a run requires: :func:`required_gates`, from the user's gate table and the
repo's. The repo's table can only ADD gates, never remove one the user set.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict

from specpilot.pipeline.core.errors import PipelineError

Gate = Literal["plan", "merge"]
GATES: tuple[Gate, ...] = ("plan", "merge")
MODES: tuple[str, ...] = ("suggest", "pr", "auto")


class GateDecision(BaseModel):
    """What a person decided at a gate."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    gate: Gate
    approved: bool
    by: str
    at: datetime
    comment: str | None = None


class AwaitingApproval(PipelineError):
    """The gate cannot be decided now; the run waits (status ``awaiting_approval``)."""

    def __init__(self, gate: Gate, how_to_continue: str) -> None:
        super().__init__(f"awaiting approval at the {gate} gate: {how_to_continue}")
        self.gate = gate
        self.how_to_continue = how_to_continue


class GateHook(Protocol):
    """Asks a person at ``gate``; ``summary`` is what they decide on (the plan as markdown)."""

    def __call__(self, gate: Gate, summary: str, *, run_id: str) -> GateDecision: ...


class GateTableError(PipelineError):
    """A ``[...policy.gates]`` table that is not ``gate = [mode, ...]``."""


def parse_gate_table(table: object, source: str) -> dict[Gate, frozenset[str]]:
    """``{"plan": ["pr", "auto"], "merge": ["auto"]}`` → gate → the modes it applies to.

    Raises GateTableError naming ``source``, the key and the valid values."""
    if table is None:
        return {}
    if not isinstance(table, Mapping):
        raise GateTableError(f"{source}: gates must be a table of gate = [modes]")
    out: dict[Gate, frozenset[str]] = {}
    for key, modes in table.items():
        if key not in GATES:
            raise GateTableError(f"{source}: unknown gate {key!r}; valid gates: {', '.join(GATES)}")
        if not isinstance(modes, list) or not all(m in MODES for m in modes):
            raise GateTableError(
                f"{source}: gates.{key} must be a list of modes from: {', '.join(MODES)}"
            )
        out[key] = frozenset(modes)
    return out


def merge_gate_tables(
    user: Mapping[Gate, frozenset[str]], repo: Mapping[Gate, frozenset[str]]
) -> dict[Gate, frozenset[str]]:
    """The union: a repo may add modes to a gate, and an empty list there removes nothing."""
    return {g: user.get(g, frozenset()) | repo.get(g, frozenset()) for g in GATES}


def required_gates(
    tables: Mapping[Gate, frozenset[str]], mode: str, extra: Iterable[str] = ()
) -> frozenset[Gate]:
    """The gates a run in ``mode`` must pass: those configured for it plus ``extra``
    (``--gate``). Default (no tables, no flags): none, as before gates existed."""
    wanted = {g for g, modes in tables.items() if mode in modes}
    for name in extra:
        if name not in GATES:
            raise GateTableError(f"--gate {name!r}: valid gates: {', '.join(GATES)}")
        wanted.add(name)
    return frozenset(wanted)
