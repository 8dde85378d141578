"""Tests for pipeline.policy: defaults, loading from either file, errors, write permission."""

from __future__ import annotations

from pathlib import Path

import pytest

from specpilot.pipeline.core.errors import PolicyError
from specpilot.pipeline.tiers.policy import (
    DEFAULT_KIND_TIERS,
    PathRule,
    Policy,
    blocked_write_globs,
    is_write_allowed,
    load_policy,
    specpilot_ranges,
    write_refusal,
)
from tests.pipeline.policy_fixtures import git, init_repo, write

PYPROJECT_WITH_POLICY = """[project]
name = "demo"

[tool.specpilot.policy]
kinds = { tests = 1 }
allow_edit = ["migrations"]

[[tool.specpilot.policy.paths]]
glob = "src/payments/**"
tier = 2
reason = "payments need a human"

[tool.ruff]
line-length = 100
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return init_repo(tmp_path / "repo")


def test_defaults_when_no_policy(repo: Path) -> None:
    policy = load_policy(repo)
    assert policy.origin.file is None
    assert policy.kinds == DEFAULT_KIND_TIERS
    assert policy.kinds["docs"] == 1 and policy.kinds["source"] == 2
    assert ".github/workflows/**" in policy.sensitive["ci"]
    assert policy.merge.require_checks is True
    assert policy.model_dump(mode="json")["schema_version"] == 1


def test_pyproject_policy_merges_over_defaults(repo: Path) -> None:
    write(repo, {"pyproject.toml": PYPROJECT_WITH_POLICY})
    policy = load_policy(repo)
    assert policy.origin.file == "pyproject.toml"
    assert policy.origin.sha256 is not None
    assert policy.kinds["tests"] == 1 and policy.kinds["docs"] == 1
    assert policy.paths[0].glob == "src/payments/**" and policy.paths[0].tier == 2
    assert policy.allow_edit == ("migrations",)
    assert policy.origin.pyproject_ranges == ((4, 12),)


def test_policy_toml_and_both_is_an_error(repo: Path) -> None:
    write(repo, {".specpilot/policy.toml": "sensitive_tier = 2\n[size]\nmax_files = 5\n"})
    policy = load_policy(repo)
    assert policy.origin.file == ".specpilot/policy.toml"
    assert (policy.sensitive_tier, policy.size.max_files, policy.size.auto_max_files) == (2, 5, 5)
    write(repo, {".specpilot/policy.toml": "sensitive_tier = 2\n"})
    write(repo, {"pyproject.toml": PYPROJECT_WITH_POLICY})
    with pytest.raises(PolicyError, match="keep exactly one"):
        load_policy(repo)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("colour = 1\n", r"\.specpilot/policy\.toml.*unknown key 'colour'.*valid keys: allow_edit"),
        (
            "[merge]\nmethd = 'squash'\n",
            r"unknown key 'merge\.methd'.*valid keys: checks_appear_s, checks_timeout_s",
        ),
        ("kinds = { docs = 5 }\n", r"key 'kinds\.docs': Input should be 1, 2 or 3 \(got 5\)"),
        ("kinds = { prose = 1 }\n", r"kinds\.prose.*'dependency', 'tests'"),
        ("[[paths]]\nglob = 'x/**'\n", r"needs 'tier = 1\|2\|3' or 'blocked'"),
        ("allow_edit = ['nope']\n", r"unknown sensitive group\(s\) nope; known groups: auth"),
        ("[size]\nauto_max_files = 99\n", "must not exceed"),
        ("kinds = [\n", r"policy\.toml is not valid TOML"),
        ("origin = { file = 'x' }\n", "reserved key 'origin'"),
    ],
)
def test_malformed_policy_names_file_key_and_valid_values(
    repo: Path, text: str, expected: str
) -> None:
    write(repo, {".specpilot/policy.toml": text})
    with pytest.raises(PolicyError, match=expected):
        load_policy(repo)


def test_policy_read_from_a_commit_ignores_the_work_tree(repo: Path) -> None:
    write(repo, {".specpilot/policy.toml": "binary_tier = 3\n"})
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "policy")
    write(repo, {".specpilot/policy.toml": "binary_tier = 1\n"})
    assert load_policy(repo).binary_tier == 1
    assert load_policy(repo, ref="HEAD").binary_tier == 3
    assert load_policy(repo, ref="HEAD~1").origin.file is None
    with pytest.raises(PolicyError, match="no such commit"):
        load_policy(repo, ref="nope")


def test_write_permission_for_agent_file_tools() -> None:
    policy = Policy()
    assert is_write_allowed(policy, "src/app.py")
    assert is_write_allowed(policy, "./docs/usage.md")
    for path in (
        ".github/workflows/ci.yml",
        ".specpilot/policy.toml",
        "specpilot.toml",
        "src/auth/login.py",
        "app/user_password.py",
        "db/migrations/0001_init.py",
        ".env",
        "../outside.py",
        "/etc/passwd",
    ):
        assert not is_write_allowed(policy, path), path
    refusal = write_refusal(policy, ".github/workflows/ci.yml")
    assert refusal is not None and "'.github/workflows/**'" in refusal
    relaxed = Policy(allow_edit=("migrations",), paths=(PathRule(glob="vendor/**", blocked=True),))
    assert is_write_allowed(relaxed, "db/migrations/0001_init.py")
    assert not is_write_allowed(relaxed, "vendor/lib.py")
    assert "vendor/**" in blocked_write_globs(relaxed)
    assert ".specpilot/**" in blocked_write_globs(relaxed)


def test_pyproject_specpilot_tables_are_protected_by_content() -> None:
    policy = Policy()
    old = PYPROJECT_WITH_POLICY
    bump = old.replace('name = "demo"', 'name = "demo2"')
    assert is_write_allowed(policy, "pyproject.toml", old_text=old, new_text=bump)
    loosened = old.replace("tier = 2", "tier = 1")
    refusal = write_refusal(policy, "pyproject.toml", old_text=old, new_text=loosened)
    assert refusal is not None and "[tool.specpilot]" in refusal
    assert not is_write_allowed(policy, "pyproject.toml", old_text=old, new_text="[[[")


def test_specpilot_ranges_cover_tables_and_dotted_keys() -> None:
    text = '[tool]\nspecpilot.policy.binary_tier = 3\n[tool.ruff]\nx = 1\n[tool."specpilot"]\na=1\n'
    assert specpilot_ranges(text) == ((2, 2), (5, 7))


def test_size_limits_in_bytes_and_line_length() -> None:
    size = Policy.model_validate({"size": {"max_bytes": 1000}}).size
    assert (size.auto_max_bytes, size.max_bytes, size.auto_max_line_length) == (1000, 1000, 2000)
    with pytest.raises(ValueError, match="auto_max_bytes must not exceed max_bytes"):
        Policy.model_validate({"size": {"auto_max_bytes": 10, "max_bytes": 5}})


def test_write_refusal_matches_sensitive_globs_whatever_the_case() -> None:
    policy = Policy()
    for path in (
        "src/AuthService.py",
        "src/main/java/Login.java",
        "src/CryptoUtil.py",
        ".SpecPilot/policy.toml",
    ):
        assert not is_write_allowed(policy, path), path
    assert is_write_allowed(policy, "src/Author.md")
