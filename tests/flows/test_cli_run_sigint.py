"""A real SIGINT to a real ``specpilot run``, in process (the checks: tests/flows/run_sigint.py;
the Prefect flow's: tests/flows/prefect_runs/test_spec_flow_sigint.py)."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from tests.conftest import MakeRepo
from tests.flows.run_sigint import interrupt_a_run


@pytest.mark.timeout(180)
@pytest.mark.parametrize("moment", ["planning", "coding"])
def test_sigint_during_a_run_stops_it_cleanly(
    make_repo: MakeRepo, tmp_path: Path, moment: str
) -> None:
    interrupt_a_run(make_repo, tmp_path, moment)


@pytest.mark.timeout(180)
def test_sigterm_during_a_run_stops_it_the_same_way_with_143(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    """What a scheduler, a CI job's timeout or a Prefect worker's cancellation sends."""
    interrupt_a_run(make_repo, tmp_path, "coding", signum=signal.SIGTERM)
