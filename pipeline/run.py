"""The orchestrator: one spec through retrieve → plan → code → test (→ repair) → commit.

``run_spec`` never touches the user's checkout. In ``pr``/``auto`` mode a green run ends with
a commit on ``<branch_prefix><slug>`` in its own worktree (tiering and deploy come after, in
other modules). In ``suggest`` mode nothing is written to the repository: without a model the
run only plans; with a model it works in a detached worktree that is removed at the end and
leaves ``changes.patch`` and ``report.md`` in the run directory. The run directory and its
``record.json`` are written in ``finally``, also when the run crashes.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from pipeline.agent_loop import code_loop
from pipeline.budget import Budget, MeteredModel
from pipeline.config import PipelineConfig
from pipeline.context import (
    CodeIndex,
    IndexFactory,
    RetrievedContext,
    gather_context,
    render_context,
)
from pipeline.errors import BudgetExceeded, ModelError, PipelineError
from pipeline.file_tools import Toolbox
from pipeline.model import Message, Model
from pipeline.paths import WriteCheck, WriteGuard
from pipeline.plan import Plan, make_plan, plan_from_retrieval
from pipeline.report import render_report
from pipeline.run_record import RunDir, RunMode, RunRecord, RunStatus, RunTrace, new_run_id
from pipeline.spec import Spec
from pipeline.test_runner import (
    TestCommand,
    TestReport,
    failure_line,
    format_for_model,
    resolve_test_command,
    run_tests,
)
from pipeline.worktree import (
    Worktree,
    commit_paths,
    create_worktree,
    default_worktrees_root,
    diff_against_base,
    git,
    remove_worktree,
    repo_root,
    unique_branch,
)

log = logging.getLogger(__name__)

NEEDS_MODEL = (
    "Writing code needs a model: set ANTHROPIC_API_KEY to let specpilot implement and test "
    "this change. This run only planned from retrieval."
)
MODES: tuple[RunMode, ...] = ("suggest", "pr", "auto")


def run_spec(
    spec: Spec,
    *,
    repo: Path,
    mode: RunMode,
    config: PipelineConfig,
    model: Model | None,
    index: CodeIndex | None,
    context: RetrievedContext | None = None,
    worktree_index: IndexFactory | None = None,
    blocked_paths: Sequence[str] = (),
    write_check: WriteCheck | None = None,
) -> RunRecord:
    """Run one spec and return its RunRecord (also written to ``<run dir>/record.json``).

    ``index`` grounds retrieval unless a ready ``context`` is given; ``worktree_index``
    builds an index over the worktree for the agent's searches (so they see its edits);
    ``blocked_paths`` (e.g. ``policy.blocked_write_globs(policy)``) adds globs to the spec's
    blocked paths and ``write_check`` (e.g. ``partial(policy.write_refusal, policy)``) can
    veto any write with a reason the model sees. Budget, model, sandbox and git
    errors stop the run cleanly (status ``stopped``); anything unexpected is re-raised after
    the record is written (status ``error``).
    """
    if mode not in MODES:
        raise PipelineError(f"Unknown mode {mode!r}; available: {', '.join(MODES)}.")
    started = datetime.now().astimezone()
    run_id = new_run_id(spec.slug, started)
    run_dir = RunDir(config.runs_dir, run_id)
    run = _Run(
        spec=spec,
        repo=repo,
        mode=mode,
        config=config,
        model=model,
        index=index,
        worktree_index=worktree_index,
        blocked_paths=tuple(blocked_paths),
        write_check=write_check,
        run_id=run_id,
        run_dir=run_dir,
        trace=RunTrace(run_dir.path / "trace.jsonl"),
        budget=Budget(config),
    )
    try:
        run.execute(context)
    except BudgetExceeded as exc:
        run.stop(f"budget: {exc}")
    except ModelError as exc:
        run.stop(f"model: {exc}")
    except PipelineError as exc:
        run.stop(f"{type(exc).__name__}: {exc}")
    except BaseException as exc:
        run.status = "error"
        run.stop_reason = f"{type(exc).__name__}: {exc}"
        log.exception("run %s crashed", run_id)
        raise
    finally:
        record = run.finalize(started)
    return record


@dataclass(slots=True)
class _Run:
    """One run's inputs and what it has so far; ``finalize`` turns it into the RunRecord."""

    spec: Spec
    repo: Path
    mode: RunMode
    config: PipelineConfig
    model: Model | None
    index: CodeIndex | None
    worktree_index: IndexFactory | None
    blocked_paths: tuple[str, ...]
    write_check: WriteCheck | None
    run_id: str
    run_dir: RunDir
    trace: RunTrace
    budget: Budget
    status: RunStatus = "error"
    stop_reason: str | None = None
    plan: Plan | None = None
    worktree: Worktree | None = None
    scratch: Path | None = None  # suggest mode: temp dir holding the detached worktree
    toolbox: Toolbox | None = None
    reports: list[TestReport] = field(default_factory=list)
    repair_rounds: int = 0
    commit: str | None = None
    summary: str = ""
    warnings: list[str] = field(default_factory=list)

    def stop(self, reason: str) -> None:
        self.status = "stopped"
        self.stop_reason = reason
        log.warning("run %s stopped: %s", self.run_id, reason)

    def warn(self, message: str) -> None:
        log.warning("%s", message)
        self.warnings.append(message)

    # --- stages -----------------------------------------------------------------------------
    def execute(self, context: RetrievedContext | None) -> None:
        spec, config = self.spec, self.config
        self.run_dir.write_text("spec.md", spec.to_markdown())
        self.run_dir.write_json(
            "config.json",
            {
                "mode": self.mode,
                "repo": str(self.repo),
                "model": self.model.name if self.model else None,
                "blocked_paths": list(self.blocked_paths),
                "pipeline": config.to_dict(),
            },
        )
        self.trace.event("run_start", run_id=self.run_id, mode=self.mode, spec=spec.title)
        top = repo_root(self.repo)
        context = self.retrieve(context)
        metered = MeteredModel(self.model, self.budget, self.trace) if self.model else None
        if metered is not None:
            metered.stage = "plan"
            self.plan = make_plan(spec, context, model=metered, config=config)
        else:
            self.plan = plan_from_retrieval(spec, context, config=config)
        self.run_dir.write_model("plan.json", self.plan)
        self.trace.event("plan", source=self.plan.source)
        if metered is None:
            if self.mode == "suggest":
                self.status, self.stop_reason = "suggested", NEEDS_MODEL
            else:
                self.stop(f"no model: {NEEDS_MODEL} (Or run with --mode suggest.)")
            return
        wt = self.make_worktree(top)
        command = resolve_test_command(wt.path, spec, config)
        if command is None:
            self.warn("No test command was found; set test_command in the spec or the config.")
        self.toolbox = self.make_toolbox(wt, command)
        metered.stage = "code"
        if self.code_test_repair(context, metered, self.toolbox, command):
            self.finish_green(wt, self.toolbox.changed)

    def retrieve(self, context: RetrievedContext | None) -> RetrievedContext:
        if context is None and self.index is not None:
            cfg = self.config
            context = gather_context(
                self.spec, self.index, top_k=cfg.context_top_k, max_chars=cfg.context_max_chars
            )
        elif context is None:
            self.warn("No code index was given: the plan has no retrieval grounding.")
            context = RetrievedContext(notes=("No code index was available.",))
        self.run_dir.write_text("context.md", render_context(context))
        self.trace.event("retrieve", files=[f.path for f in context.files[:20]])
        self.warnings.extend(context.notes)
        return context

    def make_worktree(self, top: Path) -> Worktree:
        if self.mode == "suggest":
            self.scratch = Path(tempfile.mkdtemp(prefix="specpilot-suggest-"))
            path, branch = self.scratch / "wt", None
        else:
            if git(["status", "--porcelain", "--untracked-files=no"], cwd=top).strip():
                self.warn(
                    "The checkout has uncommitted changes; the worktree starts from the base "
                    "commit and does not include them."
                )
            root = self.config.worktrees_dir or default_worktrees_root(top)
            path = root / self.run_id
            branch = unique_branch(top, self.config.branch_prefix + self.spec.slug)
        self.worktree = create_worktree(top, path=path, base=self.spec.base, branch=branch)
        wt = self.worktree
        self.trace.event("worktree", path=str(wt.path), branch=wt.branch, base=wt.base_commit)
        return wt

    def make_toolbox(self, wt: Worktree, command: TestCommand | None) -> Toolbox:
        if self.worktree_index is None and self.index is not None:
            self.warn(
                "No worktree index was given: the agent searches the repository's index, "
                "which does not see its own edits."
            )
        index = self.worktree_index(wt.path) if self.worktree_index else self.index
        block = (*self.spec.paths.block, *self.config.blocked_paths, *self.blocked_paths)
        return Toolbox(
            wt.path,
            config=self.config,
            guard=WriteGuard(self.spec.paths.allow, block),
            index=index,
            refresh_index=self.worktree_index is not None,
            run_tests=self._agent_test_tool(wt, command) if command else None,
            write_check=self.write_check,
        )

    def _agent_test_tool(self, wt: Worktree, command: TestCommand) -> Callable[[], str]:
        def run() -> str:
            report = run_tests(wt.path, command, config=self.config, artifacts_dir=self.tests_dir)
            self.trace.test_run("agent", report)
            return format_for_model(report)

        return run

    @property
    def tests_dir(self) -> Path:
        return self.run_dir.path / "tests"

    def code_test_repair(
        self,
        context: RetrievedContext,
        model: Model,
        toolbox: Toolbox,
        command: TestCommand | None,
    ) -> bool:
        """The code loop and its repair rounds; True when the tests pass."""
        if self.plan is None:
            raise PipelineError("The code stage needs a plan; make_plan did not produce one.")
        messages: tuple[Message, ...] = ()
        feedback: str | None = None
        rounds = self.config.max_repair_rounds
        for round_no in range(rounds + 1):
            result = code_loop(
                self.spec, self.plan, context, model=model, toolbox=toolbox,
                config=self.config, budget=self.budget, trace=self.trace,
                messages=messages, feedback=feedback,
            )  # fmt: skip
            messages, self.summary = result.messages, result.summary
            if not result.finished:
                self.stop(f"the code loop ended without finishing: {result.stop_reason}")
                return False
            if not toolbox.changed:
                self.stop("the model called finish without changing any file")
                return False
            if command is None:
                self.stop("no test command: the change cannot be tested (set test_command)")
                return False
            self.budget.check_time()  # tests cost no tokens: they run even at the token limit
            report = run_tests(
                toolbox.root, command, config=self.config, artifacts_dir=self.tests_dir
            )
            self.reports.append(report)
            self.trace.test_run("verify", report, round=round_no)
            if self.config.sandbox and not report.network_isolated:
                self.warn(f"The tests were not isolated from the network: {report.sandbox_note}.")
            if report.passed:
                return True
            if round_no == rounds:
                self.stop(
                    f"the tests still fail after {rounds} repair round(s): {failure_line(report)}"
                )
                return False
            self.repair_rounds += 1
            feedback = (
                "The tests fail after your change. Fix the code (or the tests, if they are "
                "wrong), run the tests, then call finish.\n\n" + format_for_model(report)
            )
        return False

    def finish_green(self, wt: Worktree, changed: Sequence[str]) -> None:
        if not diff_against_base(wt, changed).strip():
            self.stop("the model's edits leave the files as they were; nothing to commit")
        elif self.mode == "suggest":
            self.status, self.stop_reason = "suggested", None
        else:
            message = (
                f"specpilot: {self.spec.title}\n\n{self.summary}\n\n"
                f"Spec: {self.spec.source or '-'}\nRun: {self.run_id}\n"
            )
            self.commit = commit_paths(
                wt,
                changed,
                message,
                author_name=self.config.commit_author_name,
                author_email=self.config.commit_author_email,
            )
            self.status = "green"
            self.trace.event("commit", sha=self.commit, branch=wt.branch, files=list(changed))

    # --- the record ---------------------------------------------------------------------------
    def finalize(self, started: datetime) -> RunRecord:
        """Write the diff, clean up, write the record — whatever happened before."""
        wt = self.worktree
        changed = list(self.toolbox.changed) if self.toolbox else []
        kept = self._save_diff_and_clean_up(wt, changed) if wt else False
        for warning in self.budget.warnings:
            if warning not in self.warnings:
                self.warnings.append(warning)
        finished = datetime.now().astimezone()
        usage = self.budget.state()
        artifacts = dict(self.run_dir.artifacts)
        artifacts.update({"trace": "trace.jsonl", "report": "report.md", "record": "record.json"})
        if self.tests_dir.is_dir():
            artifacts["tests"] = "tests/"
        record = RunRecord(
            run_id=self.run_id,
            mode=self.mode,
            status=self.status,
            stop_reason=self.stop_reason,
            spec_title=self.spec.title,
            spec_source=self.spec.source,
            repo=str(self.repo),
            run_dir=str(self.run_dir.path),
            base_ref=wt.base_ref if wt else None,
            base_commit=wt.base_commit if wt else None,
            branch=wt.branch if wt and kept else None,
            worktree=str(wt.path) if wt and kept else None,
            commit=self.commit,
            files_changed=tuple(changed),
            plan=self.plan,
            test_reports=tuple(self.reports),
            repair_rounds=self.repair_rounds,
            model=self.model.name if self.model else None,
            model_calls=usage.model_calls,
            tool_steps=usage.tool_steps,
            input_tokens=usage.usage.input_tokens,
            output_tokens=usage.usage.output_tokens,
            cache_read_tokens=usage.usage.cache_read_tokens,
            cache_write_tokens=usage.usage.cache_write_tokens,
            cost_usd=usage.cost_usd if self.model else None,
            network_isolated=self.reports[-1].network_isolated if self.reports else None,
            warnings=tuple(dict.fromkeys(self.warnings)),
            artifacts=artifacts,
            started_at=started,
            finished_at=finished,
            duration_s=round((finished - started).total_seconds(), 3),
        )
        self.run_dir.write_text("report.md", render_report(record))
        self.run_dir.write_model("record.json", record)
        self.trace.event("run_end", status=record.status, stop_reason=record.stop_reason)
        return record

    def _save_diff_and_clean_up(self, wt: Worktree, changed: list[str]) -> bool:
        """Write changes.patch; remove the worktree unless it holds work. True when kept."""
        diff_text = ""
        if changed:
            try:
                diff_text = diff_against_base(wt, changed)
            except PipelineError as exc:
                self.warn(f"Could not compute the diff: {exc}")
            if diff_text:
                self.run_dir.write_text("changes.patch", diff_text)
        keep = self.mode != "suggest" and bool(diff_text)
        try:
            if not keep:
                remove_worktree(wt, delete_branch=self.mode != "suggest")
                if self.mode != "suggest":
                    self.warnings.append(
                        "Nothing was changed: the worktree and branch were removed."
                    )
        except (PipelineError, OSError) as exc:
            self.warn(f"Could not clean up the worktree {wt.path}: {exc}")
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)
        return keep
