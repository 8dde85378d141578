"""The ANN index over chunk vectors: built from ``min_rows`` chunks, kept through small
re-indexes, retrained when the table doubles, dropped below the threshold; searches through
it still find what an exact scan finds (hash embedder, small thresholds)."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from specpilot.indexer.build import index_repo
from specpilot.indexer.config import (
    ChunkConfig,
    EmbedConfig,
    IndexerConfig,
    VectorIndexConfig,
    WalkConfig,
)
from specpilot.indexer.errors import IndexConfigError
from specpilot.indexer.status import index_status
from specpilot.indexer.store.index_store import IndexStore
from specpilot.indexer.store.vector_index import vector_index_of
from specpilot.indexer.testing import RecordingEmbedder
from specpilot.retrieval.config import RetrievalConfig
from specpilot.retrieval.search import Searcher

TOPICS = ["parse", "render", "upload", "retry", "cache", "encode", "verify", "schedule"]
NOUNS = ["invoice", "ticket", "avatar", "payload", "session", "report", "webhook", "token"]


def _module(topic: str, noun: str, n: int) -> str:
    """``n`` distinct functions, each its own chunk (no merging below)."""
    return "".join(
        f"def {topic}_{noun}_{i}(value):\n"
        f'    """{topic.title()} the {noun} number {i} before it is stored."""\n'
        f"    return ('{topic}', '{noun}', {i}, value)\n\n\n"
        for i in range(n)
    )


def _files(n_per_file: int) -> dict[str, str]:
    return {f"app/{t}/{noun}.py": _module(t, noun, n_per_file) for t in TOPICS for noun in NOUNS}


def _cfg(min_rows: int, **kw: object) -> IndexerConfig:
    return IndexerConfig(
        embed=EmbedConfig(model="hash"),
        chunk=ChunkConfig(merge_below_lines=0),
        vector_index=VectorIndexConfig(min_rows=min_rows, rows_per_partition=64, **kw),
    )


def _index(repo: Path, db: Path, cfg: IndexerConfig):
    return index_repo(repo, db=str(db), config=cfg, embedder=RecordingEmbedder())


def _state(db: Path) -> tuple[bool, int, int]:
    """(an ANN index exists, rows it was trained on, rows in the table)."""
    store = IndexStore.open(str(db))
    tbl = store.table("chunks")
    index = vector_index_of(tbl)
    if index is not None:  # the run's compaction folded every new row into the index
        stats = tbl.index_stats(index.name)
        assert (stats.num_indexed_rows, stats.num_unindexed_rows) == (tbl.count_rows(), 0)
        plan = tbl.search([0.1] * 256, vector_column_name="vector").explain_plan()
        assert "ANNSubIndex" in plan and "ANNIvfPartition" in plan
    return index is not None, store.meta.vector_index_rows, tbl.count_rows()


def _top_file(db: Path, query: str, **cfg: object) -> str:
    searcher = Searcher(IndexStore.open(str(db)), RecordingEmbedder(), RetrievalConfig(**cfg))
    return searcher.search_files(query, 3)[0].path


def test_small_repos_scan_every_vector(make_repo, tmp_path: Path) -> None:
    repo = make_repo(_files(4))
    db = tmp_path / "db"
    _index(repo, db, _cfg(min_rows=10_000))
    assert _state(db) == (False, 0, 256)


def test_index_built_kept_retrained_and_dropped(make_repo, tmp_path: Path) -> None:
    repo = make_repo(_files(8))
    db = tmp_path / "db"
    _index(repo, db, _cfg(min_rows=300))
    built, trained, rows = _state(db)
    assert built and trained == rows == 512
    status = index_status(repo, str(db), WalkConfig())["vector_index"]
    assert status == {"type": "IvfHnswSq", "trained_on_chunks": 512}
    query = "verify the webhook number 5 before it is stored"
    assert _top_file(db, query) == "app/verify/webhook.py"
    # the same answer as an exact scan of every vector
    assert _top_file(db, query, vector_nprobes=0) == "app/verify/webhook.py"

    # a small edit: the new chunk is searchable, the centroids are kept
    (repo / "app/cache/avatar.py").write_text(
        _module("cache", "avatar", 8) + "def shrink_thumbnail_pixels(img):\n    return img\n"
    )
    _index(repo, db, _cfg(min_rows=300))
    assert _state(db) == (True, 512, 513)
    assert _top_file(db, "shrink_thumbnail_pixels") == "app/cache/avatar.py"

    # the table more than doubles: retrained on what is there now
    for t in TOPICS:
        (repo / f"extra/{t}.py").parent.mkdir(exist_ok=True)
        (repo / f"extra/{t}.py").write_text(_module(t, "ledger", 80))
    _index(repo, db, _cfg(min_rows=300))
    assert _state(db) == (True, 513 + 640, 513 + 640)

    # a higher threshold than the table: the index goes, searches scan again
    _index(repo, db, _cfg(min_rows=5000))
    assert _state(db) == (False, 0, 1153)
    assert index_status(repo, str(db), WalkConfig())["vector_index"] is None
    assert _top_file(db, "shrink_thumbnail_pixels") == "app/cache/avatar.py"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("index_type", "HNSW", "use one of IVF_HNSW_SQ"),
        ("min_rows", -1, "use 0 (never) or more"),
        ("rows_per_partition", 0, "use 1 or more"),
        ("retrain_factor", 1.0, "use more than 1"),
    ],
)
def test_bad_settings_are_named(field: str, value: object, message: str) -> None:
    with pytest.raises(
        IndexConfigError, match=rf"index\.vector_index\.{field} .*{re.escape(message)}"
    ):
        replace(VectorIndexConfig(), **{field: value})
