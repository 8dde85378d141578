"""CLI: serve (the Prefect deployments) and submit (a spec as a flow run of spec-to-pr)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from specpilot.flows import render
from specpilot.flows.app import (
    SetOpt,
    VerboseOpt,
    app,
    fail,
    repo_dir,
    run_guarded,
    settings_for,
    setup,
)
from specpilot.flows.cli_pipeline import GateOpt, ModeOpt, check_gates, check_mode
from specpilot.flows.deployments import (
    DEPS_DEPLOYMENT,
    INDEX_DEPLOYMENT,
    KPI_DEPLOYMENT,
    SPEC_DEPLOYMENT,
)
from specpilot.flows.spec_sources import read_spec_source

NO_API = (
    "PREFECT_API_URL is not set: start a server (`prefect server start`) and point "
    "specpilot at it, e.g. PREFECT_API_URL=http://127.0.0.1:4200/api."
)


def api_url() -> str:
    """The configured Prefect API, or a usage error (no temporary servers for these)."""
    from prefect.settings import get_current_settings

    url = get_current_settings().api.url
    if not url:
        fail(NO_API)
    return str(url)


@app.command()
def serve(
    repo: Annotated[Path, typer.Option("--repo", help="The repository to serve.")] = Path("."),
    limit: Annotated[
        int | None, typer.Option("--limit", min=1, help="Flow runs at the same time.")
    ] = None,
    work_pool: Annotated[
        str | None,
        typer.Option(
            "--work-pool",
            help="Register the deployments on this work pool and exit; its workers "
            "(`prefect worker start --pool NAME`) run them.",
        ),
    ] = None,
    set_: SetOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Serve index-repo/nightly, deps-watch/nightly (crons: tool.specpilot.schedule) and
    spec-to-pr/default.

    Blocks; flow runs of both deployments execute here. Stop it with Ctrl-C. With
    --work-pool the deployments are registered for that pool's workers instead.
    """
    setup(verbose)
    root = repo_dir(repo)
    settings = settings_for(root, set_)
    from specpilot.flows.pipeline_settings import schedule_settings

    schedule = run_guarded(lambda: schedule_settings(settings))
    url = api_url()
    from specpilot.flows.deployments import build_deployments
    from specpilot.flows.errors import ConfigError

    if work_pool is not None:
        from specpilot.flows.deployments import register

        names = run_guarded(
            lambda: register(root, list(set_ or []), schedule, work_pool), usage=(ConfigError,)
        )
        render.out_console().print(
            f"registered {', '.join(names)} on work pool {work_pool!r} at {url}",
            highlight=False,
            markup=False,
        )
        return
    deployments = run_guarded(
        lambda: build_deployments(root, list(set_ or []), schedule), usage=(ConfigError,)
    )
    render.err_console().print(
        f"serving {INDEX_DEPLOYMENT} ({schedule.index_cron} {schedule.timezone}), "
        f"{KPI_DEPLOYMENT}, {SPEC_DEPLOYMENT} and {DEPS_DEPLOYMENT} ({schedule.deps_cron}) "
        f"for {root} at {url}",
        highlight=False,
        markup=False,
    )
    import prefect

    prefect.serve(*deployments, limit=limit)


@app.command()
def submit(
    spec: Annotated[
        Path,
        typer.Argument(
            help="The spec (a file, an OpenSpec or Spec Kit folder, gh:OWNER/REPO#N or an issue "
            "URL); its content is sent."
        ),
    ],
    repo: Annotated[
        str | None,
        typer.Option("--repo", help="The repository on the worker (default: the served one)."),
    ] = None,
    mode: ModeOpt = "suggest",
    watch: Annotated[
        bool, typer.Option("--watch", help="Wait for the flow run and print how it ended.")
    ] = False,
    timeout: Annotated[
        float, typer.Option("--timeout", min=1, help="Seconds --watch waits.")
    ] = 3600.0,
    deployment: Annotated[
        str, typer.Option("--deployment", help="The deployment to run.")
    ] = SPEC_DEPLOYMENT,
    gate: GateOpt = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
    set_: SetOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Submit a spec as a flow run of spec-to-pr/default; prints its id and UI URL.

    Works against any Prefect API (PREFECT_API_URL). With --watch, exit code 0 when the run
    completed (merged, PR, suggestion, blocked) and 1 otherwise.
    """
    setup(verbose)
    run_mode = check_mode(mode)
    gates = check_gates(gate)
    where = repo
    if repo is not None and Path(repo).is_dir():
        where = str(Path(repo).resolve())
    # a malformed spec (of any source: spec_sources) is refused before it is sent
    parsed, text = read_spec_source(
        spec, Path(where) if where and Path(where).is_dir() else Path("."), set_
    )
    name = parsed.source if parsed.source_kind == "github-issue" and parsed.source else spec.name
    url = api_url()
    flow_run = run_guarded(
        lambda: _submit(text, name, run_mode, where, set_, deployment, url, gates)
    )
    from specpilot.flows.deployments import ui_url, wait_for

    out: dict[str, Any] = {
        "flow_run_id": str(flow_run.id),
        "flow_run_name": flow_run.name,
        "deployment": deployment,
        "ui_url": ui_url(flow_run.id),
        "url": ui_url(flow_run.id),
        "state": flow_run.state.name if flow_run.state else None,
    }
    if not json_out:
        render.out_console().print(
            f"submitted {flow_run.name} ({flow_run.id})\n{out['ui_url'] or ''}",
            highlight=False,
            markup=False,
        )
    if watch:

        def show(run: Any) -> None:
            if not json_out and run.state is not None:
                render.err_console().print(f"state: {run.state.name}", markup=False)

        final = wait_for(flow_run.id, timeout_s=timeout, on_change=show)
        state = final.state
        out["state"] = state.name if state else None
        out["state_type"] = state.type.value if state else None
        out["message"] = state.message if state else None
        if not json_out:
            render.out_console().print(
                f"{out['state']}: {out['message'] or ''}", highlight=False, markup=False
            )
    if json_out:
        render.print_json(out)
    if watch and out.get("state_type") != "COMPLETED":
        raise typer.Exit(1)


def _submit(
    text: str,
    name: str,
    mode: str,
    repo: str | None,
    overrides: list[str] | None,
    deployment: str,
    url: str,
    gates: tuple[str, ...] = (),
) -> Any:
    import httpx
    from prefect.exceptions import ObjectNotFound

    from specpilot.flows.deployments import submit as submit_run

    try:
        return submit_run(
            text, name, mode=mode, repo=repo, overrides=overrides, deployment=deployment,
            gates=list(gates),
        )  # fmt: skip
    except ObjectNotFound:
        fail(
            f"no deployment {deployment!r} at {url}; start `specpilot serve --repo PATH` "
            "against that server first.",
            1,
        )
    except (OSError, httpx.HTTPError) as exc:
        fail(f"cannot reach the Prefect API at {url}: {exc}.", 1)
