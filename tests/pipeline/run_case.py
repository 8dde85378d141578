"""The add-mul spec the end-to-end runs share, and what a run left behind (branches, trace)."""

from __future__ import annotations

import json
from pathlib import Path

from specpilot.pipeline.run.spec import parse_spec
from tests.pipeline.run_helpers import (
    git,
)

SPEC = parse_spec(
    "---\ntitle: Add a multiply helper\nrisk: low\nacceptance:\n  - mul(2, 3) == 6\n---\n"
    "Add `mul` next to `add` in calc/ops.py.\n",
    source="specs/add-mul.md",
)

OPS = "calc/ops.py"

TESTS = "tests/test_ops.py"


def branch_names(repo: Path) -> list[str]:
    return git(repo, "branch", "--format=%(refname:short)").split()


def trace_events(record_dir: Path) -> list[dict]:
    return [json.loads(ln) for ln in (record_dir / "trace.jsonl").read_text().splitlines()]
