"""Escalation end to end: a real run (scripted model through the real SDK on loopback) that
cannot finish, delivered against the loopback fake GitHub and a bare remote.

The runs are the real ones (``run_spec``: worktree, sandboxed pytest, repair rounds, budget);
the delivery is the real one (``deliver_change``: policy of the base commit, audit log, deploy
through ``GitHubClient``). What is asserted is what a reviewer depends on: a draft PR labelled
``needs-human`` whose body explains the run, the branch on the remote, the run's status and the
audit record — and, in suggest mode or with escalation off, that nothing reaches GitHub.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from specpilot.pipeline.audit.log import read_records, verify
from specpilot.pipeline.core.config import PipelineConfig
from specpilot.pipeline.deliver.deliver import Delivery, deliver_change
from specpilot.pipeline.deliver.github import GitHubClient
from specpilot.pipeline.run.drive import run_spec
from specpilot.pipeline.run.record import RunMode, RunRecord, load_record
from specpilot.pipeline.run.spec import parse_spec
from specpilot.pipeline.testing import ScriptedReply, tool_reply
from tests.fake_github import FakeGitHub
from tests.pipeline.conftest import StartServer
from tests.pipeline.policy_fixtures import AUDIT_KEY, bare_remote, refs
from tests.pipeline.run_helpers import ADD_MUL, ADD_MUL_TEST, edit, git, model_for, plan_reply

TOKEN = "ghp_escalation_test_token_0000000000000"
SPEC = parse_spec(
    "---\ntitle: Add a multiply helper\nacceptance:\n  - mul(2, 3) == 6\n---\n"
    "Add `mul` next to `add` in calc/ops.py.\n",
    source="specs/add-mul.md",
)
OPS, TESTS = "calc/ops.py", "tests/test_ops.py"
BROKEN = ADD_MUL[1].replace("return a * b", "return a + b")
PLAN_STEPS = ("Add the function", "Add a test", "Run the tests")  # run_helpers.plan_reply


def red_script() -> list[ScriptedReply]:
    """mul returns a + b; the one repair round 'fixes' it to a - b: red after every round."""
    return [
        plan_reply(),
        tool_reply(edit(OPS, ADD_MUL[0], BROKEN), edit(TESTS, *ADD_MUL_TEST)),
        tool_reply(("finish", {"summary": "Added mul."})),
        tool_reply(
            edit(OPS, "def mul(a, b):\n    return a + b", "def mul(a, b):\n    return a - b")
        ),
        tool_reply(("finish", {"summary": "Fixed mul."})),
    ]


@dataclass
class Env:
    repo: Path
    remote: Path
    gh: FakeGitHub
    config: PipelineConfig
    audit_log: Path

    @property
    def client(self) -> GitHubClient:
        return GitHubClient(self.gh.repo, token=TOKEN, base_url=self.gh.base_url)


@pytest.fixture
def env(demo_repo: Path, config: PipelineConfig, tmp_path: Path) -> Iterator[Env]:
    remote = bare_remote(demo_repo, tmp_path / "remote.git")
    with FakeGitHub(token=TOKEN, git_dir=remote) as gh:
        cfg = replace(config, max_repair_rounds=1)
        yield Env(demo_repo, remote, gh, cfg, tmp_path / "audit.jsonl")


def _run(env: Env, server: StartServer, script: list[ScriptedReply], mode: RunMode = "pr",
         config: PipelineConfig | None = None) -> RunRecord:  # fmt: skip
    cfg = config or env.config
    srv = server(script)
    return run_spec(
        SPEC, repo=env.repo, mode=mode, config=cfg, model=model_for(srv, cfg), index=None
    )


def _deliver(env: Env, record: RunRecord, config: PipelineConfig | None = None) -> Delivery:
    return deliver_change(
        record, SPEC, config=config or env.config, audit_log=env.audit_log,
        audit_key=AUDIT_KEY, actor="tester", github=env.client,
    )  # fmt: skip


def _escalated_audit(env: Env) -> list[str]:
    assert verify(env.audit_log, AUDIT_KEY).ok
    (rec,) = read_records(env.audit_log)
    return list(rec.notes)


@pytest.mark.timeout(120)
def test_red_tests_after_the_repair_rounds_open_a_draft_pr_labelled_needs_human(
    env: Env, scripted_server: StartServer
) -> None:
    record = _run(env, scripted_server, red_script())
    assert record.status == "stopped" and record.repair_rounds == 1
    assert "still fail after 1 repair round" in (record.stop_reason or "")
    assert env.config.escalate  # on by default: nothing in the config turned it on

    d = _deliver(env, record)

    assert d.outcome == "escalated" and not d.ok and d.error is None
    # one draft PR, labelled needs-human, from the run's branch to main
    (call,) = env.gh.calls("POST", "/pulls")
    assert call.authorized and call.body["draft"] is True
    assert call.body["head"] == "specpilot/add-mul" and call.body["base"] == "main"
    assert call.body["title"] == "[needs-human] Add a multiply helper"
    assert "needs-human" in env.gh.labels(1)
    assert d.deploy is not None and d.deploy.pr_url == env.gh.pull(1)["html_url"]
    # the body is the report: what was tried, the failing tests, the plan not delivered
    body = env.gh.pull(1)["body"]
    assert "## What was tried" in body and "2 test run(s), 1 repair round(s)" in body
    assert "## Failing tests" in body and "tests.test_ops::test_mul" in body
    assert "assert -1 == 6" in body  # the output tail of the last (a - b) run
    assert "## Remaining plan" in body and all(step in body for step in PLAN_STEPS)
    # the branch was pushed, with the red change the reviewer will pick up
    pushed = git(env.remote, "show", "refs/heads/specpilot/add-mul:calc/ops.py")
    assert "def mul(a, b):\n    return a - b" in pushed
    assert git(env.remote, "rev-parse", "refs/heads/main") == git(env.repo, "rev-parse", "main")
    # the run says so: record, report, ESCALATED.md
    run_dir = Path(record.run_dir)
    saved = load_record(run_dir)
    assert saved.status == "escalated" and saved.stop_reason == record.stop_reason
    assert saved.artifacts["escalation"] == "ESCALATED.md"
    escalated_md = (run_dir / "ESCALATED.md").read_text()
    assert f"Draft PR: {d.deploy.pr_url}" in escalated_md
    assert "**Status:** escalated" in (run_dir / "report.md").read_text()
    assert json.loads((run_dir / "delivery.json").read_text())["outcome"] == "escalated"
    # the audit log records it, and verifies
    notes = _escalated_audit(env)
    assert "outcome: escalated" in notes


@pytest.mark.timeout(120)
def test_a_budget_stop_escalates_its_partial_change_too(
    env: Env, scripted_server: StartServer
) -> None:
    config = replace(env.config, max_total_tokens=1500, max_retries=0)
    script = [
        plan_reply(),  # 780 tokens
        tool_reply(edit(OPS, *ADD_MUL), input_tokens=700),  # 1500: the limit
        tool_reply(("finish", {"summary": "never reached"})),
    ]
    record = _run(env, scripted_server, script, config=config)
    assert record.status == "stopped" and "token budget of 1500" in (record.stop_reason or "")

    d = _deliver(env, record, config)

    assert d.outcome == "escalated"
    (call,) = env.gh.calls("POST", "/pulls")
    assert call.body["draft"] is True and "needs-human" in env.gh.labels(1)
    body = env.gh.pull(1)["body"]
    assert "**Why:** budget:" in body and "token budget of 1500" in body
    assert "## Remaining plan" in body and "## Failing tests" not in body  # no test ran
    pushed = git(env.remote, "show", "refs/heads/specpilot/add-mul:calc/ops.py")
    assert "def mul(a, b):\n    return a * b" in pushed
    assert load_record(Path(record.run_dir)).status == "escalated"
    assert "outcome: escalated" in _escalated_audit(env)


@pytest.mark.timeout(120)
def test_suggest_mode_escalates_into_its_run_dir_only(
    env: Env, scripted_server: StartServer
) -> None:
    before_repo, before_remote = refs(env.repo), refs(env.remote)
    told: list[str] = []
    record = _run(env, scripted_server, red_script(), mode="suggest")
    assert record.status == "stopped"

    d = deliver_change(
        record, SPEC, config=env.config, audit_log=env.audit_log, audit_key=AUDIT_KEY,
        actor="tester", github=env.client, tell=lambda body: told.append(body) or "issue #7",
    )  # fmt: skip

    assert d.outcome == "escalated" and d.deploy is None and d.decision is None
    assert env.gh.requests == []  # nothing pushed, no PR
    (body,) = told  # the spec's issue (where it came from) is told, suggest mode or not
    assert body.startswith("# Escalated:") and "Nothing was pushed: suggest mode" in body
    assert refs(env.repo) == before_repo and refs(env.remote) == before_remote
    assert git(env.repo, "status", "--porcelain") == ""
    run_dir = Path(record.run_dir)
    text = (run_dir / "ESCALATED.md").read_text()
    assert "Nothing was pushed: suggest mode" in text and "## Failing tests" in text
    assert load_record(run_dir).status == "escalated"


@pytest.mark.timeout(120)
def test_with_escalation_off_a_red_run_just_stops(env: Env, scripted_server: StartServer) -> None:
    off = replace(env.config, escalate=False)
    before_remote = refs(env.remote)
    record = _run(env, scripted_server, red_script(), config=off)

    d = _deliver(env, record, off)

    assert d.outcome == "stopped" and d.deploy is None and d.decision is None
    assert env.gh.requests == [] and refs(env.remote) == before_remote
    run_dir = Path(record.run_dir)
    assert not (run_dir / "ESCALATED.md").exists()
    assert load_record(run_dir).status == "stopped"
    assert "outcome: stopped" in _escalated_audit(env)
