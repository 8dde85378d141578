"""Open a Searcher on an index location, with the embedder its identity names."""

from __future__ import annotations

from specpilot.indexer.config import EmbedConfig
from specpilot.indexer.embedding import make_embedder
from specpilot.indexer.integrity import check_intact
from specpilot.indexer.store import IndexStore
from specpilot.retrieval.config import RetrievalConfig
from specpilot.retrieval.search import Searcher


def open_searcher(
    db: str, embed: EmbedConfig, config: RetrievalConfig, *, repo_hint: str = ""
) -> Searcher:
    store = IndexStore.open(db, repo_hint=repo_hint)
    check_intact(store, repo_hint)  # a damaged table: one sentence now, not a crash mid-search
    return Searcher(store, make_embedder(embed), config)
