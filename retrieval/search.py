"""Hybrid search over an index: vectors, full text, symbol names, paths and the code graph.

One query is analysed once (``Evidence``): each channel of ``retrieval.channels`` ranks
chunks, symbols or files; the chunk ranks are fused by weighted reciprocal rank
(``sum(weight / (rrf_k + rank))``, weights in ``RetrievalConfig``); the best fused chunks,
the symbols the query names and the files it mentions seed a personalised PageRank over the
code graph (``retrieval.graph``), whose ranking is one more channel. From that evidence:

* ``search_files`` fuses per-channel *file* rankings (with the files git history changed
  together with the best of them, ``retrieval.cochange``), adds a share of a file's further
  strong chunks and ranks support files (tests, docs, examples) after code;
* ``search`` ranks *symbols* (``retrieval.symbols``): the same channels per symbol, the rank
  of the symbol's file, and callers/callees of the strongest symbols;
* ``search_chunks`` returns fused chunks (the pre-symbol view).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from specpilot.indexer import Embedder, IndexStore, is_code
from specpilot.retrieval.catalog import Catalog
from specpilot.retrieval.channels import Channels
from specpilot.retrieval.cochange import CoChange
from specpilot.retrieval.config import RetrievalConfig
from specpilot.retrieval.errors import QueryError
from specpilot.retrieval.evidence import Evidence
from specpilot.retrieval.fusion import dedupe, is_support_file, rrf
from specpilot.retrieval.graph import CodeGraph
from specpilot.retrieval.lookup import UseSite, callees, callers, find_symbol
from specpilot.retrieval.query import analyse
from specpilot.retrieval.symbols import SymbolHit, rank_symbols

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


_FILE_HIT_SYMBOLS = 3  # symbols listed per file hit


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


class Searcher:
    """Read-only search over one open index; keep it around for warm queries."""

    def __init__(self, store: IndexStore, embedder: Embedder, config: RetrievalConfig) -> None:
        store.check_model(embedder.model_id, embedder.dim)
        self.embedder, self.config = embedder, config
        self._load(store)

    def _load(self, store: IndexStore) -> None:
        """Read the index: the catalog, the channels' tables, co-change and the graph.

        LanceDB table handles keep the version they were opened at, so one Searcher answers
        from one consistent snapshot until ``refresh``.
        """
        c = self.config
        self.store = store
        self._version = store.version()
        self.catalog = Catalog.load(store)
        self._factors: dict[str, float] = {}
        self.channels = Channels(store, self.catalog, self.embedder, c)
        # lexical first (indexer.build): chunks are searchable before their vectors are in;
        # the vector channel then ranks only the embedded ones (null vectors are skipped)
        self.vectors_missing = min(store.meta.vectors_missing, len(self.catalog.chunks))
        self.cochange = (
            CoChange.load(store, c.cochange_min_together) if c.weight_cochange > 0 else CoChange({})
        )
        self._graph: CodeGraph | None = None
        if self._uses_graph(c):
            self._graph = CodeGraph.load(store, self.catalog, c)

    def refresh(self, *, force: bool = False) -> bool:
        """Re-read the index if a completed run re-wrote it since; True when it did.

        A long-lived searcher (the MCP server, a flow worker) calls this before each request:
        it costs a look at the table versions. A run still writing is not picked up (the old
        snapshot keeps answering) until it completes — unless ``force``: the snapshot's files
        are gone (a run compacted them away), and the newest data is all there is.
        """
        fresh = IndexStore.open(self.store.uri)
        if not force and (fresh.meta.state != "complete" or fresh.version() == self._version):
            return False
        fresh.check_model(self.embedder.model_id, self.embedder.dim)
        self._load(fresh)
        return True

    @property
    def vectors(self) -> str:
        """Either "complete" or "partial (63 %)": the share of chunks the vector channel ranks."""
        if not self.vectors_missing:
            return "complete"
        total = len(self.catalog.chunks)
        return f"partial ({(total - self.vectors_missing) * 100 // max(total, 1)} %)"

    @staticmethod
    def _uses_graph(c: RetrievalConfig) -> bool:
        return c.weight_graph > 0 or c.weight_symbol_graph > 0 or c.weight_neighbors > 0

    @property
    def graph(self) -> CodeGraph:
        """The code graph (loaded on first use when the graph channels are off)."""
        if self._graph is None:
            self._graph = CodeGraph.load(self.store, self.catalog, self.config)
        return self._graph

    # -- evidence ------------------------------------------------------------------------
    def evidence(self, query: str) -> Evidence:
        if not query or not query.strip():
            raise QueryError("the query is empty; give a description of the change or code.")
        try:
            return self._evidence(query)
        except (RuntimeError, OSError) as exc:
            if "not found" not in str(exc).lower():
                raise
            # an index run compacted away the version this searcher was reading (versions
            # older than IndexStore.compact's grace period are deleted): read the newest
            log.info("the index snapshot of %s is gone (%s); reloading", self.store.uri, exc)
            self.refresh(force=True)
            return self._evidence(query)

    def _evidence(self, query: str) -> Evidence:
        c, ch, cat = self.config, self.channels, self.catalog
        q = analyse(query)
        identifier = ch.identifier(q) if c.weight_identifier > 0 else []
        words = ch.identifier(q, plain=True) if c.weight_word > 0 else []
        frames = ch.frame(q) if c.weight_frame > 0 else []
        path_files = ch.path(q) if c.weight_path > 0 else []
        lists = {
            # no vector embedded yet: the query is not embedded either (no model load)
            "vector": ch.vector(q) if c.weight_vector > 0 and self._any_vector() else [],
            "fulltext": ch.fulltext(q) if c.weight_fulltext > 0 else [],
            "identifier": dedupe(cid for k in identifier for cid in cat.symbol_chunks.get(k, ())),
            "word": dedupe(cid for k in words for cid in cat.symbol_chunks.get(k, ())),
            "frame": dedupe(cid for k in frames for cid in cat.symbol_chunks.get(k, ())),
            "message": ch.message(q) if c.weight_message > 0 else [],
            "version": ch.version(q) if c.weight_version > 0 else [],
            "path": [m.id for p in path_files for m in cat.by_path.get(p, ())[:1]],
        }
        scores, _ = rrf(lists, self.weights(), c.rrf_k)
        ev = Evidence(
            q,
            lists,
            scores,
            identifier,
            frames,
            path_files,
            ch.file_fulltext(q) if c.weight_file_fulltext > 0 else [],
        )
        if self._graph is not None and (c.weight_graph > 0 or c.weight_symbol_graph > 0):
            ev.pagerank = self._graph.pagerank(self._seeds(ev))
        return ev

    def _any_vector(self) -> bool:
        return self.vectors_missing < len(self.catalog.chunks)

    def _seeds(self, ev: Evidence) -> dict[str, float]:
        """PageRank restart mass: the best fused chunks, named symbols, mentioned files."""
        c, cat = self.config, self.catalog
        seeds: dict[str, float] = defaultdict(float)
        best = sorted(ev.chunk_scores, key=lambda k: (-ev.chunk_scores[k], k))
        top = best[: c.graph_seed_chunks]
        total = sum(ev.chunk_scores[cid] for cid in top) or 1.0
        for cid in top:
            keys = cat.chunk_symbols.get(cid) or (cat.chunks[cid].path,)
            for key in keys:
                seeds[key] += ev.chunk_scores[cid] / total / len(keys)
        named = ev.identifier[: c.graph_seed_chunks] + ev.frames
        for key in named:
            seeds[key] += c.graph_seed_identifier / len(named)
        for path in ev.path_files:
            seeds[path] += c.graph_seed_path / len(ev.path_files)
        return seeds

    def weights(self) -> dict[str, float]:
        c = self.config
        return {
            "vector": c.weight_vector,
            "fulltext": c.weight_fulltext,
            "identifier": c.weight_identifier,
            "word": c.weight_word,
            "frame": c.weight_frame,
            "message": c.weight_message,
            "version": c.weight_version,
            "path": c.weight_path,
            "file_fulltext": c.weight_file_fulltext,
            "graph": c.weight_graph,
            "cochange": c.weight_cochange,
            "neighbors": c.weight_neighbors,
        }

    # -- files ---------------------------------------------------------------------------
    def file_scores(self, ev: Evidence) -> tuple[dict[str, float], dict[str, dict[str, int]]]:
        """Every candidate file's fused score (with support/text factors) and channel ranks."""
        if ev._files is not None:
            return ev._files
        c, cat = self.config, self.catalog
        file_lists = {
            name: dedupe(cat.chunks[cid].path for cid in ids)
            for name, ids in ev.chunk_lists.items()
            if name != "path"
        }
        file_lists["path"] = ev.path_files
        file_lists["file_fulltext"] = ev.file_fulltext
        if ev.pagerank is not None:
            fs = self.graph.file_scores(ev.pagerank, top=c.graph_candidates)
            file_lists["graph"] = sorted(fs, key=lambda p: (-fs[p], p))
        scores, ranks = rrf(file_lists, self.weights(), c.rrf_k)
        if self.cochange:
            file_lists["cochange"] = self.cochange.rank(scores, c)
            scores, ranks = rrf(file_lists, self.weights(), c.rrf_k)
        per_file: dict[str, list[float]] = defaultdict(list)
        strong = sorted(ev.chunk_scores, key=lambda k: (-ev.chunk_scores[k], k))
        for cid in strong[: c.file_extra_top_chunks]:
            per_file[cat.chunks[cid].path].append(ev.chunk_scores[cid])
        for path, vals in per_file.items():
            vals.sort(reverse=True)
            extra = sum(vals[1 : 1 + c.file_extra_chunks])
            scores[path] = scores.get(path, 0.0) + c.file_extra_weight * extra
        # a file the request names by path ("bump go.mod", "typo in readme.md") keeps its
        # score: the support/text priors are for files the request did not name
        named = {p for mention in ev.query.paths for p in cat.resolve_file(mention)}
        for path in scores:
            if path not in named:
                scores[path] *= self.file_factor(path)
        self._companions(scores)
        ev._files = (scores, ranks)
        return ev._files

    def _companions(self, scores: dict[str, float]) -> None:
        """A stub (``x.pyi``) declares its module's API: it ranks just after ``x.py``."""
        factor = self.config.stub_companion_factor
        if factor <= 0:
            return
        for path in list(scores):
            stub = path + "i"
            if path.endswith(".py") and stub in self.catalog.language:
                scores[stub] = max(scores.get(stub, 0.0), factor * scores[path])

    def rank_files(self, ev: Evidence, top_k: int) -> list[FileHit]:
        scores, ranks = self.file_scores(ev)
        best = sorted(scores, key=lambda p: (-scores[p], p))[:top_k]
        top_symbols: dict[str, list[str]] = defaultdict(list)
        for cid in sorted(ev.chunk_scores, key=lambda k: (-ev.chunk_scores[k], k)):
            m = self.catalog.chunks[cid]
            # a chunk of merged siblings names them all ("a, b"); two chunks of one long
            # function both name it: one entry per symbol, best first
            named = top_symbols[m.path]
            for name in (n.strip() for n in m.symbol.split(",")):
                if name and name not in named and len(named) < _FILE_HIT_SYMBOLS:
                    named.append(name)
        return [
            FileHit(
                p,
                scores[p],
                self.catalog.language.get(p, ""),
                tuple(top_symbols[p]),
                ranks.get(p, {}),
            )
            for p in best
        ]

    def search_files(self, query: str, top_k: int = 10) -> list[FileHit]:
        """Files best first."""
        return self.rank_files(self.evidence(query), top_k)

    # -- chunks and symbols --------------------------------------------------------------
    def search_chunks(self, query: str, top_k: int = 10) -> list[ChunkHit]:
        """Fused chunks best first."""
        ev = self.evidence(query)
        scores, ranks = rrf(ev.chunk_lists, self.weights(), self.config.rrf_k)
        for cid in scores:
            scores[cid] *= self.file_factor(self.catalog.chunks[cid].path)
        best = sorted(scores, key=lambda k: (-scores[k], k))[:top_k]
        return [
            ChunkHit(
                m.id, m.path, m.symbol, m.kind, m.start_line, m.end_line, scores[m.id], ranks[m.id]
            )
            for m in (self.catalog.chunks[k] for k in best)
        ]

    def search(self, query: str, top_k: int = 10) -> list[SymbolHit]:
        """Symbols (functions, methods, classes, ...) best first."""
        return rank_symbols(self, self.evidence(query), top_k)

    # -- lookups -------------------------------------------------------------------------
    def find_symbol(self, name: str, limit: int = 20) -> list[SymbolHit]:
        """Definitions a name can mean (``Session.mount``, ``mount``, a dotted path), best first."""
        return find_symbol(self, name, limit)

    def callers(self, name: str, limit: int = 50) -> list[UseSite]:
        """Use sites of the definitions ``name`` means (calls, imports, inheritance)."""
        return callers(self, name, limit)

    def callees(self, name: str, limit: int = 50) -> list[UseSite]:
        """What the definitions ``name`` means use."""
        return callees(self, name, limit)

    def file_factor(self, path: str) -> float:
        """The prior of a file's role: support files and text files rank after code."""
        factor = self._factors.get(path)
        if factor is None:  # glob matching per call was a tenth of a big repo's query time
            factor = 1.0
            if is_support_file(path, self.config):
                factor *= self.config.support_file_factor
            if not is_code(self.catalog.language.get(path)):
                factor *= self.config.text_file_factor
            self._factors[path] = factor
        return factor
