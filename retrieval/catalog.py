"""The in-memory catalog of an index: chunks, symbols and files, loaded once per Searcher.

A symbol is keyed ``path::qualified_name`` (``requests/sessions.py::Session.mount``); a file
is keyed by its path. Chunks name the symbols they hold (``symbol`` is a comma list when small
siblings were merged), which ties the chunk channels to symbols.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from specpilot.indexer import IndexStore

SEP = "::"


def symbol_key(path: str, qualified_name: str) -> str:
    return f"{path}{SEP}{qualified_name}"


@dataclass(frozen=True, slots=True)
class ChunkMeta:
    id: str
    path: str
    symbol: str
    kind: str
    start_line: int
    end_line: int


@dataclass(frozen=True, slots=True)
class SymbolInfo:
    key: str
    path: str
    name: str
    qualified_name: str
    kind: str
    start_line: int
    end_line: int
    signature: str
    parent: str  # qualified name of the enclosing symbol, "" at top level
    # Every definition of this name in this file (Python ``@overload`` stubs and their
    # implementation, Java/TS overloads), as (start_line, end_line, signature), the one this
    # record describes first: the longest, so an implementation comes before its ``...`` stubs.
    definitions: tuple[tuple[int, int, str], ...] = ()


def _primary_first(defs: list[tuple[int, int, str]]) -> tuple[tuple[int, int, str], ...]:
    return tuple(sorted(defs, key=lambda d: (-(d[1] - d[0]), d[0])))


@dataclass(slots=True)
class Catalog:
    chunks: dict[str, ChunkMeta]
    by_path: dict[str, list[ChunkMeta]]  # chunks of a file in line order
    language: dict[str, str]  # path -> language
    symbols: dict[str, SymbolInfo]  # key -> first definition of that key
    by_name: dict[str, list[str]]  # short name -> symbol keys
    by_qualified: dict[str, list[str]]  # qualified name -> symbol keys
    in_file: dict[str, list[str]]  # path -> symbol keys by start line
    chunk_symbols: dict[str, tuple[str, ...]]  # chunk id -> symbol keys it holds
    symbol_chunks: dict[str, list[str]]  # symbol key -> chunk ids
    name_count: Counter[str]  # short name -> number of definitions

    @classmethod
    def load(cls, store: IndexStore) -> Catalog:
        chunk_cols = ["id", "path", "symbol", "kind", "start_line", "end_line"]
        ct = _columns(store, "chunks", chunk_cols)
        chunks = {
            cid: ChunkMeta(cid, p, s or "", k or "", a, b)
            for cid, p, s, k, a, b in zip(*(ct[c] for c in chunk_cols), strict=True)
        }
        by_path: dict[str, list[ChunkMeta]] = defaultdict(list)
        for m in chunks.values():
            by_path[m.path].append(m)
        for lst in by_path.values():
            lst.sort(key=lambda m: (m.start_line, m.end_line, m.id))
        ft = _columns(store, "files", ["path", "language"])
        language = dict(zip(ft["path"], ft["language"], strict=True))
        sym_cols = [
            "path",
            "name",
            "qualified_name",
            "kind",
            "start_line",
            "end_line",
            "signature",
            "parent",
        ]
        st = _columns(store, "symbols", sym_cols)
        rows: dict[str, list[tuple[str, str, str, str, int, int, str, str]]] = defaultdict(list)
        for p, n, qn, k, a, b, sig, par in zip(*(st[c] for c in sym_cols), strict=True):
            rows[symbol_key(p, qn)].append((p, n, qn, k or "", a, b, sig or "", par or ""))
        symbols: dict[str, SymbolInfo] = {}
        for key, defs in rows.items():
            ordered = _primary_first([(d[4], d[5], d[6]) for d in defs])
            p, n, qn, k, *_, par = next(d for d in defs if (d[4], d[5], d[6]) == ordered[0])
            a, b, sig = ordered[0]
            symbols[key] = SymbolInfo(key, p, n, qn, k, a, b, sig, par, ordered)
        return cls._assemble(chunks, dict(by_path), language, symbols, Counter(st["name"]))

    @classmethod
    def _assemble(
        cls,
        chunks: dict[str, ChunkMeta],
        by_path: dict[str, list[ChunkMeta]],
        language: dict[str, str],
        symbols: dict[str, SymbolInfo],
        name_count: Counter[str],
    ) -> Catalog:
        by_name: dict[str, list[str]] = defaultdict(list)
        by_qualified: dict[str, list[str]] = defaultdict(list)
        in_file: dict[str, list[str]] = defaultdict(list)
        for key in sorted(symbols, key=lambda k: (symbols[k].path, symbols[k].start_line, k)):
            s = symbols[key]
            by_name[s.name].append(key)
            by_qualified[s.qualified_name].append(key)
            in_file[s.path].append(key)
        chunk_symbols: dict[str, tuple[str, ...]] = {}
        symbol_chunks: dict[str, list[str]] = defaultdict(list)
        for m in chunks.values():
            keys = tuple(
                k
                for k in (symbol_key(m.path, qn) for qn in m.symbol.split(", ") if qn)
                if k in symbols
            )
            chunk_symbols[m.id] = keys
            for k in keys:
                symbol_chunks[k].append(m.id)
        for key, s in symbols.items():  # constants and other loose symbols: the covering chunk
            if key not in symbol_chunks:
                cover = [
                    m for m in by_path.get(s.path, ()) if m.start_line <= s.start_line <= m.end_line
                ]
                if cover:
                    symbol_chunks[key].append(cover[0].id)
        return cls(
            chunks=chunks,
            by_path=by_path,
            language=language,
            symbols=symbols,
            by_name=dict(by_name),
            by_qualified=dict(by_qualified),
            in_file=dict(in_file),
            chunk_symbols=chunk_symbols,
            symbol_chunks=dict(symbol_chunks),
            name_count=name_count,
        )

    def symbol_at(self, path: str, line: int) -> str | None:
        """The innermost symbol of ``path`` whose lines hold ``line``."""
        keys = self.in_file.get(path, [])
        starts = [self.symbols[k].start_line for k in keys]
        best: str | None = None
        for k in keys[: bisect.bisect_right(starts, line)]:
            s = self.symbols[k]
            if s.start_line <= line <= s.end_line and (
                best is None or s.start_line >= self.symbols[best].start_line
            ):
                best = k
        return best

    def file_of(self, key: str) -> str:
        info = self.symbols.get(key)
        return info.path if info else key.split(SEP, 1)[0]

    def resolve_file(self, mention: str) -> list[str]:
        """Indexed paths a mention means, best guess first.

        ``sessions.py`` or ``app/sessions.py``: the paths equal to it or ending with
        ``/mention``. A foreign path — a stack frame's ``/usr/lib/.../site-packages/pkg/mod.py``
        for the repo's ``src/pkg/mod.py``, a Go frame from the module cache
        (``.../pkg/mod/example.com/router/v5@v5.1.0/mux.go``: the part after ``@version/`` is
        the module's own path), an absolute path into a checkout — resolves through its longest
        tail of at least two parts that an indexed path ends with, else its file name at the
        repository root. Case is ignored when nothing matches exactly (``readme.md``).
        """
        mention = mention.replace("\\", "/").lstrip("./")
        if not mention:
            return []
        versioned = _MODULE_VERSION.split(mention)
        if len(versioned) > 1 and versioned[-1]:
            mention = versioned[-1]
            if mention in self.language:
                return [mention]
        found = self._ending_with(mention)
        parts = mention.split("/")
        for n in range(1, len(parts) - 1):
            if found:
                break
            found = self._ending_with("/".join(parts[n:]))
        if not found and len(parts) > 1 and parts[-1] in self.language:
            found = [parts[-1]]  # /home/u/proj/setup.py -> setup.py at the root
        return found

    def _ending_with(self, tail: str) -> list[str]:
        if tail in self.language:
            return [tail]
        found = sorted(p for p in self.language if p.endswith("/" + tail))
        if found:
            return found
        low = tail.lower()
        return sorted(p for p in self.language if p.lower() == low or p.lower().endswith("/" + low))


_MODULE_VERSION = re.compile(r"/?[^/]+@v?\d[^/]*/")  # Go's module cache: router/v5@v5.1.0/


def _columns(store: IndexStore, table: str, cols: list[str]) -> dict[str, list[Any]]:
    data: dict[str, list[Any]] = store.read_columns(table, cols).to_pydict()
    return data
