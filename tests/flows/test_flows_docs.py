"""The flows' and pipeline's own config sections are documented key by key; deployments
take their schedule from the config."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from specpilot.flows.pipeline_settings import DeliverSettings, FlowSettings, ScheduleSettings
from specpilot.pipeline import DepsConfig

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.mark.parametrize(
    ("cls", "doc"),
    [
        (ScheduleSettings, "flows.md"),
        (FlowSettings, "flows.md"),
        (DeliverSettings, "pipeline.md"),
        (DepsConfig, "deps.md"),
    ],
)
def test_every_key_is_documented(cls: type, doc: str) -> None:
    text = (DOCS / doc).read_text()
    missing = [f.name for f in dataclasses.fields(cls) if f"`{f.name}`" not in text]
    assert not missing, f"{doc} does not document {cls.__name__} keys {missing}"


def test_the_cli_sections_exist() -> None:
    assert "## Running a spec" in (DOCS / "pipeline.md").read_text()
    flows = (DOCS / "flows.md").read_text()
    for needle in ("prefect server start", "specpilot serve", "specpilot submit", "--work-pool"):
        assert needle in flows, needle


def test_deployments_take_the_schedule_from_the_config(tmp_path: Path) -> None:
    from specpilot.flows.deployments import build_deployments
    from specpilot.flows.errors import ConfigError
    from specpilot.flows.pipeline_settings import ScheduleSettings, schedule_settings
    from specpilot.flows.settings import load_settings

    (tmp_path / "pyproject.toml").write_text(
        '[tool.specpilot.schedule]\nindex_cron = "30 3 * * *"\ntimezone = "Europe/Berlin"\n'
    )
    schedule = schedule_settings(load_settings(tmp_path))
    index, spec, kpis, *_ = build_deployments(tmp_path, ["index.embed.model='hash'"], schedule)
    assert (index.full_name, spec.full_name) == ("index-repo/nightly", "spec-to-pr/default")
    (sched,) = index.schedules
    assert (sched.schedule.cron, sched.schedule.timezone) == ("30 3 * * *", "Europe/Berlin")
    assert (
        kpis.full_name == "delivery-kpis/nightly"
        and kpis.schedules[0].schedule.cron == "30 3 * * *"
    )
    assert kpis.entrypoint == "specpilot.flows.flow_report.delivery_kpis_flow"
    assert spec.schedules == [] and spec.entrypoint == "specpilot.flows.flow_spec.spec_to_pr"
    assert index.parameters == {"repo": str(tmp_path), "overrides": ["index.embed.model='hash'"]}
    assert ScheduleSettings().index_cron == "0 2 * * *"
    with pytest.raises(ConfigError, match="not a valid cron schedule"):
        build_deployments(tmp_path, [], ScheduleSettings(index_cron="bogus"))
