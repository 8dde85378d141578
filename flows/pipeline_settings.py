"""The spec pipeline's sections of ``[tool.specpilot]`` (read by ``flows.settings``):

    [tool.specpilot.pipeline]   pipeline.config.PipelineConfig (runs_dir, model, budgets, ...)
    [tool.specpilot.deliver]    DeliverSettings: git remote, audit log, house-rules budget
    [tool.specpilot.schedule]   ScheduleSettings: the nightly index deployment's cron, the
                                issues-watch poll's cron and label
    [tool.specpilot.flows]      FlowSettings: the index-repo flow's task runner
    [tool.specpilot.deps]       pipeline.config.DepsConfig: package index and OSV URLs
                                (carried in PipelineConfig.deps)

``runs_dir`` defaults to ``$SPECPILOT_HOME/runs`` (never inside the repository); a relative
``runs_dir`` / ``worktrees_dir`` is taken relative to the repository.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from specpilot.flows.errors import ConfigError
from specpilot.flows.settings import Settings, build
from specpilot.indexer import specpilot_home
from specpilot.pipeline import API_URL, DepsConfig, ModelPrice, PipelineConfig, default_audit_path

_PATH_FIELDS = ("runs_dir", "worktrees_dir")


@dataclass(frozen=True, slots=True)
class DeliverSettings:
    remote: str = "origin"  # the git remote PRs are pushed to and merges land on
    audit_log: str | None = None  # default: $SPECPILOT_HOME/audit/audit.jsonl
    audit_key_file: str | None = None  # default: $SPECPILOT_HOME/keys/audit.key (user only)
    house_rules_tokens: int = 400  # budget of the conventions' house rules in the prompt
    github_api_url: str = API_URL  # GitHub Enterprise: https://host/api/v3


@dataclass(frozen=True, slots=True)
class ScheduleSettings:
    index_cron: str = "0 2 * * *"  # the index-repo/nightly deployment
    timezone: str = "UTC"
    issues_cron: str = "*/15 * * * *"  # the issues-watch/default deployment's polls
    issues_label: str = "specpilot"  # the label that asks for a run of an issue
    deps_cron: str = "0 3 * * *"  # the deps-watch/nightly deployment
    deps_mode: str = "pr"  # its runs' mode (user only: "auto" lets tier-1 bumps merge)
    deps_only_vulnerable: bool = False  # only bump dependencies with known vulnerabilities
    deps_max_runs: int = 5  # bumps submitted a night (the policy's PR limits still apply)


@dataclass(frozen=True, slots=True)
class FlowSettings:
    task_runner: str = "threads"  # "threads" | "dask" (needs the prefect-dask package)
    dask_workers: int = 4  # workers of the local Dask cluster (threads: PARSE_WORKERS)
    dask_address: str = ""  # an existing Dask scheduler (tcp://host:8786); "" = local cluster


def pipeline_config(settings: Settings, repo: Path) -> PipelineConfig:
    """``[tool.specpilot.pipeline]`` as a PipelineConfig (runs under $SPECPILOT_HOME)."""
    table = settings.raw.get("pipeline", {})
    if not isinstance(table, dict):
        raise ConfigError(f"[pipeline] must be a table, got {table!r}.")
    data = dict(table)
    paths = {k: data.pop(k) for k in _PATH_FIELDS if k in data}
    prices = data.pop("prices", None)
    if "deps" in data:
        raise ConfigError("pipeline.deps is not a key; set the deps keys in [deps].")
    try:
        config = build(PipelineConfig, data, "pipeline")
        extra: dict[str, Any] = {
            "runs_dir": specpilot_home() / "runs",
            "deps": deps_config(settings),
        }
        for key, value in paths.items():
            if not isinstance(value, str):
                raise ConfigError(f"pipeline.{key} must be a path string, got {value!r}.")
            extra[key] = Path(value) if Path(value).is_absolute() else repo / value
        if prices is not None:
            extra["prices"] = {**config.prices, **_prices(prices)}
        return dataclasses.replace(config, **extra)
    except (ValueError, TypeError) as exc:  # pipeline.errors.ConfigError is a ValueError
        raise ConfigError(f"[pipeline]: {exc}") from exc


def _prices(table: Any) -> dict[str, ModelPrice]:
    if not isinstance(table, dict):
        raise ConfigError(f"pipeline.prices must be a table of models, got {table!r}.")
    return {
        name: build(ModelPrice, value, f"pipeline.prices.{name}") for name, value in table.items()
    }


def deps_config(settings: Settings) -> DepsConfig:
    """``[tool.specpilot.deps]``: where packages and advisories are looked up."""
    return build(DepsConfig, settings.raw.get("deps", {}), "deps")


def deliver_settings(settings: Settings) -> DeliverSettings:
    return build(DeliverSettings, settings.raw.get("deliver", {}), "deliver")


def schedule_settings(settings: Settings) -> ScheduleSettings:
    schedule = build(ScheduleSettings, settings.raw.get("schedule", {}), "schedule")
    if schedule.deps_mode not in ("suggest", "pr", "auto"):
        raise ConfigError(
            f"schedule.deps_mode {schedule.deps_mode!r} is not known; use suggest, pr or auto."
        )
    if schedule.deps_max_runs < 0:
        raise ConfigError(
            f"schedule.deps_max_runs must be 0 or more, not {schedule.deps_max_runs}."
        )
    return schedule


def flow_settings(settings: Settings) -> FlowSettings:
    flows = build(FlowSettings, settings.raw.get("flows", {}), "flows")
    if flows.task_runner not in ("threads", "dask"):
        raise ConfigError(
            f"flows.task_runner {flows.task_runner!r} is not known; use 'threads' or 'dask'."
        )
    if flows.dask_workers < 1:
        raise ConfigError(f"flows.dask_workers must be 1 or more, not {flows.dask_workers}.")
    return flows


def audit_log_path(deliver: DeliverSettings | None = None) -> Path:
    if deliver is not None and deliver.audit_log:
        return Path(deliver.audit_log).expanduser()
    return default_audit_path(specpilot_home())
