"""The conventions gate: a green diff that breaks the repo's conventions goes back to the model."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from specpilot.conventions import ConventionsConfig, profile_for_repo
from specpilot.pipeline.core.config import PipelineConfig
from specpilot.pipeline.run.drive import run_spec
from specpilot.pipeline.run.spec import parse_spec
from specpilot.pipeline.testing import GrepIndex, tool_reply
from tests.pipeline.conftest import StartServer
from tests.pipeline.run_helpers import git, model_for, plan_reply

SPEC = parse_spec("---\ntitle: Add a multiply helper\n---\nAdd mul to calc/ops.py.\n")
OPS = "calc/ops.py"
SUB = "def sub(a, b):\n    return a - b\n"
CAMEL = SUB + "\n\ndef mulValues(a, b):\n    return a * b\n"
SNAKE = SUB + "\n\ndef mul_values(a, b):\n    return a * b\n"
# the demo repo is small: lower the evidence thresholds so its snake_case naming counts
SMALL = ConventionsConfig(min_evidence=2, min_decisive=2, min_confidence=0.3)


def _edit(old: str, new: str) -> tuple[str, dict[str, str]]:
    return ("edit_file", {"path": OPS, "old_text": old, "new_text": new})


@pytest.mark.timeout(90)
def test_violations_go_back_to_the_code_loop_then_the_fix_is_committed(
    demo_repo: Path, config: PipelineConfig, scripted_server: StartServer
) -> None:
    profile = profile_for_repo(demo_repo, SMALL)
    naming = profile.get("python.naming.function")
    assert naming is not None and naming.value == "snake_case" and naming.strong
    server = scripted_server(
        [
            plan_reply(),
            tool_reply(_edit(SUB, CAMEL)),
            tool_reply(("finish", {"summary": "Added mulValues."})),
            tool_reply(_edit(CAMEL, SNAKE)),
            tool_reply(("finish", {"summary": "Renamed to mul_values."})),
        ]
    )
    record = run_spec(
        SPEC, repo=demo_repo, mode="pr", config=config, model=model_for(server, config),
        index=GrepIndex(demo_repo), worktree_index=GrepIndex, conventions=profile,
    )  # fmt: skip
    assert record.status == "green", record.stop_reason
    assert record.repair_rounds == 1
    committed = git(demo_repo, "show", f"{record.commit}:{OPS}")
    assert "def mul_values(a, b)" in committed and "mulValues" not in committed
    # the model was told what broke which convention, with the evidence
    feedback = json.dumps(server.requests[3].body)
    assert "mulValues" in feedback and "snake_case functions: " in feedback
    events = [
        json.loads(ln) for ln in (Path(record.run_dir) / "trace.jsonl").read_text().splitlines()
    ]
    checks = [e["violations"] for e in events if e.get("kind") == "conventions"]
    assert [len(v) for v in checks] == [1, 0]
    assert checks[0][0]["rule"] == "python.naming.function"


@pytest.mark.timeout(90)
def test_without_a_round_left_the_violation_is_kept_as_a_warning(
    demo_repo: Path, config: PipelineConfig, scripted_server: StartServer
) -> None:
    profile = profile_for_repo(demo_repo, SMALL)
    server = scripted_server(
        [plan_reply(), tool_reply(_edit(SUB, CAMEL)), tool_reply(("finish", {"summary": "Added."}))]
    )
    record = run_spec(
        SPEC, repo=demo_repo, mode="pr", config=replace(config, max_repair_rounds=0),
        model=model_for(server, config), index=GrepIndex(demo_repo), worktree_index=GrepIndex,
        conventions=profile,
    )  # fmt: skip
    assert record.status == "green" and record.repair_rounds == 0
    assert any("mulValues" in w and "conventions" in w for w in record.warnings)
