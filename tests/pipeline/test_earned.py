"""Earned autonomy from outside: a hand-made audit log (written with the real audit writer)
decides whether a docs change may auto-merge, through ``explain`` as ``policy explain`` and
``deliver`` call it. Attacks: a tampered log, another repository's record, a missing key."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from specpilot.pipeline.audit.key import key_from_hex
from specpilot.pipeline.audit.log import AuditEntry, append
from specpilot.pipeline.core.errors import PolicyError
from specpilot.pipeline.deliver.github import GitHubClient, PullRequestState
from specpilot.pipeline.kpi.fates import PendingPr, refresh_fates
from specpilot.pipeline.tiers.earned import earned_status
from specpilot.pipeline.tiers.earned_policy import EarnedPolicy
from specpilot.pipeline.tiers.policy import load_policy
from specpilot.pipeline.tiers.tiering import TierDecision, explain
from tests.fake_github import FakeGitHub
from tests.pipeline.policy_fixtures import AUDIT_KEY, BASE_FILES, init_repo, make_diff

REPO = "/repos/demo"
OTHER = "/repos/other"
NOW = datetime(2024, 9, 1, tzinfo=UTC)
DOCS_CHANGE = {"docs/usage.md": "# Usage\n\nRun it twice.\n"}
EARNED = "[tool.specpilot.policy.earned]\ndocs = { merged = 10, max_closed = 0 }\n"


def _repo(tmp_path: Path, table: str = EARNED) -> Path:
    pyproject = str(BASE_FILES["pyproject.toml"]) + "\n" + table
    return init_repo(tmp_path / "repo", {**BASE_FILES, "pyproject.toml": pyproject})


class Log:
    """A log of docs runs, one a day back from NOW - 1 day, through the real writer."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.n = 0

    def _add(self, entry: AuditEntry, at: datetime) -> None:
        append(self.path, entry, key=AUDIT_KEY, now=at)

    def _run(self, deploy: dict[str, Any], *, kind: str, repo: str, at: datetime) -> str:
        self.n += 1
        run_id = f"r{self.n}"
        decision = {"tier": deploy.get("tier", 1), "change_kind": kind, "action": "merge"}
        entry = AuditEntry(run_id=run_id, repo=repo, actor="dev", decision=decision, deploy=deploy)
        self._add(entry, at)
        return run_id

    def merges(self, count: int, *, kind: str = "docs", repo: str = REPO, age: int = 1) -> None:
        for i in range(count):
            at = NOW - timedelta(days=age, hours=i)
            self._run({"action": "merge", "tier": 1}, kind=kind, repo=repo, at=at)

    def pr(
        self,
        fate: str | None,
        *,
        head: str | None = "c0ffee",
        repo: str = REPO,
        escalated: bool = False,
    ) -> None:
        n = self.n + 1
        url = f"https://github.com/acme/demo/pull/{n}"
        deploy = {"action": "pr", "tier": 2, "pushed": True, "branch": f"specpilot/r{n}",
                  "pr_number": n, "pr_url": url, "commit_sha": "c0ffee"}  # fmt: skip
        opened = NOW - timedelta(days=3)
        self.n = n
        entry = AuditEntry(
            run_id=f"r{n}",
            repo=repo,
            actor="dev",
            decision={"tier": 2, "change_kind": "docs"},
            deploy=deploy,
            notes=("outcome: escalated",) if escalated else (),
        )
        self._add(entry, opened)
        if fate is not None:
            fate_deploy = {"pr_number": n, "pr_url": url, "head_sha": head}
            event = f"pr_{fate}"
            fate_entry = AuditEntry(
                run_id=f"r{n}", repo=repo, actor="dev", event=event, deploy=fate_deploy
            )
            self._add(fate_entry, opened + timedelta(hours=5))


@pytest.fixture
def log(tmp_path: Path) -> Log:
    return Log(tmp_path / "audit" / "audit.jsonl")


def _explain(repo: Path, log: Log, **kw: Any) -> TierDecision:
    diff = make_diff(repo, DOCS_CHANGE)
    kw = {"audit_log": log.path, "audit_key": AUDIT_KEY, "repo_id": REPO, "now": NOW, **kw}
    return explain(repo, diff, mode=kw.pop("mode", "auto"), **kw)


def _earned(d: TierDecision) -> Any:
    return next(r for r in d.reasons if r.rule == "earned.docs")


def test_nine_merged_docs_changes_hold_the_tenth_at_tier_2(tmp_path: Path, log: Log) -> None:
    repo = _repo(tmp_path)
    log.merges(9)
    d = _explain(repo, log)
    assert (d.tier, d.action) == (2, "pr")
    reason = _earned(d)
    assert reason.tier == 2
    assert reason.message == (
        "docs changes auto-merge after 10 merged, at most 0 closed unmerged; the record shows "
        "9 merged, 0 closed (last 90 days): held at tier 2"
    )
    assert d.earned is not None and d.earned["records"]["docs"]["merged"] == 9
    assert d.earned["repo"] == REPO and len(d.earned["records"]["docs"]["runs"]) == 9


def test_ten_merged_docs_changes_earn_the_auto_merge(tmp_path: Path, log: Log) -> None:
    repo = _repo(tmp_path)
    log.merges(9)
    log.pr("merged")  # a PR merged with the pushed commit as its head counts too
    d = _explain(repo, log)
    assert (d.tier, d.action) == (1, "merge")
    reason = _earned(d)
    assert reason.tier == 1 and reason.message.endswith(
        "10 merged, 0 closed (last 90 days): earned"
    )
    # pr mode keeps its cap: the earned record does not lift it
    assert _explain(repo, log, mode="pr").tier == 2


def test_a_pr_closed_unmerged_over_max_closed_holds(tmp_path: Path, log: Log) -> None:
    repo = _repo(tmp_path)
    log.merges(12)
    log.pr("closed")
    d = _explain(repo, log)
    assert d.tier == 2 and "12 merged, 1 closed" in _earned(d).message
    lenient = _repo(
        tmp_path / "b", "[tool.specpilot.policy.earned]\ndocs = { merged = 10, max_closed = 1 }\n"
    )
    assert _explain(lenient, log).tier == 1


def test_a_pr_merged_after_more_commits_is_not_merged_unchanged(tmp_path: Path, log: Log) -> None:
    repo = _repo(tmp_path)
    log.merges(9)
    log.pr("merged", head="beef00")  # a human pushed to the PR before merging it
    log.pr(None)  # still open: counts neither way
    log.pr("closed", escalated=True)  # an escalation draft is not a delivery
    d = _explain(repo, log)
    assert d.tier == 2
    message = _earned(d).message
    assert "9 merged, 0 closed (1 open, 1 merged with changes)" in message
    rec = d.earned["records"]["docs"] if d.earned else {}
    assert (rec["merged"], rec["merged_changed"], rec["open"], rec["closed"]) == (9, 1, 1, 0)


def test_another_repositorys_record_does_not_count(tmp_path: Path, log: Log) -> None:
    repo = _repo(tmp_path)
    log.merges(3)
    log.merges(20, repo=OTHER)
    log.merges(20, kind="source")  # another kind of this repo counts for that kind only
    log.merges(20, kind="mixed")
    d = _explain(repo, log)
    assert d.tier == 2 and "3 merged, 0 closed" in _earned(d).message


def test_records_older_than_the_window_do_not_count(tmp_path: Path, log: Log) -> None:
    log.merges(10, age=91)
    assert _explain(_repo(tmp_path), log).tier == 2
    year = "[tool.specpilot.policy.earned]\nwindow_days = 365\ndocs = { merged = 10 }\n"
    d = _explain(_repo(tmp_path / "y", year), log)
    assert d.tier == 1 and "(last 365 days): earned" in _earned(d).message


def test_a_tampered_log_fails_closed_with_the_reason(tmp_path: Path, log: Log) -> None:
    repo = _repo(tmp_path)
    log.merges(5)
    log.pr("closed")
    lines = log.path.read_text().splitlines()
    # the attacker turns the closed PR into a merged one and adds merges of its own making
    lines[-1] = lines[-1].replace('"pr_closed"', '"pr_merged"')
    log.path.write_text("\n".join(lines + lines[:5]) + "\n")
    d = _explain(repo, log)
    assert (d.tier, d.action) == (2, "pr")
    reason = _earned(d)
    assert reason.tier == 2 and "fails verification" in reason.message
    assert reason.message.endswith("held at tier 2")


def test_a_log_under_another_key_or_without_one_fails_closed(tmp_path: Path, log: Log) -> None:
    repo = _repo(tmp_path)
    log.merges(10)
    assert _explain(repo, log).tier == 1
    forged = key_from_hex("d4" * 32, source="attacker")
    assert "fails verification" in _earned(_explain(repo, log, audit_key=forged)).message
    d = _explain(repo, log, audit_key=None)
    assert d.tier == 2 and "no audit key" in _earned(d).message
    d = _explain(repo, log, audit_log=None)
    assert d.tier == 2 and "no audit log was read" in _earned(d).message


def test_without_the_switch_nothing_changes(tmp_path: Path, log: Log) -> None:
    repo = _repo(tmp_path, "")
    d = _explain(repo, log)
    assert d.tier == 1 and d.earned is None
    assert not any(r.rule.startswith("earned.") for r in d.reasons)


def test_a_change_that_is_tier_2_anyway_gets_no_earned_reason(tmp_path: Path, log: Log) -> None:
    repo = _repo(tmp_path, "[tool.specpilot.policy.earned]\nsource = { merged = 1 }\n")
    log.merges(5, kind="source")
    diff = make_diff(repo, {"src/app.py": "def add(a, b):\n    return b + a\n"})
    d = explain(repo, diff, audit_log=log.path, audit_key=AUDIT_KEY, repo_id=REPO, now=NOW)
    assert d.tier == 2 and not any(r.rule.startswith("earned.") for r in d.reasons)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("doc = { merged = 10 }", "unknown key 'earned.doc' (valid keys: config, dependency, docs"),
        (
            "docs = { merged = 10, max_close = 0 }",
            "unknown key 'earned.docs.max_close' (valid keys: max_closed, merged)",
        ),
        (
            "docs = { merged = 0 }",
            "key 'earned.docs.merged': Input should be greater than or equal to 1",
        ),
        ("docs = { max_closed = 0 }", "key 'earned.docs.merged': Field required"),
        ("docs = 10", "key 'earned.docs'"),
        ("window_days = 0\ndocs = { merged = 1 }", "key 'earned.window_days'"),
    ],
)
def test_a_malformed_earned_table_is_one_line_naming_the_key(
    tmp_path: Path, table: str, message: str
) -> None:
    repo = _repo(tmp_path, f"[tool.specpilot.policy.earned]\n{table}\n")
    with pytest.raises(PolicyError) as err:
        load_policy(repo)
    text = str(err.value)
    assert message in text and "\n" not in text and "pyproject.toml" in text


def test_the_table_loads(tmp_path: Path) -> None:
    policy = load_policy(_repo(tmp_path))
    assert policy.earned.window_days == 90
    assert {k: (r.merged, r.max_closed) for k, r in policy.earned.rules().items()} == {
        "docs": (10, 0)
    }


def test_refresh_records_the_head_that_tells_unchanged_from_changed(tmp_path: Path) -> None:
    """Through ``report --refresh``'s library half and a fake GitHub on loopback: the PR whose
    head is still the pushed commit counts as merged, the one with another head does not."""
    path = tmp_path / "audit.jsonl"
    with FakeGitHub(token="t", repo="acme/demo") as gh:
        client = GitHubClient("acme/demo", token="t", base_url=gh.base_url)
        for n in (1, 2):
            client.create_pull(title=f"c{n}", head=f"specpilot/r{n}", base="main", body="")
            head = client.pull_request_state(n).head_sha
            deploy = {"action": "pr", "pushed": True, "branch": f"specpilot/r{n}", "pr_number": n,
                      "pr_url": f"https://github.com/acme/demo/pull/{n}",
                      "commit_sha": head if n == 1 else "0" * 40}  # fmt: skip
            entry = AuditEntry(run_id=f"r{n}", repo=REPO, actor="dev", deploy=deploy,
                               decision={"tier": 2, "change_kind": "docs"})  # fmt: skip
            append(path, entry, key=AUDIT_KEY, now=NOW - timedelta(days=2))
            gh.set_fate(n, merged=True, at="2024-08-31T00:00:00Z")

        def lookup(pr: PendingPr) -> PullRequestState | None:
            return client.pull_request_state(pr.number)

        refresh_fates(path, AUDIT_KEY, lookup, actor="lead", now=NOW - timedelta(days=1))
    policy = EarnedPolicy.model_validate({"docs": {"merged": 1}})
    rec = earned_status(path, AUDIT_KEY, policy, repo=REPO, now=NOW).record("docs")
    assert (rec.merged, rec.merged_changed, rec.runs) == (1, 1, ("r1", "r2"))
