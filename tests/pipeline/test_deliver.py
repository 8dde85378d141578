"""deliver_change(): tier + deploy + audit after run_spec, for outcomes the CLI tests do not reach:
a stopped run, a blocked secret, a failed push, red tests, the rate limits, a tampered log."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from specpilot.pipeline.audit.log import AuditEntry, append, read_records, verify
from specpilot.pipeline.core.config import PipelineConfig
from specpilot.pipeline.deliver.audit_entry import summarize_tests, tool_calls
from specpilot.pipeline.deliver.deliver import Delivery, deliver_change
from specpilot.pipeline.run.record import RunMode, RunRecord, RunStatus
from specpilot.pipeline.run.spec import parse_spec
from specpilot.pipeline.workspace.test_runner import TestReport
from tests.pipeline.policy_fixtures import (
    AUDIT_KEY,
    AWS_KEY_LINE,
    bare_remote,
    git,
    init_repo,
    make_diff,
    refs,
)

SPEC = parse_spec("# Improve the docs\n\nSay it twice.\n", source="specs/improve-docs.md")
NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def _report(passed: bool) -> TestReport:
    return TestReport(
        command="pytest -q",
        kind="pytest",
        source="spec",
        passed=passed,
        returncode=0 if passed else 1,
        timed_out=False,
        duration_s=0.5,
        tests=3,
        failures=0 if passed else 1,
        errors=0,
        output="",
        network_isolated=True,
        sandbox_note="isolated",
    )


def _record(
    repo: Path,
    run_dir: Path,
    diff: str,
    *,
    mode: RunMode = "pr",
    status: RunStatus = "green",
    passed: bool = True,
    stop_reason: str | None = None,
) -> RunRecord:
    run_dir.mkdir(parents=True)
    if diff:
        (run_dir / "changes.patch").write_text(diff)
    (run_dir / "trace.jsonl").write_text(
        '{"kind": "tool_call", "tool": "edit_file"}\n{"kind": "tool_call", "tool": "finish"}\n'
        '{"kind": "model_call"}\n'
    )
    return RunRecord(
        run_id=run_dir.name,
        mode=mode,
        status=status,
        stop_reason=stop_reason,
        spec_title=SPEC.title,
        spec_source=SPEC.source,
        repo=str(repo),
        run_dir=str(run_dir),
        base_ref="HEAD",
        base_commit=git(repo, "rev-parse", "HEAD").strip(),
        branch="specpilot/improve-docs" if mode != "suggest" else None,
        test_reports=(_report(passed),) if status == "green" or diff else (),
        model="claude-sonnet-4-6",
        input_tokens=100,
        output_tokens=10,
        cost_usd=0.01,
        started_at=NOW,
        finished_at=NOW,
        duration_s=1.0,
    )


def _deliver(record: RunRecord, log: Path, escalate: bool = False) -> Delivery:
    config = PipelineConfig(
        runs_dir=Path(record.run_dir).parent, test_command="true", escalate=escalate
    )
    return deliver_change(
        record, SPEC, config=config, audit_log=log, audit_key=AUDIT_KEY, actor="t", now=NOW
    )


def test_a_stopped_run_with_nothing_to_push_escalates_to_its_run_dir(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    record = _record(repo, tmp_path / "runs/r1", "", status="stopped", stop_reason="budget: tokens")
    d = _deliver(record, tmp_path / "audit.jsonl", escalate=True)
    assert (d.outcome, d.ok, d.deploy) == ("escalated", False, None)
    report = (tmp_path / "runs/r1/ESCALATED.md").read_text()
    assert "**Why:** budget: tokens" in report and "Nothing was pushed" in report
    assert '"status": "escalated"' in (tmp_path / "runs/r1/record.json").read_text()


def test_a_stopped_run_is_audited_without_a_decision(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    record = _record(repo, tmp_path / "runs/r1", "", status="stopped", stop_reason="budget: tokens")
    d = _deliver(record, tmp_path / "audit.jsonl")
    assert (d.outcome, d.ok, d.decision, d.deploy) == ("stopped", False, None, None)
    assert d.message == "The run stopped: budget: tokens"
    (rec,) = read_records(tmp_path / "audit.jsonl")
    assert rec.run_id == "r1" and "stop_reason: budget: tokens" in rec.notes
    assert rec.tool_calls == {"edit_file": 1, "finish": 1} and rec.tokens_in == 100
    assert Delivery.model_validate_json((tmp_path / "runs/r1/delivery.json").read_text()) == d


def test_a_secret_blocks_the_change_and_nothing_is_pushed(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    remote = bare_remote(repo, tmp_path / "remote.git")
    before = refs(remote)
    diff = make_diff(repo, {"docs/usage.md": f"# Usage\n\n{AWS_KEY_LINE}\n"})
    d = _deliver(_record(repo, tmp_path / "runs/r2", diff), tmp_path / "audit.jsonl")
    assert d.outcome == "blocked" and d.decision is not None and d.decision.blocked
    assert "secrets" in [r.rule for r in d.decision.reasons] and "AKIA" not in d.message
    assert refs(remote) == before and d.deploy is not None and not d.deploy.pushed


def test_a_pr_without_a_remote_keeps_the_branch_names_it_and_is_audited(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    diff = make_diff(repo, {"docs/usage.md": "# Usage\n\nRun it twice.\n"})
    log = tmp_path / "audit.jsonl"
    d = _deliver(_record(repo, tmp_path / "runs/r3", diff), log)
    assert d.outcome == "pr" and d.ok and d.error is None
    assert d.deploy is not None and d.deploy.pushed is False and d.deploy.branch
    assert git(repo, "rev-parse", d.deploy.branch).strip() == d.deploy.commit_sha
    assert f"git push <remote> {d.deploy.branch}" in d.message and "not pushed" in d.message
    (rec,) = read_records(log)
    assert rec.deploy is not None and rec.deploy["pushed"] is False
    assert verify(log, AUDIT_KEY).ok


def test_red_tests_open_a_draft_pr_instead_of_merging(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    remote = bare_remote(repo, tmp_path / "remote.git")
    main = git(remote, "rev-parse", "main")
    diff = make_diff(repo, {"docs/usage.md": "# Usage\n\nRun it twice.\n"})
    record = _record(repo, tmp_path / "runs/r4", diff, mode="auto", passed=False)
    d = _deliver(record, tmp_path / "audit.jsonl")
    assert d.outcome == "pr" and d.deploy is not None and d.deploy.action == "pr"
    assert "tests.red" in [r.rule for r in d.decision.reasons] if d.decision else False
    assert git(remote, "rev-parse", "main") == main
    assert git(remote, "rev-parse", "specpilot/improve-docs").strip() == d.deploy.commit_sha


def test_rate_limits_from_the_audit_log_turn_the_run_into_a_suggestion(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    bare_remote(repo, tmp_path / "remote.git")
    (repo / ".specpilot").mkdir()
    (repo / ".specpilot/policy.toml").write_text("[limits]\nruns_per_hour = 1\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "policy")
    log = tmp_path / "audit.jsonl"
    entry = AuditEntry(run_id="earlier", repo=str(repo.resolve()), actor="t")
    append(log, entry, key=AUDIT_KEY, now=NOW)
    diff = make_diff(repo, {"docs/usage.md": "# Usage\n\nRun it twice.\n"})
    d = _deliver(_record(repo, tmp_path / "runs/r5", diff, mode="auto"), log)
    assert d.outcome == "suggested" and d.deploy is not None and d.deploy.patch_path
    assert "limits.runs_per_hour" in [r.rule for r in d.decision.reasons] if d.decision else False
    assert len(read_records(log)) == 2


@pytest.mark.parametrize("passed", [True, False])
def test_summaries(passed: bool, tmp_path: Path) -> None:
    line = summarize_tests(_report(passed))
    assert line.startswith("`pytest -q` " + ("passed" if passed else "failed"))
    assert "3 tests" in line
    assert tool_calls(tmp_path) == {}


def test_a_tampered_log_stops_the_deploy_and_takes_no_record(tmp_path: Path) -> None:
    # someone without the key cut the records that count against the rate limit
    repo = init_repo(tmp_path / "repo")
    remote = bare_remote(repo, tmp_path / "remote.git")
    before = refs(remote)
    log = tmp_path / "audit.jsonl"
    for run_id in ("earlier-1", "earlier-2"):
        entry = AuditEntry(run_id=run_id, repo=str(repo.resolve()), actor="t")
        append(log, entry, key=AUDIT_KEY, now=NOW)
    log.write_text(log.read_text().splitlines(keepends=True)[0])
    tampered = log.read_bytes()
    diff = make_diff(repo, {"docs/usage.md": "# Usage\n\nRun it twice.\n"})
    d = _deliver(_record(repo, tmp_path / "runs/r6", diff, mode="auto"), log)
    assert d.outcome == "failed" and d.deploy is None and refs(remote) == before
    assert d.error is not None and "fails verification" in d.error
    assert d.audit_seq is None and d.audit_error is not None and "Refusing" in d.audit_error
    assert log.read_bytes() == tampered and not d.ok
    kept = AuditEntry.model_validate_json((tmp_path / "runs/r6/audit_entry.json").read_text())
    assert kept.run_id == "r6" and "outcome: failed" in kept.notes


def test_a_red_run_holding_a_secret_is_not_pushed_by_its_escalation(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    remote = bare_remote(repo, tmp_path / "remote.git")
    before = refs(remote)
    diff = make_diff(repo, {"docs/usage.md": f"# Usage\n\n{AWS_KEY_LINE}\n"})
    record = _record(repo, tmp_path / "runs/r9", diff, status="stopped", stop_reason="red")
    d = _deliver(record, tmp_path / "audit.jsonl", escalate=True)
    assert d.outcome == "escalated" and d.deploy is None and refs(remote) == before
    assert d.decision is not None and d.decision.blocked
    assert "the policy blocks this change" in (tmp_path / "runs/r9/ESCALATED.md").read_text()
