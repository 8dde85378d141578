"""Deployments of the flows (``specpilot serve``) and flow runs of them (``specpilot submit``).

- ``index-repo/nightly``: the ``index-repo`` flow on a cron schedule from
  ``[tool.specpilot.schedule]`` (default 02:00 UTC) for the served repository;
- ``spec-to-pr/default``: the ``spec-to-pr`` flow with the served repository as its default
  ``repo`` parameter; ``submit`` creates its runs with the spec's *content*, so a worker that
  cannot see the submitter's files still gets the spec;
- ``delivery-kpis/nightly``: the ``delivery-kpis`` flow (``specpilot report --refresh`` as
  Prefect artifacts) on the same cron as the nightly index.
- ``issues-watch/default`` (when the repository's remote is on GitHub): polls its open issues
  labelled ``schedule.issues_label`` on ``schedule.issues_cron`` and submits each new one as a
  ``spec-to-pr`` run (``flows.flow_issues``).
- ``deps-watch/nightly``: the ``deps-watch`` flow (``flows.flow_deps``) on the cron
  ``schedule.deps_cron``: ``deps check``, then one ``spec-to-pr/default`` run per new bump.

The deployments load their flow by module path (the installed ``flows`` package), so a
worker needs specpilot installed, not a checkout at the same path.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

from specpilot.flows.errors import ConfigError

if TYPE_CHECKING:
    from specpilot.flows.pipeline_settings import ScheduleSettings

INDEX_DEPLOYMENT = "index-repo/nightly"
SPEC_DEPLOYMENT = "spec-to-pr/default"
KPI_DEPLOYMENT = "delivery-kpis/nightly"
ISSUES_DEPLOYMENT = "issues-watch/default"
DEPS_DEPLOYMENT = "deps-watch/nightly"
TAGS = ["specpilot"]


def build_deployments(repo: Path, overrides: list[str], schedule: ScheduleSettings) -> list[Any]:
    """The runner deployments for ``repo`` (not yet registered): index, spec, KPIs,
    deps-watch and, when the remote is on GitHub, issues-watch."""
    from prefect.deployments.runner import EntrypointType
    from prefect.schedules import Cron

    from specpilot.flows.flow_index import index_repo_flow
    from specpilot.flows.flow_report import delivery_kpis_flow
    from specpilot.flows.flow_spec import spec_to_pr

    params: dict[str, Any] = {"repo": str(repo), "overrides": list(overrides)}
    try:
        cron = Cron(schedule.index_cron, timezone=schedule.timezone)
    except ValueError as exc:
        raise ConfigError(
            f"schedule.index_cron {schedule.index_cron!r} / timezone {schedule.timezone!r} "
            f"is not a valid cron schedule: {exc}"
        ) from exc
    index = index_repo_flow.to_deployment(
        name=INDEX_DEPLOYMENT.split("/")[1],
        schedule=cron,
        parameters=params,
        tags=TAGS,
        description=f"Incremental index of {repo}",
        entrypoint_type=EntrypointType.MODULE_PATH,
    )
    spec = spec_to_pr.to_deployment(
        name=SPEC_DEPLOYMENT.split("/")[1],
        parameters=params,
        tags=TAGS,
        description=f"Specs against {repo}: spec text in, tested change out",
        entrypoint_type=EntrypointType.MODULE_PATH,
    )
    kpis = delivery_kpis_flow.to_deployment(
        name=KPI_DEPLOYMENT.split("/")[1],
        schedule=Cron(schedule.index_cron, timezone=schedule.timezone),
        parameters=params,
        tags=TAGS,
        description=f"Delivery KPIs of {repo}, PR fates refreshed from GitHub",
        entrypoint_type=EntrypointType.MODULE_PATH,
    )
    deps = _deps_watch(repo, overrides, schedule)
    return [index, spec, kpis, deps, *_issues_watch(repo, overrides, schedule, params)]


def _issues_watch(
    repo: Path, overrides: list[str], schedule: ScheduleSettings, params: dict[str, Any]
) -> list[Any]:
    """``issues-watch/default`` when the repository's remote is on GitHub, else nothing."""
    from prefect.deployments.runner import EntrypointType
    from prefect.schedules import Cron

    from specpilot.flows.flow_issues import issues_watch_flow, watch_target

    slug = watch_target(repo, overrides)
    if slug is None:
        return []
    try:
        cron = Cron(schedule.issues_cron, timezone=schedule.timezone)
    except ValueError as exc:
        raise ConfigError(
            f"schedule.issues_cron {schedule.issues_cron!r} is not a valid cron schedule: {exc}"
        ) from exc
    watch = issues_watch_flow.to_deployment(
        name=ISSUES_DEPLOYMENT.split("/")[1],
        schedule=cron,
        parameters={**params, "label": schedule.issues_label},
        tags=TAGS,
        description=f"Open issues of {slug} labelled {schedule.issues_label!r} → spec-to-pr runs",
        entrypoint_type=EntrypointType.MODULE_PATH,
    )
    return [watch]


def _deps_watch(repo: Path, overrides: list[str], schedule: ScheduleSettings) -> Any:
    from prefect.deployments.runner import EntrypointType
    from prefect.schedules import Cron

    from specpilot.flows.flow_deps import deps_watch

    try:
        cron = Cron(schedule.deps_cron, timezone=schedule.timezone)
    except ValueError as exc:
        raise ConfigError(
            f"schedule.deps_cron {schedule.deps_cron!r} / timezone {schedule.timezone!r} "
            f"is not a valid cron schedule: {exc}"
        ) from exc
    params: dict[str, Any] = {
        "repo": str(repo), "overrides": list(overrides), "mode": schedule.deps_mode,
        "only_vulnerable": schedule.deps_only_vulnerable, "max_runs": schedule.deps_max_runs,
        "deployment": SPEC_DEPLOYMENT,
    }  # fmt: skip
    return deps_watch.to_deployment(
        name=DEPS_DEPLOYMENT.split("/")[1],
        schedule=cron,
        parameters=params,
        tags=TAGS,
        description=f"Dependency updates of {repo}: check, then one spec-to-pr run per bump",
        entrypoint_type=EntrypointType.MODULE_PATH,
    )


def serve(repo: Path, overrides: list[str], schedule: ScheduleSettings, limit: int | None) -> None:
    """Register the deployments and run their flow runs here until interrupted (blocks)."""
    import prefect

    prefect.serve(*build_deployments(repo, overrides, schedule), limit=limit)


def register(
    repo: Path, overrides: list[str], schedule: ScheduleSettings, work_pool: str
) -> list[str]:
    """Register the deployments on a work pool (its workers run them); returns their names."""
    names = []
    for deployment in build_deployments(repo, overrides, schedule):
        deployment.apply(work_pool_name=work_pool)
        names.append(deployment.full_name)
    return names


def submit(
    spec_text: str,
    spec_name: str,
    *,
    mode: str,
    repo: str | None = None,
    overrides: list[str] | None = None,
    deployment: str = SPEC_DEPLOYMENT,
    gates: list[str] | None = None,
) -> Any:
    """Create a flow run of ``deployment`` with the spec's content; returns the FlowRun."""
    from prefect.deployments import run_deployment

    params: dict[str, Any] = {"spec_text": spec_text, "spec_name": spec_name, "mode": mode}
    if repo is not None:
        params["repo"] = repo
    if overrides:
        params["overrides"] = overrides
    if gates:
        params["gates"] = gates
    return run_deployment(deployment, parameters=params, timeout=0, as_subflow=False)


def trigger(deployment: str, parameters: dict[str, Any] | None = None) -> Any:
    """A flow run of any deployment now (e.g. the nightly index), not waiting for it."""
    from prefect.deployments import run_deployment

    return run_deployment(deployment, parameters=parameters or {}, timeout=0, as_subflow=False)


def wait_for(
    flow_run_id: UUID,
    *,
    timeout_s: float,
    poll_s: float = 2.0,
    on_change: Callable[[Any], None] | None = None,
) -> Any:
    """Poll the flow run until it is final (or ``timeout_s``); returns the last FlowRun."""
    from prefect.client.orchestration import get_client

    deadline = time.monotonic() + timeout_s
    seen = None
    with get_client(sync_client=True) as client:
        while True:
            run = client.read_flow_run(flow_run_id)
            name = run.state.name if run.state else None
            if name != seen and on_change is not None:
                on_change(run)
            seen = name
            if (run.state and run.state.is_final()) or time.monotonic() >= deadline:
                return run
            time.sleep(poll_s)


def ui_url(flow_run_id: UUID) -> str | None:
    """The flow run's page in the Prefect UI of the current API (``PREFECT_API_URL``)."""
    from prefect.settings import get_current_settings

    settings = get_current_settings()
    base = settings.ui_url
    api = settings.api.url
    if not base and api:
        base = api.rstrip("/").removesuffix("/api")
    return f"{base.rstrip('/')}/runs/flow-run/{flow_run_id}" if base else None
