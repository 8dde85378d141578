"""``specpilot run`` with the spec in a GitHub issue, an OpenSpec change folder or a Spec Kit
feature folder: suggest runs end to end (hash embeddings, no model), the issue told through the
loopback fake GitHub, and every malformed source a one-line error with exit 2."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from specpilot.flows.commands import app
from tests.fake_github import FakeGitHub
from tests.flows.spec_helpers import DEMO_FILES, HASH

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
ISSUE_BODY = (EXAMPLES / "github-issue.md").read_text()
OPENSPEC_FILES = {
    "openspec/changes/add-subtract/proposal.md": (
        "# Change: Add subtraction\n\n## Why\nCallers subtract by adding negatives.\n\n"
        "## What Changes\n- A `sub` helper next to `add`.\n"
    ),
    "openspec/changes/add-subtract/tasks.md": (
        "## 1. Implementation\n- [ ] 1.1 Add `sub(a, b)` to `calc/ops.py`\n"
        "- [ ] 1.2 Document it in `README.md`\n- [ ] 1.3 Test it in `tests/test_ops.py`\n"
    ),
    "openspec/changes/add-subtract/specs/calc/spec.md": (
        "## ADDED Requirements\n\n### Requirement: Subtraction\nThe library SHALL subtract.\n\n"
        "#### Scenario: Two numbers\n- **WHEN** `sub(5, 3)` is called\n- **THEN** it returns 2\n"
    ),
}


@pytest.fixture
def repo(make_repo: Callable[..., Path]) -> Path:
    return make_repo({**DEMO_FILES, **OPENSPEC_FILES}, git=True, name="repo")


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGitHub]:
    with FakeGitHub(token="issue-token", repo="acme/demo") as gh:
        monkeypatch.setenv("GITHUB_TOKEN", "issue-token")
        monkeypatch.setenv("GITHUB_API_URL", gh.base_url)  # the user's API root
        yield gh


def _run(runner: CliRunner, spec: str, repo: Path, *args: str) -> Result:
    return runner.invoke(app, ["run", spec, "--repo", str(repo), "--json", *HASH, *args])


def _json(result: Result) -> Any:
    assert result.exit_code == 0, result.output + result.stderr
    return json.loads(result.stdout)


def test_an_issue_becomes_a_suggest_run_that_comments_on_the_issue(
    runner: CliRunner, repo: Path, github: FakeGitHub
) -> None:
    github.add_issue(5, "Say how often to run it", ISSUE_BODY, ("docs", "specpilot"))
    data = _json(_run(runner, "https://github.com/acme/demo/issues/5", repo))
    assert data["outcome"] == "suggested"
    assert data["acceptance"][0] == "`docs/usage.md` says to run the sync every hour"
    record = json.loads(Path(data["record_path"]).read_text())
    assert record["spec_source"] == "gh:acme/demo#5"
    assert record["spec_source_kind"] == "github-issue"
    assert record["spec_source_ref"] == "https://github.com/acme/demo/issues/5"
    assert len(record["spec_content_hash"]) == 64
    assert github.calls("GET", "/repos/acme/demo/issues/5")[0].authorized
    (comment,) = github.comments(5)
    assert "ran this issue in `suggest` mode: **suggested**" in comment
    assert f"Run `{data['run_id']}`" in comment and "`docs/usage.md`" in comment
    assert f"content:{record['spec_content_hash']}" in comment
    assert data["run_dir"] not in comment  # no local paths posted
    shown = _json(runner.invoke(app, ["audit", "show", data["run_id"], "--json"]))
    assert shown[0]["spec_path"] == "gh:acme/demo#5"
    source_note = "spec_source: github-issue https://github.com/acme/demo/issues/5 "
    assert any(n.startswith(source_note) for n in shown[0]["notes"])


def test_gh_short_form_and_gh_token(
    runner: CliRunner, repo: Path, github: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_TOKEN")
    monkeypatch.setenv("GH_TOKEN", "issue-token")
    github.add_issue(8, "Say how often to run it", ISSUE_BODY)
    data = _json(_run(runner, "gh:acme/demo#8", repo))
    assert data["outcome"] == "suggested" and len(github.comments(8)) == 1


def test_an_openspec_folder_plans_the_files_its_tasks_name(runner: CliRunner, repo: Path) -> None:
    # relative to --repo, as `specpilot run openspec/changes/<id> --repo PATH` is typed
    data = _json(_run(runner, "openspec/changes/add-subtract", repo))
    assert data["outcome"] == "suggested"
    changes = data["plan"]["files_to_change"]
    assert [c["path"] for c in changes[:2]] == ["calc/ops.py", "README.md"]
    assert changes[0]["reason"] == "named by the spec's tasks"
    assert "tests/test_ops.py" in data["plan"]["tests_to_run"]
    assert data["plan"]["steps"][0] == "Task: 1.1 Add `sub(a, b)` to `calc/ops.py`"
    assert data["acceptance"] == [
        "calc: Subtraction — Two numbers: when `sub(5, 3)` is called, then it returns 2"
    ]
    record = json.loads(Path(data["record_path"]).read_text())
    assert record["spec_source_kind"] == "openspec" and record["spec_title"] == "Add subtraction"


def test_a_speckit_folder_runs(runner: CliRunner, repo: Path, tmp_path: Path) -> None:
    feature = shutil.copytree(EXAMPLES / "speckit" / "specs" / "001-csv-export", tmp_path / "f")
    data = _json(_run(runner, str(feature), repo))
    assert data["outcome"] == "suggested"
    assert [c["path"] for c in data["plan"]["files_to_change"][:2]] == [
        "src/reports/export.py",
        "docs/reports.md",
    ]
    assert "SC-001: A 10 000-row report exports in under 2 seconds." in data["acceptance"]


@pytest.mark.parametrize(
    ("case", "needle"),
    [
        ("openspec-without-proposal", "proposal.md: missing; an OpenSpec change folder needs"),
        ("folder-of-nothing", "a folder with neither proposal.md (an OpenSpec change) nor spec.md"),
        ("bad-delta", "spec.md:1: no '## ADDED|MODIFIED|REMOVED Requirements' section"),
        (
            "issue-missing",
            "issue gh:acme/demo#404: cannot be read: it does not exist, or the token",
        ),
        ("issue-forbidden", "issue gh:acme/demo#3: cannot be read: the token lacks access"),
        ("issue-empty-body", "issue gh:acme/demo#4: field 'body' is empty"),
        ("issue-no-token", "reading an issue of acme/demo needs GITHUB_TOKEN (or GH_TOKEN)"),
        ("nothing", "spec nope does not exist; give a Markdown spec file, an OpenSpec change"),
        (
            "issue-other-host",
            "issue https://ghe.example/acme/demo/issues/4: is on ghe.example, but",
        ),
    ],
)
def test_malformed_sources_are_one_line_errors_with_exit_2(
    runner: CliRunner,
    repo: Path,
    github: FakeGitHub,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    case: str,
    needle: str,
) -> None:
    github.add_issue(3, "Hidden", "Do it.")
    github.forbid(3)
    github.add_issue(4, "Empty", "")
    change = tmp_path / "openspec" / "changes" / "x"
    (change / "specs" / "a").mkdir(parents=True)
    (change / "tasks.md").write_text("- [ ] 1.1 do it\n")
    (tmp_path / "empty-folder").mkdir()
    bad = tmp_path / "bad" / "changes" / "y"
    (bad / "specs" / "a").mkdir(parents=True)
    (bad / "proposal.md").write_text("## Why\nBecause.\n")
    (bad / "specs" / "a" / "spec.md").write_text("The client SHALL.\n")
    if case == "issue-no-token":
        monkeypatch.delenv("GITHUB_TOKEN")
    spec = {
        "openspec-without-proposal": str(change),
        "folder-of-nothing": str(tmp_path / "empty-folder"),
        "bad-delta": str(bad),
        "issue-missing": "gh:acme/demo#404",
        "issue-forbidden": "https://github.com/acme/demo/issues/3",
        "issue-empty-body": "gh:acme/demo#4",
        "issue-no-token": "gh:acme/demo#4",
        "nothing": "nope",
        "issue-other-host": "https://ghe.example/acme/demo/issues/4",
    }[case]
    result = runner.invoke(app, ["run", spec, "--repo", str(repo), *HASH])
    assert result.exit_code == 2, result.output + result.stderr
    message = " ".join(result.stderr.split())
    assert message.startswith("error:") and needle in message, message
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output + result.stderr
    assert github.comments(3) == github.comments(4) == []


def test_submit_sends_an_issue_as_a_flow_run_named_after_it(
    runner: CliRunner, repo: Path, github: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    from types import SimpleNamespace

    from specpilot.flows import cli_flows

    sent: list[tuple[str, str]] = []

    def fake_submit(text: str, name: str, *args: Any) -> Any:
        sent.append((text, name))
        return SimpleNamespace(id="0", name="run", state=None)

    monkeypatch.setattr(cli_flows, "_submit", fake_submit)
    monkeypatch.setattr(cli_flows, "api_url", lambda: "http://127.0.0.1:9/api")
    github.add_issue(5, "Say how often to run it", ISSUE_BODY)
    result = runner.invoke(app, ["submit", "gh:acme/demo#5", "--repo", str(repo), "--json"])
    assert result.exit_code == 0, result.output + result.stderr
    ((text, name),) = sent
    assert name == "gh:acme/demo#5" and "title: Say how often to run it" in text
    assert github.comments(5) == []  # the flow run comments when it ends, not submit


def test_a_green_pr_run_of_an_openspec_change_ticks_its_tasks_in_the_branch(
    runner: CliRunner, make_repo: Callable[..., Path]
) -> None:
    from specpilot.pipeline.testing import ScriptedMessagesServer
    from tests.flows.spec_helpers import PYTEST, docs_script, git

    change = "openspec/changes/docs-twice"
    tasks = (
        "## 1. Docs\n- [x] 0.1 Read the guide\n- [ ] 1.1 Say in `docs/usage.md` to run it twice\n"
        "- [ ] 1.2 Keep **the** heading\n\n```text\n- [ ] 1.1 Say in `docs/usage.md` to run it twice\n```\n"
    )
    files = {
        f"{change}/proposal.md": f"---\ntest_command: {PYTEST}\n---\n# Change: Run it twice\n\n"
        "## Why\nOnce is not enough.\n",
        f"{change}/tasks.md": tasks,
    }
    repo = make_repo({**DEMO_FILES, **files}, git=True, name="repo")
    with ScriptedMessagesServer(docs_script()) as server:
        env = {"ANTHROPIC_API_KEY": "test-key", "ANTHROPIC_BASE_URL": server.url}
        data = _json(
            runner.invoke(
                app, ["run", change, "--repo", str(repo), "--mode", "pr", "--json", *HASH], env=env
            )
        )
    assert data["outcome"] == "pr"
    branch = data["deploy"]["branch"]
    ticked = git(repo, "show", f"{branch}:{change}/tasks.md")
    assert ticked == tasks.replace("- [ ] 1.1", "- [x] 1.1", 1).replace("- [ ] 1.2", "- [x] 1.2")
    assert "Run it twice." in git(repo, "show", f"{branch}:docs/usage.md")
    assert (repo / change / "tasks.md").read_text() == tasks  # the user's checkout is untouched
    trace = (Path(data["run_dir"]) / "trace.jsonl").read_text()
    assert '"kind": "tasks_ticked"' in trace


def test_a_run_of_an_issue_that_escalates_tells_the_issue_once(
    runner: CliRunner, repo: Path, github: FakeGitHub
) -> None:
    from specpilot.pipeline.testing import ScriptedMessagesServer, tool_reply
    from tests.flows.spec_helpers import plan_reply

    github.add_issue(6, "Say how often to run it", ISSUE_BODY)
    script = [plan_reply(), tool_reply(("finish", {"summary": "Nothing needed."}))]
    with ScriptedMessagesServer(script) as server:
        env = {"ANTHROPIC_API_KEY": "test-key", "ANTHROPIC_BASE_URL": server.url}
        result = runner.invoke(
            app,
            [
                "run",
                "gh:acme/demo#6",
                "--repo",
                str(repo),
                "--json",
                *HASH,
                "--set",
                "pipeline.escalate=true",
            ],
            env=env,
        )
    data = json.loads(result.stdout)
    assert data["outcome"] == "escalated", data["message"]
    (comment,) = github.comments(6)  # the escalation's report, not a second outcome comment
    assert comment.startswith("# Escalated: Say how often to run it")
    assert "Told: comment on acme/demo#6" in (Path(data["run_dir"]) / "ESCALATED.md").read_text()
