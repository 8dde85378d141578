"""Tests for pipeline.tiering: the tier matrix, spec hint, mode cap, blocking rules, explain()."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import pytest

from specpilot.pipeline.core.diffparse import parse_diff
from specpilot.pipeline.core.errors import PolicyError, SpecError
from specpilot.pipeline.deliver.limits import LimitHit, LimitStatus
from specpilot.pipeline.tiers.policy import PathRule, Policy
from specpilot.pipeline.tiers.tiering import TierDecision, decide, explain
from tests.pipeline.policy_fixtures import AWS_KEY_LINE, git, init_repo, make_diff, write

SOURCE_CHANGE = {"src/app.py": "def add(a, b):\n    return b + a\n"}
DOCS_CHANGE = {"docs/usage.md": "# Usage\n\nRun it twice.\n"}
TESTS_CHANGE = {"tests/test_app.py": "def test_more():\n    assert 1 + 1 == 2\n"}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return init_repo(tmp_path / "repo")


def _explain(repo: Path, changes: Mapping[str, str | bytes | None], **kw: object) -> TierDecision:
    return explain(repo, make_diff(repo, changes), **kw)  # type: ignore[arg-type]


def _rules(d: TierDecision) -> set[str]:
    return {r.rule for r in d.reasons}


@pytest.mark.parametrize(
    ("changes", "tier", "blocked", "rule"),
    [
        (DOCS_CHANGE, 1, False, "kind.docs"),
        ({"requirements.txt": "requests==2.32.3\nrich==13.7.0\n"}, 1, False, "kind.dependency"),
        ({"poetry.lock": "[[package]]\nname = 'x'\n"}, 2, False, "dependency.change"),
        (TESTS_CHANGE, 2, False, "kind.tests"),
        (SOURCE_CHANGE, 2, False, "kind.source"),
        ({**SOURCE_CHANGE, **DOCS_CHANGE}, 2, False, "kind.source"),
        ({"src/auth/login.py": "def login(user):\n    return True\n"}, 3, True, "sensitive.auth"),
        ({".github/workflows/ci.yml": "on: [push]\njobs: {}\n"}, 3, True, "sensitive.ci"),
        ({".specpilot/policy.toml": "kinds = { source = 1 }\n"}, 3, True, "policy.self"),
        ({"db/migrations/0002.sql": "drop table users;\n"}, 3, True, "sensitive.migrations"),
        ({"docs/logo.png": b"\x89PNG\x00\x01"}, 2, False, "binary"),
    ],
)
def test_tier_matrix_with_default_policy(
    repo: Path, changes: Mapping[str, str | bytes | None], tier: int, blocked: bool, rule: str
) -> None:
    decision = _explain(repo, changes)
    assert (decision.tier, decision.blocked) == (tier, blocked)
    assert rule in _rules(decision)
    assert decision.action == ("blocked" if blocked else {1: "merge", 2: "pr", 3: "suggest"}[tier])


def test_json_shape_for_policy_explain(repo: Path) -> None:
    decision = _explain(repo, {".github/workflows/ci.yml": "on: [push]\n", **DOCS_CHANGE})
    data = json.loads(decision.model_dump_json())
    assert data["tier"] == 3 and data["blocked"] is True
    assert data["schema_version"] == 1
    by_rule = {r["rule"]: r for r in data["reasons"]}
    assert by_rule["sensitive.ci"]["paths"] == [".github/workflows/ci.yml"]
    assert by_rule["kind.docs"]["tier"] == 1
    assert "allow_edit" in by_rule["sensitive.ci"]["message"]
    assert TierDecision.model_validate(data) == decision
    assert "`sensitive.ci` (blocked)" in decision.rationale()


def test_tests_only_tier_follows_the_policy(repo: Path) -> None:
    assert _explain(repo, TESTS_CHANGE).tier == 2
    write(repo, {".specpilot/policy.toml": "kinds = { tests = 1 }\n"})
    decision = _explain(repo, TESTS_CHANGE)
    assert decision.tier == 1 and decision.policy_file == ".specpilot/policy.toml"


def test_allow_edit_makes_sensitive_paths_editable_but_never_auto(repo: Path) -> None:
    write(repo, {".specpilot/policy.toml": 'allow_edit = ["auth"]\nsensitive_tier = 2\n'})
    decision = _explain(repo, {"src/auth/login.py": "def login(user):\n    return False\n"})
    assert (decision.tier, decision.blocked, decision.action) == (2, False, "pr")


def test_pyproject_policy_tables_are_blocked_but_dependency_bumps_are_not(repo: Path) -> None:
    policy = "\n[tool.specpilot.policy]\nkinds = { tests = 1 }\n"
    pyproject = (repo / "pyproject.toml").read_text() + policy
    write(repo, {"pyproject.toml": pyproject})
    git(repo, "commit", "-qam", "policy in pyproject")
    bump = {"pyproject.toml": pyproject.replace("requests>=2.31", "requests>=2.32")}
    assert _explain(repo, bump).tier == 1
    loosen = {"pyproject.toml": pyproject.replace("tests = 1", "source = 1")}
    assert "policy.self" in _rules(_explain(repo, loosen))
    appended = {"pyproject.toml": pyproject + "allow_edit = ['ci']\n"}
    assert _explain(repo, appended).blocked
    new_table = {"pyproject.toml": "[tool.specpilot.extra]\nx = 1\n" + pyproject}
    assert _explain(repo, new_table).blocked


def test_spec_hint_raises_never_lowers(repo: Path) -> None:
    raised = _explain(repo, DOCS_CHANGE, spec_risk="high")
    assert raised.tier == 3 and raised.risk_tier == 3
    assert "raises the tier from 1 to 3" in next(
        r.message for r in raised.reasons if r.rule == "spec.risk"
    )
    kept = _explain(repo, SOURCE_CHANGE, spec_risk="low")
    assert kept.tier == 2
    assert _explain(repo, DOCS_CHANGE, spec_risk="medium").tier == 2
    with pytest.raises(SpecError, match="'extreme' is not one of low, medium, high"):
        _explain(repo, DOCS_CHANGE, spec_risk="extreme")


def test_mode_caps_the_tier(repo: Path) -> None:
    assert _explain(repo, DOCS_CHANGE, mode="auto").tier == 1
    in_pr = _explain(repo, DOCS_CHANGE, mode="pr")
    assert (in_pr.tier, in_pr.risk_tier, in_pr.action) == (2, 1, "pr")
    assert "mode.pr" in _rules(in_pr)
    suggest = _explain(repo, SOURCE_CHANGE, mode="suggest")
    assert (suggest.tier, suggest.action) == (3, "suggest")
    with pytest.raises(PolicyError, match="valid modes: suggest, pr, auto"):
        _explain(repo, DOCS_CHANGE, mode="yolo")


def test_aws_key_blocks_and_is_never_echoed(repo: Path) -> None:
    decision = _explain(repo, {"src/settings.py": f"DEBUG = False\n{AWS_KEY_LINE}\n"})
    assert decision.blocked and "secrets" in _rules(decision)
    secret = next(r for r in decision.reasons if r.rule == "secrets")
    assert "src/settings.py:2 (aws-access-key-id)" in secret.message
    assert "AKIA" not in decision.model_dump_json()


def test_size_path_rules_red_tests_empty_and_limits(repo: Path) -> None:
    many = {f"docs/page{i}.md": f"page {i}\n" for i in range(12)}
    assert "size.auto_max_files" in _rules(_explain(repo, many))
    assert _explain(repo, many).tier == 2
    patch = parse_diff(make_diff(repo, {"src/app.py": "x = 1\n" * 2500}))
    assert decide(patch, Policy()).tier == 3
    docs = parse_diff(make_diff(repo, DOCS_CHANGE))
    rules = Policy(paths=(PathRule(glob="docs/**", tier=2, reason="docs go to review"),))
    by_path = decide(docs, rules)
    assert by_path.tier == 2 and "docs go to review" in by_path.reasons[-1].message
    assert decide(docs, Policy(paths=(PathRule(glob="*.md", blocked=True),))).blocked
    red = decide(docs, Policy(), tests_passed=False)
    assert red.tier == 2 and "tests.red" in _rules(red)
    assert decide(parse_diff(""), Policy()).blocked
    hit = LimitHit("limits.pr_concurrent", 1, 1, "1 open PR(s) reach the limit")
    limited = decide(docs, Policy(), limits=LimitStatus((), 0, 0, (hit,)))
    assert (
        limited.tier == 3 and limited.risk_tier == 1 and "limits.pr_concurrent" in _rules(limited)
    )


def test_explain_reads_the_policy_from_a_commit(repo: Path) -> None:
    write(repo, {".specpilot/policy.toml": "kinds = { docs = 2 }\n"})
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "strict docs")
    write(repo, {".specpilot/policy.toml": "kinds = { docs = 1 }\n"})
    diff = make_diff(repo, DOCS_CHANGE)
    write(repo, {".specpilot/policy.toml": "kinds = { docs = 1 }\n"})
    assert explain(repo, diff).tier == 1
    assert explain(repo, diff, ref="HEAD").tier == 2


def test_major_bumps_and_what_needs_a_base(repo: Path) -> None:
    major = _explain(repo, {"requirements.txt": "requests==2.31.0\nrich==14.0.0\n"})
    assert (major.tier, major.kinds["requirements.txt"]) == (2, "dependency")
    assert "rich ==13.7.0 → ==14.0.0" in next(
        r.message for r in major.reasons if r.rule == "dependency.major"
    )
    bump = {"pyproject.toml": (repo / "pyproject.toml").read_text().replace("2.31", "2.32")}
    assert _explain(repo, bump).tier == 1
    unverified = decide(parse_diff(make_diff(repo, bump)), Policy())  # no base commit given
    assert unverified.blocked and "cannot be checked" in unverified.reasons[-1].message
