"""The ``issues-watch`` flow: one poll of the served repository's labelled issues
(``flows.issues_watch``), each new one submitted as a ``spec-to-pr`` flow run.

Its deployment, ``issues-watch/default``, is served next to the others when the repository's
remote is on GitHub, on the cron ``schedule.issues_cron`` (default every 15 minutes), for the
label ``schedule.issues_label`` (default ``specpilot``), in ``suggest`` mode unless the
deployment's ``mode`` parameter says otherwise.
"""

from __future__ import annotations

import os
from dataclasses import asdict
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger
from prefect.deployments import run_deployment
from prefect.states import Completed, Failed, State

from specpilot.flows.errors import ConfigError
from specpilot.flows.issues_watch import DEFAULT_LABEL, HandledIssues, watch_once
from specpilot.flows.pipeline_settings import deliver_settings
from specpilot.flows.settings import load_settings
from specpilot.flows.spec_run import github_client
from specpilot.flows.user_config import specpilot_home
from specpilot.pipeline import MODES, PipelineError


@flow(name="issues-watch", log_prints=False)
def issues_watch_flow(
    repo: str = "",
    overrides: list[str] | None = None,
    mode: str = "suggest",
    label: str = DEFAULT_LABEL,
    deployment: str = "spec-to-pr/default",
) -> State[Any]:
    """Submit a spec-to-pr flow run for each open ``label`` issue not handled at its body."""
    logger = get_run_logger()
    if mode not in MODES:
        return Failed(message=f"Parameter 'mode' is {mode!r}; use one of: {', '.join(MODES)}.")
    root = Path(repo).expanduser()
    try:
        delivery = deliver_settings(load_settings(root, overrides))
        client = github_client(root, delivery.remote, delivery.github_api_url, os.environ)
        if client is None:
            return Completed(message="Nothing to watch: no GitHub remote, or no GITHUB_TOKEN.")
        handled = HandledIssues.for_repo(specpilot_home(os.environ), client.repo)

        def submit_one(text: str, name: str) -> Any:
            # as ``deployments.submit`` does (not imported: deployments imports this module)
            params: dict[str, Any] = {"spec_text": text, "spec_name": name, "mode": mode}
            params |= {"repo": str(root), "overrides": list(overrides or [])}
            return run_deployment(deployment, parameters=params, timeout=0, as_subflow=False)

        watched = watch_once(client, handled, submit_one, label=label)
    except (ConfigError, PipelineError) as exc:
        return Failed(message=str(exc))
    submitted = [w for w in watched if w.action == "submitted"]
    message = f"{len(submitted)} issue(s) submitted, {len(watched)} labelled {label!r} open."
    logger.info(message)
    return Completed(message=message, data=[asdict(w) for w in watched])


def watch_target(repo: Path, overrides: list[str]) -> str | None:
    """``owner/name`` when the repository's remote is on GitHub (something to watch)."""
    from specpilot.pipeline import remote_url, repo_from_remote_url

    try:
        remote = deliver_settings(load_settings(repo, overrides)).remote
    except ConfigError:
        return None
    url = remote_url(repo, remote)
    return repo_from_remote_url(url) if url else None
