"""Reading specpilot's TOML config files: every way one can be unreadable is one sentence.

A config file comes from the target repository, so it is data: it may be in another encoding,
have broken syntax, nest arrays thousands deep (``tomllib`` recurses once per level), or give
``[tool] specpilot = 3`` where a table belongs. Each becomes a ``ConfigError`` naming the file
and what would be valid, which the CLI prints as one line (exit code 2).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from specpilot.flows.errors import ConfigError


def read_toml(path: Path) -> dict[str, Any]:
    """The TOML document in ``path``."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}.") from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path} is not UTF-8 text (byte {data[exc.start]:#04x} at offset {exc.start}); "
            "save it as UTF-8, as TOML requires."
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"cannot read {path}: {exc}; fix the TOML syntax.") from None
    except RecursionError:
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
