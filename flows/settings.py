"""Reading specpilot's configuration for a target repository.

Sources, later ones win: defaults → ``[tool.specpilot]`` in the repo's ``pyproject.toml``
(or a ``specpilot.toml`` at its root, whose top level is the same table) → the user's config
files → environment variables → ``--set section.key=value`` overrides (the user's sources
and the keys only they may set: ``flows.user_config``). A repository table that sets a
user-only key is refused. Sections map to the packages' frozen configs:

    [tool.specpilot.index.walk]   indexer.config.WalkConfig
    [tool.specpilot.index.chunk]  indexer.config.ChunkConfig
    [tool.specpilot.index.embed]  indexer.config.EmbedConfig
    [tool.specpilot.retrieval]    retrieval.config.RetrievalConfig
    [tool.specpilot.conventions]  conventions.config.ConventionsConfig
    [tool.specpilot]  db = "..."  the index location (default: under $SPECPILOT_HOME)
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, get_type_hints

from specpilot.conventions import ConventionsConfig
from specpilot.flows.errors import ConfigError
from specpilot.flows.toml_files import read_toml, table_at
from specpilot.flows.user_config import (
    REPO_MAY_ONLY_LOWER,
    env_table,
    refuse_raised_limits,
    refuse_user_only,
    user_config_paths,
)
from specpilot.indexer import IndexerConfig
from specpilot.pipeline import PipelineConfig
from specpilot.retrieval import RetrievalConfig

# the defaults a repository may lower but not raise (flows.user_config.REPO_MAY_ONLY_LOWER)
_LIMIT_DEFAULTS = {
    key: getattr(PipelineConfig(), key.split(".", 1)[1]) for key in REPO_MAY_ONLY_LOWER
}

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Settings:
    index: IndexerConfig = field(default_factory=IndexerConfig)
    retrieval: RetrievalConfig = field(default_factory=RetrievalConfig)
    conventions: ConventionsConfig = field(default_factory=ConventionsConfig)
    db: str | None = None
    source: str = "defaults"  # where the repository's config came from
    raw: dict[str, Any] = field(default_factory=dict)  # every source merged, --set included
    user_sources: tuple[str, ...] = ()  # the user config files that were read

    @property
    def index_identity(self) -> str:
        """What an index run's output depends on besides its files and ``index``: the
        conventions plug-in's config (``indexer.manifest``: part of the no-op check)."""
        return f"conventions={self.conventions!r}"


def read_table(repo: Path) -> tuple[dict[str, Any], str]:
    """The ``[tool.specpilot]`` table of ``repo`` and the file it came from."""
    own = repo / "specpilot.toml"
    if own.is_file():
        return _load_toml(own), str(own)
    py = repo / "pyproject.toml"
    if py.is_file():
        table = table_at(_load_toml(py), ("tool", "specpilot"), py)
        if table:
            return dict(table), str(py)
    return {}, "defaults"


def read_user_tables(environ: Mapping[str, str]) -> list[tuple[dict[str, Any], str]]:
    """The user's config files that exist, lowest precedence first."""
    return [(_load_toml(p), str(p)) for p in user_config_paths(environ) if p.is_file()]


def _load_toml(path: Path) -> dict[str, Any]:
    return read_toml(path)  # one-line errors: not UTF-8, bad syntax, nested too deep


def parse_override(item: str) -> tuple[list[str], Any]:
    """``index.embed.model=hash`` → (["index", "embed", "model"], "hash")."""
    key, sep, value = item.partition("=")
    if not sep or not key.strip():
        raise ConfigError(f"--set {item!r} is not of the form section.key=value.")
    try:
        parsed: Any = tomllib.loads(f"v = {value}")["v"]
    except tomllib.TOMLDecodeError:
        parsed = value
    return [k.strip() for k in key.split(".")], parsed


def load_settings(
    repo: Path | None,
    overrides: list[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """The merged settings for ``repo``; ConfigError when the repository's table sets a
    user-only key, or a value is unknown or of the wrong type."""
    env = os.environ if environ is None else environ
    table, source = read_table(repo) if repo is not None else ({}, "defaults")
    refuse_user_only(table, source, env)
    repo_table = table
    users = read_user_tables(env)
    mine: dict[str, Any] = {}  # what the user set: user config, environment, command line
    for user_table, _ in users:
        _merge(mine, user_table)
    _merge(mine, env_table(env))
    for item in overrides or []:
        keys, value = parse_override(item)
        node = mine
        for k in keys[:-1]:
            node = node.setdefault(k, {})
            if not isinstance(node, dict):
                raise ConfigError(f"--set {item!r}: {k!r} is a value, not a section.")
        node[keys[-1]] = value
    refuse_raised_limits(repo_table, source, mine, _LIMIT_DEFAULTS, env)
    table = _deep_copy(repo_table)
    _merge(table, mine)
    index = table.get("index", {})
    return Settings(
        index=build(IndexerConfig, index, "index"),
        retrieval=build(RetrievalConfig, table.get("retrieval", {}), "retrieval"),
        conventions=build(ConventionsConfig, table.get("conventions", {}), "conventions"),
        db=_opt_str(table.get("db"), "db"),
        source=source,
        raw=table,
        user_sources=tuple(path for _, path in users),
    )


def _merge(base: dict[str, Any], over: Mapping[str, Any]) -> None:
    """Merge ``over`` into ``base``: tables key by key, any other value replaced."""
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = _deep_copy(value) if isinstance(value, dict) else value


def _deep_copy(d: dict[str, Any]) -> dict[str, Any]:
    return {k: _deep_copy(v) if isinstance(v, dict) else v for k, v in d.items()}


def _opt_str(v: Any, where: str) -> str | None:
    if v is None or isinstance(v, str):
        return v
    raise ConfigError(f"{where} must be a string, got {v!r}.")


def build(cls: type[T], data: Any, where: str) -> T:
    """Instantiate the frozen dataclass ``cls`` from a TOML table, checking keys and types."""
    if not isinstance(data, dict):
        raise ConfigError(f"[{where}] must be a table, got {data!r}.")
    hints = get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(data) - names)
    if unknown:
        raise ConfigError(
            f"unknown key {where}.{unknown[0]}; valid keys: {', '.join(sorted(names))}."
        )
    kwargs: dict[str, Any] = {}
    for name, value in data.items():
        kwargs[name] = _coerce(hints[name], value, f"{where}.{name}")
    try:
        return cls(**kwargs)
    except ValueError as exc:  # a config checking its own values (each package's ConfigError)
        raise ConfigError(f"[{where}]: {exc}") from exc


def _coerce(tp: Any, value: Any, where: str) -> Any:
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        return build(tp, value, where)
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if value is None:
            return None
        return _coerce(args[0], value, where)
    if origin is tuple:
        if not isinstance(value, list | tuple):
            raise ConfigError(f"{where} must be a list, got {value!r}.")
        shape = typing.get_args(tp)
        item = shape[0] if len(shape) == 2 and shape[1] is Ellipsis else None
        if item is None:  # a fixed-shape tuple: element types are checked by the config itself
            return tuple(value)
        return tuple(_coerce(item, v, f"{where}[{i}]") for i, v in enumerate(value))
    if origin is typing.Literal:
        allowed = typing.get_args(tp)
        if value in allowed and type(value) in {type(a) for a in allowed}:
            return value
        raise ConfigError(
            f"{where} is {value!r}; use one of {', '.join(repr(a) for a in allowed)}."
        )
    if tp is bool:
        if isinstance(value, bool):
            return value
    elif tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif tp is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    elif tp is str:
        if isinstance(value, str):
            return value
    else:
        return value
    raise ConfigError(f"{where} must be of type {getattr(tp, '__name__', tp)}, got {value!r}.")
