"""Gates in a flow run: the run pauses with a typed input form until a person answers.

At a gate the ``spec-to-pr`` flow publishes what is to be decided as a markdown artifact
(``gate-plan`` / ``gate-merge``) and pauses its flow run with Prefect's ``pause_flow_run``
waiting for a :class:`GateInput` (approve or reject, a comment, who). The Prefect UI shows the
form; ``specpilot approve`` fills it through the API (``resume_flow_run``). No answer within
the policy's ``gates.timeout_hours`` is a rejection ``via="timeout"``.
"""

from __future__ import annotations

from datetime import datetime

from prefect.artifacts import create_markdown_artifact
from prefect.exceptions import FlowPauseTimeout
from prefect.flow_runs import pause_flow_run
from prefect.input import RunInput

from specpilot.pipeline import Gate, GateDecision, GateHook

RUN_TAG_PREFIX = "specpilot-run:"  # the flow run's tag naming its specpilot run id


class GateInput(RunInput):
    """The form a waiting run shows: approve it or not, why, and who you are."""

    approve: bool
    comment: str | None = None
    by: str | None = None


def prefect_gate_hook(*, timeout_s: float, poll_s: float) -> GateHook:
    """A hook that pauses the current flow run at each gate until it is answered."""

    def hook(gate: Gate, summary: str, *, run_id: str) -> GateDecision:
        create_markdown_artifact(summary, key=f"gate-{gate}", description=f"{gate} gate: {run_id}")
        form = GateInput.with_initial_data(
            description=f"**{gate} gate** of run `{run_id}`: approve or reject.\n\n{summary}",
            approve=False,
        )
        try:
            answer = pause_flow_run(
                wait_for_input=form,
                timeout=max(1, int(timeout_s)),
                poll_interval=max(1, int(poll_s)),
                key=f"gate-{gate}",
            )
        except FlowPauseTimeout:
            hours = timeout_s / 3600
            return GateDecision(
                gate=gate, approved=False, by="nobody", at=datetime.now().astimezone(),
                comment=f"no answer within {hours:g} h (gates.timeout_hours)", via="timeout",
            )  # fmt: skip
        return GateDecision(
            gate=gate, approved=answer.approve, by=answer.by or "unknown",
            at=datetime.now().astimezone(), comment=answer.comment, via="prefect",
        )  # fmt: skip

    return hook
