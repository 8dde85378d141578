"""The store rows of a batch of prepared files: ``files``, ``chunks`` and ``symbols``.

Rows are replaced by key (``IndexStore.replace_files`` merges on ``path`` / ``id``), so a key
must be unique within a batch. Two definitions can share a qualified name and a first line
(``class A { m() {} m() {} }`` on one line, generated code): the second and later get an
ordinal suffix (``A.m@x.js:1#2``). A chunk id hashes the path, the lines and the text, so
it is unique as long as the chunker covers each range of a file once. That holds because a
symbol is chunked under a container only when the container's lines hold it
(``_CodeChunker._container_of``): a parent that is named but elsewhere — a Go receiver type,
``struct Foo`` beside ``impl Foo``, the other of two same-named classes — used to get the
symbol chunked twice, one id twice, and the next merge of that file failed
(``tests/indexer/test_chunking.py``, ``test_build.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from specpilot.indexer.config import EmbedConfig
from specpilot.indexer.parse.chunking import Chunk
from specpilot.indexer.parse.codec import parsed_to_json
from specpilot.indexer.parse.prepare import Prepared
from specpilot.indexer.parse.tokens import search_text
from specpilot.indexer.source.roles import is_support_path

ChunkKey = tuple[str, int]  # (content hash, embed cap): the embedding cache key


def chunk_key(chunk: Chunk, ec: EmbedConfig) -> ChunkKey:
    """Support files (tests, docs, ...) are embedded from fewer word pieces than code."""
    cap = ec.max_seq_length
    if is_support_path(chunk.path):
        cap = min(cap, ec.support_max_seq_length)
    return chunk.content_hash, cap


def chunk_rows(
    batch: list[Prepared], vectors: dict[str, np.ndarray | None], ec: EmbedConfig
) -> list[dict[str, Any]]:
    """A chunk without a vector (None: not embedded yet) is stored with a null one."""
    return [
        {
            "id": c.id,
            "path": c.path,
            "language": c.language,
            "kind": c.kind,
            "symbol": c.symbol,
            "start_line": c.start_line,
            "end_line": c.end_line,
            "text": c.text,
            "search_text": search_text(c.embed_text),
            "content_hash": c.content_hash,
            "embed_cap": chunk_key(c, ec)[1],
            "vector": None if (v := vectors[c.id]) is None else v.tolist(),
        }
        for p in batch
        for c in p.chunks
    ]


def symbol_rows(batch: list[Prepared]) -> list[dict[str, Any]]:
    symbols = [(p.source, s) for p in batch if p.parsed for s in p.parsed.symbols]
    ids = unique_ids(f"{s.qualified_name}@{src.path}:{s.start_line}" for src, s in symbols)
    return [
        {
            "id": sid,
            "path": src.path,
            "language": src.language,
            "name": s.name,
            "qualified_name": s.qualified_name,
            "kind": s.kind,
            "start_line": s.start_line,
            "end_line": s.end_line,
            "signature": s.signature,
            "docstring": s.docstring,
            "parent": s.parent or "",
        }
        for sid, (src, s) in zip(ids, symbols, strict=True)
    ]


def file_rows(batch: list[Prepared], commit: str) -> list[dict[str, Any]]:
    return [
        {
            "path": p.source.path,
            "language": p.source.language,
            "blob_hash": p.blob,
            "size": p.source.size,
            "lines": p.lines,
            "parse_errors": p.parsed.error_nodes if p.parsed else 0,
            "commit": commit,
            "parsed": parsed_to_json(p.parsed) if p.parsed else "",
            "search_text": p.search_text,
        }
        for p in batch
    ]


def unique_ids(ids: Iterable[str]) -> Iterator[str]:
    """``ids`` in order, the n-th repeat of one suffixed ``#n+1`` (``x``, ``x#2``, ``x#3``)."""
    count: dict[str, int] = {}
    for i in ids:
        n = count[i] = count.get(i, 0) + 1
        yield i if n == 1 else f"{i}#{n}"
