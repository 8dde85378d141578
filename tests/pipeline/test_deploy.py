"""Tests for pipeline.deploy with a local bare repository as the remote and a loopback fake
GitHub: suggestion, blocked, PR (plain remote and GitHub), tier-1 merge on green / refusal on red,
conflicts with a moved target, checks that are missing, pending or red."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from specpilot.pipeline.core.diffparse import parse_diff
from specpilot.pipeline.core.errors import DeployError, SecretsFound
from specpilot.pipeline.deliver.deploy import deploy
from specpilot.pipeline.deliver.deploy_result import DeployResult, TestOutcome
from specpilot.pipeline.deliver.github import GitHubClient, repo_from_remote_url
from specpilot.pipeline.tiers.policy import Policy
from specpilot.pipeline.tiers.tiering import TierDecision, decide, explain
from tests.fake_github import FakeGitHub
from tests.pipeline.policy_fixtures import (
    AWS_KEY_LINE,
    bare_remote,
    git,
    init_repo,
    make_diff,
    refs,
    write,
)

TOKEN = "ghp_test_token_never_logged"
DOCS = {"docs/usage.md": "# Usage\n\nRun it twice.\n"}
SOURCE = {"src/app.py": "def add(a, b):\n    return b + a\n"}
FAST = Policy.model_validate(
    {"merge": {"poll_interval_s": 0.01, "checks_appear_s": 0, "checks_timeout_s": 5}}
)


@dataclass
class Env:
    repo: Path
    remote: Path
    out: Path


@pytest.fixture
def env(tmp_path: Path) -> Env:
    repo = init_repo(tmp_path / "repo")
    remote = bare_remote(repo, tmp_path / "remote.git")
    return Env(repo, remote, tmp_path / "out")


@pytest.fixture
def fake(env: Env) -> Iterator[FakeGitHub]:
    with FakeGitHub(token=TOKEN, git_dir=env.remote) as gh:
        yield gh


def _client(fake: FakeGitHub) -> GitHubClient:
    return GitHubClient(fake.repo, token=TOKEN, base_url=fake.base_url)


class Tests:
    """A run_tests callable that records where it ran and what it saw."""

    def __init__(self, passed: bool = True, check: str = "docs/usage.md") -> None:
        self.passed, self.check = passed, check
        self.seen: list[str] = []

    def __call__(self, where: Path) -> TestOutcome:
        self.seen.append((where / self.check).read_text())
        return TestOutcome(self.passed, "3 passed" if self.passed else "1 failed, 2 passed")


def _deploy(
    env: Env, changes: Mapping[str, str | bytes | None], mode: str = "auto", **kw: Any
) -> DeployResult:
    diff = make_diff(env.repo, changes)
    decision = kw.pop("decision", None) or explain(env.repo, diff, mode=mode)
    args: dict[str, Any] = {
        "repo": env.repo,
        "diff_text": diff,
        "branch": "specpilot/change-1",
        "base": "main",
        "out_dir": env.out,
        "policy": Policy(),
        "title": "Improve the usage docs",
        "plan": "1. Edit docs/usage.md",
        "test_summary": "3 passed in 0.1s",
        "tests_passed": True,
        **kw,
    }
    return deploy(decision, **args)


def _main(remote: Path) -> str:
    return git(remote, "rev-parse", "refs/heads/main").strip()


def test_suggest_writes_patch_and_report_and_touches_no_ref(env: Env) -> None:
    before = (refs(env.repo), refs(env.remote), git(env.repo, "worktree", "list"))
    result = _deploy(env, SOURCE, mode="suggest")
    assert (result.action, result.tier, result.pushed) == ("suggest", 3, False)
    assert Path(result.patch_path or "").read_text() == make_diff(env.repo, SOURCE)
    report = Path(result.report_path or "").read_text()
    assert "mode.suggest" in report and "src/app.py" in report and "3 passed" in report
    assert (refs(env.repo), refs(env.remote), git(env.repo, "worktree", "list")) == before
    assert git(env.repo, "status", "--porcelain") == ""


def test_blocked_change_writes_only_a_report(env: Env) -> None:
    before = refs(env.remote)
    result = _deploy(env, {".github/workflows/ci.yml": "on: [pull_request]\n"})
    assert result.action == "blocked" and result.patch_path is None
    assert "sensitive.ci" in Path(result.report_path or "").read_text()
    assert refs(env.remote) == before


def test_secret_blocks_before_any_commit(env: Env) -> None:
    diff = make_diff(env.repo, {"src/app.py": AWS_KEY_LINE + "\n"})
    unscanned = decide(parse_diff(diff), Policy(), mode="pr")  # a caller that skipped the scan
    before = refs(env.remote)
    with pytest.raises(SecretsFound, match=r"src/app\.py:1") as info:
        _deploy(env, {"src/app.py": AWS_KEY_LINE + "\n"}, decision=unscanned)
    assert "AKIA" not in str(info.value)
    assert refs(env.remote) == before and not env.out.exists()


def test_pr_on_plain_remote_pushes_branch_and_writes_description(env: Env) -> None:
    branches = git(env.repo, "branch", "--list")
    result = _deploy(env, SOURCE)
    assert (result.action, result.tier, result.branch) == ("pr", 2, "specpilot/change-1")
    pushed = git(env.remote, "show", "specpilot/change-1:src/app.py")
    assert "return b + a" in pushed
    assert git(env.remote, "rev-parse", "specpilot/change-1^").strip() == _main(env.remote)
    desc = Path(result.pr_description_path or "").read_text()
    for part in ("Improve the usage docs", "## Plan", "src/app.py | 2 +1 -1", "3 passed"):
        assert part in desc
    assert "`kind.source` (tier 2)" in desc
    assert git(env.repo, "branch", "--list") == branches  # no local branch was created
    assert "refs/specpilot" not in refs(env.repo)  # the temporary fetch refs are gone
    with pytest.raises(DeployError, match="without force"):
        _deploy(env, {"src/app.py": "X = 2\n"})


def test_pr_through_github_with_labels_and_no_token_leak(
    env: Env, fake: FakeGitHub, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    result = _deploy(env, SOURCE, github=_client(fake))
    assert (result.action, result.pr_number) == ("pr", 1)
    assert result.pr_url == "https://github.com/acme/demo/pull/1"
    (create,) = fake.calls("POST", "/pulls")
    assert create.authorized and create.body["head"] == "specpilot/change-1"
    assert create.body["base"] == "main" and create.body["draft"] is False
    assert "## Tier rationale" in create.body["body"] and "## Diff stat" in create.body["body"]
    assert fake.labels(1) == ["specpilot", "specpilot:tier-2"]
    assert fake.pull(1)["head"]["sha"] == result.commit_sha
    assert TOKEN not in caplog.text and TOKEN not in repr(_client(fake))
    assert not fake.calls("PUT")
    red = _deploy(env, SOURCE, github=_client(fake), tests_passed=False, branch="b-red")
    assert red.action == "pr" and fake.pull(red.pr_number or 0)["draft"] is True
    assert "## Tests: FAILED" in fake.pull(red.pr_number or 0)["body"]


def test_auto_merges_docs_on_green_on_plain_remote(env: Env) -> None:
    tests = Tests(passed=True)
    before = _main(env.remote)
    result = _deploy(env, DOCS, run_tests=tests)
    assert (result.action, result.tier, result.merge_tests_passed) == ("merge", 1, True)
    assert tests.seen == ["# Usage\n\nRun it twice.\n"]  # tests ran on the merge result
    assert _main(env.remote) == result.merge_sha
    parents = git(env.remote, "rev-list", "--parents", "-n1", "main").split()[1:]
    assert parents == [before, result.commit_sha]
    assert "no remote CI was waited for" in (result.checks or "")
    assert git(env.repo, "worktree", "list").count("\n") == 1  # temp worktree removed


def test_auto_refuses_to_merge_on_red(env: Env) -> None:
    before = _main(env.remote)
    result = _deploy(env, DOCS, run_tests=Tests(passed=False))
    assert result.action == "pr" and result.requested == "merge"
    assert _main(env.remote) == before
    assert "tests failed on the merge result" in (result.fallback_reason or "")
    assert result.merge_tests_passed is False
    assert "specpilot/change-1" in git(env.remote, "branch")
    red = _deploy(env, DOCS, tests_passed=False, branch="b2", run_tests=Tests())
    assert red.action == "pr" and "tests failed" in (red.fallback_reason or "")
    no_runner = _deploy(env, DOCS, branch="b3")
    assert no_runner.action == "pr" and "no test runner" in (no_runner.fallback_reason or "")
    assert _main(env.remote) == before


def _advance_remote(env: Env, tmp: Path, changes: dict[str, str]) -> str:
    clone = tmp / "other"
    git(tmp, "clone", "-q", str(env.remote), str(clone))
    write(clone, changes)
    git(clone, "commit", "-qam", "someone else")
    git(clone, "push", "-q", "origin", "main")
    return _main(env.remote)


def test_moved_target_with_conflict_falls_back_to_pr(env: Env, tmp_path: Path) -> None:
    moved = _advance_remote(env, tmp_path, {"docs/usage.md": "# Usage\n\nRun it thrice.\n"})
    result = _deploy(env, DOCS, run_tests=Tests())
    assert result.action == "pr" and _main(env.remote) == moved
    assert "conflicts in docs/usage.md" in (result.fallback_reason or "")
    assert "conflicts in docs/usage.md" in Path(result.pr_description_path or "").read_text()


def test_moved_target_without_conflict_merges_onto_the_new_tip(env: Env, tmp_path: Path) -> None:
    moved = _advance_remote(env, tmp_path, {"README.md": "# demo\n\nMoved.\n"})
    result = _deploy(env, DOCS, run_tests=Tests())
    assert result.action == "merge"
    assert git(env.remote, "rev-parse", "main^1").strip() == moved
    assert any("moved to" in n for n in result.notes)


def test_target_moving_during_tests_is_not_force_pushed(env: Env, tmp_path: Path) -> None:
    def racing_tests(where: Path) -> TestOutcome:
        _advance_remote(env, tmp_path, {"README.md": "# raced\n"})
        return TestOutcome(True, "ok")

    result = _deploy(env, DOCS, run_tests=racing_tests)
    assert result.action == "pr" and "moved while the tests ran" in (result.fallback_reason or "")
    assert git(env.remote, "show", "main:README.md") == "# raced\n"


def test_github_merge_after_green_checks(env: Env, fake: FakeGitHub) -> None:
    fake.script_checks([("ci", "in_progress", None)], [("ci", "completed", "success")])
    fake.set_statuses(("lint", "success"))
    naps: list[float] = []
    result = _deploy(
        env, DOCS, github=_client(fake), policy=FAST, run_tests=Tests(), sleep=naps.append
    )
    assert result.action == "merge" and result.pr_number == 1
    (merge,) = fake.calls("PUT", "/pulls/1/merge")
    assert merge.body == {
        "sha": result.commit_sha,
        "merge_method": "merge",
        "commit_title": "Improve the usage docs",
    }
    assert _main(env.remote) == result.merge_sha  # the fake merged in the bare repo
    assert "check run 'ci': success" in (result.checks or "")
    assert "status 'lint': success" in (result.checks or "")
    assert naps == [0.01]


@pytest.mark.parametrize(
    ("script", "reason"),
    [
        ([], "no status checks or check runs are configured"),
        ([[("ci", "completed", "failure")]], "GitHub checks failed"),
        ([[("ci", "queued", None)]], "did not finish in time"),
    ],
)
def test_github_checks_missing_red_or_pending_leave_the_pr_open(
    env: Env, fake: FakeGitHub, script: list[list[tuple[str, str, str | None]]], reason: str
) -> None:
    fake.script_checks(*script)
    clock = iter(float(i) for i in range(1000))
    result = _deploy(
        env,
        DOCS,
        github=_client(fake),
        policy=FAST,
        run_tests=Tests(),
        sleep=lambda s: None,
        clock=lambda: next(clock),
    )
    assert result.action == "pr" and result.requested == "merge"
    assert reason in (result.fallback_reason or "")
    assert "waited for GitHub checks" in (result.checks or "")
    assert not fake.calls("PUT") and fake.pull(1)["state"] == "open"


def test_github_without_required_checks_merges_when_policy_allows(
    env: Env, fake: FakeGitHub
) -> None:
    relaxed = FAST.model_copy(
        update={"merge": FAST.merge.model_copy(update={"require_checks": False})}
    )
    result = _deploy(env, DOCS, github=_client(fake), policy=relaxed, run_tests=Tests())
    assert result.action == "merge"
    assert "local test run is the only gate" in (result.checks or "")


def test_github_client_errors_and_missing_remote(env: Env, fake: FakeGitHub) -> None:
    assert repo_from_remote_url("git@github.com:acme/demo.git") == "acme/demo"
    assert repo_from_remote_url("https://github.com/acme/demo") == "acme/demo"
    assert repo_from_remote_url(str(env.remote)) is None
    with pytest.raises(DeployError, match="GITHUB_TOKEN is not set"):
        GitHubClient("acme/demo", env={})
    wrong = GitHubClient("acme/demo", token="nope", base_url=fake.base_url)
    with pytest.raises(DeployError, match="HTTP 401: Bad credentials") as info:
        wrong.get_pull(1)
    assert "nope" not in str(info.value)
    with pytest.raises(DeployError, match="not of the form"):
        GitHubClient("acme", token="x")
    git(env.repo, "remote", "remove", "origin")
    kept = _deploy(env, SOURCE, mode="pr")  # no remote: the branch is kept, not a failure
    assert kept.action == "pr" and kept.pushed is False and kept.branch
    assert git(env.repo, "rev-parse", kept.branch).strip() == kept.commit_sha
    assert "'origin' is not a git remote" in (kept.fallback_reason or "")
    assert any(f"push <remote> {kept.branch}" in n for n in kept.notes)


def test_decision_round_trips_into_the_result(env: Env) -> None:
    result = _deploy(env, SOURCE, mode="pr")
    data = result.model_dump(mode="json")
    assert data["schema_version"] == 1 and data["action"] == "pr"
    assert DeployResult.model_validate(data) == result
    assert isinstance(explain(env.repo, make_diff(env.repo, SOURCE)), TierDecision)


def test_binary_file_goes_to_a_pr_and_arrives_intact(env: Env) -> None:
    logo = b"\x89PNG\r\n\x1a\n\x00\x01\x02\xff"
    result = _deploy(env, {"docs/logo.png": logo}, run_tests=Tests())
    assert (result.action, result.tier) == ("pr", 2)
    blob = git(env.remote, "cat-file", "-s", "specpilot/change-1:docs/logo.png").strip()
    assert int(blob) == len(logo)
