"""One run of a spec, stage by stage: ``SpecRun``.

Its methods are the stages (``retrieve``, ``plan``, ``code``, ``test``, ``commit``); the loop over
them is written once, ``drive`` in ``pipeline/run/drive.py``, which ``run_spec`` calls directly
and the ``spec-to-pr`` flow wraps stage by stage in Prefect tasks. ``finalize`` writes the
run directory whatever happened before.

What a run holds and how it stops (``guard``, ``stop``, ``tamper``) is ``RunState`` in
``state.py``; a stopped run ignores later stages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from specpilot.pipeline.core.errors import (
    SandboxError,
)
from specpilot.pipeline.deliver.secret_gate import commit_block
from specpilot.pipeline.run.acceptance import acceptance_gap
from specpilot.pipeline.run.agent_loop import code_loop
from specpilot.pipeline.run.budget import Budget, MeteredModel
from specpilot.pipeline.run.context import (
    RetrievedContext,
    gather_context,
    render_context,
)
from specpilot.pipeline.run.context_window import WindowedModel
from specpilot.pipeline.run.conventions_gate import conventions_gate
from specpilot.pipeline.run.diff_coverage import measure_worktree
from specpilot.pipeline.run.end import write_record
from specpilot.pipeline.run.gates import AwaitingApproval, GateDecision
from specpilot.pipeline.run.inputs import RunInputs
from specpilot.pipeline.run.plan import Plan, make_plan, plan_from_retrieval
from specpilot.pipeline.run.record import (
    RunDir,
    RunRecord,
    RunTrace,
    new_run_id,
)
from specpilot.pipeline.run.state import RunState
from specpilot.pipeline.specsrc.tick import tick_spec_tasks
from specpilot.pipeline.workspace.file_tools import Toolbox
from specpilot.pipeline.workspace.prepare import WorkspaceRequest, open_workspace
from specpilot.pipeline.workspace.test_runner import (
    TestReport,
    failure_line,
    format_for_model,
    isolation_warning,
    run_tests,
)
from specpilot.pipeline.workspace.worktree import (
    check_worktree,
    commit_paths,
    diff_against_base,
    repo_root,
)

NEEDS_MODEL = (
    "Writing code needs a model: set ANTHROPIC_API_KEY to let specpilot implement and test "
    "this change. This run only planned from retrieval."
)


@dataclass(slots=True)
class SpecRun(RunState):
    """One run of a spec: its stages over the ``RunState``; ``finalize`` turns it into the
    RunRecord."""

    @classmethod
    def start(cls, inputs: RunInputs, *, started: datetime | None = None) -> SpecRun:
        """Create the run and its directory (raises PipelineError before anything exists).

        ``started``: when the request began (before the index refresh and retrieval the caller
        did), so the report's duration is the run's real one; default now."""
        started = started or datetime.now().astimezone()
        run_id = new_run_id(inputs.spec.slug, started)
        run_dir = RunDir(inputs.config.runs_dir, run_id)
        return cls(
            inputs=inputs, run_id=run_id, run_dir=run_dir,
            trace=RunTrace(run_dir.path / "trace.jsonl"), budget=Budget(inputs.config),
            started=started,
        )  # fmt: skip

    # --- stages -------------------------------------------------------------------------------
    def retrieve(self, context: RetrievedContext | None = None) -> RetrievedContext:
        """Record the run's inputs and the retrieval context (gathered here when not given)."""
        spec, cfg = self.spec, self.config
        self.run_dir.write_text("spec.md", spec.to_markdown())
        self.run_dir.write_json(
            "config.json",
            {
                "mode": self.mode,
                "repo": str(self.repo),
                "model": self.model.name if self.model else None,
                "blocked_paths": list(self.blocked_paths),
                "pipeline": cfg.to_dict(),
            },
        )
        self.trace.event("run_start", run_id=self.run_id, mode=self.mode, spec=spec.title)
        repo_root(self.repo)
        if context is None and self.index is not None:
            context = gather_context(
                spec, self.index, top_k=cfg.context_top_k, max_chars=cfg.context_max_chars
            )
        elif context is None:
            self.warn("No code index was given: the plan has no retrieval grounding.")
            context = RetrievedContext(notes=("No code index was available.",))
        self.run_dir.write_text("context.md", render_context(context))
        self.trace.event("retrieve", files=[f.path for f in context.files[:20]])
        self.warnings.extend(context.notes)
        self.context = context
        return context

    def plan(self, context: RetrievedContext | None = None) -> Plan | None:
        """The model's plan, or a retrieval-only one (which ends a run without a model)."""
        if self.done:
            return self.plan_
        context = context or self.context or self.retrieve()
        self.metered = None
        if self.model is not None:  # every request packed to the model's context window
            windowed = WindowedModel(self.model, self.config, self.trace)
            self.metered = MeteredModel(windowed, self.budget, self.trace)
            self.metered.stage = "plan"
            self.plan_ = make_plan(
                self.spec, context, model=self.metered, config=self.config, trace=self.trace
            )
        else:
            self.plan_ = plan_from_retrieval(self.spec, context, config=self.config)
        self.run_dir.write_model("plan.json", self.plan_)
        self.trace.event("plan", source=self.plan_.source)
        if self.metered is None:
            if self.mode == "suggest":
                self.status, self.stop_reason, self.done = "suggested", NEEDS_MODEL, True
            else:
                self.stop(f"no model: {NEEDS_MODEL} (Or run with --mode suggest.)")
        return self.plan_

    def plan_gate(self) -> GateDecision | None:
        """The plan gate, when the run requires it: a person approves the plan before any
        code is written. Rejected: status ``rejected``; nobody to ask: ``awaiting_approval``."""
        if not self.wants_plan_gate or self.gates is None or self.plan_ is None:
            return None
        try:
            decision = self.gates.ask_plan(self.mode, self.plan_, run_id=self.run_id)
        except AwaitingApproval as exc:
            self.status, self.stop_reason, self.done = "awaiting_approval", str(exc), True
            self.trace.event("gate_waiting", gate="plan", how=exc.how_to_continue)
            return None
        if decision is not None:
            self.decisions.append(decision)
            self.trace.event("gate", **decision.model_dump(mode="json"))
            if not decision.approved:
                self.status, self.stop_reason, self.done = "rejected", decision.line(), True
        return decision

    def code(self) -> bool:
        """One round of the tool loop (the first one makes the worktree). True when the model
        finished with changes that can be tested."""
        if self.done or self.metered is None or self.context is None or self.plan_ is None:
            return False
        # the first round makes the worktree, finds its test command, builds the file tools
        toolbox = self.toolbox or self._open_workspace()
        self.metered.stage = "code"
        result = code_loop(
            self.spec, self.plan_, self.context, model=self.metered, toolbox=toolbox,
            config=self.config, budget=self.budget, trace=self.trace,
            messages=self.messages, feedback=self.feedback,
        )  # fmt: skip
        self.messages, self.summary, self.feedback = result.messages, result.summary, None
        if not result.finished:
            self.stop(f"the code loop ended without finishing: {result.stop_reason}")
        elif not toolbox.changed:
            self.stop("the model called finish without changing any file")
        elif self.command is None:
            self.stop("no test command: the change cannot be tested (set test_command)")
        else:
            self.coded = True
        return self.coded

    def test(self) -> TestReport | None:
        """The verification run of the tests; red with rounds left → feedback for a repair."""
        if not self.wants_test or self.toolbox is None or self.command is None:
            return None
        self.coded = False
        self.budget.check_time()  # tests cost no tokens: they run even at the token limit
        try:  # suggest mode runs no tests without a file-system sandbox (see test_isolation)
            report = run_tests(
                self.toolbox.root, self.command, config=self.config,
                artifacts_dir=self.tests_dir, require_filesystem=self.mode == "suggest",
            )  # fmt: skip
        except SandboxError as exc:
            if self.mode != "suggest":
                raise
            self.warn(str(exc))
            self.status, self.stop_reason, self.done = "suggested", f"untested: {exc}", True
            return None
        self.reports.append(report)
        self.trace.test_run("verify", report, round=self.round_no)
        if self.worktree is not None:
            check_worktree(self.worktree)  # tests that rewrote .git end the run here
        if (warning := isolation_warning(self.config, report)) is not None:
            self.warn(warning)
        rounds = self.config.max_repair_rounds
        if report.passed:
            self._check_conventions(rounds)
            if self.feedback is None and self.worktree is not None:  # green: its own lines
                self.diff_coverage = measure_worktree(
                    self.worktree, self.toolbox.changed, self.command, config=self.config,
                    require_filesystem=self.mode == "suggest",
                )  # fmt: skip
                self.trace.event("diff_coverage", **self.diff_coverage.model_dump(mode="json"))
        elif self.round_no >= rounds:
            self.stop(
                f"the tests still fail after {rounds} repair round(s): {failure_line(report)}"
            )
        else:
            self.round_no += 1
            self.repair_rounds += 1
            self.feedback = (
                "The tests fail after your change. Fix the code (or the tests, if they are "
                "wrong), run the tests, then call finish.\n\n" + format_for_model(report)
            )
        return report

    def _check_conventions(self, rounds: int) -> None:
        """Green tests: the conventions gate (see ``pipeline.conventions_gate``)."""
        if self.conventions is None or self.worktree is None or self.toolbox is None:
            return
        wt, diff = self.worktree, diff_against_base(self.worktree, self.toolbox.changed)
        gate = conventions_gate(self.conventions, diff, wt.path, repair_left=self.round_no < rounds)
        self.violations = list(gate.violations)
        self.trace.event("conventions", violations=[v.to_dict() for v in gate.violations])
        if gate.warning:
            self.warn(gate.warning)
        if gate.feedback:  # a repair round, like failing tests
            self.round_no, self.repair_rounds = self.round_no + 1, self.repair_rounds + 1
            self.feedback = gate.feedback

    def commit(self) -> str | None:
        """Green tests → commit exactly the files the agent wrote (suggest mode: no commit)."""
        if self.done or not self.passed or self.worktree is None or self.toolbox is None:
            return None
        wt, changed = self.worktree, self.toolbox.changed
        self.done = True
        gap = acceptance_gap(self.spec, changed)
        diff = diff_against_base(wt, changed)
        if not diff.strip():
            self.stop("the model's edits leave the files as they were; nothing to commit")
        elif gap and self.config.require_acceptance_tests:
            self.stop(f"{gap} (pipeline.require_acceptance_tests is set)")
        elif self.mode == "suggest":
            self.status, self.stop_reason = "suggested", None
        elif (blocked := commit_block(self.repo, wt.base_commit, diff)) is not None:
            self.stop(blocked)
        else:
            self._tick_tasks(wt.path)  # the spec's tasks are done: ticked in this commit
            message = (
                f"specpilot: {self.spec.title}\n\n{self.summary}\n\n"
                f"Spec: {self.spec.source or '-'}\nRun: {self.run_id}\n"
            )
            self.commit_sha = commit_paths(
                wt,
                changed,
                message,
                author_name=self.config.commit_author_name,
                author_email=self.config.commit_author_email,
            )
            self.status = "green"
            self.trace.event("commit", sha=self.commit_sha, branch=wt.branch, files=list(changed))
        return self.commit_sha

    def _tick_tasks(self, worktree: Path) -> None:
        """The spec's tasks are done: ticked in this commit (``specsrc.tick``)."""
        done = (
            tick_spec_tasks(self.spec, self.repo, worktree, self.toolbox) if self.toolbox else None
        )
        if done is not None and done.refused is not None:
            self.warn(f"the spec's tasks were not ticked in {done.path}: {done.refused}")
        elif done is not None:
            self.trace.event("tasks_ticked", path=done.path, tasks=list(done.tasks))

    def _open_workspace(self) -> Toolbox:
        """The first code round makes the workspace; the run keeps what it returns."""
        request = WorkspaceRequest(
            repo=self.repo, mode=self.mode, run_id=self.run_id, config=self.config,
            base=self.spec.base, slug=self.spec.slug, test_command=self.spec.test_command,
            allow=tuple(self.spec.paths.allow),
            block=(*self.spec.paths.block, *self.config.blocked_paths, *self.blocked_paths),
            index=self.index, worktree_index=self.worktree_index,
            write_check=self.write_check, tests_dir=self.tests_dir,
        )  # fmt: skip
        ws = open_workspace(request, self.trace)
        self.worktree, self.command, self.scratch = ws.worktree, ws.command, ws.scratch
        self.toolbox = ws.toolbox
        for message in ws.warnings:
            self.warn(message)
        return ws.toolbox

    # --- the record ---------------------------------------------------------------------------
    def finalize(self) -> RunRecord:
        """Write the diff, clean up, write the record — whatever happened before."""
        return write_record(self)
