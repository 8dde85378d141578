"""Hybrid search over an index: vectors, full text, symbol names and path mentions.

Each channel ranks chunks; ranks are fused by weighted reciprocal rank
(``sum(weight / (rrf_k + rank))``, weights in ``RetrievalConfig``). ``search_files``
fuses per-channel *file* rankings the same way, adds a share of a file's further strong
chunks, and ranks support files (tests, docs, examples) after code.
"""

from __future__ import annotations

import logging
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatch
from typing import Any

import numpy as np

from indexer.embedding import Embedder
from indexer.filetypes import is_code
from indexer.store import IndexStore
from retrieval.config import RetrievalConfig
from retrieval.errors import QueryError
from retrieval.query import Query, analyse

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ChunkHit:
    id: str
    path: str
    symbol: str
    kind: str
    start_line: int
    end_line: int
    score: float
    ranks: dict[str, int] = field(default_factory=dict)  # channel -> 1-based rank

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "score": round(self.score, 6),
            "symbol": self.symbol,
            "kind": self.kind,
            "start_line": self.start_line,
            "end_line": self.end_line,
            "channels": self.ranks,
        }


@dataclass(frozen=True, slots=True)
class FileHit:
    path: str
    score: float
    language: str
    symbols: tuple[str, ...]  # best-matching symbols in the file, best first
    ranks: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "score": round(self.score, 6),
            "language": self.language,
            "symbols": list(self.symbols),
            "channels": self.ranks,
        }


@dataclass(frozen=True, slots=True)
class _ChunkMeta:
    id: str
    path: str
    symbol: str
    kind: str
    start_line: int
    end_line: int


class Searcher:
    """Read-only search over one open index; keep it around for warm queries."""

    def __init__(self, store: IndexStore, embedder: Embedder, config: RetrievalConfig) -> None:
        store.check_model(embedder.model_id, embedder.dim)
        self.store, self.embedder, self.config = store, embedder, config
        self._chunks = store.table("chunks")
        self._files = store.table("files")
        self._load_catalog()

    def _load_catalog(self) -> None:
        cols = ["id", "path", "symbol", "kind", "start_line", "end_line"]
        tbl = self._chunks.to_arrow().select(cols).to_pydict()
        self._meta = {
            cid: _ChunkMeta(cid, p, s, k, a, b)
            for cid, p, s, k, a, b in zip(*(tbl[c] for c in cols), strict=True)
        }
        self._by_path: dict[str, list[_ChunkMeta]] = defaultdict(list)
        for m in self._meta.values():
            self._by_path[m.path].append(m)
        files = self.store.table("files").to_arrow().select(["path", "language"]).to_pydict()
        self._language = dict(zip(files["path"], files["language"], strict=True))
        syms = self.store.table("symbols").to_arrow().select(["name", "qualified_name"]).to_pydict()
        self._symbol_count = Counter(syms["name"])
        self._qualified = set(syms["qualified_name"])
        self._symbol_chunks: dict[str, list[str]] = defaultdict(list)
        for m in self._meta.values():
            for qn in m.symbol.split(", ") if m.symbol else ():
                self._symbol_chunks[qn].append(m.id)
                self._symbol_chunks[qn.rsplit(".", 1)[-1]].append(m.id)

    # -- channels ------------------------------------------------------------------------
    def _vector(self, q: Query) -> list[str]:
        vec = self.embedder.embed([q.text])[0]
        rows = (
            self._chunks.search(np.asarray(vec, dtype=np.float32), vector_column_name="vector")
            .distance_type("cosine")
            .limit(self.config.vector_candidates)
            .select(["id", "_distance"])
            .to_list()
        )
        return [r["id"] for r in rows]

    def _fulltext(self, q: Query) -> list[str]:
        if not q.tokens:
            return []
        text = " ".join(dict.fromkeys(q.tokens))
        rows = (
            self._chunks.search(text, query_type="fts", fts_columns="search_text")
            .limit(self.config.fulltext_candidates)
            .select(["id", "_score"])
            .to_list()
        )
        return [r["id"] for r in rows]

    def _file_fulltext(self, q: Query) -> list[str]:
        """Files by BM25 over their whole text (a file-level view of the same tokens)."""
        if not q.tokens or self.config.weight_file_fulltext <= 0:
            return []
        rows = (
            self._files.search(
                " ".join(dict.fromkeys(q.tokens)), query_type="fts", fts_columns="search_text"
            )
            .limit(self.config.file_fulltext_candidates)
            .select(["path", "_score"])
            .to_list()
        )
        return [r["path"] for r in rows]

    def _identifier(self, q: Query) -> list[str]:
        """Chunks defining a symbol the query names, rarer names first."""
        total = max(1, sum(self._symbol_count.values()))
        scores: dict[str, float] = defaultdict(float)
        names = [w for w in (*q.identifiers, *q.words) if w in self._symbol_chunks]
        for name in dict.fromkeys(names):
            short = name.rsplit(".", 1)[-1]
            looks_code = name in q.identifiers or name[:1].isupper()
            count = self._symbol_count.get(short, 1)
            if not looks_code and count > 3:
                continue  # a plain word that happens to name many symbols ("get")
            weight = math.log(1 + total / count) * (2.0 if looks_code else 1.0)
            for cid in self._symbol_chunks[name]:
                scores[cid] += weight
        return [cid for cid, _ in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))]

    def _path_files(self, q: Query) -> list[str]:
        """Files the query mentions by path, file name, module or stack frame."""
        wanted: list[str] = [f[0] for f in q.frames] + list(q.paths)
        for mod in q.modules:
            base = mod.replace(".", "/")
            wanted += [base + ".py", base + "/__init__.py"]
        out: list[str] = []
        for w in wanted:
            w = w.lstrip("./")
            for path in self._language:
                if (path == w or path.endswith("/" + w)) and path not in out:
                    out.append(path)
        return out

    # -- fusion --------------------------------------------------------------------------
    def _channels(self, query: str) -> tuple[Query, dict[str, list[str]]]:
        if not query or not query.strip():
            raise QueryError("the query is empty; give a description of the change or code.")
        q = analyse(query)
        lists = {
            "vector": self._vector(q) if self.config.weight_vector > 0 else [],
            "fulltext": self._fulltext(q) if self.config.weight_fulltext > 0 else [],
            "identifier": self._identifier(q) if self.config.weight_identifier > 0 else [],
        }
        return q, lists

    def _weights(self) -> dict[str, float]:
        c = self.config
        return {
            "vector": c.weight_vector,
            "fulltext": c.weight_fulltext,
            "identifier": c.weight_identifier,
            "path": c.weight_path,
            "file_fulltext": c.weight_file_fulltext,
        }

    def search(self, query: str, top_k: int = 10) -> list[ChunkHit]:
        """Chunks best first."""
        q, lists = self._channels(query)
        path_chunks = [m.id for p in self._path_files(q) for m in self._by_path.get(p, ())[:1]]
        lists["path"] = path_chunks
        scores, ranks = _rrf(lists, self._weights(), self.config.rrf_k)
        for cid in scores:
            scores[cid] *= self._file_factor(self._meta[cid].path)
        best = sorted(scores, key=lambda c: (-scores[c], c))[:top_k]
        return [
            ChunkHit(
                m.id, m.path, m.symbol, m.kind, m.start_line, m.end_line, scores[m.id], ranks[m.id]
            )
            for m in (self._meta[c] for c in best)
        ]

    def search_files(self, query: str, top_k: int = 10) -> list[FileHit]:
        """Files best first."""
        q, lists = self._channels(query)
        file_lists = {name: _dedupe(self._meta[c].path for c in ids) for name, ids in lists.items()}
        file_lists["path"] = self._path_files(q)
        file_lists["file_fulltext"] = self._file_fulltext(q)
        scores, ranks = _rrf(file_lists, self._weights(), self.config.rrf_k)
        # a share of the further strong chunks of a file
        chunk_scores, _ = _rrf(lists, self._weights(), self.config.rrf_k)
        per_file: dict[str, list[float]] = defaultdict(list)
        for cid, s in chunk_scores.items():
            per_file[self._meta[cid].path].append(s)
        for path, vals in per_file.items():
            vals.sort(reverse=True)
            extra = sum(vals[1 : 1 + self.config.file_extra_chunks])
            scores[path] = scores.get(path, 0.0) + self.config.file_extra_weight * extra
        for path in scores:
            scores[path] *= self._file_factor(path)
        best = sorted(scores, key=lambda p: (-scores[p], p))[:top_k]
        top_symbols: dict[str, list[str]] = defaultdict(list)
        for cid in sorted(chunk_scores, key=lambda c: -chunk_scores[c]):
            m = self._meta[cid]
            if m.symbol and len(top_symbols[m.path]) < 3:
                top_symbols[m.path].append(m.symbol)
        return [
            FileHit(
                p, scores[p], self._language.get(p, ""), tuple(top_symbols[p]), ranks.get(p, {})
            )
            for p in best
        ]

    def _file_factor(self, path: str) -> float:
        factor = 1.0
        if is_support_file(path, self.config):
            factor *= self.config.support_file_factor
        if not is_code(self._language.get(path)):
            factor *= self.config.text_file_factor
        return factor


def is_support_file(path: str, config: RetrievalConfig) -> bool:
    parts = path.split("/")
    if any(p.lower() in config.support_dirs for p in parts[:-1]):
        return True
    return any(fnmatch(parts[-1], g) for g in config.support_globs)


def _dedupe(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _rrf(
    lists: Mapping[str, Sequence[str]], weights: Mapping[str, float], k: int
) -> tuple[dict[str, float], dict[str, dict[str, int]]]:
    scores: dict[str, float] = defaultdict(float)
    ranks: dict[str, dict[str, int]] = defaultdict(dict)
    for name, items in lists.items():
        w = weights.get(name, 0.0)
        if w <= 0:
            continue
        for rank, key in enumerate(items, start=1):
            scores[key] += w / (k + rank)
            ranks[key][name] = rank
    return dict(scores), dict(ranks)
