"""The second phase of an index run: vectors for the chunks stored without one.

``build._index`` commits the lexical index first (chunks with null vectors, graph, FTS), so
search answers at once; ``embed_missing`` then embeds each distinct text once and writes the
vectors batch by batch, with the meta record's ``vectors_missing`` after each batch: an
interrupted run keeps what it embedded and the next run embeds only the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from specpilot.indexer.embed.embedders import Embedder
from specpilot.indexer.errors import IndexInterrupted
from specpilot.indexer.parse.chunking import Chunk
from specpilot.indexer.store.index_store import IndexStore
from specpilot.indexer.store.rows import ChunkKey

Progress = Callable[[str, int, int], None]  # stage, done, total (as ``build.Progress``)

EMBED_WRITE_BATCH = 256  # chunks written (and vectors filled in) together
EMBED_CALL = 32  # texts per embedder call (an interrupt loses at most one call's work)


def embed_missing(store: IndexStore, emb: Embedder, report: Progress) -> tuple[int, int]:
    """Embed the chunks stored without a vector and write their vectors batch by batch, the
    meta record's ``vectors_missing`` after each: an interrupted run keeps what it embedded
    and the next run embeds only the rest. Returns the texts embedded (one per cache key) and
    the chunks that got a vector without one (the same text twice, or a vector now stored)."""
    if not store.meta.vectors_missing:  # counted when the lexical index was committed
        return 0, 0
    rows = store.missing_vectors().to_pydict()
    total = len(rows["id"])
    if not total:
        return 0, 0
    by_key: dict[ChunkKey, list[int]] = {}
    for i, key in enumerate(zip(rows["content_hash"], rows["embed_cap"], strict=True)):
        by_key.setdefault(key, []).append(i)
    cache = store.cached_vectors(set(by_key))  # e.g. written by a run after the one cut short
    keys = sorted((k for k in by_key if k not in cache), key=lambda k: (k[1], k))
    missing, embedded = total, 0

    def flush(done_keys: Sequence[ChunkKey]) -> None:
        nonlocal missing
        idx = [i for k in done_keys for i in by_key.pop(k)]
        store.set_vectors([rows["id"][i] for i in idx], [cache[rows_key(i)] for i in idx])
        missing -= len(idx)
        store.write_meta(store.meta.with_(vectors_missing=missing))
        report("embed", total - missing, total)

    def rows_key(i: int) -> ChunkKey:
        return rows["content_hash"][i], rows["embed_cap"][i]

    def text(i: int) -> str:
        path, symbol = rows["path"][i], rows["symbol"][i]
        return Chunk("", path, "", "", symbol or "", 0, 0, rows["text"][i] or "", "").embed_text

    report("embed", 0, total)
    if cache:
        flush([k for k in by_key if k in cache])
    pending: list[ChunkKey] = []
    try:
        for start in range(0, len(keys), EMBED_CALL):  # small calls: Ctrl-C loses little
            part = keys[start : start + EMBED_CALL]
            for cap in sorted({k[1] for k in part}):
                same = [k for k in part if k[1] == cap]
                vecs = emb.embed([text(by_key[k][0]) for k in same], max_tokens=cap)
                cache.update(zip(same, vecs, strict=True))
                embedded += len(same)
                pending += same
            if sum(len(by_key[k]) for k in pending) >= EMBED_WRITE_BATCH:
                flush(pending)
                pending = []
    except BaseException as exc:  # Ctrl-C, or the embedder failed: keep what was embedded
        if pending:
            flush(pending)
        if isinstance(exc, KeyboardInterrupt):
            files = int(store.table("files").count_rows())
            raise IndexInterrupted(files, total - missing, vectors_missing=missing) from None
        raise
    flush(pending)
    return embedded, total - embedded
