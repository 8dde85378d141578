"""``specpilot test``: a repository's tests run as the pipeline runs them, from the outside.

Hostile repositories try to loosen the sandbox through their own config, to write the user's
checkout, and to run in suggest mode without a file-system sandbox; the command's ``--json``
and plain output must say exactly which protections were in force.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from specpilot.flows.commands import app
from specpilot.pipeline.workspace.sandbox import IsolationStatus, probe_isolation
from tests.flows.spec_helpers import git

MakeRepo = Callable[..., Path]
needs_bwrap = pytest.mark.skipif(
    not probe_isolation().filesystem, reason="bubblewrap is not installed or cannot run here"
)
needs_unshare = pytest.mark.skipif(
    not probe_isolation().available, reason="unshare cannot make namespaces on this machine"
)
GREEN = {
    "pyproject.toml": "[project]\nname = 'demo'\n",
    "tests/test_ok.py": "def test_one():\n    pass\n\n\ndef test_two():\n    pass\n",
}
RED = {
    "pyproject.toml": "[project]\nname = 'demo'\n",
    "tests/test_mixed.py": (
        "def test_ok():\n    pass\n\n\ndef test_bad():\n    assert 41 + 1 == 43, 'off by one'\n"
    ),
}


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("SPECPILOT_HOME", str(tmp_path / "home"))
    return CliRunner()


def _test(runner: CliRunner, repo: Path, *args: str) -> Result:
    return runner.invoke(app, ["test", "--repo", str(repo), *args])


def _json(result: Result, code: int) -> Any:
    assert result.exit_code == code, result.output + result.stderr
    return json.loads(result.stdout)


def _no_bubblewrap(monkeypatch: pytest.MonkeyPatch) -> None:
    import specpilot.pipeline.workspace.test_runner as test_runner

    monkeypatch.setattr(
        test_runner,
        "probe_isolation",
        lambda: IsolationStatus(True, "unshare", filesystem_reason="bwrap is missing"),
    )


@needs_bwrap
def test_green_tests_exit_0_with_counts_and_the_isolation_in_force(
    runner: CliRunner, make_repo: MakeRepo
) -> None:
    repo = make_repo(GREEN, git=True)
    data = _json(_test(runner, repo, "--json"), 0)
    assert (data["passed"], data["total"], data["failed"], data["errors"]) == (True, 2, 0, 0)
    assert data["failures"] == [] and data["source"] == "detected"
    assert "-m pytest" in data["command"]
    iso = data["isolation"]
    assert iso["network"] is True and iso["filesystem"].startswith("bubblewrap: ")
    assert iso["env"] == "allowlist" and iso["home"] == "private empty"
    assert git(repo, "worktree", "list", "--porcelain").count("worktree ") == 1  # cleaned up


def test_red_tests_exit_1_naming_each_failure(runner: CliRunner, make_repo: MakeRepo) -> None:
    repo = make_repo(RED, git=True)
    data = _json(_test(runner, repo, "--json", "--mode", "pr"), 1)
    assert (data["passed"], data["total"], data["failed"]) == (False, 2, 1)
    (failure,) = data["failures"]
    assert failure["name"] == "tests.test_mixed::test_bad" and "off by one" in failure["message"]
    assert set(data["isolation"]) >= {"network", "filesystem", "env", "home"}


def test_plain_output_is_complete_lines_with_the_isolation(
    runner: CliRunner, make_repo: MakeRepo
) -> None:
    result = _test(runner, make_repo(RED, git=True), "--mode", "pr")
    assert result.exit_code == 1, result.output + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("FAILED: 2 tests, 1 failed, 0 errors")
    assert any(ln.startswith("failure: tests.test_mixed::test_bad:") for ln in lines)
    assert "isolation (what was in force):" in lines
    assert any(ln.startswith("  environment: allowlist (") for ln in lines)
    assert "--- output (trimmed)" in lines and result.stdout.endswith("\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--repo", "/nonexistent/repo"], "does not exist"),
        (["--mode", "yolo"], "unknown mode 'yolo'"),
        (["--set", "pipeline.test_timeout_s=-1"], "test_timeout_s must be greater than 0"),
        (["--set", "pipeline.no_such_key=1"], "unknown key pipeline.no_such_key"),
        (["--spec", "/nonexistent/spec.md"], "spec file /nonexistent/spec.md does not exist"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    runner: CliRunner, make_repo: MakeRepo, args: list[str], message: str
) -> None:
    repo = make_repo(GREEN, git=True)
    result = runner.invoke(app, ["test", "--repo", str(repo), *args])
    assert result.exit_code == 2, result.output + result.stderr
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_a_repository_without_git_or_a_test_command_is_bad_input(
    runner: CliRunner, make_repo: MakeRepo
) -> None:
    plain = _test(runner, make_repo(GREEN, name="plain"))
    assert plain.exit_code == 2 and "not inside a git repository" in plain.stderr
    bare = _test(runner, make_repo({"README.md": "hi\n"}, git=True, name="docs"))
    assert bare.exit_code == 2 and "No test command was found" in bare.stderr


@needs_unshare
@pytest.mark.parametrize(
    "setting",
    [
        "sandbox = false",
        "sandbox_filesystem = false",
        'sandbox_env_passthrough = ["AWS_SECRET_ACCESS_KEY"]',
        'sandbox_readonly_paths = ["~"]',
        "sandbox_kill_output_bytes = 100000000000",
    ],
)
def test_a_repository_cannot_loosen_the_sandbox_from_its_own_config(
    runner: CliRunner,
    make_repo: MakeRepo,
    monkeypatch: pytest.MonkeyPatch,
    setting: str,
) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "aws-secret-from-the-users-env")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    port = listener.getsockname()[1]
    hostile = (
        "import os, socket\n\n\ndef test_phone_home():\n"
        f"    socket.create_connection(('127.0.0.1', {port}), timeout=3).close()\n"
        "    print(os.environ.get('AWS_SECRET_ACCESS_KEY'))\n"
    )
    repo = make_repo(
        {
            "pyproject.toml": f"[project]\nname = 'x'\n\n[tool.specpilot.pipeline]\n{setting}\n",
            "tests/test_home.py": hostile,
        },
        git=True,
    )
    try:
        result = _test(runner, repo, "--json", "--mode", "pr")
    finally:
        listener.close()
    assert result.exit_code == 2, result.output + result.stderr
    key = setting.split(" =")[0]
    assert f"{repo / 'pyproject.toml'} sets pipeline.{key}" in result.stderr
    assert "a repository's config may not set it" in result.stderr
    assert "aws-secret" not in result.output + result.stderr


def test_the_config_loader_refuses_sandbox_settings_from_the_repository(
    make_repo: MakeRepo,
) -> None:
    from specpilot.flows.errors import ConfigError
    from specpilot.flows.pipeline_settings import pipeline_config
    from specpilot.flows.settings import load_settings

    pyproject = "[project]\nname = 'x'\n\n[tool.specpilot.pipeline]\nsandbox = false\n"
    repo = make_repo({"pyproject.toml": pyproject})
    with pytest.raises(ConfigError, match="a repository's config may not set it"):
        pipeline_config(load_settings(repo), repo)  # what `run` and `test` both call
    own = make_repo({"pyproject.toml": "[project]\nname = 'x'\n"}, name="own")
    user = pipeline_config(load_settings(own, ["pipeline.sandbox=false"]), own)
    assert user.sandbox is False  # the user may, on the command line


@needs_unshare
def test_the_user_may_pass_variables_through_on_the_command_line(
    runner: CliRunner, make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIP_INDEX_URL", "https://mirror.internal/simple")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "aws-secret-from-the-users-env")
    test = (
        "import os\n\n\ndef test_env():\n"
        "    assert False, (os.environ.get('PIP_INDEX_URL'), "
        "os.environ.get('AWS_SECRET_ACCESS_KEY'))\n"
    )
    repo = make_repo(
        {"pyproject.toml": "[project]\nname='x'\n", "tests/test_env.py": test}, git=True
    )
    data = _json(
        _test(runner, repo, "--json", "--mode", "pr", "--set",
              'pipeline.sandbox_env_passthrough=["PIP_INDEX_URL"]'),
        1,
    )  # fmt: skip
    (failure,) = data["failures"]
    assert "('https://mirror.internal/simple', None)" in failure["message"]
    assert "PIP_INDEX_URL" in data["isolation"]["env_names"]


@needs_bwrap
def test_the_users_checkout_is_neither_tested_in_place_nor_written(
    runner: CliRunner, make_repo: MakeRepo, tmp_path: Path
) -> None:
    checkout = tmp_path / "repo"
    hostile = (
        "def test_rewrites_the_checkout():\n"
        f"    open({str(checkout / 'README.md')!r}, 'w').write('pwned')\n"
    )
    repo = make_repo(
        {
            "README.md": "mine\n",
            "pyproject.toml": "[project]\nname='x'\n",
            "tests/test_x.py": hostile,
        },
        git=True,
    )
    (repo / "notes.txt").write_text("untracked work\n")
    data = _json(_test(runner, repo, "--json"), 1)
    assert (repo / "README.md").read_text() == "mine\n"
    assert git(repo, "status", "--porcelain") == "?? notes.txt\n"
    assert data["commit"] == git(repo, "rev-parse", "HEAD").strip() and data["dirty"] is False


def test_suggest_mode_without_a_file_system_sandbox_runs_nothing(
    runner: CliRunner, make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _no_bubblewrap(monkeypatch)
    marker = tmp_path / "the-tests-ran"
    test = f"def test_marks():\n    open({str(marker)!r}, 'w').write('ran')\n"
    repo = make_repo({"pyproject.toml": "[project]\nname='x'\n", "tests/test_m.py": test}, git=True)

    suggest = _test(runner, repo, "--json")
    assert suggest.exit_code == 1 and not marker.exists()
    assert "Suggest mode runs tests only inside a file-system sandbox" in suggest.stderr
    assert "bwrap is missing" in suggest.stderr

    pr = _json(_test(runner, repo, "--json", "--mode", "pr"), 0)  # pr mode: it runs...
    assert marker.exists()
    iso = pr["isolation"]  # ...and claims no file-system or home protection
    assert iso["filesystem"] == "none" and iso["home"] == "host" and iso["env"] == "allowlist"
    assert "bwrap is missing" in pr["sandbox_note"]
