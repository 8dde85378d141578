"""The orchestrator: one spec through retrieve → plan → code → test (→ repair) → commit.

``run_spec`` never touches the user's checkout. In ``pr``/``auto`` mode a green run ends with
a commit on ``<branch_prefix><slug>`` in its own worktree (tiering and deploy come after, in
``pipeline.deliver``). In ``suggest`` mode nothing is written to the repository: without a
model the run only plans; with a model it works in a detached worktree that is removed at the
end and leaves ``changes.patch`` and ``report.md`` in the run directory. The run directory
and its ``record.json`` are written in ``finally``, also when the run crashes.

The stages themselves are the methods of ``SpecRun`` (``pipeline/run/stages.py``); ``drive``
is the one loop over them, which the ``spec-to-pr`` flow wraps stage by stage in Prefect
tasks (its ``step``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from specpilot.conventions import ConventionProfile
from specpilot.pipeline.core.config import MODES, PipelineConfig
from specpilot.pipeline.model.protocol import Model
from specpilot.pipeline.run.context import CodeIndex, IndexFactory, RetrievedContext
from specpilot.pipeline.run.inputs import RunInputs
from specpilot.pipeline.run.record import RunMode, RunRecord
from specpilot.pipeline.run.spec import Spec
from specpilot.pipeline.run.stages import NEEDS_MODEL, SpecRun
from specpilot.pipeline.workspace.paths import WriteCheck

__all__ = ["MODES", "NEEDS_MODEL", "ContextSource", "SpecRun", "Step", "drive", "run_spec"]


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
    conventions: ConventionProfile | None = None,
) -> RunRecord:
    """Run one spec and return its RunRecord (also written to ``<run dir>/record.json``).

    ``index`` grounds retrieval unless a ready ``context`` is given; ``worktree_index``
    builds an index over the worktree for the agent's searches (so they see its edits);
    ``blocked_paths`` (e.g. ``policy.blocked_write_globs(policy)``) adds globs to the spec's
    blocked paths and ``write_check`` (e.g. ``partial(policy.write_refusal, policy)``) can
    veto any write with a reason the model sees; ``conventions`` (the repo's measured
    profile) is checked on every green diff and what it breaks goes back to the code loop
    like a failing test. Budget, model, sandbox and git
    errors stop the run cleanly (status ``stopped``); anything unexpected is re-raised after
    the record is written (status ``error``).
    """
    inputs = RunInputs(
        spec, repo, mode, config, model, index, worktree_index, tuple(blocked_paths),
        write_check, conventions,
    )  # fmt: skip
    run = SpecRun.start(inputs)
    try:
        drive(run, context)
    finally:
        record = run.finalize()
    return record


# ``step(name, stage)`` runs one stage and returns what it returns: the default calls it; the
# spec-to-pr flow passes one that runs it as a Prefect task (``flows/flow_spec.py``).
Step = Callable[[str, Callable[[], Any]], Any]
ContextSource = RetrievedContext | Callable[[], RetrievedContext] | None


def _direct(name: str, stage: Callable[[], Any]) -> Any:
    return stage()


def drive(run: SpecRun, context: ContextSource = None, *, step: Step | None = None) -> None:
    """The stage loop, written once: retrieve → plan (→ plan gate) → code ⇄ test (repair) →
    commit, under ``run.guard()``; the caller finalizes the run. ``context``: a ready
    context, a function that makes one (called inside the retrieve stage), or None (the run's
    index)."""

    def at(name: str, stage: Callable[[], Any]) -> Any:
        run.stage = name  # what a Ctrl-C interrupted (run.guard)
        return (step or _direct)(name, stage)

    with run.guard():
        ctx = at("retrieve", lambda: run.retrieve(context() if callable(context) else context))
        at("plan", lambda: run.plan(ctx))
        if run.wants_plan_gate:  # not a task: a flow's gate hook pauses the flow run itself
            run.stage = "plan gate"
            run.plan_gate()
        if run.wants_code:
            at("code", run.code)
        while run.wants_test:
            at("test", run.test)
            if run.wants_repair:
                at("code", run.code)
        at("commit", run.commit)
