"""The user's own settings, and the keys that only the user may set.

The trust boundary (DESIGN.md): the user — environment, user config, command line — is
trusted; the target repository is data. A repository may tune retrieval, tests and policy,
but it never decides where a credential goes, which model is used, or where the audit trail
lives. The keys that decide those are declared in ``USER_ONLY_KEYS`` (each with the reason);
a repository config that sets one is refused before anything runs (``refuse_user_only``).

User config files have the shape of a repository's ``specpilot.toml`` (top-level
``[pipeline]``, ``[deliver]``, ``[index.embed]``, ...); later ones win:

    $XDG_CONFIG_HOME/specpilot/config.toml   (XDG_CONFIG_HOME defaults to ~/.config)
    $SPECPILOT_HOME/config.toml              (SPECPILOT_HOME defaults to ~/.specpilot)

Environment variables that set a key (``ENV_KEYS``): ``ANTHROPIC_BASE_URL`` →
``pipeline.base_url``, ``SPECPILOT_MODEL`` → ``pipeline.model``, ``GITHUB_API_URL`` →
``deliver.github_api_url``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from specpilot.flows.errors import ConfigError
from specpilot.pipeline import SANDBOX_USER_ONLY_FIELDS


@dataclass(frozen=True, slots=True)
class UserOnly:
    """Why a key is the user's alone, and where else the user may set it."""

    reason: str  # completes "…, which {reason}"
    env: str | None = None  # an environment variable that sets it
    uris_only: bool = False  # only a value naming a URI scheme (``s3://…``) is the user's


_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")

USER_ONLY_KEYS: Mapping[str, UserOnly] = MappingProxyType(
    {
        "pipeline.base_url": UserOnly(
            "decides where your ANTHROPIC_API_KEY is sent", env="ANTHROPIC_BASE_URL"
        ),
        "pipeline.model": UserOnly(
            "decides which model your API key is used (and billed) for", env="SPECPILOT_MODEL"
        ),
        "pipeline.auth": UserOnly(
            "decides whether your ANTHROPIC_API_KEY or ANTHROPIC_AUTH_TOKEN is sent to the server"
        ),
        "pipeline.context_window": UserOnly(
            "describes the model your server runs (every request is packed to it)"
        ),
        "pipeline.request_timeout_s": UserOnly(
            "describes how slow your server is (a small model on a busy CPU needs minutes)"
        ),
        "pipeline.connect_timeout_s": UserOnly("describes how your server is reached"),
        "deliver.github_api_url": UserOnly(
            "decides where your GITHUB_TOKEN is sent", env="GITHUB_API_URL"
        ),
        "deliver.remote": UserOnly(
            "decides which of your git remotes your git credentials push to and merge into"
        ),
        "deliver.audit_log": UserOnly(
            "decides where the audit trail (and the rate limits counted from it) lives"
        ),
        "deliver.audit_key_file": UserOnly(
            "names the key that makes the audit trail tamper-evident (a repository that chose "
            "it could forge the trail)"
        ),
        "pipeline.prices": UserOnly(
            "decides what your model usage costs, which the cost limit is counted in"
        ),
        **{
            f"pipeline.{name}": UserOnly(
                "loosens or sizes the test sandbox that protects your machine from the "
                "repository's own tests"
            )
            for name in SANDBOX_USER_ONLY_FIELDS
        },
        "schedule.deps_mode": UserOnly(
            "decides whether the nightly dependency bumps may merge themselves (auto)"
        ),
        "flows.dask_address": UserOnly(
            "decides which Dask scheduler receives the index flow's work and sends back "
            "results this process unpickles"
        ),
        "db": UserOnly(
            "as an object-store URI decides which bucket your cloud credentials are used "
            "against (a local path may stay in the repository's config)",
            uris_only=True,
        ),
    }
)

# Keys that name an endpoint but send it no credential: a repository may set them. What goes
# there is the names and versions of the repository's own dependencies; what comes back can
# hide advisories from the repository's own check, or make a new name look published — and a
# change that adds a dependency is tier 2 whatever the index says.
PUBLIC_ENDPOINT_KEYS: Mapping[str, str] = MappingProxyType(
    {
        f"deps.{name}": "package metadata and advisories only; no credential is sent"
        for name in ("index_url", "npm_url", "go_proxy_url", "crates_url", "osv_url")
    }
)

# Spending limits: a repository may tighten them for its own runs, never loosen them (a hostile
# repository raising max_cost_usd would spend the user's money).
REPO_MAY_ONLY_LOWER: tuple[str, ...] = (
    "pipeline.max_total_tokens",
    "pipeline.max_cost_usd",
    "pipeline.max_tool_steps",
    "pipeline.max_wall_time_s",
    "pipeline.max_repair_rounds",
    "pipeline.max_tokens",
)

ENV_KEYS: Mapping[str, str] = MappingProxyType(
    {rule.env: key for key, rule in USER_ONLY_KEYS.items() if rule.env}
)


def specpilot_home(environ: Mapping[str, str]) -> Path:
    """``$SPECPILOT_HOME`` or ``~/.specpilot`` (``indexer.config.specpilot_home``'s rule, read
    from the given environment)."""
    return Path(environ.get("SPECPILOT_HOME") or Path.home() / ".specpilot")


def user_config_paths(environ: Mapping[str, str]) -> tuple[Path, Path]:
    """The user config files, lowest precedence first."""
    xdg = Path(environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return xdg / "specpilot" / "config.toml", specpilot_home(environ) / "config.toml"


def env_table(environ: Mapping[str, str]) -> dict[str, Any]:
    """The keys set by environment variables, as a settings table (empty values ignored)."""
    table: dict[str, Any] = {}
    for name, key in ENV_KEYS.items():
        value = environ.get(name, "").strip()
        if value:
            set_dotted(table, key, value)
    return table


def set_dotted(table: dict[str, Any], key: str, value: Any) -> None:
    *sections, leaf = key.split(".")
    node = table
    for section in sections:
        node = node.setdefault(section, {})
    node[leaf] = value


def _lookup(table: Mapping[str, Any], key: str) -> tuple[bool, Any]:
    node: Any = table
    for part in key.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return False, None
        node = node[part]
    return True, node


def refuse_user_only(table: Mapping[str, Any], source: str, environ: Mapping[str, str]) -> None:
    """ConfigError (one line) when the repository table from ``source`` sets a user-only key."""
    for key, rule in USER_ONLY_KEYS.items():
        found, value = _lookup(table, key)
        if not found or (rule.uris_only and not (isinstance(value, str) and _URI.match(value))):
            continue
        raise ConfigError(
            f"{source} sets {key}, which {rule.reason}; a repository's config may not set it. "
            f"Set it in your own config, {where_user_sets(key, environ)}."
        )


def refuse_raised_limits(
    table: Mapping[str, Any],
    source: str,
    users: Mapping[str, Any],
    defaults: Mapping[str, Any],
    environ: Mapping[str, str],
) -> None:
    """ConfigError (one line) when the repository table raises a spending limit above what the
    user set (``users``: user config, environment and command line) or else the default."""
    for key in REPO_MAY_ONLY_LOWER:
        found, value = _lookup(table, key)
        if not found or not isinstance(value, int | float) or isinstance(value, bool):
            continue
        user_set, limit = _lookup(users, key)
        if not user_set:
            limit = defaults.get(key)
        if isinstance(limit, int | float) and value > limit:
            raise ConfigError(
                f"{source} sets {key} = {value!r}, above your limit of {limit!r}; a repository "
                f"may lower a spending limit, not raise it. Raise it in your own config, "
                f"{where_user_sets(key, environ)}."
            )


def where_user_sets(key: str, environ: Mapping[str, str]) -> str:
    xdg, home = user_config_paths(environ)
    *sections, leaf = key.split(".")
    entry = f"[{'.'.join(sections)}] {leaf} = ..." if sections else f"{leaf} = ..."
    rule = USER_ONLY_KEYS.get(key)
    env = rule.env if rule else None
    also = f", the {env} environment variable" if env else ""
    return f"{home} (or {xdg}) as `{entry}`{also}, or --set {key}=<value>"
