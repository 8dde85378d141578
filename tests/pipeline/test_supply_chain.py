"""The supply-chain guard, attacked from outside: a diff that adds a typosquatted, unbounded or
unpublished dependency, tiered by ``specpilot policy explain`` against a loopback package
index (tests/fake_index.py). A new dependency is never tier 1; a likely typosquat or a name
the index does not know is only suggested."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from specpilot.pipeline.core.diffparse import parse_diff
from specpilot.pipeline.tiers.base_tree import FileTexts, GitTree
from specpilot.pipeline.tiers.supply_chain import added_dependencies
from specpilot.pipeline.tiers.typosquat import distance, lookalike
from tests.fake_index import FakeIndex
from tests.pipeline.policy_fixtures import GIT_ENV, git, init_repo, write

FILES: dict[str, str | bytes | None] = {
    "README.md": "# demo\n",
    "src/app.py": "def add(a, b):\n    return a + b\n",
    "requirements.txt": "requests==2.31.0\nrich==13.7.0\n",
    "package.json": json.dumps({"name": "demo", "dependencies": {"lodash": "^4.17.21"}}, indent=2)
    + "\n",
}
PACKAGES = {
    "pypi": {
        "requests": ["2.31.0", "2.32.3"],
        "rich": ["13.7.0", "13.7.1"],
        "reqeusts": ["2.0"],  # the attacker published it
        "flask": ["3.0.0"],
        "humanize": ["4.9.0"],
    },
    "npm": {"lodash": ["4.17.21"], "lodahs": ["1.0.0"]},
}


@pytest.fixture
def index() -> Iterator[FakeIndex]:
    with FakeIndex(packages=PACKAGES) as fake:
        yield fake


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return init_repo(tmp_path / "repo", FILES)


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("SPECPILOT_HOME", str(tmp_path / "home"))
    return CliRunner()


def _diff(repo: Path, files: Mapping[str, str | bytes | None]) -> str:
    write(repo, files)
    git(repo, "add", "-A")
    env = {**os.environ, **GIT_ENV}
    out = subprocess.run(
        ["git", "diff", "--cached"], cwd=repo, env=env, capture_output=True, check=True
    ).stdout.decode()
    git(repo, "reset", "-q", "--hard", "HEAD")
    return out


Explain = Callable[..., dict[str, Any]]


@pytest.fixture
def explain(runner: CliRunner, repo: Path, index: FakeIndex, tmp_path: Path) -> Explain:
    def _explain(files: Mapping[str, str | bytes | None], *extra: str) -> dict[str, Any]:
        patch = tmp_path / "change.patch"
        patch.write_text(_diff(repo, files))
        args = ["policy", "explain", "--repo", str(repo), "--diff", str(patch), "--json"]
        from specpilot.flows.commands import app

        result = runner.invoke(app, [*args, *index.settings(), *extra])
        assert result.exit_code == 0, result.output + result.stderr
        data: dict[str, Any] = json.loads(result.stdout)
        return data

    return _explain


def _reasons(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["rule"]: r for r in data["reasons"]}


def test_a_typosquatted_new_requirement_is_flagged_and_only_suggested(explain: Explain) -> None:
    data = explain({"requirements.txt": "requests==2.31.0\nrich==13.7.0\nreqeusts==2.0\n"})
    reasons = _reasons(data)
    assert data["tier"] >= 2 and data["action"] != "merge"
    squat = reasons["dependency.typosquat"]
    assert "reqeusts looks like requests" in squat["message"]
    assert squat["tier"] == 3 and squat["paths"] == ["requirements.txt"]
    assert data["tier"] == 3  # a pushed branch would let CI install it
    assert (
        reasons["dependency.new"]["tier"] == 2
        and "reqeusts" in reasons["dependency.new"]["message"]
    )
    assert "dependency.unbounded" not in reasons  # it is pinned
    assert "dependency.unknown" not in reasons  # it exists: the attacker published it


def test_an_unbounded_new_dependency_is_flagged(explain: Explain) -> None:
    data = explain({"requirements.txt": "requests==2.31.0\nrich==13.7.0\nflask\n"})
    reasons = _reasons(data)
    assert data["tier"] == 2 and data["action"] == "pr"
    assert "flask (no version constraint)" in reasons["dependency.unbounded"]["message"]
    assert "dependency.typosquat" not in reasons


def test_a_bounded_new_dependency_that_exists_is_tier_two(explain: Explain) -> None:
    data = explain({"requirements.txt": "requests==2.31.0\nrich==13.7.0\nhumanize>=4.9,<5\n"})
    reasons = _reasons(data)
    assert data["tier"] == 2
    assert set(reasons) & {r for r in reasons if r.startswith("dependency.")} == {
        "dependency.change",
        "dependency.new",
    }
    assert "not checked" not in reasons["dependency.new"]["message"]


def test_a_name_the_index_does_not_know_is_flagged(explain: Explain, index: FakeIndex) -> None:
    data = explain({"requirements.txt": "requests==2.31.0\nrich==13.7.0\nacme-internal==1.0\n"})
    reasons = _reasons(data)
    assert reasons["dependency.unknown"]["tier"] == 3 and data["tier"] == 3
    assert "acme-internal" in reasons["dependency.unknown"]["message"]
    assert "/pypi/acme-internal/json" in index.paths()


def test_a_typosquat_in_package_json(explain: Explain) -> None:
    manifest = {"name": "demo", "dependencies": {"lodash": "^4.17.21", "lodahs": "^1.0.0"}}
    data = explain({"package.json": json.dumps(manifest, indent=2) + "\n"})
    reasons = _reasons(data)
    assert "lodahs looks like lodash" in reasons["dependency.typosquat"]["message"]
    assert data["tier"] == 3


def test_a_pure_bump_adds_nothing_and_stays_tier_one(explain: Explain, index: FakeIndex) -> None:
    data = explain({"requirements.txt": "requests==2.32.3\nrich==13.7.0\n"})
    assert data["tier"] == 1 and data["action"] == "merge", data["reasons"]
    assert not [r for r in data["reasons"] if r["rule"].startswith("dependency.")]
    assert index.paths() == []  # nothing new, nothing looked up


def test_an_index_that_is_down_leaves_the_name_unchecked(
    runner: CliRunner, repo: Path, tmp_path: Path
) -> None:
    from specpilot.flows.commands import app

    patch = tmp_path / "change.patch"
    patch.write_text(
        _diff(repo, {"requirements.txt": "requests==2.31.0\nrich==13.7.0\nflask==3.0.0\n"})
    )
    dead = ["--set", "deps.index_url='http://127.0.0.1:9'", "--set", "deps.timeout_s=2"]
    args = ["policy", "explain", "--repo", str(repo), "--diff", str(patch), "--json", *dead]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output + result.stderr
    reasons = _reasons(json.loads(result.stdout))
    assert "the index did not answer" in reasons["dependency.new"]["message"]
    text = runner.invoke(app, args[: -1 - len(dead)] + dead)
    assert text.exit_code == 0 and "dependency.new" in text.stdout


def test_the_text_output_shows_the_typosquat_reason(
    runner: CliRunner, repo: Path, index: FakeIndex, tmp_path: Path
) -> None:
    from specpilot.flows.commands import app

    patch = tmp_path / "change.patch"
    patch.write_text(
        _diff(repo, {"requirements.txt": "requests==2.31.0\nrich==13.7.0\nreqeusts==2.0\n"})
    )
    args = ["policy", "explain", "--repo", str(repo), "--diff", str(patch), *index.settings()]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "dependency.typosquat" in result.stdout and "reqeusts" in result.stdout


def test_added_dependencies_per_manifest(repo: Path) -> None:
    pyproject = '[project]\nname = "demo"\ndependencies = ["requests>=2.31", "Rich_Text>=1"]\n'
    write(repo, {"pyproject.toml": '[project]\nname = "demo"\ndependencies = ["requests>=2.31"]\n'})
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "pyproject")
    diff = _diff(repo, {
        "pyproject.toml": pyproject,
        "requirements.txt": "Requests==2.32.0\nrich==13.7.0\n",  # a bump, whatever the case
        "Cargo.toml": '[dependencies]\nserde = "1.0"\n',  # a new file: every entry is new
    })  # fmt: skip
    patch = parse_diff(diff)
    added = added_dependencies(patch, FileTexts(GitTree(repo, "HEAD")))
    assert sorted((d.ecosystem, d.name, d.path) for d in added) == [
        ("crates", "serde", "Cargo.toml"),
        ("pypi", "rich-text", "pyproject.toml"),
    ]


@pytest.mark.parametrize(
    ("name", "ecosystem", "expected"),
    [
        ("reqeusts", "pypi", "requests"),
        ("requests", "pypi", None),  # the popular package itself
        ("Requests", "pypi", None),
        ("python_dateutil", "pypi", None),  # the same PEP 503 name
        ("numpyy", "pypi", "numpy"),
        ("urllib4", "pypi", "urllib3"),
        ("python-requests", "pypi", "requests"),
        ("flask-login", "pypi", None),  # a real extension, far from any popular name
        ("pytest-mock", "pypi", None),
        ("six", "pypi", None),  # too short to tell a typo from another name
        ("lodahs", "npm", "lodash"),
        ("expres", "npm", "express"),
        ("react-router", "npm", None),
        ("serde_jsno", "crates", "serde_json"),
        ("reqeusts", "unknown-ecosystem", None),
    ],
)
def test_lookalike(name: str, ecosystem: str, expected: str | None) -> None:
    assert lookalike(name, ecosystem) == expected


def test_distance_counts_a_swap_as_one_edit() -> None:
    assert distance("reqeusts", "requests", 2) == 1
    assert distance("kitten", "sitting", 5) == 3
    assert distance("abcdef", "uvwxyz", 2) == 3  # capped at limit + 1


def test_a_typosquat_hidden_in_an_included_file_is_flagged(explain: Explain) -> None:
    """``-r extra.txt`` pulls a file in that is not called requirements*: it is read as one."""
    data = explain({
        "requirements.txt": "requests==2.31.0\nrich==13.7.0\n-r deps/extra.txt\n",
        "deps/extra.txt": "reqeusts==2.0\n",
    })  # fmt: skip
    reasons = _reasons(data)
    assert "reqeusts looks like requests" in reasons["dependency.typosquat"]["message"]
    assert reasons["dependency.typosquat"]["paths"] == ["deps/extra.txt"]
    assert data["tier"] == 3


def test_an_npm_alias_is_judged_by_the_package_it_installs(explain: Explain) -> None:
    """``"lodash2": "npm:lodahs@^1.0.0"`` installs lodahs, whatever the key says."""
    deps = {"lodash": "^4.17.21", "lodash2": "npm:lodahs@^1.0.0"}
    data = explain({"package.json": json.dumps({"name": "demo", "dependencies": deps}) + "\n"})
    assert "lodahs looks like lodash" in _reasons(data)["dependency.typosquat"]["message"]


def test_a_new_build_requirement_is_a_new_dependency(explain: Explain, repo: Path) -> None:
    pyproject = '[project]\nname = "demo"\n[build-system]\nrequires = ["setuptools>=69"]\n'
    write(repo, {"pyproject.toml": pyproject})
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "pyproject")
    data = explain(
        {"pyproject.toml": pyproject.replace('"setuptools>=69"', '"setuptools>=69", "setuptols"')}
    )
    reasons = _reasons(data)
    assert "setuptols" in reasons["dependency.new"]["message"]
    assert "setuptols looks like setuptools" in reasons["dependency.typosquat"]["message"]
    assert "dependency.unbounded" in reasons and data["tier"] == 3
