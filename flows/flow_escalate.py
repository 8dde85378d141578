"""The spec-to-pr flow's ``escalate`` task: a stopped run handed over to a human.

The same hand-over as ``specpilot run`` (``pipeline.escalate_run``: through the policy, rate
limits and secret gate; a draft PR labelled ``needs-human``, or ``ESCALATED.md`` in the run
directory), as its own task so the Prefect UI shows it, with the report as a markdown artifact.
"""

from __future__ import annotations

import os
from pathlib import Path

from prefect import task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from specpilot.flows.pipeline_settings import audit_log_path
from specpilot.flows.spec_run import Composition, SpecRequest
from specpilot.pipeline import Escalation, RunRecord, escalate_run


@task(name="escalate", cache_policy=NO_CACHE)
def escalate_task(record: RunRecord, comp: Composition, req: SpecRequest) -> Escalation:
    """Hand the run over; errors are in the Escalation (and its report), not raised."""
    esc = escalate_run(
        record,
        req.spec,
        config=comp.config,
        audit_log=audit_log_path(comp.deliver),
        audit_key=comp.audit_key,
        remote=comp.deliver.remote,
        github=comp.github(req, os.environ),
    )
    text = Path(esc.report_path).read_text(encoding="utf-8")
    create_markdown_artifact(text, key="escalation", description=record.run_id)
    return esc
