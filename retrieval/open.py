"""Open a Searcher on an index location, with the embedder its identity names."""

from __future__ import annotations

from indexer.config import EmbedConfig
from indexer.embedding import make_embedder
from indexer.store import IndexStore
from retrieval.config import RetrievalConfig
from retrieval.search import Searcher


def open_searcher(
    db: str, embed: EmbedConfig, config: RetrievalConfig, *, repo_hint: str = ""
) -> Searcher:
    store = IndexStore.open(db, repo_hint=repo_hint)
    return Searcher(store, make_embedder(embed), config)
