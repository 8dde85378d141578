"""The add-mul spec and the run the real-model replay tests share."""

from __future__ import annotations

from pathlib import Path

from specpilot.pipeline.core.config import PipelineConfig
from specpilot.pipeline.run.drive import run_spec
from specpilot.pipeline.run.record import RunRecord
from specpilot.pipeline.run.spec import parse_spec
from specpilot.pipeline.testing import (
    GrepIndex,
    tool_reply,
)
from tests.pipeline.run_helpers import model_for

SPEC = parse_spec(
    "---\ntitle: Add a multiply helper\nacceptance:\n  - mul(2, 3) == 6\n---\n"
    "Add `mul` next to `add` in calc/ops.py.\n",
    source="specs/add-mul.md",
)

OPS, TESTS = "calc/ops.py", "tests/test_ops.py"

FINISH = tool_reply(("finish", {"summary": "Added mul and its test."}))


def run_add_mul(repo: Path, config: PipelineConfig, server: object, **kw: object) -> RunRecord:
    return run_spec(
        SPEC, repo=repo, mode="pr", config=config, model=model_for(server, config),  # type: ignore[arg-type]
        index=GrepIndex(repo), **kw,  # type: ignore[arg-type]
    )  # fmt: skip
