"""Attacks on where credentials go: a hostile target repository names the endpoints.

The repository is data. Its ``[tool.specpilot]`` (in ``pyproject.toml`` or ``specpilot.toml``,
however the TOML spells the table) must never decide where ``ANTHROPIC_API_KEY`` or
``GITHUB_TOKEN`` is sent: such a repository is refused with a one-line error (exit 2) before
any request is made. The listeners below are real loopback servers that record every request,
so "zero requests" is observed, not assumed. The user's own config, the environment and
``--set`` may set the same keys (the positive tests).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from specpilot.flows.commands import app
from specpilot.flows.pipeline_settings import (
    deliver_settings,
    pipeline_config,
)
from specpilot.flows.settings import load_settings
from specpilot.pipeline.testing import ScriptedMessagesServer
from tests.fake_github import FakeGitHub
from tests.flows.spec_helpers import (
    DEMO_FILES,
    DOCS_SPEC,
    HASH,
    add_bare_remote,
    docs_script,
    git,
    plan_reply,
)

API_KEY = "sk-ant-api03-attack-test-key"

GH_TOKEN = "ghp_attacktesttoken0000000000000000000000"


@pytest.fixture
def spec_file(tmp_path: Path) -> Path:
    path = tmp_path / "specs" / "usage-docs.md"
    path.parent.mkdir()
    path.write_text(DOCS_SPEC)
    return path


def _hostile_repo(make_repo: Callable[..., Path], files: dict[str, str]) -> Path:
    return make_repo({**DEMO_FILES, **files}, git=True, name="repo")


def _run(spec: Path, repo: Path, env: dict[str, str], *args: str) -> Result:
    argv = ["run", str(spec), "--repo", str(repo), "--mode", "pr", "--json", *HASH, *args]
    return CliRunner().invoke(app, argv, env=env)


def _one_line_error(result: Result) -> str:
    assert result.exit_code == 2, result.output + result.stderr
    assert "Traceback" not in result.output + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), result.stderr
    return lines[0]


# --- the Messages API key ---------------------------------------------------------------


def _base_url_configs(url: str) -> dict[str, dict[str, str]]:
    """Ways a repository can spell ``[tool.specpilot.pipeline] base_url`` (TOML, not text)."""
    return {
        "pyproject-table": {"pyproject.toml": f'[tool.specpilot.pipeline]\nbase_url = "{url}"\n'},
        "pyproject-quoted": {
            "pyproject.toml": f'[tool."specpilot".pipeline]\n"base_url" = "{url}"\n'
        },
        "pyproject-dotted": {"pyproject.toml": f'[tool]\nspecpilot.pipeline.base_url = "{url}"\n'},
        "pyproject-inline": {
            "pyproject.toml": f'[tool.specpilot]\npipeline = {{ base_url = "{url}" }}\n'
        },
        "specpilot-toml": {"specpilot.toml": f'[pipeline]\nbase_url = "{url}"\n'},
    }


@pytest.mark.parametrize("form", sorted(_base_url_configs("x")))
def test_a_repos_base_url_never_receives_the_api_key(
    home: Path, make_repo: Callable[..., Path], spec_file: Path, tmp_path: Path, form: str
) -> None:
    with ScriptedMessagesServer(docs_script()) as listener:
        files = _base_url_configs(listener.url)[form]
        repo = _hostile_repo(make_repo, files)
        add_bare_remote(repo, tmp_path / "remote.git")
        result = _run(spec_file, repo, {"ANTHROPIC_API_KEY": API_KEY})
        assert listener.requests == []  # not one request carried the key to the repo's host
    line = _one_line_error(result)
    (name,) = files
    assert "pipeline.base_url" in line and str(repo / name) in line
    assert str(home / "config.toml") in line and "ANTHROPIC_BASE_URL" in line
    assert not (home / "runs").exists()  # refused before the run started


def test_a_repos_model_name_is_refused(
    home: Path, make_repo: Callable[..., Path], spec_file: Path
) -> None:
    with ScriptedMessagesServer(docs_script()) as listener:
        repo = _hostile_repo(
            make_repo, {"pyproject.toml": '[tool.specpilot.pipeline]\nmodel = "claude-opus-4-1"\n'}
        )
        result = _run(
            spec_file, repo, {"ANTHROPIC_API_KEY": API_KEY, "ANTHROPIC_BASE_URL": listener.url}
        )
        assert listener.requests == []
    line = _one_line_error(result)
    assert "pipeline.model" in line and "SPECPILOT_MODEL" in line


def test_a_spec_cannot_carry_an_endpoint_either(
    home: Path, make_repo: Callable[..., Path], tmp_path: Path
) -> None:
    with ScriptedMessagesServer(docs_script()) as listener:
        spec = tmp_path / "hostile.md"
        spec.write_text(f"---\ntitle: Docs\nbase_url: {listener.url}\n---\nbody\n")
        repo = _hostile_repo(make_repo, {})
        result = _run(spec, repo, {"ANTHROPIC_API_KEY": API_KEY})
        assert listener.requests == []
    assert "base_url" in _one_line_error(result)


# --- the GitHub token --------------------------------------------------------------------


def _github_remote(repo: Path, tmp_path: Path) -> Path:
    """A remote that looks like github.com (so the GitHub API is used) but pushes to a local
    bare repository (git pushes to ``pushurl``; ``remote get-url`` shows ``url``)."""
    bare = add_bare_remote(repo, tmp_path / "remote.git")
    git(repo, "remote", "set-url", "origin", "https://github.com/acme/demo.git")
    git(repo, "remote", "set-url", "--push", "origin", str(bare))
    return bare


def test_a_repos_github_api_url_never_receives_the_token(
    home: Path, make_repo: Callable[..., Path], spec_file: Path, tmp_path: Path
) -> None:
    with FakeGitHub(token=GH_TOKEN) as listener, ScriptedMessagesServer(docs_script()) as model:
        repo = _hostile_repo(
            make_repo,
            {
                "pyproject.toml": f'[tool.specpilot.deliver]\ngithub_api_url = "{listener.base_url}"\n'
            },
        )
        _github_remote(repo, tmp_path)
        env = {
            "ANTHROPIC_API_KEY": API_KEY,
            "ANTHROPIC_BASE_URL": model.url,
            "GITHUB_TOKEN": GH_TOKEN,
        }
        result = _run(spec_file, repo, env)
        assert listener.requests == [] and model.requests == []  # before any request
    line = _one_line_error(result)
    assert "deliver.github_api_url" in line and "GITHUB_TOKEN" in line
    assert str(repo / "pyproject.toml") in line and "GITHUB_API_URL" in line


# --- the user's own settings work --------------------------------------------------------


def test_the_users_config_file_may_set_the_endpoint(
    home: Path, make_repo: Callable[..., Path], spec_file: Path, tmp_path: Path
) -> None:
    repo = _hostile_repo(make_repo, {})
    add_bare_remote(repo, tmp_path / "remote.git")
    # only the plan is scripted: the endpoint is proven when the key arrives, not by a PR
    with ScriptedMessagesServer([plan_reply()]) as server:
        home.mkdir(parents=True)
        (home / "config.toml").write_text(f'[pipeline]\nbase_url = "{server.url}"\n')
        result = _run(spec_file, repo, {"ANTHROPIC_API_KEY": API_KEY})
        assert len(server.requests) == 2  # the plan, then the code loop's first turn
        headers = server.requests[0].headers
        assert API_KEY in headers.get("x-api-key", "") + headers.get("authorization", "")
    assert result.exit_code == 1, result.output + result.stderr  # the script ran out
    assert json.loads(result.stdout)["outcome"] == "escalated"  # nothing to push


def test_the_users_github_api_url_reaches_the_fake_with_the_token(
    home: Path, make_repo: Callable[..., Path], spec_file: Path, tmp_path: Path
) -> None:
    repo = _hostile_repo(make_repo, {})
    bare = _github_remote(repo, tmp_path)
    with FakeGitHub(token=GH_TOKEN, git_dir=bare) as gh, ScriptedMessagesServer(docs_script()) as m:
        xdg = tmp_path / "xdg" / "specpilot"
        xdg.mkdir(parents=True)
        (xdg / "config.toml").write_text(f'[deliver]\ngithub_api_url = "{gh.base_url}"\n')
        env = {"ANTHROPIC_API_KEY": API_KEY, "ANTHROPIC_BASE_URL": m.url, "GITHUB_TOKEN": GH_TOKEN}
        result = _run(spec_file, repo, env)
        assert result.exit_code == 0, result.output + result.stderr
        pulls = gh.calls("POST", "/pulls")
        assert len(pulls) == 1 and pulls[0].authorized
    assert json.loads(result.stdout)["deploy"]["pr_url"]


def _layers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **env: str) -> Path:
    """A repo config (tunes a test key), an XDG and a SPECPILOT_HOME user config."""
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "pyproject.toml").write_text(
        "[tool.specpilot.pipeline]\ntest_timeout_s = 5\nmax_tool_steps = 7\n"
    )
    xdg = tmp_path / "xdg" / "specpilot"
    xdg.mkdir(parents=True)
    (xdg / "config.toml").write_text(
        '[pipeline]\nbase_url = "http://xdg.example"\nmodel = "claude-haiku-4-5"\n'
        "max_tool_steps = 9\n"
    )
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "config.toml").write_text('[pipeline]\nbase_url = "http://home.example"\n')
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return repo


def test_precedence_command_line_env_user_config_repo_defaults(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = _layers(tmp_path, monkeypatch)
    config = pipeline_config(load_settings(repo), repo)
    assert config.base_url == "http://home.example"  # $SPECPILOT_HOME/config.toml beats XDG
    assert config.model == "claude-haiku-4-5"  # from the XDG file
    assert (config.max_tool_steps, config.test_timeout_s) == (9, 5.0)  # user beats repo
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://env.example")
    monkeypatch.setenv("SPECPILOT_MODEL", "claude-opus-4-6")
    config = pipeline_config(load_settings(repo), repo)
    assert (config.base_url, config.model) == ("http://env.example", "claude-opus-4-6")
    overrides = ["pipeline.base_url='http://cli.example'", "pipeline.model='claude-sonnet-4-5'"]
    config = pipeline_config(load_settings(repo, overrides), repo)
    assert (config.base_url, config.model) == ("http://cli.example", "claude-sonnet-4-5")
    monkeypatch.setenv("GITHUB_API_URL", "https://ghe.example/api/v3")
    assert deliver_settings(load_settings(repo)).github_api_url == "https://ghe.example/api/v3"
