"""index_repo interrupted and resumed: a killed run completed by the next, Ctrl-C keeping the
vectors already embedded, and embedding mapped elsewhere (a process pool, stopped half-way)
writing the vectors of a plain run. Hash embedder, no model weights.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from specpilot.indexer.store.index_store import IndexStore
from specpilot.indexer.testing import RecordingEmbedder
from tests.indexer.build_helpers import CFG, index_hashed, table_rows


def test_a_killed_run_is_completed_by_the_next(make_repo, tmp_path: Path) -> None:
    files = {f"mod{i}.py": f"def f{i}(x):\n    return x + {i}\n" * 1 for i in range(400)}
    repo = make_repo(files)
    db = tmp_path / "db"
    with pytest.raises(RuntimeError, match="killed"):
        index_hashed(repo, db, RecordingEmbedder(fail_after=256))
    store = IndexStore.open(str(db))
    # lexical first: every file was written before embedding; only vectors are missing
    assert store.meta.state == "complete" and len(store.file_hashes()) == 400
    missing = store.meta.vectors_missing
    assert missing == store.vectors_missing() and 0 < missing < 400
    emb = RecordingEmbedder()
    s = index_hashed(repo, db, emb)
    assert s.unchanged == 400 and s.chunks_embedded == missing == len(emb.texts)
    store = IndexStore.open(str(db))
    assert store.meta.state == "complete" and store.meta.vectors_missing == 0
    assert store.vectors_missing() == 0
    assert store.counts()["files"] == 400 and store.counts()["symbols"] == 400
    ids = [r["id"] for r in table_rows(db, "chunks")]
    assert len(ids) == len(set(ids)) == 400


class _CtrlC(RecordingEmbedder):
    """Ctrl-C arrives while the embedder works on its ``at``-th text."""

    def __init__(self, at: int) -> None:
        super().__init__()
        self.at = at

    def embed(self, texts, *, max_tokens=None):  # type: ignore[no-untyped-def]
        if len(self.texts) + len(texts) > self.at:
            raise KeyboardInterrupt
        return super().embed(texts, max_tokens=max_tokens)


def test_ctrl_c_keeps_what_was_embedded_and_the_next_run_embeds_only_the_rest(
    make_repo, tmp_path: Path
) -> None:
    from specpilot.indexer.errors import IndexInterrupted

    files = {f"mod{i}.py": f"def f{i}(x):\n    return x + {i}\n" for i in range(200)}
    repo = make_repo(files)
    db = tmp_path / "db"
    with pytest.raises(IndexInterrupted) as stop:
        index_hashed(repo, db, _CtrlC(at=150))  # inside the first vector batch of 256 chunks
    # every file is written (searchable) and the vectors embedded before Ctrl-C are kept
    assert stop.value.files_kept == 200 and stop.value.chunks_kept >= 128
    assert stop.value.vectors_missing == 200 - stop.value.chunks_kept
    assert IndexStore.open(str(db)).vectors_missing() == stop.value.vectors_missing
    emb = RecordingEmbedder()
    s = index_hashed(repo, db, emb)
    assert s.unchanged == 200
    assert len(emb.texts) == 200 - stop.value.chunks_kept  # only the rest was embedded


def _pooled_map(stop_after: int | None = None):  # type: ignore[no-untyped-def]
    """A ``MapEmbed`` running the calls on two threads with ``embed_calls`` (a worker's side),
    all of them before any is yielded, then yielding in call order; Ctrl-C after
    ``stop_after`` calls' vectors."""
    from concurrent.futures import ThreadPoolExecutor

    from specpilot.indexer.embed.fill import embed_calls

    def run(calls):  # type: ignore[no-untyped-def]
        with ThreadPoolExecutor(2) as pool:
            futures = [pool.submit(embed_calls, CFG.embed, [c]) for c in calls]
            for f in futures[::-1]:  # wait for the last first: all done, in any order
                f.result()
            for n, f in enumerate(futures):
                if stop_after is not None and n == stop_after:
                    raise KeyboardInterrupt
                yield from f.result()

    return run


def test_a_map_embed_elsewhere_writes_the_vectors_of_a_plain_run(make_repo, tmp_path: Path) -> None:
    from specpilot.indexer.errors import IndexInterrupted

    files = {f"mod{i}.py": f"def f{i}(x):\n    return x + {i}\n" for i in range(200)}
    repo = make_repo(files)
    index_hashed(repo, tmp_path / "plain")
    s = index_hashed(repo, tmp_path / "mapped", map_embed=_pooled_map())
    assert s.chunks_embedded == 200
    rows = table_rows(tmp_path / "mapped", "chunks")
    vectors = {r["id"]: r["vector"] for r in rows}
    assert vectors == {r["id"]: r["vector"] for r in table_rows(tmp_path / "plain", "chunks")}
    from specpilot.indexer.embed.embedders import HashEmbedder
    from specpilot.indexer.parse.chunking import Chunk

    for r in rows[::37]:  # and each is its own text's vector (not a neighbour's)
        text = Chunk("", r["path"], "", "", r["symbol"] or "", 0, 0, r["text"], "").embed_text
        assert r["vector"] == pytest.approx(HashEmbedder().embed([text])[0].tolist(), abs=1e-6)
    # Ctrl-C while the map runs: what came back is kept, the next run embeds only the rest
    db = tmp_path / "stopped"
    with pytest.raises(IndexInterrupted) as stop:
        index_hashed(repo, db, map_embed=_pooled_map(stop_after=5))  # 5 calls of 32 texts back
    assert stop.value.chunks_kept == 160 and stop.value.vectors_missing == 40
    emb = RecordingEmbedder()
    index_hashed(repo, db, emb)
    assert len(emb.texts) == 40


@pytest.mark.parametrize("when", ["before", "after"])
def test_ctrl_c_while_a_batch_of_vectors_is_written_keeps_the_batch(
    make_repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, when: str
) -> None:
    """Ctrl-C lands inside the write of the second batch (the slow part of a big run: a
    LanceDB merge), before or after the data reached the table: the run stops with what
    it embedded written and counted, never a KeyError from writing the batch twice."""
    from specpilot.indexer.errors import IndexInterrupted

    files = {f"mod{i}.py": f"def f{i}(x):\n    return x + {i}\n" for i in range(600)}
    repo = make_repo(files)
    db = tmp_path / "db"
    write = IndexStore.set_vectors
    calls = []

    def interrupted(self, ids, vectors):  # type: ignore[no-untyped-def]
        calls.append(len(ids))
        if len(calls) == 2 and when == "after":
            write(self, ids, vectors)
        if len(calls) == 2:
            raise KeyboardInterrupt
        write(self, ids, vectors)

    monkeypatch.setattr(IndexStore, "set_vectors", interrupted)
    with pytest.raises(IndexInterrupted) as stop:
        index_hashed(repo, db)
    monkeypatch.undo()
    store = IndexStore.open(str(db))
    assert stop.value.chunks_kept == 512 and stop.value.vectors_missing == 88
    assert store.meta.vectors_missing == store.vectors_missing() == 88
    emb = RecordingEmbedder()
    index_hashed(repo, db, emb)
    assert len(emb.texts) == 88 and IndexStore.open(str(db)).vectors_missing() == 0
