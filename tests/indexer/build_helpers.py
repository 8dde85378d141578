"""The config, the indexing call and the table reads the index_repo tests share."""

from __future__ import annotations

from pathlib import Path

from specpilot.indexer.build import index_repo
from specpilot.indexer.config import EmbedConfig, IndexerConfig
from specpilot.indexer.store.index_store import IndexStore
from specpilot.indexer.testing import RecordingEmbedder

CFG = IndexerConfig(embed=EmbedConfig(model="hash"))


def index_hashed(repo: Path, db: Path, emb: RecordingEmbedder | None = None, **kw: object):
    return index_repo(repo, db=str(db), config=CFG, embedder=emb or RecordingEmbedder(), **kw)


def table_rows(db: Path, table: str) -> list[dict]:
    return IndexStore.open(str(db)).table(table).to_arrow().to_pylist()
