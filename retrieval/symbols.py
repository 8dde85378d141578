"""Symbol-level results: ranking symbols for a query, and looking symbols up by name.

A symbol's score fuses (weighted reciprocal rank, weights in ``RetrievalConfig``):

* the chunk channels (vector, full text, message, version) through the chunks that hold the
  symbol;
* the symbols the query names (identifier) and stack-trace frames (frame);
* the personalised PageRank of the symbol in the code graph (graph);
* callers and callees of the strongest symbols so far (neighbors);
* the rank of the symbol's file in ``search_files`` (``weight_symbol_file``), so the file
  ranking's wider evidence carries over to the symbols in it.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from specpilot.retrieval.catalog import SymbolInfo
from specpilot.retrieval.evidence import Evidence, SearcherView
from specpilot.retrieval.fusion import dedupe, rrf

_CHUNK_CHANNELS = ("vector", "fulltext", "message", "version", "word")


@dataclass(frozen=True, slots=True)
class SymbolHit:
    path: str
    symbol: str  # qualified name within the file: "Session.mount"
    kind: str
    start_line: int
    end_line: int
    signature: str
    score: float
    ranks: dict[str, int] = field(default_factory=dict)  # channel -> 1-based rank

    @property
    def key(self) -> str:
        return f"{self.path}::{self.symbol}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "score": round(self.score, 6),
            "symbol": self.symbol,
            "kind": self.kind,
            "start_line": self.start_line,
            "end_line": self.end_line,
            "signature": self.signature,
            "channels": self.ranks,
        }

    @classmethod
    def of(cls, info: SymbolInfo, score: float, ranks: dict[str, int] | None = None) -> SymbolHit:
        return cls(
            info.path,
            info.qualified_name,
            info.kind,
            info.start_line,
            info.end_line,
            info.signature,
            score,
            ranks or {},
        )


def symbol_scores(
    searcher: SearcherView, ev: Evidence
) -> tuple[dict[str, float], dict[str, dict[str, int]]]:
    """Every candidate symbol's score and its channel ranks."""
    cat, c = searcher.catalog, searcher.config
    weights = {**searcher.weights(), "graph": c.weight_symbol_graph}
    lists: dict[str, list[str]] = {
        name: dedupe(k for cid in ev.chunk_lists.get(name, ()) for k in cat.chunk_symbols[cid])
        for name in _CHUNK_CHANNELS
    }
    lists["identifier"] = ev.identifier
    lists["frame"] = ev.frames
    if ev.pagerank is not None:
        ss = searcher.graph.symbol_scores(ev.pagerank, top=c.graph_candidates)
        lists["graph"] = sorted(ss, key=lambda k: (-ss[k], k))
    scores, ranks = rrf(lists, weights, c.rrf_k)
    if c.weight_neighbors > 0 and scores:
        lists["neighbors"] = _neighbors(searcher, scores)
        scores, ranks = rrf(lists, weights, c.rrf_k)
    file_scores, _ = searcher.file_scores(ev)
    file_rank = {
        p: i for i, p in enumerate(sorted(file_scores, key=lambda p: (-file_scores[p], p)), 1)
    }
    for key in scores:
        path = cat.symbols[key].path
        rank = file_rank.get(path)
        if rank is not None and c.weight_symbol_file > 0:
            scores[key] += c.weight_symbol_file / (c.rrf_k + rank)
            ranks[key]["file"] = rank
        scores[key] *= searcher.file_factor(path)
    return scores, ranks


def _neighbors(searcher: SearcherView, scores: dict[str, float]) -> list[str]:
    """Callers and callees of the best symbols, by hit score times edge weight."""
    graph, c = searcher.graph, searcher.config
    best = sorted(scores, key=lambda k: (-scores[k], k))[: c.neighbor_hits]
    found: dict[str, float] = defaultdict(float)
    for key in best:
        for nb in (*graph.callees.get(key, ()), *graph.callers.get(key, ())):
            if nb.key in searcher.catalog.symbols and nb.key not in best:
                found[nb.key] += scores[key] * nb.weight
    return sorted(found, key=lambda k: (-found[k], k))


def rank_symbols(searcher: SearcherView, ev: Evidence, top_k: int) -> list[SymbolHit]:
    scores, ranks = symbol_scores(searcher, ev)
    hits: list[SymbolHit] = []
    for key in sorted(scores, key=lambda k: (-scores[k], k)):
        hits.extend(definition_hits(searcher.catalog.symbols[key], scores[key], ranks.get(key)))
        if len(hits) >= top_k:
            break
    return hits[:top_k]


def definition_hits(
    info: SymbolInfo, score: float, ranks: dict[str, int] | None = None
) -> list[SymbolHit]:
    """One hit per definition of a name (overloads stay reachable), the implementation first
    at ``score``, each further one just below it so the order is stable."""
    first = SymbolHit.of(info, score, ranks)
    rest = [
        dataclasses.replace(first, start_line=a, end_line=b, signature=sig, score=score * 0.999**i)
        for i, (a, b, sig) in enumerate(info.definitions[1:], 1)
    ]
    return [first, *rest]
