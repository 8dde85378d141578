"""SQL fragments for LanceDB filters: a quoted string literal and an ``IN`` list of paths."""

from __future__ import annotations

from collections.abc import Iterable


def sql_quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def path_filter(paths: Iterable[str], column: str = "path") -> str:
    return f"{column} IN ({', '.join(sql_quote(p) for p in paths)})"
