"""CLI: run (a spec, in process) and policy explain; the audit commands are in cli_audit.py."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from specpilot.flows import render, render_pipeline
from specpilot.flows.app import (
    DbOpt,
    JsonOpt,
    SetOpt,
    VerboseOpt,
    app,
    db_for,
    fail,
    read_input,
    repo_dir,
    run_guarded,
    settings_for,
    setup,
)
from specpilot.flows.spec_sources import read_spec_source
from specpilot.pipeline import (
    MODES,
    AuditError,
    AuditKeyError,
    DiffError,
    PipelineError,
    PolicyError,
    SpecError,
)

if TYPE_CHECKING:  # imported where used: `specpilot --help` must not build these modules
    from specpilot.pipeline import RunInterrupted, RunMode, Spec


policy_app = typer.Typer(no_args_is_help=True, help="See how the risk policy tiers a change.")
app.add_typer(policy_app, name="policy")

ModeOpt = Annotated[
    str,
    typer.Option(
        "--mode",
        help="suggest: a patch and a report, nothing written; pr: at most a PR; "
        "auto: tier-1 changes merge on green tests.",
    ),
]
RepoOpt = Annotated[Path, typer.Option("--repo", help="The target repository.")]
GateOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--gate",
        help="Add a human approval gate for this run: plan (before any code is written) or "
        "merge (before a PR or a merge). Repeatable; it adds to the policy's gates.",
    ),
]


def check_gates(gates: list[str] | None) -> tuple[str, ...]:
    from specpilot.pipeline import GateError, check_gate_names

    try:
        return check_gate_names(list(gates or []), "--gate")
    except GateError as exc:
        fail(f"{exc}.")


def check_mode(mode: str) -> RunMode:
    if mode not in MODES:
        fail(f"unknown mode {mode!r}; use one of: {', '.join(MODES)}.")
    return mode  # narrowed by the membership test


def read_spec(path: Path) -> tuple[Spec, str]:
    """The parsed spec and its text; a missing or malformed spec is a one-line usage error."""
    if not path.is_file():
        fail(f"spec file {path} does not exist; give the path of a Markdown spec.")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"cannot read the spec file {path}: {exc}.")
    try:
        from specpilot.pipeline import parse_spec

        return parse_spec(text, source=str(path)), text
    except SpecError as exc:
        fail(str(exc))


@app.command()
def run(
    spec: Annotated[
        Path,
        typer.Argument(
            help="The spec: a Markdown file (optional front matter), an OpenSpec change folder, "
            "a Spec Kit feature folder, gh:OWNER/REPO#N or an issue URL."
        ),
    ],
    repo: RepoOpt = Path("."),
    mode: ModeOpt = "suggest",
    db: DbOpt = None,
    as_flow: Annotated[
        bool,
        typer.Option(
            "--flow",
            help="Run it as a spec-to-pr Prefect flow run in this process (tracked by the "
            "server at PREFECT_API_URL, else a temporary one).",
        ),
    ] = False,
    gate: GateOpt = None,
    json_out: JsonOpt = False,
    set_: SetOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Run a spec in process: retrieve → plan → code → test → tier → deploy.

    Without ANTHROPIC_API_KEY only --mode suggest works (a retrieval-grounded plan and
    report). Exit code 0: merged, PR, suggestion or blocked by the policy; 1: stopped or
    failed; 2: bad input.
    """
    setup(verbose)
    run_mode = check_mode(mode)
    gates = check_gates(gate)
    parsed, text = read_spec_source(spec, repo, set_)
    root = repo_dir(repo)
    settings = settings_for(root, set_)
    from specpilot.flows.spec_run import SpecRequest, default_actor, ensure_index, run_request
    from specpilot.pipeline import NoModelError, RunInterrupted, WorktreeError, repo_root

    top = run_guarded(lambda: repo_root(root), usage=(WorktreeError,))
    request = SpecRequest(
        spec=parsed,
        spec_text=text,
        repo=top,
        mode=run_mode,
        settings=settings,
        db=db_for(settings, top, db),
        actor=default_actor(os.environ),
        gates=gates,
    )
    from specpilot.flows.spec_run import MODEL_NEEDED, has_model

    if run_mode != "suggest" and not run_guarded(lambda: has_model(settings, top, os.environ)):
        fail(MODEL_NEEDED.format(mode=run_mode))
    if as_flow:
        try:
            _run_as_flow(request, list(set_ or []), db, json_out)
        except RunInterrupted as stop:  # Prefect re-raises the run's own interruption
            _interrupted(stop)
        return
    with render.progress_bars(enabled=sys.stderr.isatty()) as progress:
        run_guarded(lambda: ensure_index(top, request.db, settings, progress=progress))
    from specpilot.flows.gate_prompt import terminal_hook

    hook = terminal_hook(request.actor)
    try:
        with _model_wait_lines(enabled=sys.stderr.isatty() and not verbose):
            delivery = run_guarded(
                lambda: run_request(request, gate_hook=hook),
                usage=(SpecError, NoModelError, PolicyError, AuditKeyError),
                failures=(PipelineError,),
            )
    except RunInterrupted as stop:
        _interrupted(stop)
    data = (
        delivery.model_dump(mode="json")
        | {"ok": delivery.ok}
        | _suggestion(data_dir=delivery.run_dir, spec=parsed)
    )
    if json_out:
        render.print_json(data)
    else:
        render_pipeline.delivery(data)
    if not delivery.ok:
        raise typer.Exit(1)


def _interrupted(stop: RunInterrupted) -> NoReturn:
    """Ctrl-C stopped the run; its record and audit entry are written."""
    kept = f"; its changes are kept on branch {stop.branch}" if stop.branch else ""
    fail(
        f"interrupted during {stop.stage or 'the start'}: run {stop.run_id} stopped, "
        f"nothing delivered{kept}; its record: {stop.run_dir}",
        code=130,
    )


@contextmanager
def _model_wait_lines(*, enabled: bool) -> Iterator[None]:
    """One stderr line each time the run starts and stops waiting on the model (a small model
    on a CPU takes minutes a request); ``-v`` shows them through the log anyway."""
    if not enabled:
        yield
        return
    logger = logging.getLogger("specpilot.pipeline.model_wait")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("… %(message)s"))
    level, propagate = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.propagate = propagate


def _suggestion(*, data_dir: str | None, spec: Spec) -> dict[str, Any]:
    """The run's plan (``plan.json``, the same object) and the spec's acceptance criteria:
    what a suggestion is, shown in the terminal and under ``plan`` in ``--json``."""
    import json

    plan: Any = None
    path = Path(data_dir) / "plan.json" if data_dir else None
    if path is not None and path.is_file():
        try:
            plan = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            plan = None
    return {"plan": plan, "acceptance": list(spec.acceptance)}


def _run_as_flow(request: Any, overrides: list[str], db: str | None, json_out: bool) -> None:
    """The spec-to-pr flow, in process; its final state is the outcome."""
    from specpilot.flows.flow_spec import spec_to_pr

    state = spec_to_pr(
        spec_text=request.spec_text,
        spec_name=request.spec.source or "spec.md",
        repo=str(request.repo),
        mode=request.mode,
        overrides=overrides,
        db=db,
        actor=request.actor,
        gates=list(request.gates),
        return_state=True,
    )
    result: Any = state.result(raise_on_failure=False) if state.data is not None else None
    data: dict[str, Any] = dict(result) if isinstance(result, dict) else {}
    data |= {"ok": state.is_completed(), "state": state.name, "state_message": state.message}
    data |= _suggestion(data_dir=data.get("run_dir"), spec=request.spec)
    if json_out:
        render.print_json(data)
    elif "outcome" in data:
        render_pipeline.delivery(data)
    else:
        render.err_console().print(f"{state.name}: {state.message}", markup=False)
    if not state.is_completed():
        raise typer.Exit(1)


@policy_app.command("explain")
def policy_explain(
    diff: Annotated[Path, typer.Option("--diff", help="A unified diff (git diff) to tier.")],
    repo: RepoOpt = Path("."),
    mode: ModeOpt = "auto",
    risk: Annotated[
        str | None, typer.Option("--risk", help="The spec's risk hint: low, medium, high.")
    ] = None,
    ref: Annotated[
        str | None, typer.Option("--ref", help="Read the policy from this commit.")
    ] = None,
    json_out: JsonOpt = False,
    set_: SetOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Which tier a diff would get, and every rule that fired (runs nothing)."""
    setup(verbose)
    check_mode(mode)
    root = repo_dir(repo)
    diff_text = read_input(diff, "--diff", "a file made with `git diff`", strict=True)
    settings = settings_for(root, set_)
    from specpilot.flows.pipeline_settings import audit_log_path, deliver_settings, deps_config
    from specpilot.pipeline import PackageIndex, explain

    delivery = deliver_settings(settings)
    log = audit_log_path(delivery)
    key = _explain_key(log, root, delivery.audit_key_file)  # earned autonomy: a verified log
    deps = run_guarded(lambda: deps_config(settings))
    with PackageIndex(deps) as index:  # the supply-chain guard looks new dependencies up
        packages = index if deps.check_new_on_index else None
        decision = run_guarded(
            lambda: explain(
                root, diff_text, spec_risk=risk, mode=mode, ref=ref, audit_log=log,
                audit_key=key, packages=packages,
            ),
            usage=(PolicyError, SpecError, DiffError, AuditError),
            failures=(PipelineError,),
        )  # fmt: skip
    if json_out:
        render.print_json(decision.model_dump(mode="json"))
    else:
        render_pipeline.decision(decision.model_dump(mode="json"))


def _explain_key(log: Path, repo: Path, key_file: str | None) -> Any:
    """The audit key to verify the log with (never created: None when there is none yet; an
    earned-autonomy record then cannot be counted and the change is held)."""
    from specpilot.flows.audit_keys import existing_audit_key

    return run_guarded(
        lambda: existing_audit_key(os.environ, log=log, repo=repo, user_key_file=key_file),
        usage=(AuditKeyError,),
    )
