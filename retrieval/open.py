"""Open a Searcher on an index location, with the embedder its identity names."""

from __future__ import annotations

from specpilot.indexer import EmbedConfig, IndexStore, check_intact, make_embedder
from specpilot.retrieval.config import RetrievalConfig
from specpilot.retrieval.search import Searcher


def open_searcher(
    db: str, embed: EmbedConfig, config: RetrievalConfig, *, repo_hint: str = ""
) -> Searcher:
    store = IndexStore.open(db, repo_hint=repo_hint)
    check_intact(store, repo_hint)  # a damaged table: one sentence now, not a crash mid-search
    return Searcher(store, make_embedder(embed), config)
