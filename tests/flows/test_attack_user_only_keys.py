"""Every user-only setting, attacked from the repository: each key that names an endpoint, a
secret, a price or the audit key file is refused from a repo's config by every command's
settings, a repo may lower a spending limit but not raise it, and docs/config.md lists every
such key (the endpoint attacks with live listeners are in test_attack_credentials.py).
"""

from __future__ import annotations

import dataclasses
import re
import typing
from pathlib import Path

import pytest

from specpilot.conventions.config import ConventionsConfig
from specpilot.flows.errors import ConfigError
from specpilot.flows.flow_spec import request_from
from specpilot.flows.pipeline_settings import (
    DeliverSettings,
    FlowSettings,
    ScheduleSettings,
    deliver_settings,
    flow_settings,
    pipeline_config,
)
from specpilot.flows.settings import load_settings
from specpilot.flows.user_config import PUBLIC_ENDPOINT_KEYS, USER_ONLY_KEYS
from specpilot.indexer.config import IndexerConfig
from specpilot.pipeline.core.config import DepsConfig, PipelineConfig
from specpilot.retrieval.config import RetrievalConfig

# --- every user-only key, refused from every command's settings ------------------------


@pytest.mark.parametrize(
    ("key", "toml"),
    [
        ("deliver.remote", '[tool.specpilot.deliver]\nremote = "upstream"\n'),
        ("deliver.audit_log", '[tool.specpilot.deliver]\naudit_log = "/tmp/fresh.jsonl"\n'),
        ("flows.dask_address", '[tool.specpilot.flows]\ndask_address = "tcp://evil:8786"\n'),
        ("db", '[tool.specpilot]\ndb = "s3://attacker-bucket/index"\n'),
        ("pipeline.base_url", '[tool.specpilot.pipeline]\nbase_url = "http://evil"\n'),
    ],
)
def test_user_only_keys_are_refused_from_the_repo(
    home: Path, tmp_path: Path, key: str, toml: str
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "pyproject.toml").write_text(toml)
    with pytest.raises(ConfigError) as caught:
        load_settings(repo)
    message = str(caught.value)
    assert key in message and str(repo / "pyproject.toml") in message
    assert "\n" not in message and str(home / "config.toml") in message
    with pytest.raises(ConfigError):  # the spec-to-pr flow loads the same settings
        request_from("# t\n", "t.md", str(repo), "pr", None, None, "tester")


def test_a_local_db_path_and_tuning_keys_stay_the_repos(home: Path, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "pyproject.toml").write_text(
        '[tool.specpilot]\ndb = "/var/lib/specpilot/repo"\n'
        '[tool.specpilot.pipeline]\ntest_command = "make test"\nmax_repair_rounds = 1\n'
        "[tool.specpilot.deliver]\nhouse_rules_tokens = 200\n"
        '[tool.specpilot.flows]\ntask_runner = "threads"\n'
    )
    settings = load_settings(repo)
    assert settings.db == "/var/lib/specpilot/repo"
    assert pipeline_config(settings, repo).test_command == "make test"
    assert deliver_settings(settings).house_rules_tokens == 200
    assert flow_settings(settings).task_runner == "threads"


_ENDPOINTISH = re.compile(
    r"(^|_)(url|uri|endpoint|host|hostname|address|remote|proxy|auth|header|headers|"
    r"credential|credentials|secret|password|key|audit)(_|$)|_env$"
)


def _dotted_fields(cls: type, prefix: str) -> list[str]:
    """Every leaf key of a config dataclass, nested configs walked (``index.embed.model``)."""
    out = []
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        tp = hints[f.name]
        if isinstance(tp, type) and dataclasses.is_dataclass(tp):
            out += _dotted_fields(tp, f"{prefix}{f.name}.")
        else:
            out.append(f"{prefix}{f.name}")
    return out


def _all_keys() -> list[str]:
    keys = ["db"]
    for section, cls in (
        ("index.", IndexerConfig),
        ("retrieval.", RetrievalConfig),
        ("conventions.", ConventionsConfig),
        ("pipeline.", PipelineConfig),
        ("deliver.", DeliverSettings),
        ("schedule.", ScheduleSettings),
        ("flows.", FlowSettings),
        ("deps.", DepsConfig),
    ):
        keys += _dotted_fields(cls, section)
    return [k for k in keys if not k.startswith("pipeline.deps.")]  # read from [deps]


def test_every_key_that_looks_like_an_endpoint_or_a_secret_is_user_only() -> None:
    keys = _all_keys()
    assert "index.embed.model" in keys and "pipeline.base_url" in keys  # the walk is deep
    looks_risky = {k for k in keys if _ENDPOINTISH.search(k.rsplit(".", 1)[-1])}
    assert looks_risky - set(USER_ONLY_KEYS) - set(PUBLIC_ENDPOINT_KEYS) == set()
    assert set(USER_ONLY_KEYS) - set(keys) == set()  # no stale entries
    assert set(PUBLIC_ENDPOINT_KEYS) - set(keys) == set()
    assert {"pipeline.base_url", "pipeline.model", "deliver.github_api_url"} <= set(USER_ONLY_KEYS)
    for key, rule in USER_ONLY_KEYS.items():
        assert rule.reason.strip(), key


def test_docs_list_every_user_only_key() -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "config.md").read_text()
    missing = [k for k in USER_ONLY_KEYS if f"`{k}`" not in text]
    assert not missing, f"docs/config.md does not list the user-only keys {missing}"


@pytest.mark.parametrize(
    ("key", "value"),
    [("max_cost_usd", 500.0), ("max_total_tokens", 90_000_000), ("max_tool_steps", 10_000)],
)
def test_a_repo_may_lower_a_spending_limit_but_not_raise_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, key: str, value: float
) -> None:
    """A hostile repository raising the budget would spend the user's money."""
    from specpilot.flows.errors import ConfigError
    from specpilot.flows.settings import load_settings

    repo = tmp_path / "repo"
    repo.mkdir()
    env = {"SPECPILOT_HOME": str(tmp_path / "home"), "XDG_CONFIG_HOME": str(tmp_path / "xdg")}
    (repo / "specpilot.toml").write_text(f"[pipeline]\n{key} = {value}\n")
    with pytest.raises(ConfigError, match=f"sets pipeline.{key} = .*may lower a spending limit"):
        load_settings(repo, environ=env)
    # lowering is the repository's right; the user raising it in their own config is theirs
    (repo / "specpilot.toml").write_text(f"[pipeline]\n{key} = 1\n")
    assert load_settings(repo, environ=env).raw["pipeline"][key] == 1
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "config.toml").write_text(f"[pipeline]\n{key} = {value * 2}\n")
    (repo / "specpilot.toml").write_text(f"[pipeline]\n{key} = {value}\n")
    assert load_settings(repo, environ=env).raw["pipeline"][key] == value * 2
    assert (
        load_settings(repo, [f"pipeline.{key}={value}"], environ=env).raw["pipeline"][key] == value
    )


def test_a_repo_may_not_set_prices_or_the_audit_key_file(tmp_path: Path) -> None:
    from specpilot.flows.errors import ConfigError
    from specpilot.flows.settings import load_settings

    repo = tmp_path / "repo"
    repo.mkdir()
    env = {"SPECPILOT_HOME": str(tmp_path / "home"), "XDG_CONFIG_HOME": str(tmp_path / "xdg")}
    for table in (
        "[pipeline.prices.claude-sonnet-4-6]\ninput_per_mtok = 0\noutput_per_mtok = 0\n",
        '[deliver]\naudit_key_file = "/tmp/attacker.key"\n',
    ):
        (repo / "specpilot.toml").write_text(table)
        with pytest.raises(ConfigError, match="a repository's config may not set it"):
            load_settings(repo, environ=env)
