"""Runtime versions: a request that names one ("for Python 3.13", "Node 20", "Go 1.22") is
about the code that branches on the runtime's version.

``mentioned_versions`` reads the versions a query names; ``VersionGuards`` finds the code
chunks that test a version (``sys.version_info >= (3, 8)``, ``PY_3_9_PLUS``, ``PY310``,
``process.versions.node``, ``//go:build go1.21``, ``#[rustversion::since(1.70)]``,
``Runtime.version()``) and ranks them for the ``version`` channel:

* files first by how many of their guards name a version the query names, then by how many
  guards they hold (the compat module that defines ``PY_3_12_PLUS`` before the file that
  uses it once), then the chunks of a file by the same two counts;
* text files (changelogs, tox.ini, CI matrices) are not guards: they name versions without
  branching on them;
* a version counts for its runtime's languages only: "Go 1.22" in a request does not pull
  the Python compat module up.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

Version = tuple[str, int, int | None]  # (runtime, major, minor or None)

# the runtime of each indexed language: a version of that runtime is tested in its code
RUNTIME_OF_LANGUAGE = {
    "python": "python",
    "javascript": "node",
    "typescript": "node",
    "tsx": "node",
    "go": "go",
    "java": "java",
    "rust": "rust",
}
_MENTION_RES = (
    ("python", re.compile(r"\b(?:c?python|pypy)\s*v?(\d)(?:\.(\d{1,2}))?(?!\d)", re.I)),
    ("python", re.compile(r"\bpy(\d)\.(\d{1,2})\b", re.I)),  # py3.8
    ("python", re.compile(r"\bpy(\d)(\d{1,2})?\b", re.I)),  # py3, py38, py310
    ("node", re.compile(r"\bnode(?:\.?js)?\s*v?(\d{1,2})(?:\.(\d{1,2}))?\b", re.I)),
    ("go", re.compile(r"\b(?:go|golang)\s*(1)\.(\d{1,2})\b", re.I)),
    ("java", re.compile(r"\b(?:java|jdk|jre)\s*(\d{1,2})\b", re.I)),
    ("rust", re.compile(r"\b(?:rust|rustc|msrv)\s*(1)\.(\d{1,3})\b", re.I)),
)

_GUARD_RE = re.compile(
    r"sys\.version_info|platform\.python_version\(|\bPY_\d+(?:_\d+)*(?:_PLUS)?\b|\bPY\d{1,3}\b"
    r"|process\.versions?\b"
    r"|(?://go:build|// \+build)[^\n]*\bgo1\.\d+|runtime\.Version\(\)"
    r"|#\[cfg\(version|rustversion::"
    r"|Runtime\.version\(\)|\"java\.(?:specification\.)?version\"|\bJRE\.JAVA_\d+"
)
# the version a guard names: (3, 8) tuples, PY_3_8 / PY38 constants, go1.21, since(1.70)
_GUARD_VERSION_RES = (
    re.compile(r"\(\s*(\d)\s*,\s*(\d{1,2})\s*[,)]"),
    re.compile(r"\bPY_?(\d)_?(\d{1,2})"),
    re.compile(r"\bgo(1)\.(\d{1,2})\b"),
    re.compile(r"\b(?:since|before|version)\(\s*\"?(1)\.(\d{1,3})"),
)


def mentioned_versions(text: str) -> tuple[Version, ...]:
    """Runtime versions a request names, in order: ``Python 3.13+`` -> ``("python", 3, 13)``."""
    # Two patterns can match at one offset (``py2.7``: with and without the minor version):
    # the more precise mention wins. Sorting never compares a None minor with an int.
    at: dict[int, Version] = {}
    for runtime, rx in _MENTION_RES:
        for m in rx.finditer(text):
            minor = m.group(2) if rx.groups > 1 else None
            version = (runtime, int(m.group(1)), int(minor) if minor else None)
            seen = at.get(m.start())
            if seen is None or (seen[2] is None and version[2] is not None):
                at[m.start()] = version
    return tuple(dict.fromkeys(at[start] for start in sorted(at)))


@dataclass(frozen=True, slots=True)
class _Guarded:
    path: str
    runtime: str
    guards: int  # version tests in the chunk
    versions: frozenset[tuple[int, int]]  # the versions they name


class VersionGuards:
    """The version-testing chunks of an index (found once, on the first query that needs it)."""

    def __init__(self, chunks: dict[str, tuple[str, str, str]]) -> None:
        """``chunks``: chunk id -> (path, language, source text), code chunks only."""
        self._chunks: dict[str, _Guarded] = {}
        for cid, (path, language, text) in chunks.items():
            runtime = RUNTIME_OF_LANGUAGE.get(language)
            if runtime is None:
                continue
            guards = _GUARD_RE.findall(text)
            if not guards:
                continue
            named = {
                (int(m.group(1)), int(m.group(2)))
                for line in text.splitlines()
                if _GUARD_RE.search(line)
                for rx in _GUARD_VERSION_RES
                for m in rx.finditer(line)
            }
            self._chunks[cid] = _Guarded(path, runtime, len(guards), frozenset(named))

    def __len__(self) -> int:
        return len(self._chunks)

    def rank(self, versions: tuple[Version, ...]) -> list[str]:
        """Chunk ids of the named runtimes' guards, files that test the named versions (and
        test most) first."""
        runtimes = {runtime for runtime, _, _ in versions}
        exact_keys = {(rt, major, minor) for rt, major, minor in versions if minor is not None}
        exact: dict[str, int] = {}
        file_exact: dict[str, int] = defaultdict(int)
        file_guards: dict[str, int] = defaultdict(int)
        for cid, g in self._chunks.items():
            if g.runtime not in runtimes:
                continue
            exact[cid] = sum((g.runtime, *v) in exact_keys for v in g.versions)
            file_exact[g.path] += exact[cid]
            file_guards[g.path] += g.guards

        def order(cid: str) -> tuple[int, int, str, int, int, str]:
            g = self._chunks[cid]
            p = g.path
            return (-file_exact[p], -file_guards[p], p, -exact[cid], -g.guards, cid)

        return sorted(exact, key=order)
