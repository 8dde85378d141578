"""A real SIGINT to a real ``specpilot run --flow`` (the spec-to-pr flow in process, tracked
by the session's Prefect server): the same clean stop as in process (tests/flows/run_sigint.py)
— Prefect marks the flow run Crashed and raises the run's own interruption again, so the line
is the run's. Prefect's own log lines come before it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import MakeRepo
from tests.flows.run_sigint import interrupt_a_run


@pytest.mark.timeout(240)
def test_sigint_during_a_flow_run_stops_it_cleanly(
    harness: None, make_repo: MakeRepo, tmp_path: Path
) -> None:
    from prefect.settings import PREFECT_API_URL

    api = {"PREFECT_API_URL": str(PREFECT_API_URL.value())}
    line = interrupt_a_run(make_repo, tmp_path, "coding", ["--flow"], api)
    assert "stopped, nothing delivered" in line
