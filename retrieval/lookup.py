"""Symbol lookups by name: definitions (``find_symbol``) and use sites (``callers``, ``callees``).

A name may be a short name (``mount``), a qualified name (``Session.mount``), a dotted path
ending in one (``requests.sessions.Session.mount``) or a key (``requests/sessions.py::Session.mount``).
Definitions in code files come before those in tests, docs and stubs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from specpilot.retrieval.catalog import SEP
from specpilot.retrieval.errors import QueryError
from specpilot.retrieval.evidence import SearcherView
from specpilot.retrieval.symbols import SymbolHit, definition_hits


@dataclass(frozen=True, slots=True)
class UseSite:
    """Where a symbol is used: the file, the enclosing symbol ("" at module level), the line."""

    path: str
    symbol: str
    line: int
    kind: str  # call | inherit | reference | import | name (matched by name only)
    target: str  # key of the symbol used (callers) or using (callees)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "symbol": self.symbol,
            "line": self.line,
            "kind": self.kind,
            "target": self.target,
        }


def resolve_name(searcher: SearcherView, name: str) -> list[tuple[str, float]]:
    """Symbol keys a name can mean, with how exactly it matched (1.0 best), best first."""
    name = name.strip().strip("`").removesuffix("()")
    if not name:
        raise QueryError("the symbol name is empty; give a name such as Session.mount.")
    cat = searcher.catalog
    if SEP in name:
        return [(name, 1.0)] if name in cat.symbols else []
    found: dict[str, float] = {}
    for key in cat.by_qualified.get(name, ()):
        found[key] = 1.0
    parts = name.split(".")
    for n in range(1, len(parts)):  # pkg.module.Class.method: a qualified tail
        for key in cat.by_qualified.get(".".join(parts[n:]), ()):
            found.setdefault(key, 0.9 if _module_matches(key, parts[:n]) else 0.6)
    for key in cat.by_name.get(parts[-1], ()):
        found.setdefault(key, 0.8 if len(parts) == 1 else 0.4)
    if not found:
        low = parts[-1].lower()
        for short, keys in cat.by_name.items():
            if short.lower() == low:
                for key in keys:
                    found.setdefault(key, 0.3)
    for key in found:
        found[key] *= searcher.file_factor(cat.symbols[key].path)
    return sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))


def _module_matches(key: str, module: list[str]) -> bool:
    path = key.split(SEP, 1)[0].rsplit(".", 1)[0]
    return path.replace("/", ".").endswith(".".join(module)) or path.endswith(
        "/".join(module) + "/__init__"
    )


def find_symbol(searcher: SearcherView, name: str, limit: int = 20) -> list[SymbolHit]:
    cat = searcher.catalog
    hits = [h for k, s in resolve_name(searcher, name) for h in definition_hits(cat.symbols[k], s)]
    return hits[:limit]


def callers(searcher: SearcherView, name: str, limit: int = 50) -> list[UseSite]:
    """Where the symbols ``name`` means are used (calls, inheritance, imports, references)."""
    return _uses(searcher, name, limit, incoming=True)


def callees(searcher: SearcherView, name: str, limit: int = 50) -> list[UseSite]:
    """What the symbols ``name`` means use."""
    return _uses(searcher, name, limit, incoming=False)


def _uses(searcher: SearcherView, name: str, limit: int, *, incoming: bool) -> list[UseSite]:
    graph, cat = searcher.graph, searcher.catalog
    matches = resolve_name(searcher, name)
    best = matches[0][1] if matches else 0.0
    out: list[UseSite] = []
    for key, score in matches:
        if score < best:
            break  # only the best-matching definitions: "mount" is not every *.mount
        edges = graph.callers.get(key, ()) if incoming else graph.callees.get(key, ())
        for nb in edges:
            path = cat.file_of(nb.key)
            symbol = nb.key.split(SEP, 1)[1] if SEP in nb.key else ""
            out.append(UseSite(path, symbol, nb.line, nb.kind, key))
    exact = [u for u in out if u.kind != "name"]
    ordered = sorted(
        dict.fromkeys(exact + [u for u in out if u.kind == "name"]),
        key=lambda u: (u.kind == "name", u.path, u.line, u.symbol),
    )
    return ordered[:limit]
