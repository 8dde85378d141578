"""Reading specpilot's TOML config files: every way one can be unreadable is one sentence.

A config file comes from the target repository, so it is data: it may be in another encoding,
have broken syntax, nest arrays thousands deep (``tomllib`` recurses once per level), or give
``[tool] specpilot = 3`` where a table belongs. Each becomes a ``ConfigError`` naming the file
and what would be valid, which the CLI prints as one line (exit code 2).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from specpilot.flows.errors import ConfigError
from specpilot.pipeline import TomlTextError, load_toml_bytes


def read_toml(path: Path) -> dict[str, Any]:
    """The TOML document in ``path``."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}.") from exc
    try:
        return load_toml_bytes(data)
    except TomlTextError as exc:
        if exc.kind == "encoding":
            raise ConfigError(f"{path} {exc.detail}.") from None
        if exc.kind == "syntax":
            raise ConfigError(f"cannot read {path}: {exc.detail}; fix the TOML syntax.") from None
        raise ConfigError(
            f"cannot read {path}: arrays or tables are nested too deep to parse; "
            "a specpilot config needs at most a few levels."
        ) from None


def table_at(doc: dict[str, Any], keys: tuple[str, ...], path: Path) -> dict[str, Any]:
    """The table at ``doc[keys[0]][keys[1]]...`` ({} when absent); a non-table is an error."""
    node: Any = doc
    for depth, key in enumerate(keys, 1):
        node = node.get(key, {})
        if not isinstance(node, dict):
            name = ".".join(keys[:depth])
            raise ConfigError(f"[{name}] in {path} must be a table, got {node!r}.")
    return dict(node)
