"""The end of a run: ``changes.patch``, worktree clean-up, ``report.md`` and ``record.json``.

Called by :meth:`pipeline.stages.SpecRun.finalize` in ``finally``, whatever happened before.
A worktree whose ``.git`` metadata was rewritten (``run.tampered``) gets no diff (that would be
a git call on it) and is deleted with its branch, so no booby-trapped ``.git`` is left for the
user's own git (or shell prompt) to follow.
"""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path
from typing import Protocol

from specpilot.pipeline.core.errors import PipelineError, WorktreeTampered
from specpilot.pipeline.model.protocol import Model
from specpilot.pipeline.run.acceptance import acceptance_gap, acceptance_tested
from specpilot.pipeline.run.budget import Budget
from specpilot.pipeline.run.diff_coverage import DiffCoverage
from specpilot.pipeline.run.fallbacks import fallbacks_in
from specpilot.pipeline.run.gates import GateDecision
from specpilot.pipeline.run.plan import Plan
from specpilot.pipeline.run.record import RunDir, RunMode, RunRecord, RunStatus, RunTrace
from specpilot.pipeline.run.report import render_report
from specpilot.pipeline.run.spec import Spec
from specpilot.pipeline.workspace.file_tools import Toolbox
from specpilot.pipeline.workspace.test_runner import TestReport
from specpilot.pipeline.workspace.worktree import Worktree, diff_against_base, remove_worktree


class EndingRun(Protocol):
    """What the end of a run reads of it (``SpecRun`` is one): a narrow view, so this module
    and the stages do not import each other."""

    spec: Spec
    repo: Path
    mode: RunMode
    model: Model | None
    run_id: str
    run_dir: RunDir
    trace: RunTrace
    budget: Budget
    started: datetime
    status: RunStatus
    stop_reason: str | None
    plan_: Plan | None
    worktree: Worktree | None
    scratch: Path | None
    toolbox: Toolbox | None
    reports: list[TestReport]
    repair_rounds: int
    commit_sha: str | None
    warnings: list[str]
    tampered: str | None
    decisions: list[GateDecision]
    diff_coverage: DiffCoverage | None

    @property
    def tests_dir(self) -> Path: ...

    def warn(self, message: str) -> None: ...

    def tamper(self, exc: WorktreeTampered) -> None: ...


def rewrite_record(record: RunRecord, *, report_tail: str = "") -> RunRecord:
    """Write ``record.json`` and ``report.md`` again for a record that changed after its run
    ended (an escalation, a gate at delivery); ``report_tail`` follows the report."""
    run_dir = Path(record.run_dir)
    (run_dir / "record.json").write_text(record.model_dump_json(indent=2) + "\n")
    tail = "\n" + report_tail if report_tail else ""
    (run_dir / "report.md").write_text(render_report(record) + tail, encoding="utf-8")
    return record


def write_record(run: EndingRun) -> RunRecord:
    """Write the diff, clean up, write the record — whatever happened before."""
    wt = run.worktree
    changed = list(run.toolbox.changed) if run.toolbox else []
    kept = _save_diff_and_clean_up(run, wt, changed) if wt else False
    for warning in run.budget.warnings:
        if warning not in run.warnings:
            run.warnings.append(warning)
    tested = acceptance_tested(run.spec, changed)
    gap = acceptance_gap(run.spec, changed)
    if gap and run.status in ("green", "suggested") and gap not in run.warnings:
        run.warnings.append(gap)
    events = run.trace.events()
    calls = [e for e in events if e.get("kind") == "model_call"]
    finished = datetime.now().astimezone()
    usage = run.budget.state()
    artifacts = dict(run.run_dir.artifacts)
    artifacts.update({"trace": "trace.jsonl", "report": "report.md", "record": "record.json"})
    if run.tests_dir.is_dir():
        artifacts["tests"] = "tests/"
    record = RunRecord(
        run_id=run.run_id,
        mode=run.mode,
        status=run.status,
        stop_reason=run.stop_reason,
        spec_title=run.spec.title,
        spec_source=run.spec.source,
        spec_source_kind=run.spec.source_kind,
        spec_source_ref=run.spec.source_ref,
        spec_content_hash=run.spec.content_hash,
        repo=str(run.repo),
        run_dir=str(run.run_dir.path),
        base_ref=wt.base_ref if wt else None,
        base_commit=wt.base_commit if wt else None,
        branch=wt.branch if wt and kept else None,
        worktree=str(wt.path) if wt and kept else None,
        commit=run.commit_sha,
        files_changed=tuple(changed),
        plan=run.plan_,
        test_reports=tuple(run.reports),
        repair_rounds=run.repair_rounds,
        model=run.model.name if run.model else None,
        server_model=str(calls[-1]["model"]) if calls and calls[-1].get("model") else None,
        fallbacks=fallbacks_in(events),
        acceptance_tested=tested,
        gate_decisions=tuple(run.decisions),
        diff_coverage=run.diff_coverage,
        model_calls=usage.model_calls,
        tool_steps=usage.tool_steps,
        input_tokens=usage.usage.input_tokens,
        output_tokens=usage.usage.output_tokens,
        cache_read_tokens=usage.usage.cache_read_tokens,
        cache_write_tokens=usage.usage.cache_write_tokens,
        cost_usd=usage.cost_usd if run.model else None,
        network_isolated=run.reports[-1].network_isolated if run.reports else None,
        filesystem_isolated=run.reports[-1].filesystem_isolated if run.reports else None,
        tampered=run.tampered,
        warnings=tuple(dict.fromkeys(run.warnings)),
        artifacts=artifacts,
        started_at=run.started,
        finished_at=finished,
        duration_s=round((finished - run.started).total_seconds(), 3),
    )
    run.run_dir.write_text("report.md", render_report(record))
    run.run_dir.write_model("record.json", record)
    run.trace.event("run_end", status=record.status, stop_reason=record.stop_reason)
    return record


def _save_diff_and_clean_up(run: EndingRun, wt: Worktree, changed: list[str]) -> bool:
    """Write changes.patch; remove the worktree unless it holds work. True when kept."""
    diff_text = ""
    if changed and run.tampered is None:
        try:
            diff_text = diff_against_base(wt, changed)
        except WorktreeTampered as exc:
            run.tamper(exc)
        except PipelineError as exc:
            run.warn(f"Could not compute the diff: {exc}")
        if diff_text and run.tampered is None:
            run.run_dir.write_text("changes.patch", diff_text)
    keep = run.mode != "suggest" and bool(diff_text) and run.tampered is None
    try:
        if run.tampered is not None:
            remove_worktree(wt, delete_branch=run.commit_sha is None)
            run.warn(
                f"The worktree {wt.path} was deleted (and its branch, if uncommitted): its .git "
                "metadata was rewritten by something the agent ran, and specpilot ran no git "
                "command in it after that."
            )
        elif not keep:
            remove_worktree(wt, delete_branch=run.mode != "suggest")
            if run.mode != "suggest":
                run.warnings.append("Nothing was changed: the worktree and branch were removed.")
    except (PipelineError, OSError) as exc:
        run.warn(f"Could not clean up the worktree {wt.path}: {exc}")
    if run.scratch is not None:
        shutil.rmtree(run.scratch, ignore_errors=True)
    return keep
