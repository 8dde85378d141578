"""The ``spec-to-pr`` flow: one spec through ``drive``, the pipeline's one stage loop, with each
stage a task (``_task_step``), then ``pipeline.deliver``'s tier and ship, and the audit record.

    retrieve (retries: read-only) → plan → [plan gate] → code ⇄ test (the repair loop) →
    commit → tier (retries: read-only) → [merge gate] → deploy → audit

Retries are set only where a stage reads and nothing else: ``retrieve`` and ``tier``. The
model stages are not retried by Prefect (the SDK already retries its HTTP calls and a retry
would pay twice), nor are ``code`` (it edits a worktree), ``test`` or ``deploy`` (pushes).
A gate the run requires (``flows/flow_gates.py``) pauses the flow run itself, not a task,
until a person answers its input form. Artifacts: the plan (markdown), what a gate asks
(markdown), the diff (markdown), the test report (table), the tier decision (markdown) and a
link to the run record. The flow run's final state says how it ended — ``Merged``, ``PR
opened``, ``Suggested``, ``Blocked``, ``Rejected`` (Completed) or ``Stopped by budget``,
``Stopped``, ``Gate timed out``, ``Failed`` (Failed) — and its message names the run record
(a gate past its timeout is failed by the server, whose message names the state).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar, cast

from prefect import flow, get_run_logger, task
from prefect.artifacts import (
    create_link_artifact,
    create_markdown_artifact,
    create_table_artifact,
)
from prefect.cache_policies import NO_CACHE
from prefect.states import Completed, Failed, State
from prefect.utilities.annotations import quote

from specpilot.flows.errors import ConfigError
from specpilot.flows.flow_escalate import escalate_task
from specpilot.flows.flow_gates import RUN_TAG_PREFIX, prefect_gate_hook
from specpilot.flows.flow_index import index_repo_flow
from specpilot.flows.issue_report import report_to_issue, with_issue_origin
from specpilot.flows.pipeline_settings import audit_log_path
from specpilot.flows.settings import load_settings
from specpilot.flows.spec_run import (
    Composition,
    SpecRequest,
    compose,
    default_actor,
    drive_to_record,
)
from specpilot.indexer import IndexerError, IndexStore, default_db_path
from specpilot.pipeline import (
    MODES,
    Delivery,
    DeployResult,
    GateKeeper,
    PipelineError,
    Plan,
    RunRecord,
    SpecRun,
    Step,
    TierDecision,
    check_gate_names,
    has_change,
    parse_spec,
    pass_merge_gate,
    render_plan,
    ship,
    should_escalate,
    tier,
)

T = TypeVar("T")
MAX_DIFF_CHARS = 60_000
_STATE_NAMES = {
    "merged": "Merged",
    "pr": "PR opened",
    "suggested": "Suggested",
    "blocked": "Blocked",
    "rejected": "Rejected",
}


# Prefect retries only the stages that read and nothing else (see the module docstring).
_RETRIES = {"retrieve": 2}


def _task_step(run: SpecRun) -> Step:
    """``drive``'s step for the flow: each stage a Prefect task of its name, run under the
    run's guard (a stopped stage completes its task; the run says why), plus its artifact."""

    def step(name: str, stage: Callable[[], Any]) -> Any:
        def guarded() -> Any:
            with run.guard():
                return stage()
            return None

        retries = _RETRIES.get(name, 0)
        result = task(
            name=name, retries=retries, retry_delay_seconds=2 if retries else 0,
            cache_policy=NO_CACHE,
        )(guarded)()  # fmt: skip
        if name == "plan" and isinstance(result, Plan):
            create_markdown_artifact(render_plan(result), key="plan", description=run.spec.title)
        elif name == "test" and result is not None:
            create_table_artifact(_test_rows(run), key="test-report")
        return result

    return step


@task(name="tier", retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def tier_task(
    record: RunRecord, comp: Composition, req: SpecRequest
) -> tuple[TierDecision | None, str | None]:
    try:
        decision = tier(
            record,
            req.spec,
            audit_log=audit_log_path(comp.deliver),
            audit_key=comp.audit_key,
            remote=comp.deliver.remote,
            github=comp.github(req, os.environ),
            deps=comp.config.deps,
        )
    except PipelineError as exc:
        return None, f"{type(exc).__name__}: {exc}"
    create_markdown_artifact(decision.rationale(), key="tier-decision", description=record.run_id)
    return decision, None


@task(name="deploy", cache_policy=NO_CACHE)
def deploy_task(
    record: RunRecord, decision: TierDecision, comp: Composition, req: SpecRequest
) -> tuple[DeployResult | None, str | None]:
    try:
        github = comp.github(req, os.environ)
        result = ship(
            record,
            req.spec,
            decision,
            config=comp.config,
            remote=comp.deliver.remote,
            github=github,
        )
    except PipelineError as exc:
        return None, f"{type(exc).__name__}: {exc}"
    return result, None


def _q(value: T) -> T:
    """Pass ``value`` to a task as is: Prefect does not walk into it (``quote``)."""
    return cast(T, quote(value))


def request_from(
    spec_text: str,
    spec_name: str,
    repo: str,
    mode: str,
    overrides: list[str] | None,
    db: str | None,
    actor: str | None,
    gates: list[str] | None = None,
) -> SpecRequest:
    """Validate the flow's parameters (ValueError / SpecError / ConfigError name the problem)."""
    if not spec_text.strip():
        raise ValueError("Parameter 'spec_text' is empty: pass the spec's Markdown content.")
    root = Path(repo).expanduser() if repo else None
    if root is None or not root.is_dir():
        raise ValueError(f"Parameter 'repo' must be an existing directory, got {repo!r}.")
    if mode not in MODES:
        raise ValueError(f"Parameter 'mode' is {mode!r}; use one of: {', '.join(MODES)}.")
    spec = with_issue_origin(parse_spec(spec_text, source=spec_name or "spec.md"), spec_text)
    settings = load_settings(root, overrides)
    return SpecRequest(
        spec=spec,
        spec_text=spec_text,
        repo=root.resolve(),
        mode=mode,  # narrowed by the check against MODES above
        settings=settings,
        db=db or settings.db or default_db_path(root.resolve()),
        actor=actor or default_actor(os.environ),
        trigger="flow",
        gates=check_gate_names(list(gates or []), "Parameter 'gates':"),
    )


@flow(name="spec-to-pr", log_prints=False)
def spec_to_pr(
    spec_text: str = "",
    spec_name: str = "spec.md",
    repo: str = "",
    mode: str = "suggest",
    overrides: list[str] | None = None,
    db: str | None = None,
    actor: str | None = None,
    gates: list[str] | None = None,
) -> State[Any]:
    """Run a spec (its Markdown content) against the repository at ``repo`` and deliver it.
    ``gates``: ``plan``/``merge`` gates added for this run (the run pauses there for a person)."""
    started = datetime.now().astimezone()
    try:
        req = request_from(spec_text, spec_name, repo, mode, overrides, db, actor, gates)
        comp = compose(req, os.environ)
    except (ValueError, ConfigError, PipelineError) as exc:
        return Failed(message=str(exc))
    if not index_complete(req.db):
        indexed = index_repo_flow(
            repo=str(comp.repo), overrides=overrides, db=req.db, return_state=True
        )
        if not indexed.is_completed():
            return Failed(message=f"The repository could not be indexed: {indexed.message}")
    with comp.worktree_indexes(req) as worktrees:
        try:
            hook = prefect_gate_hook(
                timeout_s=comp.policy.gates.timeout_hours * 3600, poll_s=comp.config.gate_poll_s
            )
            inputs = comp.inputs(req, index=None, worktree_index=worktrees, gate_hook=hook)
            run = SpecRun.start(inputs, started=started)
        except PipelineError as exc:
            return Failed(message=str(exc))
        _tag_flow_run(run.run_id)
        record, crash = _stages(run, comp, req)
    return _deliver(record, comp, req, crash, inputs.gates)


def _stages(run: SpecRun, comp: Composition, req: SpecRequest) -> tuple[RunRecord, str | None]:
    """``drive``'s one stage loop, each stage a task (``drive_to_record``: the record is
    written whatever happens; a crash comes back as its one-line description)."""
    return drive_to_record(
        run, lambda: comp.context(req, comp.open_index(req)), comp, req, step=_task_step(run)
    )


def _deliver(
    record: RunRecord,
    comp: Composition,
    req: SpecRequest,
    crash: str | None,
    run_gates: GateKeeper | None = None,
) -> State[Any]:
    decision = result = None
    error = crash
    if crash is None and has_change(record):
        decision, error = tier_task(record, _q(comp), _q(req))
        go = decision is not None
        if decision is not None and run_gates is not None:  # in the flow: it pauses the run
            record, go = pass_merge_gate(record, decision, run_gates)
        if decision is not None and go:
            result, error = deploy_task(record, decision, _q(comp), _q(req))
    elif crash is None and should_escalate(record, comp.config):
        esc = escalate_task(record, _q(comp), _q(req))
        record, decision, result, error = esc.record, esc.decision, esc.result, esc.error
    _diff_artifact(record)
    delivery = comp.conclude(req, record, decision=decision, result=result, error=error)
    report_to_issue(req.spec, delivery, comp.deliver.github_api_url, os.environ)
    create_link_artifact(
        Path(delivery.record_path).as_uri(), link_text="run record", key="run-record"
    )
    return final_state(delivery)


def _tag_flow_run(run_id: str) -> None:
    """Tag the flow run with its specpilot run id (``specpilot runs`` and ``approve`` read
    it); best effort: a run without the tag is still listed by its flow run id."""
    from prefect.client.orchestration import get_client
    from prefect.context import FlowRunContext

    ctx = FlowRunContext.get()
    if ctx is None or ctx.flow_run is None:
        return
    tags = [*ctx.flow_run.tags, RUN_TAG_PREFIX + run_id]
    try:
        with get_client(sync_client=True) as client:
            client.update_flow_run(ctx.flow_run.id, tags=tags)
    except Exception as exc:
        get_run_logger().warning("could not tag the flow run with %s: %s", run_id, exc)


def index_complete(db: str) -> bool:
    """A finished index at ``db`` (one being written, e.g. by the nightly run, is not)."""
    if not IndexStore.exists(db):
        return False
    try:
        return IndexStore.open(db).meta.state == "complete"
    except IndexerError:
        return False


def final_state(delivery: Delivery) -> State[Any]:
    """How the run ended, as the flow run's state (the message names the run record)."""
    logger = get_run_logger()
    message = f"{delivery.message} Run record: {delivery.record_path}"
    data = delivery.model_dump(mode="json")
    if delivery.gates and delivery.gates[-1].via == "timeout":
        logger.warning("gate timed out: %s", message)
        return Failed(name="Gate timed out", message=message, data=data)
    if delivery.outcome in _STATE_NAMES and delivery.audit_error is None:
        logger.info("%s: %s", delivery.outcome, message)
        return Completed(name=_STATE_NAMES[delivery.outcome], message=message, data=data)
    if delivery.audit_error is not None:
        message += f" The audit record could not be written: {delivery.audit_error}"
    budget = (delivery.stop_reason or "").startswith("budget")
    name = "Stopped by budget" if budget else "Stopped" if delivery.outcome == "stopped" else None
    name = "Escalated" if delivery.outcome == "escalated" else name
    logger.warning("%s: %s", delivery.outcome, message)
    return Failed(name=name or "Failed", message=message, data=data)


def _test_rows(run: SpecRun) -> list[dict[str, Any]]:
    return [
        {
            "run": i,
            "command": r.command,
            "passed": r.passed,
            "tests": r.tests,
            "failures": r.failures,
            "errors": r.errors,
            "seconds": r.duration_s,
            "network isolated": r.network_isolated,
        }
        for i, r in enumerate(run.reports, start=1)
    ]


def _diff_artifact(record: RunRecord) -> None:
    patch = Path(record.run_dir) / "changes.patch"
    if not patch.is_file():
        return
    text = patch.read_text(encoding="utf-8", errors="replace")
    if len(text) > MAX_DIFF_CHARS:
        text = text[:MAX_DIFF_CHARS] + "\n... (cut; the whole diff is in changes.patch)\n"
    body = f"Files: {', '.join(record.files_changed)}\n\n```diff\n{text}```\n"
    create_markdown_artifact(body, key="diff", description=record.run_id)
