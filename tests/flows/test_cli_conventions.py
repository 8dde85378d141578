"""`specpilot conventions` and `specpilot conventions check` through the CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from specpilot.flows.commands import app

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "conventions" / "py_camel"
HASH = ["--set", "index.embed.model='hash'"]


def _new_file_diff(path: str, text: str) -> str:
    lines = text.splitlines()
    body = "".join(f"+{line}\n" for line in lines)
    return (
        f"diff --git a/{path} b/{path}\nnew file mode 100644\n--- /dev/null\n+++ b/{path}\n"
        f"@@ -0,0 +1,{len(lines)} @@\n{body}"
    )


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SPECPILOT_HOME", str(tmp_path / "home"))
    dst = tmp_path / "py_camel"
    shutil.copytree(FIXTURE, dst)
    return dst


def test_index_stores_conventions_and_cli_shows_them(repo: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["index", str(repo), *HASH]).exit_code == 0
    result = runner.invoke(app, ["conventions", "--repo", str(repo), "--json", *HASH])
    assert result.exit_code == 0, result.output
    profile = json.loads(result.stdout)
    naming = next(c for c in profile["conventions"] if c["id"] == "python.naming.function")
    assert naming["value"] == "camelCase" and naming["strong"] is True
    rules = runner.invoke(app, ["conventions", "--repo", str(repo), *HASH])
    assert rules.exit_code == 0 and "camelCase" in rules.stdout
    md = runner.invoke(app, ["conventions", "--repo", str(repo), "--markdown", *HASH])
    assert md.stdout.startswith("# Conventions")


def test_check_flags_a_breaking_diff_and_passes_a_following_one(repo: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["index", str(repo), *HASH]).exit_code == 0
    bad = tmp_path / "bad.patch"
    bad.write_text(
        _new_file_diff(
            "camelapp/search.py",
            'def find_users(source):\n    """Find users."""\n    return source',
        )
    )
    result = runner.invoke(
        app, ["conventions", "check", "--repo", str(repo), "--diff", str(bad), "--json", *HASH]
    )
    assert result.exit_code == 1, result.output
    found = json.loads(result.stdout)["violations"]
    assert [(v["path"], v["line"], v["rule"]) for v in found] == [
        ("camelapp/search.py", 1, "python.naming.function")
    ]
    assert "camelCase functions" in found[0]["evidence"]
    piped = runner.invoke(
        app, ["conventions", "check", "--repo", str(repo), "--diff", str(bad), *HASH]
    )
    # not a terminal: one plain line per violation, as ruff and mypy print them, never cut
    assert piped.stdout.splitlines() == [
        f"camelapp/search.py:1: [python.naming.function] {found[0]['message']} ({found[0]['evidence']})"
    ]
    good = tmp_path / "good.patch"
    good.write_text(
        _new_file_diff(
            "camelapp/search.py", 'def findUsers(source):\n    """Find users."""\n    return source'
        )
    )
    result = runner.invoke(
        app, ["conventions", "check", "--repo", str(repo), "--diff", str(good), *HASH]
    )
    assert result.exit_code == 0 and "No convention broken" in result.stdout


def test_unindexed_repo_is_measured_on_the_spot_and_bad_diff_path(repo: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["conventions", "--repo", str(repo), "--json", *HASH])
    assert result.exit_code == 0 and "not indexed" in result.stderr
    result = runner.invoke(
        app, ["conventions", "check", "--repo", str(repo), "--diff", "/no/such.patch"]
    )
    assert result.exit_code == 2 and "--diff /no/such.patch does not exist" in result.stderr


def test_check_reads_the_diff_from_standard_input(repo: Path, tmp_path: Path) -> None:
    """``git diff | specpilot conventions check --diff -``."""
    runner = CliRunner()
    assert runner.invoke(app, ["index", str(repo), *HASH]).exit_code == 0
    diff = _new_file_diff("camelapp/search.py", "def find_users(source):\n    return source")
    args = ["conventions", "check", "--repo", str(repo), "--diff", "-", "--json", *HASH]
    result = runner.invoke(app, args, input=diff)
    assert result.exit_code == 1, result.output
    assert "python.naming.function" in {v["rule"] for v in json.loads(result.stdout)["violations"]}


def test_check_does_not_hold_product_constants_to_docs_globals(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.conventions.test_scope import cachekit_files

    monkeypatch.setenv("SPECPILOT_HOME", str(tmp_path / "home"))
    repo = tmp_path / "cachekit"
    for path, text in cachekit_files().items():
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text(str(text))
    runner = CliRunner()
    assert runner.invoke(app, ["index", str(repo), *HASH]).exit_code == 0
    rules = runner.invoke(app, ["conventions", "--repo", str(repo), *HASH])
    assert rules.exit_code == 0 and "constants" not in rules.stdout
    patch = tmp_path / "timeouts.patch"
    patch.write_text(_new_file_diff("cachekit/timeouts.py", "DEFAULT_TIMEOUT = 30"))
    result = runner.invoke(
        app, ["conventions", "check", "--repo", str(repo), "--diff", str(patch), *HASH]
    )
    assert result.exit_code == 0, result.output
    assert "No convention broken" in result.stdout
