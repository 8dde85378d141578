"""The second phase of an index run: vectors for the chunks stored without one.

``build._index`` commits the lexical index first (chunks with null vectors, graph, FTS), so
search answers at once; ``embed_missing`` then embeds each distinct text once and writes the
vectors batch by batch, with the meta record's ``vectors_missing`` after each batch: an
interrupted run keeps what it embedded and the next run embeds only the rest.

Where the embedder runs is a seam, ``MapEmbed`` (as ``MapParse`` is for parsing): by default
in this process; the ``index-repo`` flow passes one that runs the calls as tasks on a task
runner (a process pool, a Dask cluster). The vectors always come back to this process, in
order, and are written here: one writer, progress and Ctrl-C as in a plain run.
``embed_calls`` is a worker's side of such a map.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence

import numpy as np

from specpilot.indexer.config import EmbedConfig
from specpilot.indexer.embed.embedders import Embedder, make_embedder
from specpilot.indexer.parse.chunking import Chunk
from specpilot.indexer.store.index_store import IndexStore
from specpilot.indexer.store.rows import ChunkKey

Progress = Callable[[str, int, int], None]  # stage, done, total (as ``build.Progress``)

EMBED_WRITE_BATCH = 256  # chunks written (and vectors filled in) together
EMBED_CALL = 32  # texts per embedder call (an interrupt loses at most one call's work)

EmbedCall = tuple[int, list[str]]  # (word pieces read per text, texts): one embedder call
MapEmbed = Callable[[Iterable[EmbedCall]], Iterable[np.ndarray]]
"""Run embedder calls (anywhere) and yield each call's (len(texts), dim) vectors in the order
of the calls. It should consume the calls lazily (a bounded window ahead at most): the
vectors of each batch are written as soon as they are back."""


def embed_missing(
    store: IndexStore, emb: Embedder, report: Progress, map_embed: MapEmbed | None = None
) -> tuple[int, int]:
    """Embed the chunks stored without a vector and write their vectors batch by batch, the
    meta record's ``vectors_missing`` after each: an interrupted run keeps what it embedded
    and the next run embeds only the rest. Returns the texts embedded (one per cache key) and
    the chunks that got a vector without one (the same text twice, or a vector now stored).
    ``map_embed``: where the calls run (default: ``emb`` in this process)."""
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
        """Write these keys' vectors, then forget the keys. Safe to call again with the same
        keys when Ctrl-C cut it short: what is not yet forgotten is written (again: an
        update by id), what is forgotten was written and counted."""
        nonlocal missing
        todo = [k for k in done_keys if k in by_key]
        idx = [i for k in todo for i in by_key[k]]
        store.set_vectors([rows["id"][i] for i in idx], [cache[rows_key(i)] for i in idx])
        for k in todo:  # written: a key is never asked for again (forgotten as counted)
            missing -= len(by_key.pop(k))
            cache.pop(k, None)
        store.write_meta(store.meta.with_(vectors_missing=missing))
        report("embed", total - missing, total)

    def rows_key(i: int) -> ChunkKey:
        return rows["content_hash"][i], rows["embed_cap"][i]

    def text(i: int) -> str:
        path, symbol = rows["path"][i], rows["symbol"][i]
        return Chunk("", path, "", "", symbol or "", 0, 0, rows["text"][i] or "", "").embed_text

    report("embed", 0, total)
    cached = [k for k in by_key if k in cache]
    calls = _calls(keys)
    work = ((cap, [text(by_key[k][0]) for k in same]) for cap, same in calls)
    results = iter((map_embed or in_process(emb))(work))
    pending: list[ChunkKey] = []
    pending_rows = 0  # the chunks of ``pending`` (a key's text may stand in several chunks)
    try:
        if cached:
            flush(cached)
        for (_, same), vecs in zip(calls, results, strict=True):  # small calls: Ctrl-C loses little
            cache.update(zip(same, vecs, strict=True))
            embedded += len(same)
            pending += same
            pending_rows += sum(len(by_key[k]) for k in same)
            if pending_rows >= EMBED_WRITE_BATCH:
                flush(pending)
                pending, pending_rows = [], 0
    except BaseException:  # Ctrl-C, or the embedder failed: keep what was embedded
        flush(cached + pending)  # whatever of them is not yet written
        raise  # a Ctrl-C: index_repo reads what the index holds (status.interruption)
    finally:
        close = getattr(results, "close", None)
        if close is not None:  # a generator map: let it cancel what it has in flight
            close()
    flush(pending)
    return embedded, total - embedded


def _calls(keys: Sequence[ChunkKey]) -> list[tuple[int, list[ChunkKey]]]:
    """The embedder calls: ``EMBED_CALL`` keys at a time (sorted by cap), one call per cap."""
    out: list[tuple[int, list[ChunkKey]]] = []
    for start in range(0, len(keys), EMBED_CALL):
        part = keys[start : start + EMBED_CALL]
        for cap in sorted({k[1] for k in part}):
            out.append((cap, [k for k in part if k[1] == cap]))
    return out


def in_process(emb: Embedder) -> MapEmbed:
    """The default ``MapEmbed``: each call on ``emb``, here, when its vectors are asked for."""

    def run(calls: Iterable[EmbedCall]) -> Iterator[np.ndarray]:
        return (emb.embed(texts, max_tokens=cap) for cap, texts in calls)

    return run


_WORKER_EMBEDDERS: dict[tuple[EmbedConfig, int], Embedder] = {}


def embed_calls(
    config: EmbedConfig, calls: Sequence[EmbedCall], *, threads: int = 1
) -> list[np.ndarray]:
    """A worker's side of a ``MapEmbed``: these calls on the embedder of ``config``, built
    once per process (``threads``: ONNX Runtime intra-op threads; 0: one per core)."""
    emb = _WORKER_EMBEDDERS.get((config, threads))
    if emb is None:
        emb = make_embedder(config)
        if hasattr(emb, "threads"):  # the ONNX embedder
            setattr(emb, "threads", threads)  # noqa: B010 - not on the Embedder protocol
        _WORKER_EMBEDDERS[(config, threads)] = emb
    return [emb.embed(texts, max_tokens=cap) for cap, texts in calls]
