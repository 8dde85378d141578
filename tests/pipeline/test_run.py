"""End-to-end runs of ``run_spec`` against the scripted Messages API server.

Each scenario asserts on the worktree, the branch, the run record and the requests the
server received — not only on the return value.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from specpilot.pipeline.core.config import PipelineConfig
from specpilot.pipeline.run.drive import NEEDS_MODEL, run_spec
from specpilot.pipeline.run.record import load_record
from specpilot.pipeline.run.spec import parse_spec
from specpilot.pipeline.testing import GrepIndex, tool_reply
from specpilot.pipeline.workspace.sandbox import probe_isolation
from tests.pipeline.conftest import StartServer
from tests.pipeline.run_case import OPS, SPEC, TESTS, branch_names, trace_events
from tests.pipeline.run_helpers import (
    ADD_MUL,
    ADD_MUL_TEST,
    all_text,
    edit,
    git,
    model_for,
    plan_reply,
    tool_results,
)


def _worktrees(repo: Path) -> list[str]:
    return [
        ln
        for ln in git(repo, "worktree", "list", "--porcelain").splitlines()
        if ln.startswith("worktree ")
    ]


def _assert_checkout_untouched(repo: Path, head: str) -> None:
    assert git(repo, "status", "--porcelain") == ""
    assert git(repo, "rev-parse", "HEAD").strip() == head
    assert git(repo, "branch", "--show-current").strip() == "main"
    assert "def mul" not in (repo / OPS).read_text()


@pytest.mark.timeout(60)
def test_happy_path_ends_in_a_green_commit_on_its_own_branch(
    demo_repo: Path, config: PipelineConfig, scripted_server: StartServer
) -> None:
    head = git(demo_repo, "rev-parse", "HEAD").strip()
    server = scripted_server(
        [
            plan_reply(),
            tool_reply(("read_file", {"path": OPS}), ("search_code", {"query": "def add"})),
            tool_reply(edit(OPS, *ADD_MUL)),
            tool_reply(edit(TESTS, *ADD_MUL_TEST), ("find_symbol", {"name": "mul"})),
            tool_reply(("run_tests", {})),
            tool_reply(("finish", {"summary": "Added mul and its test."})),
        ]
    )
    record = run_spec(
        SPEC,
        repo=demo_repo,
        mode="pr",
        config=config,
        model=model_for(server, config),
        index=GrepIndex(demo_repo),
        worktree_index=GrepIndex,
    )

    assert record.status == "green", record.stop_reason
    assert record.branch == "specpilot/add-mul"
    assert record.files_changed == (OPS, TESTS)
    assert record.test_reports[-1].passed and record.test_reports[-1].tests == 3
    assert record.network_isolated is probe_isolation().available
    # the branch holds one commit by the pipeline's author, on top of main
    log = git(demo_repo, "log", "--format=%an <%ae>|%s", "main..specpilot/add-mul").splitlines()
    assert log == ["specpilot <specpilot@localhost>|specpilot: Add a multiply helper"]
    assert git(demo_repo, "rev-parse", "specpilot/add-mul").strip() == record.commit
    shown = git(demo_repo, "show", "--stat", "--format=", record.commit)
    assert OPS in shown and TESTS in shown
    # the worktree is clean at that commit; the user's checkout is untouched
    wt = Path(record.worktree or "")
    assert wt.parent == config.worktrees_dir
    assert "def mul(a, b):\n    return a * b" in (wt / OPS).read_text()
    assert git(wt, "status", "--porcelain", "--untracked-files=no") == ""
    _assert_checkout_untouched(demo_repo, head)
    # the run directory
    run_dir = Path(record.run_dir)
    assert load_record(run_dir) == record
    for name in ("spec.md", "config.json", "context.md", "plan.json", "changes.patch", "report.md"):
        assert (run_dir / name).is_file(), name
    assert "+def mul(a, b):" in (run_dir / "changes.patch").read_text()
    events = trace_events(run_dir)
    model_calls = [e for e in events if e["kind"] == "model_call"]
    assert len(model_calls) == len(server.requests) == record.model_calls == 6
    assert model_calls[0]["stage"] == "plan" and model_calls[1]["stage"] == "code"
    assert [e["tool"] for e in events if e["kind"] == "tool_call"] == [
        "read_file", "search_code", "edit_file", "edit_file", "find_symbol", "run_tests", "finish",
    ]  # fmt: skip
    assert record.tool_steps == 7
    assert record.input_tokens == 400 + 5 * 100 and record.cache_write_tokens == 300
    assert record.cost_usd is not None and record.cost_usd > 0
    # what the server received: the plan is forced through its tool, context is cached,
    # the model name comes from config, every tool_use gets its tool_result back
    first = server.requests[0].body
    assert first["model"] == config.model
    assert first["tool_choice"] == {"type": "auto"}  # offered, never forced
    assert first["system"][-1]["cache_control"] == {"type": "ephemeral"}
    assert "calc/ops.py" in first["system"][-1]["text"]  # retrieval grounding
    code_req = server.requests[1].body
    assert {t["name"] for t in code_req["tools"]} >= {"read_file", "edit_file", "finish"}
    read_result = tool_results(server.requests[2].body)[0]
    assert "def add(a, b):" in read_result["content"] and not read_result["is_error"]
    found = tool_results(server.requests[4].body)[1]
    assert "calc/ops.py" in found["content"]  # the index sees the agent's own edit
    ran = tool_results(server.requests[5].body)[0]
    assert ran["content"].startswith("Tests PASSED")


@pytest.mark.timeout(60)
def test_failing_edit_goes_back_for_repair_then_passes(
    demo_repo: Path, config: PipelineConfig, scripted_server: StartServer
) -> None:
    broken = ADD_MUL[1].replace("return a * b", "return a + b")
    server = scripted_server(
        [
            plan_reply(),
            tool_reply(edit(OPS, ADD_MUL[0], broken), edit(TESTS, *ADD_MUL_TEST)),
            tool_reply(("finish", {"summary": "Added mul."})),
            # repair round: the model sees the failure and fixes the bug
            tool_reply(
                edit(OPS, "def mul(a, b):\n    return a + b", "def mul(a, b):\n    return a * b")
            ),
            tool_reply(("finish", {"summary": "Fixed mul."})),
        ]
    )
    record = run_spec(
        SPEC, repo=demo_repo, mode="pr", config=config,
        model=model_for(server, config), index=None,
    )  # fmt: skip

    assert record.status == "green", record.stop_reason
    assert record.repair_rounds == 1
    first, second = record.test_reports
    assert not first.passed and first.failures == 1
    assert [c.name for c in first.failed_cases] == ["tests.test_ops::test_mul"]
    assert "assert 5 == 6" in first.failed_cases[0].details
    assert second.passed
    # the repair request carried the trimmed failure next to the finish tool result
    repair = server.requests[3].body["messages"][-1]["content"]
    assert repair[0]["type"] == "tool_result"
    assert "Tests FAILED" in repair[-1]["text"] and "test_mul" in repair[-1]["text"]
    assert "return a * b" in git(demo_repo, "show", f"{record.commit}:{OPS}")
    assert "No code index was given" in " ".join(record.warnings)


@pytest.mark.timeout(60)
def test_paths_outside_the_worktree_are_refused_and_the_run_continues(
    make_repo, config: PipelineConfig, scripted_server: StartServer, tmp_path: Path
) -> None:
    from tests.pipeline.run_helpers import DEMO_FILES

    secret = tmp_path / "outside" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text("TOP-SECRET-CONTENT\n")
    repo = make_repo(DEMO_FILES, git=True, name="repo")
    (repo / "escape").symlink_to(secret.parent)  # a committed symlink that leads out
    git(repo, "add", "escape")
    git(repo, "commit", "-q", "-m", "add a symlink")
    server = scripted_server(
        [
            plan_reply(),
            tool_reply(
                ("read_file", {"path": "../../etc/passwd"}),
                ("read_file", {"path": str(secret)}),
                ("read_file", {"path": "escape/secret.txt"}),
                ("create_file", {"path": "escape/new.txt", "content": "x"}),
                edit("escape/secret.txt", "TOP", "BOTTOM"),
                ("list_dir", {"path": ".."}),
            ),
            tool_reply(edit(OPS, *ADD_MUL), edit(TESTS, *ADD_MUL_TEST)),
            tool_reply(("finish", {"summary": "Added mul."})),
        ]
    )
    record = run_spec(
        SPEC, repo=repo, mode="pr", config=config, model=model_for(server, config), index=None
    )

    results = tool_results(server.requests[2].body)
    assert [r["is_error"] for r in results] == [True] * 6
    assert "contains '..'" in results[0]["content"]
    assert "absolute" in results[1]["content"]
    assert "symlink" in results[2]["content"] and "symlink" in results[3]["content"]
    assert "TOP-SECRET" not in all_text([r.body for r in server.requests])
    assert secret.read_text() == "TOP-SECRET-CONTENT\n"
    assert not (secret.parent / "new.txt").exists()
    assert record.status == "green", record.stop_reason
    assert record.files_changed == (OPS, TESTS)


@pytest.mark.timeout(60)
def test_edit_that_matches_nothing_or_twice_is_refused(
    demo_repo: Path, config: PipelineConfig, scripted_server: StartServer
) -> None:
    server = scripted_server(
        [
            plan_reply(),
            tool_reply(
                edit(OPS, "def nothing_like_this():", "x"),
                edit(OPS, "    return a", "    return 0"),
            ),
            tool_reply(edit(OPS, *ADD_MUL), edit(TESTS, *ADD_MUL_TEST)),
            tool_reply(("finish", {"summary": "Added mul."})),
        ]
    )
    record = run_spec(
        SPEC, repo=demo_repo, mode="pr", config=config, model=model_for(server, config), index=None
    )

    not_found, twice = tool_results(server.requests[2].body)
    assert not_found["is_error"] and "was not found in calc/ops.py" in not_found["content"]
    assert twice["is_error"] and "matches 2 times" in twice["content"]
    assert "lines 5, 9" in twice["content"]
    assert record.status == "green", record.stop_reason
    text = git(demo_repo, "show", f"{record.commit}:{OPS}")
    assert text.count("return a + b") == 1 and "return 0" not in text


@pytest.mark.timeout(60)
def test_suggest_mode_without_a_key_plans_from_retrieval_and_writes_nothing(
    demo_repo: Path, config: PipelineConfig
) -> None:
    head = git(demo_repo, "rev-parse", "HEAD").strip()
    branches, worktrees = branch_names(demo_repo), _worktrees(demo_repo)

    record = run_spec(
        SPEC, repo=demo_repo, mode="suggest", config=config, model=None,
        index=GrepIndex(demo_repo),
    )  # fmt: skip

    assert record.status == "suggested"
    assert record.stop_reason == NEEDS_MODEL
    assert record.plan is not None and record.plan.source == "retrieval"
    assert record.plan.files_to_change[0].path == OPS
    assert "add" in record.plan.files_to_change[0].symbols
    assert TESTS in record.plan.tests_to_run
    assert record.model is None and record.model_calls == 0 and record.cost_usd is None
    assert record.branch is None and record.worktree is None and record.commit is None
    report = (Path(record.run_dir) / "report.md").read_text()
    assert "Writing code needs a model" in report and "`calc/ops.py`" in report
    _assert_checkout_untouched(demo_repo, head)
    assert branch_names(demo_repo) == branches and _worktrees(demo_repo) == worktrees
    assert not config.worktrees_dir or not config.worktrees_dir.exists()


@pytest.mark.timeout(60)
def test_suggest_mode_with_a_model_leaves_a_patch_and_no_branch_or_worktree(
    demo_repo: Path, config: PipelineConfig, scripted_server: StartServer
) -> None:
    head = git(demo_repo, "rev-parse", "HEAD").strip()
    server = scripted_server(
        [
            plan_reply(),
            tool_reply(edit(OPS, *ADD_MUL), edit(TESTS, *ADD_MUL_TEST)),
            tool_reply(("finish", {"summary": "Added mul."})),
        ]
    )
    record = run_spec(
        SPEC, repo=demo_repo, mode="suggest", config=config, model=model_for(server, config),
        index=GrepIndex(demo_repo), worktree_index=GrepIndex,
    )  # fmt: skip

    assert record.status == "suggested", record.stop_reason
    assert record.test_reports[-1].passed
    assert record.branch is None and record.worktree is None and record.commit is None
    patch = (Path(record.run_dir) / "changes.patch").read_text()
    assert "+def mul(a, b):" in patch and "+def test_mul():" in patch
    _assert_checkout_untouched(demo_repo, head)
    assert branch_names(demo_repo) == ["main"] and len(_worktrees(demo_repo)) == 1
    # the patch applies to the user's checkout
    subprocess.run(
        ["git", "apply", "--check", "-"], input=patch, text=True, cwd=demo_repo, check=True
    )


@pytest.mark.timeout(60)
def test_spec_and_policy_blocks_are_enforced_during_the_run(
    demo_repo: Path, config: PipelineConfig, scripted_server: StartServer
) -> None:
    spec = parse_spec(
        "---\ntitle: Add a multiply helper\npaths:\n  allow: ['calc/**', 'tests/**']\n---\n",
        source="specs/add-mul.md",
    )
    server = scripted_server(
        [
            plan_reply(),
            tool_reply(
                edit(TESTS, *ADD_MUL_TEST),  # blocked by the policy
                ("create_file", {"path": "setup.py", "content": ""}),  # outside the allow list
                edit(OPS, *ADD_MUL),
            ),
            tool_reply(("finish", {"summary": "Added mul without a test."})),
        ]
    )
    record = run_spec(
        spec, repo=demo_repo, mode="pr", config=config, model=model_for(server, config),
        index=None, blocked_paths=["tests/"],
    )  # fmt: skip
    blocked, outside, ok = tool_results(server.requests[2].body)
    assert (
        blocked["is_error"] and "blocked for writing (blocked paths: tests/)" in blocked["content"]
    )
    assert outside["is_error"] and "outside the paths this spec allows" in outside["content"]
    assert not ok["is_error"]
    assert record.status == "green" and record.files_changed == (OPS,)


@pytest.mark.timeout(60)
def test_missing_network_isolation_is_reported_in_the_record(
    demo_repo: Path,
    config: PipelineConfig,
    scripted_server: StartServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import specpilot.pipeline.workspace.test_runner as test_runner
    from specpilot.pipeline.workspace.sandbox import IsolationStatus

    monkeypatch.setattr(
        test_runner, "probe_isolation", lambda: IsolationStatus(False, "no user namespaces")
    )
    server = scripted_server(
        [plan_reply(), tool_reply(edit(OPS, *ADD_MUL)), tool_reply(("finish", {"summary": "x"}))]
    )
    record = run_spec(
        SPEC, repo=demo_repo, mode="pr", config=config, model=model_for(server, config), index=None
    )
    assert record.status == "green" and record.network_isolated is False
    assert any("not isolated from the network" in w for w in record.warnings)
    report = (Path(record.run_dir) / "report.md").read_text()
    assert "tests ran WITH network access: no user namespaces" in report
