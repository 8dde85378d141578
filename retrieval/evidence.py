"""What one query's channels found (``Evidence``), and the narrow view of a searcher that
the symbol ranking and the name lookups work on (``SearcherView``): they take the view, so
``search`` can use them without a cycle between the modules."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from specpilot.retrieval.catalog import Catalog
from specpilot.retrieval.config import RetrievalConfig
from specpilot.retrieval.graph import CodeGraph
from specpilot.retrieval.query import Query


@dataclass(slots=True)
class Evidence:
    """Everything the channels said about one query; rankings are derived from it."""

    query: Query
    chunk_lists: dict[str, list[str]]  # channel -> chunk ids, best first
    chunk_scores: dict[str, float]  # fused
    identifier: list[str]  # symbol keys the query names
    frames: list[str]  # symbol keys of stack-trace frames
    path_files: list[str]
    file_fulltext: list[str]
    pagerank: np.ndarray | None = None  # personalised PageRank over the code graph
    _files: tuple[dict[str, float], dict[str, dict[str, int]]] | None = None


class SearcherView(Protocol):
    """What ranking symbols and looking names up read of a ``Searcher``."""

    catalog: Catalog
    config: RetrievalConfig

    @property
    def graph(self) -> CodeGraph: ...

    def weights(self) -> dict[str, float]: ...

    def file_scores(self, ev: Evidence) -> tuple[dict[str, float], dict[str, dict[str, int]]]: ...

    def file_factor(self, path: str) -> float: ...
