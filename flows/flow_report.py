"""The ``delivery-kpis`` flow: ``specpilot report`` on a schedule, published as Prefect
artifacts (a Markdown summary, key ``delivery-kpis``, and a table, ``delivery-kpis-table``).

With ``refresh`` (the default) and a GitHub token in the worker's environment, it first
learns the fate of open PRs from GitHub and records it in the audit log, as
``specpilot report --refresh`` does; without a token it says so in its log and reports what
the log already knows. The audit log and key are the worker's user's, never the repository's.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.states import Completed, Failed, State

from specpilot.flows.audit_keys import audit_key, existing_audit_key
from specpilot.flows.errors import ConfigError
from specpilot.flows.pipeline_settings import audit_log_path, deliver_settings, pipeline_config
from specpilot.flows.settings import load_settings
from specpilot.flows.spec_run import default_actor, github_token
from specpilot.pipeline import (
    PipelineError,
    github_lookup,
    kpis_from_log,
    kpis_markdown,
    parse_since,
    refresh_fates,
    summary_rows,
)


@flow(name="delivery-kpis", log_prints=False)
def delivery_kpis_flow(
    repo: str = "",
    overrides: list[str] | None = None,
    since: str = "30d",
    refresh: bool = True,
) -> State[Any]:
    """The KPIs of ``repo``'s runs in the window ``since``, as artifacts."""
    root = Path(repo).expanduser() if repo else None
    if root is None or not root.is_dir():
        return Failed(message=f"Parameter 'repo' must be an existing directory, got {repo!r}.")
    root = root.resolve()
    logger = get_run_logger()
    now = datetime.now(UTC)
    try:
        start = parse_since(since, now)
        settings = load_settings(root, overrides)
        delivery = deliver_settings(settings)
        runs_dir = pipeline_config(settings, root).runs_dir
        path = audit_log_path(delivery)
        named = delivery.audit_key_file
        token = github_token(os.environ) if refresh else None
        if refresh and token is None:
            logger.info("no GITHUB_TOKEN or GH_TOKEN: PR fates are not refreshed")
        if token is not None:
            key = audit_key(os.environ, log=path, repo=root, user_key_file=named)
            lookup = github_lookup(token, base_url=delivery.github_api_url)
            done = refresh_fates(
                path, key, lookup, actor=default_actor(os.environ), trigger="flow", repo=str(root)
            )
            for problem in (*done.errors, *done.skipped):
                logger.warning("refresh: %s", problem)
        key_now = existing_audit_key(os.environ, log=path, repo=root, user_key_file=named)
        kpis = kpis_from_log(
            path, key_now, runs_dir=runs_dir, since=start, until=now, repo=str(root)
        )
    except (ConfigError, PipelineError) as exc:
        return Failed(message=f"The delivery KPIs of {root} could not be computed: {exc}")
    create_markdown_artifact(kpis_markdown(kpis), key="delivery-kpis", description=str(root))
    rows = [{"kpi": label, "value": value} for label, value in summary_rows(kpis)]
    create_table_artifact(rows, key="delivery-kpis-table", description=str(root))
    rate = "n/a" if kpis.acceptance_rate is None else f"{kpis.acceptance_rate:.0%}"
    message = (
        f"{kpis.runs} run(s) since {start:%Y-%m-%d %H:%M} UTC; PR acceptance {rate}; "
        f"{kpis.prs_open} PR(s) still open; {kpis.merged_changes} merged change(s)."
    )
    return Completed(message=message, data=kpis.model_dump(mode="json"))
