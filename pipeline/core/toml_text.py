"""Decode and parse a TOML file's bytes: the one place that knows how TOML text can be
unreadable (not UTF-8, bad syntax, nested deeper than ``tomllib`` can recurse). Callers turn
``TomlTextError`` into their own error type with the file's name (the CLI's config loader,
the policy loader)."""

from __future__ import annotations

import tomllib
from typing import Any, Literal


class TomlTextError(ValueError):
    def __init__(self, kind: Literal["encoding", "syntax", "depth"], detail: str) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail


def decode_utf8(data: bytes) -> str:
    """The text of a TOML file (TOML is UTF-8 by definition)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise TomlTextError(
            "encoding",
            f"is not UTF-8 text (byte {data[exc.start]:#04x} at offset {exc.start}); "
            "save it as UTF-8, as TOML requires",
        ) from None


def load_toml_bytes(data: bytes) -> dict[str, Any]:
    """The TOML document in ``data``; TomlTextError says what is wrong, in words."""
    text = decode_utf8(data)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TomlTextError("syntax", str(exc)) from None
    except RecursionError:  # tomllib recurses once per nesting level
        raise TomlTextError("depth", "has arrays or tables nested too deep to parse") from None
