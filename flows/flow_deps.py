"""The ``deps-watch`` flow: ``specpilot deps check`` on a schedule, and one ``spec-to-pr`` flow
run per needed bump — Renovate's nightly run, with the agent adapting the code.

A bump is submitted once: the spec text's hash is remembered per repository in
``$SPECPILOT_HOME/deps-watch/<repo key>.json``, so the next night does not open a second
PR for the same bump (a new target version is a new spec). At most ``max_runs`` bumps are
submitted a night; the policy's rate limits (``[tool.specpilot.policy.limits]``: PRs per
hour, concurrent PRs) still hold for each run, which falls back to a suggestion when one is
reached.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prefect import flow
from prefect.artifacts import create_table_artifact

from specpilot.flows.errors import ConfigError
from specpilot.flows.pipeline_settings import deps_config
from specpilot.flows.settings import load_settings
from specpilot.indexer import specpilot_home
from specpilot.pipeline import MODES, DepsReport, PipelineError, bump_spec, check_repo

logger = logging.getLogger(__name__)

Submit = Callable[[str, str], Any]  # (spec text, spec name) -> a flow run


@dataclass(frozen=True, slots=True)
class WatchItem:
    package: str
    current: str | None
    target: str
    advisories: tuple[str, ...]
    spec_name: str
    spec_text: str

    @property
    def key(self) -> str:
        return hashlib.sha256(self.spec_text.encode()).hexdigest()


def plan_watch(
    report: DepsReport, *, only_vulnerable: bool, handled: Sequence[str], max_runs: int
) -> tuple[list[WatchItem], list[WatchItem]]:
    """(to submit, already handled) — vulnerable bumps first, at most ``max_runs``."""
    bumps = report.bumps(only_vulnerable=only_vulnerable)
    bumps.sort(key=lambda b: (not b[0].advisories, b[0].dep.path, b[0].dep.name))
    todo: list[WatchItem] = []
    done: list[WatchItem] = []
    for status, target in bumps:
        spec, text = bump_spec(status, target)
        item = WatchItem(
            status.dep.name, status.current, target,
            tuple(a.id for a in status.advisories), f"{spec.slug}.md", text,
        )  # fmt: skip
        (done if item.key in handled else todo).append(item)
    return todo[:max_runs], done


def state_file(repo: Path) -> Path:
    key = hashlib.sha256(str(repo.resolve()).encode()).hexdigest()[:16]
    return specpilot_home() / "deps-watch" / f"{repo.resolve().name}-{key}.json"


def run_watch(
    repo: Path,
    overrides: list[str] | None,
    *,
    only_vulnerable: bool,
    max_runs: int,
    submit: Submit,
) -> dict[str, Any]:
    """Check ``repo``, submit the bumps not yet handled, remember them; the summary."""
    settings = load_settings(repo, overrides)
    report = check_repo(repo, deps_config(settings))
    path = state_file(repo)
    handled: list[str] = json.loads(path.read_text()) if path.is_file() else []
    todo, done = plan_watch(
        report, only_vulnerable=only_vulnerable, handled=handled, max_runs=max_runs
    )
    submitted = []
    for item in todo:
        run = submit(item.spec_text, item.spec_name)
        handled.append(item.key)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(handled))
        submitted.append(_row(item) | {"flow_run": str(getattr(run, "id", run))})
    return {
        "repo": str(repo),
        "checked": len(report.deps),
        "submitted": submitted,
        "already_handled": [_row(i) for i in done],
        "problems": list(report.problems),
    }


def _row(item: WatchItem) -> dict[str, Any]:
    return {
        "package": item.package,
        "from": item.current,
        "to": item.target,
        "advisories": ", ".join(item.advisories),
        "spec": item.spec_name,
    }


@flow(name="deps-watch", log_prints=False)
def deps_watch(
    repo: str = "",
    mode: str = "pr",
    only_vulnerable: bool = False,
    max_runs: int = 5,
    overrides: list[str] | None = None,
    deployment: str = "spec-to-pr/default",
) -> dict[str, Any]:
    """Check the repository's dependencies and submit a ``deployment`` run for each new bump."""
    from prefect.deployments import run_deployment

    if mode not in MODES:
        raise ConfigError(f"deps-watch mode {mode!r} is not known; use one of {', '.join(MODES)}.")

    def send(text: str, name: str) -> Any:
        params: dict[str, Any] = {"spec_text": text, "spec_name": name, "mode": mode}
        params |= {"repo": repo, "overrides": list(overrides or [])}
        return run_deployment(deployment, parameters=params, timeout=0, as_subflow=False)

    try:
        summary = run_watch(
            Path(repo), overrides, only_vulnerable=only_vulnerable, max_runs=max_runs, submit=send
        )
    except PipelineError as exc:  # the index or the advisory source failed: the run fails
        raise RuntimeError(str(exc)) from exc
    rows = summary["submitted"] or [{"package": "-", "from": "-", "to": "nothing to bump"}]
    create_table_artifact(rows, key="deps-watch", description=f"bumps submitted for {repo}")
    return summary
