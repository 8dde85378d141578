"""The flows' and pipeline's own config sections are documented key by key."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from flows.pipeline_settings import DeliverSettings, FlowSettings, ScheduleSettings

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.mark.parametrize(
    ("cls", "doc"),
    [(ScheduleSettings, "flows.md"), (FlowSettings, "flows.md"), (DeliverSettings, "pipeline.md")],
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
