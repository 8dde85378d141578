"""The paths of a unified diff's headers: ``diff --git a/X b/Y`` (quoted or not, spaces
allowed), ``--- a/X`` with an optional timestamp, and git's C-style quoting of odd names."""

from __future__ import annotations

from specpilot.indexer.errors import DiffError

_ESCAPES = {"a": 7, "b": 8, "t": 9, "n": 10, "v": 11, "f": 12, "r": 13, '"': 34, "\\": 92}


def header_path(raw: str) -> str:
    # "--- a/path\t2024-01-01 ..." (a timestamp may follow a tab in non-git diffs)
    raw = raw.rstrip("\n")
    if not raw.startswith('"') and "\t" in raw:
        raw = raw.split("\t", 1)[0]
    return unquote(raw)


def strip_prefix(path: str | None, prefix: str) -> str | None:
    if path is None or path == "/dev/null":
        return None
    return path[len(prefix) :] if path.startswith(prefix) else path


def split_git_paths(rest: str) -> tuple[str | None, str | None]:
    """Split ``a/X b/Y`` from a ``diff --git`` line; quoted or unquoted, spaces allowed."""
    if rest.startswith('"'):
        end = _closing_quote(rest)
        old, tail = unquote(rest[: end + 1]), rest[end + 2 :]
        return strip_prefix(old, "a/"), strip_prefix(unquote(tail), "b/")
    if rest.endswith('"'):
        start = rest.rfind(' "')
        return strip_prefix(rest[:start], "a/"), strip_prefix(unquote(rest[start + 1 :]), "b/")
    half = (len(rest) - 1) // 2
    if len(rest) % 2 == 1 and rest[:half].startswith("a/") and rest[half] == " ":
        old, new = rest[:half], rest[half + 1 :]
        if old[2:] == new[2:] and new.startswith("b/"):
            return old[2:], new[2:]
    if " b/" in rest:
        old, new = rest.split(" b/", 1)
        return strip_prefix(old, "a/"), new
    return None, None


def _closing_quote(s: str) -> int:
    i = 1
    while i < len(s):
        if s[i] == "\\":
            i += 2
            continue
        if s[i] == '"':
            return i
        i += 1
    raise DiffError(f"The diff has an unterminated quoted path: {s[:80]!r}.")


def unquote(s: str) -> str:
    """Undo git's C-style quoting (``"a/caf\\303\\251.txt"``)."""
    if len(s) < 2 or not (s.startswith('"') and s.endswith('"')):
        return s
    out = bytearray()
    body = s[1:-1]
    i = 0
    while i < len(body):
        ch = body[i]
        if ch != "\\":
            out += ch.encode("utf-8", "surrogateescape")
            i += 1
            continue
        nxt = body[i + 1 : i + 2]
        if nxt in _ESCAPES:
            out.append(_ESCAPES[nxt])
            i += 2
        elif body[i + 1 : i + 4].isdigit():
            out.append(int(body[i + 1 : i + 4], 8))
            i += 4
        else:
            raise DiffError(f"The quoted path {s[:80]!r} has an unknown escape '\\{nxt}'.")
    return out.decode("utf-8", "surrogateescape")
