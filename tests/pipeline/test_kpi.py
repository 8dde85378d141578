"""KPIs from a hand-made audit log with known outcomes (tests/pipeline/kpi_log.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from specpilot.pipeline.audit.log import append, read_records
from specpilot.pipeline.core.errors import AuditError, ReportError
from specpilot.pipeline.kpi.facts import collect_runs, coverage_of
from specpilot.pipeline.kpi.from_log import kpis_from_log
from specpilot.pipeline.kpi.metrics import Kpis, compute_kpis
from specpilot.pipeline.kpi.since import parse_since
from tests.pipeline.kpi_log import REPO, T0, fate_entry, pr_deploy, run_entry, write_known_log
from tests.pipeline.policy_fixtures import AUDIT_KEY

SINCE, UNTIL = T0 - timedelta(days=1), T0 + timedelta(days=30)


def _kpis(log: Path, runs_dir: Path | None = None, repo: str | None = REPO) -> Kpis:
    return kpis_from_log(log, AUDIT_KEY, runs_dir=runs_dir, since=SINCE, until=UNTIL, repo=repo)


def test_the_numbers_of_a_log_with_known_outcomes(tmp_path: Path) -> None:
    k = _kpis(write_known_log(tmp_path / "audit.jsonl"))
    assert k.runs == 10
    assert k.runs_by_outcome == {
        "merged": 1,
        "pr": 5,
        "suggested": 1,
        "blocked": 0,
        "escalated": 1,
        "stopped": 1,
        "failed": 1,
    }
    assert k.runs_by_tier == {"1": 1, "2": 6, "3": 1, "none": 2}
    assert (k.prs_opened, k.prs_merged, k.prs_closed, k.prs_open) == (5, 3, 1, 1)
    assert k.acceptance_rate == 0.75
    assert sorted(k.time_to_merge_h) == [2.0, 4.0, 10.0]  # GitHub's merge time, not the record's
    assert k.median_time_to_merge_h == 4.0
    assert k.escalation_prs_open == 1
    assert k.merged_changes == 4
    assert [c.via for c in k.merged] == ["pr", "pr", "tier-1 merge", "pr"]  # by merge time
    assert (k.tokens_total, k.tokens_per_merged_change) == (12000, 3000.0)
    assert (k.cost_usd_total, k.cost_per_merged_change_usd, k.unpriced_runs) == (1.0, 0.25, 0)
    assert k.escalation_rate == 0.1
    assert k.repair_rounds_per_run == 1.5  # (0 + 1 + 2 + 3) / 4 runs that recorded them
    assert k.tool_steps_per_run == 4.0  # (2 + 3 + 4 + 5 + 6) / 5
    assert k.coverage.percent is None and k.coverage.measured_runs == 0  # not measured
    assert sum(sum(d.outcomes.values()) for d in k.daily) == 10
    json.loads(k.model_dump_json())  # the --json object


def test_without_fates_every_pr_is_open_and_nothing_is_accepted_yet(tmp_path: Path) -> None:
    k = _kpis(write_known_log(tmp_path / "audit.jsonl", fates=False))
    assert (k.prs_opened, k.prs_merged, k.prs_open) == (5, 0, 5)
    assert k.acceptance_rate is None and k.median_time_to_merge_h is None
    assert k.merged_changes == 1 and k.cost_per_merged_change_usd == 1.0


def test_window_and_repo_filter(tmp_path: Path) -> None:
    log = write_known_log(tmp_path / "audit.jsonl")
    assert _kpis(log, repo=None).runs == 11  # the other repo's run too, not the old one
    old = kpis_from_log(
        log, AUDIT_KEY, runs_dir=None, since=T0 - timedelta(days=50), until=UNTIL, repo=REPO
    )
    assert old.runs == 11 and old.runs_by_outcome["merged"] == 2


def test_an_unpriced_run_makes_the_cost_unpriced_and_tokens_stand_in(tmp_path: Path) -> None:
    log = write_known_log(tmp_path / "audit.jsonl")
    append(log, run_entry("r11", "stopped", tier=None, cost=None), key=AUDIT_KEY, now=T0)
    k = _kpis(log)
    assert k.unpriced_runs == 1 and k.cost_per_merged_change_usd is None
    assert k.cost_usd_total == 1.0 and k.tokens_per_merged_change == 13200 / 4


def test_run_records_add_tool_steps_and_diff_coverage(tmp_path: Path) -> None:
    from specpilot.pipeline.run.diff_coverage import DiffCoverage

    log = write_known_log(tmp_path / "audit.jsonl")
    runs = tmp_path / "runs"
    # what the test stage writes into record.json
    measured = DiffCoverage(measured=True, added_lines=4, covered=3, percent=75.0).model_dump(
        mode="json"
    )
    for run_id, record in {
        "r1": {"tool_steps": 20, "repair_rounds": 0, "diff_coverage": measured},
        "r6": {"diff_coverage": {"covered": 5, "total": 6}},
        "r8": {"diff_coverage": None},  # measured nothing: not counted
    }.items():
        (runs / run_id).mkdir(parents=True)
        (runs / run_id / "record.json").write_text(json.dumps(record))
    k = _kpis(log, runs_dir=runs)
    assert k.tool_steps_per_run == (20 + 3 + 4 + 5 + 6) / 5
    assert (k.coverage.measured_runs, k.coverage.covered_lines, k.coverage.total_lines) == (
        2,
        8,
        10,
    )
    assert k.coverage.percent == 80.0


def test_coverage_shapes() -> None:
    assert coverage_of(87.5) is not None and coverage_of(87.5).percent == 87.5  # type: ignore[union-attr]
    assert coverage_of({"percent": 50}).percent == 50.0  # type: ignore[union-attr]
    assert coverage_of({"measured": False, "percent": 10}) is None
    assert coverage_of({"covered": 1, "total": 0}) is None
    assert coverage_of(True) is None and coverage_of("80%") is None


def test_a_fate_recorded_before_the_pr_was_opened_does_not_count(tmp_path: Path) -> None:
    """A replayed branch name: a pr_merged record older than the run cannot be its fate."""
    log = tmp_path / "audit.jsonl"
    append(log, fate_entry(1, "pr_merged", T0), key=AUDIT_KEY, now=T0)
    append(log, run_entry("r1", "pr", tier=2, deploy=pr_deploy(1)), key=AUDIT_KEY, now=T0)
    (run,) = collect_runs(read_records(log))
    assert run.pr is not None and run.pr.fate == "open"


def test_a_tampered_log_gives_no_numbers(tmp_path: Path) -> None:
    log = write_known_log(tmp_path / "audit.jsonl")
    lines = log.read_text().splitlines()
    lines[4] = lines[4].replace('"outcome: pr"', '"outcome: merged"')
    log.write_text("\n".join(lines) + "\n")
    with pytest.raises(AuditError, match="fails verification"):
        _kpis(log)


def test_empty_window_has_no_rates() -> None:
    k = compute_kpis([], since=SINCE, until=UNTIL)
    assert k.runs == 0 and k.acceptance_rate is None and k.escalation_rate is None
    assert k.tokens_per_merged_change is None and k.cost_usd_total is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30d", timedelta(days=30)),
        ("12h", timedelta(hours=12)),
        ("2w", timedelta(weeks=2)),
        (" 7D ", timedelta(days=7)),
    ],
)
def test_since_spans(text: str, expected: timedelta) -> None:
    now = datetime(2024, 6, 1, tzinfo=UTC)
    assert parse_since(text, now) == now - expected


def test_since_iso_dates_and_bad_values() -> None:
    now = datetime(2024, 6, 1, tzinfo=UTC)
    assert parse_since("2024-05-01", now) == datetime(2024, 5, 1, tzinfo=UTC)
    assert parse_since("2024-05-01T09:30+02:00", now) == datetime(2024, 5, 1, 7, 30, tzinfo=UTC)
    for bad in ("30", "30m", "yesterday", "", "-3d"):
        with pytest.raises(ReportError, match="is neither a span"):
            parse_since(bad, now)
