"""The CLI of the spec pipeline: run (suggest / pr / auto), gates and policy explain (the audit
commands are in test_cli_audit.py).

The model is the real Anthropic SDK pointed at the scripted loopback server
(``ANTHROPIC_BASE_URL``); the remote is a local bare repository. Nothing reaches the network.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from specpilot.flows import render_pipeline
from specpilot.flows.commands import app
from specpilot.pipeline.audit.log import AuditEntry, append
from specpilot.pipeline.testing import ScriptedMessagesServer
from tests.conftest import MakeRepo
from tests.flows.cli_pipeline_helpers import result_json, user_audit_key
from tests.flows.spec_helpers import (
    DEMO_FILES,
    DOCS_SPEC,
    HASH,
    add_bare_remote,
    docs_script,
    git,
    snapshot,
)


@pytest.fixture
def repo(make_repo: MakeRepo) -> Path:
    return make_repo(DEMO_FILES, git=True, name="repo")


@pytest.fixture
def spec_file(tmp_path: Path) -> Path:
    path = tmp_path / "specs" / "usage-docs.md"
    path.parent.mkdir()
    path.write_text(DOCS_SPEC)
    return path


@pytest.fixture
def model_env() -> Iterator[dict[str, str]]:
    with ScriptedMessagesServer(docs_script()) as server:
        yield {"ANTHROPIC_API_KEY": "test-key", "ANTHROPIC_BASE_URL": server.url}


def _run(runner: CliRunner, spec: Path, repo: Path, *args: str, **kw: Any) -> Result:
    return runner.invoke(app, ["run", str(spec), "--repo", str(repo), "--json", *HASH, *args], **kw)


def test_suggest_without_a_key_plans_reports_and_leaves_the_repo_byte_identical(
    runner: CliRunner,
    repo: Path,
    spec_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = snapshot(repo)
    data = result_json(_run(runner, spec_file, repo))
    assert data["outcome"] == "suggested" and data["ok"] is True
    assert data["run_status"] == "suggested" and data["mode"] == "suggest"
    assert "ANTHROPIC_API_KEY" in data["message"]
    run_dir = Path(data["run_dir"])
    assert run_dir.is_relative_to(tmp_path / "home" / "runs")
    report = (run_dir / "report.md").read_text()
    assert (
        "retrieval-only plan" in report and "docs/usage.md" in (run_dir / "context.md").read_text()
    )
    assert json.loads((run_dir / "delivery.json").read_text())["outcome"] == "suggested"
    # the suggestion itself: plan.json's object under "plan", the spec's acceptance criteria
    assert data["plan"] == json.loads((run_dir / "plan.json").read_text())
    assert data["plan"]["files_to_change"][0]["path"] == "docs/usage.md"
    assert all(isinstance(s, str) for f in data["plan"]["files_to_change"] for s in f["symbols"])
    assert data["acceptance"] == ["docs/usage.md says to run it twice"]
    record = json.loads((run_dir / "record.json").read_text())
    assert record["duration_s"] > 0.05  # retrieval and planning are part of the run
    assert "- Duration: 0.0 s" not in report
    assert data["audit_seq"] == 0 and data["decision"] is None and data["deploy"] is None
    assert snapshot(repo) == before
    render_pipeline.delivery({**data, "message": "a [bracketed] message"})  # text, not markup
    assert "suggested a [bracketed] message" in capsys.readouterr().out

    shown = result_json(runner.invoke(app, ["audit", "show", data["run_id"][:20], "--json"]))
    assert [r["run_id"] for r in shown] == [data["run_id"]]
    assert shown[0]["actor"] == "tester" and shown[0]["trigger"] == "cli"
    shown_text = runner.invoke(
        app, ["run", str(spec_file), "--repo", str(repo), *HASH]
    ).stdout  # the terminal view shows the plan, not only a path to report.md
    assert "Files to change" in shown_text and "docs/usage.md" in shown_text
    assert "docs/usage.md says to run it twice" in shown_text
    assert shown[0]["spec_path"] == str(spec_file) and len(shown[0]["spec_hash"]) == 64


def test_pr_mode_pushes_a_branch_with_a_pr_description(
    runner: CliRunner, repo: Path, spec_file: Path, tmp_path: Path, model_env: dict[str, str]
) -> None:
    remote = add_bare_remote(repo, tmp_path / "remote.git")
    head = git(repo, "rev-parse", "HEAD")
    data = result_json(_run(runner, spec_file, repo, "--mode", "pr", env=model_env))
    assert data["outcome"] == "pr", data["message"]
    deploy, decision = data["deploy"], data["decision"]
    assert decision["tier"] == 2 and decision["change_kind"] == "docs"
    assert "mode.pr" in [r["rule"] for r in decision["reasons"]]
    branch = deploy["branch"]
    assert branch == "specpilot/usage-docs" and deploy["pushed"] is True
    assert git(remote, "rev-parse", f"refs/heads/{branch}").strip() == deploy["commit_sha"]
    assert "Run it twice." in git(remote, "show", f"{branch}:docs/usage.md")
    pr_md = Path(deploy["pr_description_path"]).read_text()
    assert "Explain how often to run it" in pr_md and f"`{branch}` → `main`" in pr_md
    # the user's checkout is untouched; the run's worktree was removed after the push
    assert git(repo, "rev-parse", "HEAD") == head and git(repo, "status", "--porcelain") == ""
    assert git(repo, "worktree", "list").count("\n") == 1
    record = json.loads((Path(data["run_dir"]) / "record.json").read_text())
    assert record["status"] == "green" and record["model_calls"] == 3

    shown = result_json(runner.invoke(app, ["audit", "show", data["run_id"][:20], "--json"]))
    assert shown[0]["model"] == "claude-sonnet-4-6"
    assert shown[0]["tool_calls"] == {"edit_file": 1, "finish": 1}
    assert shown[0]["tests"]["passed"] is True and shown[0]["deploy"]["action"] == "pr"


def test_pr_mode_without_a_remote_keeps_the_branch_exit_0_said_once(
    runner: CliRunner, repo: Path, spec_file: Path, model_env: dict[str, str]
) -> None:
    result = _run(runner, spec_file, repo, "--mode", "pr", env=model_env)
    data = result_json(result)  # exit 0: the tested commit exists, on a branch that is kept
    assert data["outcome"] == "pr" and data["ok"] is True and data["error"] is None
    branch = data["deploy"]["branch"]
    assert data["deploy"]["pushed"] is False and branch == "specpilot/usage-docs"
    assert git(repo, "rev-parse", branch).strip() == data["deploy"]["commit_sha"]
    assert f"git push <remote> {branch}" in data["message"]
    assert "not a git remote" not in result.stderr  # said once, in the delivery
    assert "Traceback" not in result.output + result.stderr


def test_a_local_server_without_any_key_is_enough_for_pr_mode(
    runner: CliRunner, repo: Path, spec_file: Path, tmp_path: Path
) -> None:
    add_bare_remote(repo, tmp_path / "remote.git")
    with ScriptedMessagesServer(docs_script()) as server:
        result = _run(runner, spec_file, repo, "--mode", "pr",
                      env={"ANTHROPIC_BASE_URL": server.url})  # fmt: skip
        sent = [r.headers for r in server.requests]
    data = result_json(result)
    assert data["outcome"] == "pr", data["message"]
    assert sent and all("authorization" not in h and "x-api-key" not in h for h in sent)


def test_auto_mode_merges_a_docs_only_change_on_green(
    runner: CliRunner, repo: Path, spec_file: Path, tmp_path: Path, model_env: dict[str, str]
) -> None:
    remote = add_bare_remote(repo, tmp_path / "remote.git")
    old_main = git(remote, "rev-parse", "main").strip()
    data = result_json(_run(runner, spec_file, repo, "--mode", "auto", env=model_env))
    assert data["outcome"] == "merged", data["message"]
    deploy = data["deploy"]
    assert data["decision"]["tier"] == 1 and deploy["action"] == "merge"
    assert deploy["merge_tests_passed"] is True and "passed" in deploy["merge_tests_summary"]
    new_main = git(remote, "rev-parse", "main").strip()
    assert new_main == deploy["merge_sha"] != old_main
    assert git(remote, "merge-base", "--is-ancestor", old_main, new_main) == ""
    assert "Run it twice." in git(remote, "show", "main:docs/usage.md")
    assert (repo / "docs/usage.md").read_text() == DEMO_FILES["docs/usage.md"]


def test_policy_explain_json(runner: CliRunner, repo: Path, tmp_path: Path) -> None:
    (repo / ".github/workflows").mkdir(parents=True)
    (repo / ".github/workflows/ci.yml").write_text("on: push\n")
    (repo / "docs/usage.md").write_text("# Usage\n\nRun it twice.\n")
    diff = tmp_path / "change.patch"
    git(repo, "add", "-N", ".github/workflows/ci.yml")
    diff.write_text(git(repo, "diff"))
    data = result_json(
        runner.invoke(
            app, ["policy", "explain", "--repo", str(repo), "--diff", str(diff), "--json"]
        )
    )
    assert data["tier"] == 3 and data["blocked"] is True and data["action"] == "blocked"
    rules = {r["rule"]: r for r in data["reasons"]}
    assert rules["sensitive.ci"]["paths"] == [".github/workflows/ci.yml"]
    assert rules["kind.docs"]["tier"] == 1

    docs_only = tmp_path / "docs.patch"
    docs_only.write_text(git(repo, "diff", "--", "docs/usage.md"))
    args = ["policy", "explain", "--repo", str(repo), "--diff", str(docs_only), "--json"]
    data = result_json(runner.invoke(app, args))
    assert (data["tier"], data["blocked"], data["action"]) == (1, False, "merge")
    data = result_json(runner.invoke(app, [*args, "--mode", "pr", "--risk", "high"]))
    assert data["tier"] == 3 and {"spec.risk", "kind.docs"} <= {r["rule"] for r in data["reasons"]}
    text = runner.invoke(app, ["policy", "explain", "--repo", str(repo), "--diff", str(diff)])
    assert text.exit_code == 0 and "Tier 3 (blocked)" in text.stdout
    assert "sensitive.ci" in text.stdout


@pytest.mark.parametrize(
    ("case", "needle"),
    [
        ("missing-spec", "does not exist"),
        ("malformed-spec", "field 'risk'"),
        ("missing-repo", "does not exist"),
        ("bad-mode", "unknown mode 'yolo'"),
        ("pr-without-key", "needs a model: set ANTHROPIC_API_KEY"),
        ("not-git", "not inside a git repository"),
    ],
)
def test_bad_input_is_a_one_line_error_with_exit_2(
    runner: CliRunner, repo: Path, spec_file: Path, tmp_path: Path, case: str, needle: str
) -> None:
    bad_spec = tmp_path / "bad.md"
    bad_spec.write_text("---\ntitle: x\nrisk: extreme\n---\nbody\n")
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "a.py").write_text("x = 1\n")
    args = {
        "missing-spec": ["run", str(tmp_path / "nope.md"), "--repo", str(repo)],
        "malformed-spec": ["run", str(bad_spec), "--repo", str(repo)],
        "missing-repo": ["run", str(spec_file), "--repo", str(tmp_path / "nowhere")],
        "bad-mode": ["run", str(spec_file), "--repo", str(repo), "--mode", "yolo"],
        "pr-without-key": ["run", str(spec_file), "--repo", str(repo), "--mode", "pr"],
        "not-git": ["run", str(spec_file), "--repo", str(plain)],
    }[case]
    result = runner.invoke(app, [*args, *HASH])
    assert result.exit_code == 2, result.output
    message = " ".join(result.stderr.split())
    assert message.startswith("error:") and needle in message
    assert "Traceback" not in result.output + result.stderr


def test_an_unknown_gate_is_a_usage_error(runner: CliRunner, repo: Path, spec_file: Path) -> None:
    result = _run(runner, spec_file, repo, "--gate", "deploy")
    assert result.exit_code == 2
    assert "--gate 'deploy' is not a gate; valid gates: plan, merge." in result.stderr


def test_a_gate_with_no_terminal_waits_and_names_the_commands(
    runner: CliRunner, repo: Path, spec_file: Path, tmp_path: Path, model_env: dict[str, str]
) -> None:
    remote = add_bare_remote(repo, tmp_path / "remote.git")
    heads = git(remote, "for-each-ref", "refs/heads")
    data = result_json(
        _run(runner, spec_file, repo, "--mode", "pr", "--gate", "plan", env=model_env), code=1
    )
    assert data["outcome"] == "awaiting_approval" and data["ok"] is False
    assert "specpilot submit" in data["message"] and "--gate plan" in data["message"]
    assert git(remote, "for-each-ref", "refs/heads") == heads  # nothing pushed


# runs the CLI in a fresh interpreter, counting IndexStore.open calls and the SDK's import
_SUGGEST_PROBE = """
import json, sys
from specpilot.flows.commands import app
from specpilot.indexer.store.index_store import IndexStore

real_open = IndexStore.open.__func__
opens = []

def counting_open(cls, *args, **kwargs):
    opens.append(args[0] if args else kwargs.get("uri"))
    return real_open(cls, *args, **kwargs)

IndexStore.open = classmethod(counting_open)
try:
    app(["run", sys.argv[1], "--repo", sys.argv[2], "--json", *sys.argv[3:]])
except SystemExit as stop:
    assert not stop.code, stop.code
print(json.dumps({"anthropic": "anthropic" in sys.modules, "opens": len(opens)}))
"""


def test_a_no_key_suggest_run_imports_no_sdk_and_opens_the_store_once(
    repo: Path, spec_file: Path, tmp_path: Path
) -> None:
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "GITHUB_"))}
    env["SPECPILOT_HOME"] = str(tmp_path / "home")

    def run() -> dict[str, Any]:
        done = subprocess.run(
            [sys.executable, "-c", _SUGGEST_PROBE, str(spec_file), str(repo), *HASH],
            env=env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout.rstrip().rpartition("\n")[2])

    run()  # the first run indexes the repository
    assert run() == {"anthropic": False, "opens": 1}  # nothing changed: the run's own open


EARNED_POLICY = "[earned]\ndocs = { merged = 10, max_closed = 0 }\n"


def _earned_repo(repo: Path) -> Path:
    (repo / ".specpilot").mkdir()
    (repo / ".specpilot/policy.toml").write_text(EARNED_POLICY)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "earned autonomy for docs")
    return repo


def test_auto_mode_with_earned_autonomy_and_no_record_opens_a_pr(
    runner: CliRunner, repo: Path, spec_file: Path, tmp_path: Path, model_env: dict[str, str]
) -> None:
    remote = add_bare_remote(_earned_repo(repo), tmp_path / "remote.git")
    old_main = git(remote, "rev-parse", "main").strip()
    data = result_json(_run(runner, spec_file, repo, "--mode", "auto", env=model_env))
    assert data["outcome"] == "pr", data["message"]
    decision = data["decision"]
    assert (decision["tier"], decision["change_kind"], data["deploy"]["action"]) == (
        2,
        "docs",
        "pr",
    )
    reason = next(r for r in decision["reasons"] if r["rule"] == "earned.docs")
    assert reason["tier"] == 2 and "the record shows 0 merged, 0 closed" in reason["message"]
    assert git(remote, "rev-parse", "main").strip() == old_main  # nothing merged
    shown = result_json(runner.invoke(app, ["audit", "show", data["run_id"], "--json"]))
    assert shown[0]["decision"]["earned"]["records"]["docs"]["merged"] == 0

    # a tampered log: the next auto run merges nothing
    log = tmp_path / "home" / "audit" / "audit.jsonl"
    log.write_text(log.read_text().replace('"action":"pr"', '"action":"merge"'))
    with ScriptedMessagesServer(docs_script()) as server:  # a fresh script for the second run
        env = {**model_env, "ANTHROPIC_BASE_URL": server.url}
        failed = result_json(_run(runner, spec_file, repo, "--mode", "auto", env=env), 1)
    assert git(remote, "rev-parse", "main").strip() == old_main
    assert failed["outcome"] == "failed" and "fails verification" in failed["message"], failed


def test_policy_explain_shows_the_earned_record(
    runner: CliRunner, repo: Path, tmp_path: Path
) -> None:
    _earned_repo(repo)
    (repo / "docs/usage.md").write_text("# Usage\n\nRun it twice.\n")
    diff = tmp_path / "docs.patch"
    diff.write_text(git(repo, "diff"))
    git(repo, "checkout", "--", "docs/usage.md")
    key, log = user_audit_key(tmp_path), tmp_path / "home" / "audit" / "audit.jsonl"
    me = str(repo.resolve())
    decision = {"tier": 1, "change_kind": "docs"}
    for n in range(9):
        entry = AuditEntry(run_id=f"m{n}", repo=me, actor="dev", decision=decision,
                           deploy={"action": "merge"})  # fmt: skip
        append(log, entry, key=key)
    append(log, AuditEntry(run_id="x", repo="/elsewhere", actor="dev", decision=decision,
                           deploy={"action": "merge"}), key=key)  # fmt: skip
    args = ["policy", "explain", "--repo", str(repo), "--diff", str(diff)]
    data = result_json(runner.invoke(app, [*args, "--json"]))
    assert (data["tier"], data["action"]) == (2, "pr")
    assert data["earned"]["records"]["docs"]["runs"] == [f"m{n}" for n in range(9)]
    text = runner.invoke(app, args)
    assert text.exit_code == 0 and "earned.docs" in text.stdout
    assert "9 merged, 0 closed" in " ".join(text.stdout.split())
    append(log, AuditEntry(run_id="m9", repo=me, actor="dev", decision=decision,
                           deploy={"action": "merge"}), key=key)  # fmt: skip
    data = result_json(runner.invoke(app, [*args, "--json"]))
    assert (data["tier"], data["action"]) == (1, "merge")
    assert any(
        r["rule"] == "earned.docs" and r["message"].endswith("earned") for r in data["reasons"]
    )
