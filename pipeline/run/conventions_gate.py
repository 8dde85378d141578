"""The conventions gate: what a green diff breaks of the repository's measured conventions.

Run before a commit. With a repair round left, the violations become feedback for the code
loop (like a failing test); without one they are kept as a warning in the run record — a
green change is not thrown away over style, and a human sees the list in the PR.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from specpilot.conventions import ConventionProfile, ConventionsError, Violation, check_diff


@dataclass(frozen=True, slots=True)
class GateResult:
    violations: tuple[Violation, ...] = ()
    feedback: str | None = None  # for the next repair round
    warning: str | None = None  # recorded in the run when no round is left, or on failure


def conventions_gate(
    profile: ConventionProfile, diff_text: str, root: Path, *, repair_left: bool
) -> GateResult:
    try:
        violations = tuple(check_diff(profile, diff_text, root))
    except ConventionsError as exc:
        return GateResult(warning=f"The conventions check could not run: {exc}")
    if not violations:
        return GateResult()
    listed = "\n".join(f"- {v}" for v in violations)
    if not repair_left:
        return GateResult(
            violations, warning=f"The change breaks conventions of the repository:\n{listed}"
        )
    feedback = (
        "The tests pass, but lines you added break conventions this repository follows "
        "(measured from its code). Change them to follow the convention, run the tests, then "
        "call finish.\n\n" + listed
    )
    return GateResult(violations, feedback=feedback)
