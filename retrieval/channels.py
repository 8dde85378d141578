"""The retrieval channels: each ranks chunks, symbols or files for one query, best first.

* ``vector``      chunks by cosine similarity to the query's embedding
* ``fulltext``    chunks by BM25 over code tokens (LanceDB native FTS)
* ``file_fulltext`` files by BM25 over their whole text
* ``identifier``  symbols the query names (``Session.mount``, ``get_adapter``, ``'charset'``),
  rarer names first; a name with more than ``identifier_max_defs`` definitions (``__init__``)
  counts only when qualified (``Node.__hash__``)
* ``word``        symbols named by a plain word of the query ("dictsort", "Markup"; not "get":
  only when at most ``identifier_max_plain_defs`` symbols carry it)
* ``path``        files the query mentions by path, file name, dotted module or stack frame
* ``frame``       symbols of stack-trace frames (the function at the frame's line)
* ``message``     chunks whose text holds an error message / quoted phrase of the query
* ``version``     code that tests a runtime version the query names (``retrieval.versions``)
"""

from __future__ import annotations

import logging
import math
import re
from collections import defaultdict
from typing import Any

import numpy as np

from specpilot.indexer import Embedder, IndexStore, is_code
from specpilot.retrieval.catalog import Catalog, symbol_key
from specpilot.retrieval.config import RetrievalConfig
from specpilot.retrieval.query import Query
from specpilot.retrieval.versions import VersionGuards

log = logging.getLogger(__name__)

_PLACEHOLDER = re.compile(r"\{[^}]*\}|%[-#0 +]*\d*(?:\.\d+)?[sdrfxig]|<[^>]*>|\b\d+\b")
_SPACE = re.compile(r"\s+")


class Channels:
    def __init__(
        self, store: IndexStore, catalog: Catalog, embedder: Embedder, config: RetrievalConfig
    ) -> None:
        self.store, self.catalog, self.embedder, self.config = store, catalog, embedder, config
        self._chunks = store.table("chunks")
        self._files = store.table("files")
        self._sources: dict[str, str] | None = None
        self._texts: dict[str, str] | None = None
        self._guards: VersionGuards | None = None

    # -- chunk channels ------------------------------------------------------------------
    def vector(self, q: Query) -> list[str]:
        vec = self.embedder.embed([q.text])[0]
        c = self.config
        search = (
            self._chunks.search(np.asarray(vec, dtype=np.float32), vector_column_name="vector")
            .distance_type("cosine")
            .limit(c.vector_candidates)
        )
        if c.vector_nprobes > 0:
            search = search.nprobes(c.vector_nprobes)  # used only when an ANN index exists
        if c.vector_refine_factor > 0:
            search = search.refine_factor(c.vector_refine_factor)
        return [r["id"] for r in search.select(["id", "_distance"]).to_list()]

    def fulltext(self, q: Query) -> list[str]:
        """Chunks by BM25 over their code tokens."""
        return _bm25(self._chunks, q, self.config.fulltext_candidates, "id")

    def message(self, q: Query) -> list[str]:
        """Chunks holding a message of the query (its longest literal fragment)."""
        frags = [f for m in q.messages for f in _fragments(m, self.config.message_min_chars)]
        if not frags:
            return []
        texts = self._chunk_texts()
        hits: dict[str, float] = defaultdict(float)
        for frag in frags:
            for cid, text in texts.items():
                if frag in text:
                    hits[cid] += len(frag)
        return sorted(hits, key=lambda c: (-hits[c], c))

    def version(self, q: Query) -> list[str]:
        """Code chunks that test a runtime version the query names (Python 3.13, Go 1.22)."""
        if not q.versions:
            return []
        if self._guards is None:
            lang, meta = self.catalog.language, self.catalog.chunks
            self._guards = VersionGuards(
                {
                    cid: (m.path, lang.get(m.path, ""), text)
                    for cid, text in self._source_texts().items()
                    if (m := meta.get(cid)) is not None and is_code(lang.get(m.path))
                }
            )
        return self._guards.rank(q.versions)

    def _source_texts(self) -> dict[str, str]:
        """Every chunk's text as written (read once, on the first channel that needs it)."""
        if self._sources is None:
            tbl = self.store.read_columns("chunks", ["id", "text"]).to_pydict()
            self._sources = {cid: t or "" for cid, t in zip(tbl["id"], tbl["text"], strict=True)}
        return self._sources

    def _chunk_texts(self) -> dict[str, str]:
        """Chunk texts lower-cased with runs of white space as one (for message matching)."""
        if self._texts is None:
            self._texts = {
                cid: _SPACE.sub(" ", t).lower() for cid, t in self._source_texts().items()
            }
        return self._texts

    # -- file channels -------------------------------------------------------------------
    def file_fulltext(self, q: Query) -> list[str]:
        """Files by BM25 over their whole text (a file-level view of the same tokens)."""
        return _bm25(self._files, q, self.config.file_fulltext_candidates, "path")

    def path(self, q: Query) -> list[str]:
        """Files the query mentions by path, file name, module or stack frame."""
        cat = self.catalog
        wanted: list[str] = [f[0] for f in q.frames] + list(q.paths)
        for mod in q.modules:
            parts = mod.split(".")
            # the longest module prefix that is a file: pkg.sub.func -> pkg/sub.py; a bare
            # top-level package ("requests" of requests.get) names the project, not a file
            for n in range(len(parts), 1, -1):
                base = "/".join(parts[:n])
                found = cat.resolve_file(base + ".py") + cat.resolve_file(base + "/__init__.py")
                if found:
                    wanted += found
                    break
        return list(dict.fromkeys(p for w in wanted for p in cat.resolve_file(w)))

    # -- symbol channels -----------------------------------------------------------------
    def identifier(self, q: Query, *, plain: bool = False) -> list[str]:
        """Symbols the query names, rarer names first.

        Code-looking names (snake_case, CamelCase, dotted, quoted) by default; with ``plain``
        the plain words of the query that name at most ``identifier_max_plain_defs`` symbols
        ("dictsort" yes, "get" no) — a weaker signal, a channel of its own.
        """
        cat, c = self.catalog, self.config
        total = max(1, sum(cat.name_count.values()))
        scores: dict[str, float] = defaultdict(float)
        code_like = set(q.identifiers)
        if plain:
            names = [w for w in q.words if w not in code_like and len(w) >= 3]
        else:
            names = list(q.identifiers)
        for name in dict.fromkeys(names):
            precise = "." in name and name in cat.by_qualified  # Class.method
            keys = cat.by_qualified.get(name) or cat.by_name.get(name.rsplit(".", 1)[-1])
            owner = name.rsplit(".", 1)[0] if "." in name and not precise else ""
            owners = [k for k in cat.by_qualified.get(owner, ()) if cat.symbols[k].kind in _OWNERS]
            if owners:  # Node.__hash__ not defined yet: Node is the place (not Go's main.main)
                keys, precise = owners, True
            if not keys:
                continue
            count = cat.name_count.get(name.rsplit(".", 1)[-1], 1)
            limit = c.identifier_max_plain_defs if plain else c.identifier_max_defs
            if count > limit and not precise:
                continue  # __init__, get: names too common to point anywhere
            weight = math.log(1 + total / count) * (2.0 if precise else 1.0)
            for key in keys:
                scores[key] += weight
        return sorted(scores, key=lambda k: (-scores[k], k))

    def frame(self, q: Query) -> list[str]:
        """The symbols of stack-trace frames: at the frame's line, else by function name."""
        out: list[str] = []
        for path, line, func in q.frames:
            for p in self.catalog.resolve_file(path):
                key = self.catalog.symbol_at(p, line)
                if key is None and func:
                    cand = symbol_key(p, func)
                    key = cand if cand in self.catalog.symbols else None
                if key is not None:
                    out.append(key)
        return list(dict.fromkeys(out))


# kinds whose members are written Owner.member: a missing member points at its owner
_OWNERS = frozenset({"class", "struct", "interface", "enum", "trait", "impl", "type", "module"})


def _bm25(table: Any, q: Query, limit: int, key: str) -> list[str]:
    """``key`` of the rows of ``table`` best by BM25 over ``search_text`` (LanceDB FTS)."""
    if not q.tokens:
        return []
    rows = (
        table.search(_fts_text(q), query_type="fts", fts_columns="search_text")
        .limit(limit)
        .select([key, "_score"])
        .to_list()
    )
    return [r[key] for r in rows]


def _fts_text(q: Query) -> str:
    return " ".join(dict.fromkeys(q.tokens))


def _fragments(message: str, min_chars: int) -> list[str]:
    """The literal pieces of a message, longest first, without format placeholders."""
    text = _SPACE.sub(" ", message).strip().lower()
    pieces = [p.strip(" .,:;'\"") for p in _PLACEHOLDER.split(text)]
    pieces = sorted({p for p in pieces if len(p) >= min_chars}, key=lambda p: (-len(p), p))
    return pieces[:2]
