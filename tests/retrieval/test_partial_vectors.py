"""Lexical first: an index is searchable (full text, names, paths, graph) before its vectors
are all embedded, says how far embedding got, and a later run embeds only what is missing."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from specpilot.indexer.build import index_repo
from specpilot.indexer.config import EmbedConfig, IndexerConfig
from specpilot.indexer.status import index_status
from specpilot.indexer.store.index_store import IndexStore
from specpilot.indexer.testing import RecordingEmbedder
from specpilot.retrieval.config import RetrievalConfig
from specpilot.retrieval.search import Searcher

CFG = IndexerConfig(embed=EmbedConfig(model="hash"))
FILES = {
    **{
        f"pkg/mod{i}.py": f"def handler_{i}(request):\n    return request.path + '{i}'\n"
        for i in range(299)
    },
    "pkg/retry.py": (
        "def backoff_delay(attempt, base=0.5):\n"
        '    """Seconds to wait before retry number ``attempt``."""\n'
        "    return base * 2 ** attempt\n"
    ),
}
QUERY = "backoff_delay: how long to wait before a retry"


def _searcher(db: Path, emb: RecordingEmbedder | None = None) -> Searcher:
    return Searcher(IndexStore.open(str(db)), emb or RecordingEmbedder(), RetrievalConfig())


class _SearchAtFirstEmbed(RecordingEmbedder):
    """Searches the index (through a store of its own) when embedding starts."""

    def __init__(self, db: Path) -> None:
        super().__init__()
        self.db = db
        self.query_embedder = RecordingEmbedder()
        self.found: list[str] | None = None
        self.vectors = ""

    def embed(self, texts: Sequence[str], *, max_tokens: int | None = None) -> np.ndarray:
        if self.found is None:
            searcher = _searcher(self.db, self.query_embedder)
            self.found = [h.path for h in searcher.search_files(QUERY, 5)]
            self.vectors = searcher.vectors
        return super().embed(texts, max_tokens=max_tokens)


def test_the_index_answers_before_embedding_starts(make_repo, tmp_path: Path) -> None:
    repo, db = make_repo(FILES), tmp_path / "db"
    emb = _SearchAtFirstEmbed(db)
    index_repo(repo, db=str(db), config=CFG, embedder=emb)
    assert emb.found and emb.found[0] == "pkg/retry.py"  # by name and full text
    assert emb.vectors == "partial (0 %)"
    assert emb.query_embedder.calls == []  # no vector yet: the query is not embedded
    assert _searcher(db).vectors == "complete"


def test_a_run_killed_while_embedding_is_searchable_and_resumed(make_repo, tmp_path: Path) -> None:
    repo, db = make_repo(FILES), tmp_path / "db"
    with pytest.raises(RuntimeError, match="killed"):
        index_repo(repo, db=str(db), config=CFG, embedder=RecordingEmbedder(fail_after=256))
    total = len(FILES)  # one chunk per file
    searcher = _searcher(db)
    assert searcher.vectors == f"partial ({256 * 100 // total} %)"
    assert searcher.search_files(QUERY, 5)[0].path == "pkg/retry.py"
    assert searcher.search(QUERY, 5)[0].symbol == "backoff_delay"
    # the vector channel ranks only chunks that have vectors
    embedded = set(
        IndexStore.open(str(db))
        .read_columns("chunks", ["id"], "vector IS NOT NULL")["id"]
        .to_pylist()
    )
    assert len(embedded) == 256
    ranked = searcher.evidence("handler request path").chunk_lists["vector"]
    assert ranked and set(ranked) <= embedded

    st = index_status(repo, str(db), CFG.walk)
    assert st["vectors"] == f"{256 * 100 // total} % embedded" and st["vectors_embedded"] == 256
    assert st["state"] == "complete" and st["counts"]["chunks"] == total

    rest = RecordingEmbedder()
    s = index_repo(repo, db=str(db), config=CFG, embedder=rest)
    assert s.unchanged == total and s.chunks_embedded == len(rest.texts) == total - 256
    assert _searcher(db).vectors == "complete"
    st = index_status(repo, str(db), CFG.walk)
    assert st["vectors"] == "all embedded" and st["vectors_embedded"] == total
    again = RecordingEmbedder()
    index_repo(repo, db=str(db), config=CFG, embedder=again)
    assert again.calls == []  # nothing left to embed


def test_vectors_equal_those_of_a_run_never_interrupted(make_repo, tmp_path: Path) -> None:
    repo = make_repo(FILES)
    cut, whole = tmp_path / "cut", tmp_path / "whole"
    with pytest.raises(RuntimeError, match="killed"):
        index_repo(repo, db=str(cut), config=CFG, embedder=RecordingEmbedder(fail_after=64))
    index_repo(repo, db=str(cut), config=CFG, embedder=RecordingEmbedder())
    index_repo(repo, db=str(whole), config=CFG, embedder=RecordingEmbedder())

    def vectors(db: Path) -> dict[str, list[float]]:
        rows = IndexStore.open(str(db)).read_columns("chunks", ["id", "vector"]).to_pylist()
        return {r["id"]: r["vector"] for r in rows}

    assert vectors(cut) == vectors(whole)


def test_one_text_in_two_files_is_embedded_once(make_repo, tmp_path: Path) -> None:
    body = "def parse_header(line):\n    return line.split(':', 1)\n"
    repo = make_repo({"a/http.py": body, "b/http.py": body})
    emb = RecordingEmbedder()
    s = index_repo(repo, db=str(tmp_path / "db"), config=CFG, embedder=emb)
    assert (s.chunks, s.chunks_embedded, s.chunks_cached, len(emb.texts)) == (2, 1, 1, 1)
    assert IndexStore.open(str(tmp_path / "db")).vectors_missing() == 0
