"""The code graph: symbols and files joined by def/ref, call, inherit and import edges.

Nodes are files (``path``) and symbols (``path::qualified_name``). A stored edge goes from the
symbol (or file, at module level) that uses a name to what it names:

* resolved (``dst_symbol`` set) → that symbol; a whole-module import → the module's file;
* unresolved but the name is defined in the repository → every definition of it, each with
  ``1 / number of definitions`` (aider's def/ref graph), unless more than
  ``graph_name_max_defs`` symbols share the name (``get``, ``append``: no signal).

Repeated pairs add up as ``sqrt(count)``. Each use edge also gets a reverse edge scaled by
``graph_reverse_weight`` (so mass reaches callers as well as callees), and every symbol is
tied to its parent (or its file) both ways with ``graph_contain_weight``.

``pagerank`` is a personalised PageRank by power iteration over the weighted edges (numpy
only; a few milliseconds at 10k nodes); with no seeds it is the global PageRank, cached.
"""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse

from indexer.store import IndexStore
from retrieval.catalog import Catalog, symbol_key
from retrieval.config import RetrievalConfig

log = logging.getLogger(__name__)

_CALLABLE = frozenset({"function", "method", "class", "struct", "interface", "trait", "type"})


@dataclass(frozen=True, slots=True)
class Neighbor:
    key: str  # symbol key or file path
    weight: float
    kind: str  # call | inherit | reference | import | name (matched by name only)
    line: int  # line of the use site


class CodeGraph:
    """A weighted directed graph over files and symbols, with PageRank and neighbours."""

    def __init__(self, catalog: Catalog, edges: Mapping[str, list[Any]], cfg: RetrievalConfig):
        self.catalog = catalog
        files = sorted(catalog.language)
        self.nodes: list[str] = files + sorted(catalog.symbols)
        self.index: dict[str, int] = {n: i for i, n in enumerate(self.nodes)}
        n_files = len(files)
        self.file_index = np.array(
            [i if i < n_files else self.index[catalog.symbols[k].path] for i, k in _enum(self)],
            dtype=np.int64,
        )
        self.callees: dict[str, list[Neighbor]] = defaultdict(list)
        self.callers: dict[str, list[Neighbor]] = defaultdict(list)
        pairs: dict[tuple[int, int], float] = defaultdict(float)
        self._add_uses(edges, cfg, pairs)
        src, dst, w = [], [], []
        for (a, b), count_w in pairs.items():
            weight = math.sqrt(count_w)
            src += [a, b]
            dst += [b, a]
            w += [weight, weight * cfg.graph_reverse_weight]
        for key, info in catalog.symbols.items():
            parent = symbol_key(info.path, info.parent) if info.parent else info.path
            a, b = self.index[key], self.index.get(parent, self.index[info.path])
            src += [a, b]
            dst += [b, a]
            w += [cfg.graph_contain_weight] * 2
        n = len(self.nodes)
        src_a = np.asarray(src, dtype=np.int64)
        dst_a = np.asarray(dst, dtype=np.int64)
        weights = np.asarray(w, dtype=np.float64)
        out = np.bincount(src_a, weights=weights, minlength=n)
        norm_w = weights / np.where(out[src_a] > 0, out[src_a], 1.0)
        # the transition matrix, column-stochastic: spread = M @ x (duplicates add up)
        self._matrix = sparse.csr_matrix((norm_w, (dst_a, src_a)), shape=(n, n))
        self._dangling = out == 0
        self._n_edges = len(src_a)
        self._global: np.ndarray | None = None
        self._cfg = cfg
        log.debug("graph: %d nodes, %d edges", len(self.nodes), self._n_edges)

    @classmethod
    def load(cls, store: IndexStore, catalog: Catalog, cfg: RetrievalConfig) -> CodeGraph:
        cols = ["src_path", "src_symbol", "kind", "target_name", "line", "dst_path", "dst_symbol"]
        data: dict[str, list[Any]] = store.table("edges").to_arrow().select(cols).to_pydict()
        return cls(catalog, data, cfg)

    def _node(self, path: str, symbol: str) -> str | None:
        if symbol:
            key = symbol_key(path, symbol)
            if key in self.index:
                return key
        return path if path in self.index else None

    def _add_uses(
        self,
        edges: Mapping[str, list[Any]],
        cfg: RetrievalConfig,
        pairs: dict[tuple[int, int], float],
    ) -> None:
        cat = self.catalog
        rows = zip(
            edges["src_path"],
            edges["src_symbol"],
            edges["kind"],
            edges["target_name"],
            edges["line"],
            edges["dst_path"],
            edges["dst_symbol"],
            strict=True,
        )
        for sp, ss, kind, name, line, dp, ds in rows:
            src = self._node(sp, ss or "")
            if src is None:
                continue
            targets: list[tuple[str, float, str]] = []
            if dp:
                dst = self._node(dp, ds or "")
                if dst is not None:
                    targets.append((dst, cfg.graph_resolved_weight, kind))
            elif kind != "import" and name in cat.by_name:
                defs = [k for k in cat.by_name[name] if cat.symbols[k].kind in _CALLABLE]
                if 0 < len(defs) <= cfg.graph_name_max_defs:
                    share = cfg.graph_name_weight / len(defs)
                    targets += [(k, share, "name") for k in defs]
            for dst, weight, how in targets:
                if dst == src:
                    continue
                pairs[(self.index[src], self.index[dst])] += weight
                self.callees[src].append(Neighbor(dst, weight, how, line or 0))
                self.callers[dst].append(Neighbor(src, weight, how, line or 0))

    # -- ranking -------------------------------------------------------------------------
    def pagerank(self, seeds: Mapping[str, float] | None = None) -> np.ndarray:
        """Personalised PageRank (restart to ``seeds``); global PageRank when no seeds."""
        n = len(self.nodes)
        if n == 0:
            return np.zeros(0)
        if not seeds:
            if self._global is None:
                self._global = self._power(np.full(n, 1.0 / n))
            return self._global
        p = np.zeros(n)
        for key, weight in seeds.items():
            i = self.index.get(key)
            if i is not None and weight > 0:
                p[i] += weight
        total = p.sum()
        if total <= 0:
            return self.pagerank(None)
        return self._power(p / total)

    def _power(self, p: np.ndarray) -> np.ndarray:
        d = self._cfg.graph_damping
        x = p.copy()
        for _ in range(self._cfg.graph_iterations):
            spread = self._matrix @ x
            nxt = d * (spread + x[self._dangling].sum() * p) + (1 - d) * p
            done = float(np.abs(nxt - x).sum()) < self._cfg.graph_tolerance
            x = nxt
            if done:
                break
        return x

    def file_scores(self, pr: np.ndarray, top: int | None = None) -> dict[str, float]:
        """A file's best node (itself or one of its symbols): no bias for big files.

        With ``top``, only the ``top`` best files (ties by path order, as ``sorted`` would).
        """
        best = np.zeros(len(self.nodes))
        np.maximum.at(best, self.file_index, pr)
        return self._top(best[: len(self.catalog.language)], 0, top)

    def symbol_scores(self, pr: np.ndarray, top: int | None = None) -> dict[str, float]:
        """Each symbol's PageRank; with ``top``, only the ``top`` best symbols."""
        n_files = len(self.catalog.language)
        return self._top(pr[n_files:], n_files, top)

    def _top(self, values: np.ndarray, offset: int, top: int | None) -> dict[str, float]:
        idx = np.flatnonzero(values > 0)
        if top is not None and len(idx) > top:
            # best first, ties by node order (nodes are sorted): the first ``top`` of that
            order = np.lexsort((idx, -values[idx]))
            idx = idx[order[:top]]
        return {self.nodes[i + offset]: float(values[i]) for i in idx}


def _enum(graph: CodeGraph) -> list[tuple[int, str]]:
    return list(enumerate(graph.nodes))
