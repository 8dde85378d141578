"""The LanceDB store: files, chunks (vectors + full-text index), symbols, edges, cochange, meta.

Writes are ordered so that a run killed at any point leaves an index the next run completes:
a batch replaces the chunks and symbols of its files first and records their new content
hashes in ``files`` last, so a file whose rows were not all written still looks changed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from specpilot.indexer.errors import (
    DamagedIndexError,
    IndexLocationError,
    ModelMismatchError,
    NotIndexedError,
    SchemaVersionError,
    StoreError,
)
from specpilot.indexer.parse.codec import parsed_from_json
from specpilot.indexer.store.lancedb_import import import_lancedb, lance_reason
from specpilot.indexer.store.location import check_index_location
from specpilot.indexer.store.location import default_db_path as default_db_path
from specpilot.indexer.store.schema import (
    SCHEMA_VERSION,
    IndexMeta,
    chunks_schema,
    cochange_schema,
    edge_deps_schema,
    edges_schema,
    files_schema,
    meta_schema,
    symbols_schema,
)
from specpilot.indexer.store.sql import path_filter, sql_quote
from specpilot.indexer.types import Edge, ParsedFile

log = logging.getLogger(__name__)

_FILTERED_LOOKUP_MAX = 2000  # up to this many hashes, look them up with a filter, not a scan
_OPTIONAL_TABLES = ("edge_deps", "cochange")  # missing from older indexes


class IndexStore:
    """An open index. ``open`` checks it exists; ``create`` makes a new one."""

    def __init__(self, uri: str, db: Any, meta: IndexMeta | None) -> None:
        self.uri = uri
        self._db = db
        self._meta = meta

    # -- opening -------------------------------------------------------------------------
    @staticmethod
    def _connect(uri: str) -> Any:
        lancedb = import_lancedb()
        try:
            return lancedb.connect(uri)
        except Exception as exc:  # lancedb raises ValueError/OSError/RuntimeError
            raise StoreError(f"cannot open the index at {uri} ({exc}).") from exc

    @classmethod
    def exists(cls, uri: str) -> bool:
        return "://" in uri or Path(uri, "meta.lance").exists()

    @classmethod
    def open(cls, uri: str, *, repo_hint: str = "", missing_ok: bool = False) -> IndexStore:
        """Open an existing index or raise NotIndexedError / StoreError.

        The tables' data files are not read here: ``integrity.check_intact`` does that."""
        check_index_location(uri, write=False)
        if "://" not in uri and not Path(uri).exists():
            hint = f"run `specpilot index {repo_hint}` first" if repo_hint else "index it first"
            raise NotIndexedError(f"no index at {uri}; {hint}.")
        db = cls._connect(uri)
        names = set(cls._table_names(db))
        if "meta" not in names:
            raise NotIndexedError(
                f"{uri} is not a specpilot index (no meta table); "
                "pass the right --db or re-index with --rebuild."
            )
        store = cls(uri, db, None)
        store._meta = store._read_meta()
        missing = sorted({"files", "chunks", "symbols", "edges"} - names)
        if missing and store._meta.state == "complete" and not missing_ok:
            run = f"specpilot index {repo_hint}".strip()
            raise DamagedIndexError(
                f"the index at {uri} is damaged: tables {missing} are missing; run `{run}` "
                "to repair it.",
                tuple(missing),
            )
        return store

    @classmethod
    def create(cls, uri: str, meta: IndexMeta, *, drop: Sequence[str] = ()) -> IndexStore:
        """A fresh, empty index (any old tables at ``uri`` are replaced). Tables in ``drop``
        are dropped first: a damaged one cannot be overwritten (lance reads its manifest)."""
        if "://" not in uri:
            try:
                Path(uri).mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise IndexLocationError(
                    f"cannot create the index directory {uri} ({exc.strerror}); give --db a "
                    "directory you can write."
                ) from exc
        db = cls._connect(uri)
        store = cls(uri, db, meta)
        for name in drop:
            store.drop_table(name)
        db.create_table("files", schema=files_schema(), mode="overwrite")
        db.create_table("chunks", schema=chunks_schema(meta.dim), mode="overwrite")
        db.create_table("symbols", schema=symbols_schema(), mode="overwrite")
        db.create_table("edges", schema=edges_schema(), mode="overwrite")
        store.write_meta(meta)  # written last: its presence marks a usable index
        return store

    @staticmethod
    def _table_names(db: Any) -> list[str]:
        res = db.list_tables()
        names = getattr(res, "tables", res)
        return list(names)

    # -- meta ----------------------------------------------------------------------------
    @property
    def meta(self) -> IndexMeta:
        if self._meta is None:
            self._meta = self._read_meta()
        return self._meta

    def _read_meta(self) -> IndexMeta:
        try:
            rows = self._db.open_table("meta").to_arrow().to_pylist()
            value = next(r["value"] for r in rows if r["key"] == "index")
            meta = IndexMeta.from_json(value)
        except RuntimeError as exc:  # lance: the table's manifest or data file is damaged
            raise DamagedIndexError(
                f"the index at {self.uri} is damaged: its meta table cannot be read "
                f"({lance_reason(exc)}); run `specpilot index` to rebuild it.",
                ("meta",),
            ) from exc
        except (StopIteration, KeyError, ValueError, TypeError, OSError) as exc:
            raise StoreError(
                f"the index meta record at {self.uri} is unreadable ({exc}); re-index with --rebuild."
            ) from exc
        if meta.schema_version != SCHEMA_VERSION:
            raise SchemaVersionError(
                f"the index at {self.uri} has schema version {meta.schema_version}, this specpilot "
                f"reads version {SCHEMA_VERSION}; run `specpilot index` again (it rebuilds the index)."
            )
        return meta

    def write_meta(self, meta: IndexMeta) -> None:
        data = pa.Table.from_pylist(
            [{"key": "index", "value": meta.to_json()}], schema=meta_schema()
        )
        self._db.create_table("meta", data=data, mode="overwrite")
        self._meta = meta

    def check_model(self, model_id: str, dim: int) -> None:
        meta = self.meta
        if meta.model_id != model_id or meta.dim != dim:
            # "+int8" (onnx_embedder.INT8_SUFFIX) is the backend, not the model name
            int8 = meta.model_id.endswith("+int8") != model_id.endswith("+int8")
            hint = " (+int8: index.embed.backend = 'onnx-int8')" if int8 else ""
            raise ModelMismatchError(
                f"the index at {self.uri} was built with embedding model {meta.model_id!r} "
                f"(dim {meta.dim}), not {model_id!r} (dim {dim}); use that model{hint} or "
                "re-index with --rebuild."
            )

    # -- tables --------------------------------------------------------------------------
    def table(self, name: str) -> Any:
        try:
            return self._db.open_table(name)
        except Exception as exc:  # ValueError / FileNotFoundError from lance
            raise StoreError(
                f"table {name!r} of the index at {self.uri} cannot be opened ({lance_reason(exc)})."
            ) from exc

    def read_columns(self, name: str, cols: Sequence[str], where: str | None = None) -> pa.Table:
        """Every row (or those ``where`` matches) of a table, only these columns.

        ``to_arrow()`` reads whole rows — vectors, texts, parses — before a select could drop
        them: 1.1 s for six chunk columns of a 55k-chunk index, 0.04 s this way.
        """
        query = self.table(name).search().select(list(cols))
        if where is not None:
            query = query.where(where)
        table: pa.Table = query.limit(None).to_arrow()
        return table

    def file_hashes(self) -> dict[str, str]:
        tbl = self.read_columns("files", ["path", "blob_hash"])
        return dict(zip(tbl["path"].to_pylist(), tbl["blob_hash"].to_pylist(), strict=True))

    def cached_vectors(self, keys: set[tuple[str, int]]) -> dict[tuple[str, int], np.ndarray]:
        """Vectors already stored for these (content hash, embed cap) keys: the embedding
        cache. A chunk's vector depends on its code and on how many word pieces were read."""
        if not keys:
            return {}
        cols = ["content_hash", "embed_cap", "vector"]
        hashes = {h for h, _ in keys}
        where = (
            f"content_hash IN ({', '.join(sql_quote(h) for h in sorted(hashes))})"
            if len(hashes) <= _FILTERED_LOOKUP_MAX
            else None
        )
        # a chunk not embedded yet has a null vector (flatten() would skip it: filter it out)
        has = "vector IS NOT NULL"
        data = self.read_columns("chunks", cols, f"({where}) AND {has}" if where else has)
        found: dict[tuple[str, int], np.ndarray] = {}
        hcol, caps = data["content_hash"].to_pylist(), data["embed_cap"].to_pylist()
        if not hcol:
            return found
        vecs = data["vector"].combine_chunks().flatten().to_numpy().reshape(len(hcol), -1)
        for i, key in enumerate(zip(hcol, caps, strict=True)):
            if key in keys and key not in found:
                found[key] = vecs[i]
        return found

    def missing_vectors(self) -> pa.Table:
        """The chunks written without a vector (a run not done embedding): what an embedding
        text is made of (path, symbol, text) and the cache key (content hash, embed cap)."""
        cols = ["id", "path", "symbol", "text", "content_hash", "embed_cap"]
        return self.read_columns("chunks", cols, "vector IS NULL")

    def set_vectors(self, ids: Sequence[str], vectors: Sequence[np.ndarray]) -> None:
        """Fill in the vectors of these chunks (only the ``vector`` column is written)."""
        if not ids:
            return
        schema = pa.schema([chunks_schema(self.meta.dim).field(n) for n in ("id", "vector")])
        flat = np.asarray(np.stack(vectors), dtype=np.float32).reshape(-1)
        data = pa.Table.from_arrays(
            [
                pa.array(list(ids), pa.string()),
                pa.FixedSizeListArray.from_arrays(pa.array(flat), self.meta.dim),
            ],
            schema=schema,
        )
        self.table("chunks").merge_insert("id").when_matched_update_all().execute(data)

    def vectors_missing(self) -> int:
        """Chunks stored without a vector (counted, not read from the meta record)."""
        return int(self.table("chunks").count_rows("vector IS NULL"))

    def replace_files(
        self,
        paths: Sequence[str],
        file_rows: list[dict[str, Any]],
        chunk_rows: list[dict[str, Any]],
        symbol_rows: list[dict[str, Any]],
    ) -> None:
        """Replace every row of ``paths`` (a batch), ``files`` last."""
        if not paths:
            return
        where = path_filter(paths)
        self._replace("chunks", where, chunk_rows, chunks_schema(self.meta.dim))
        self._replace("symbols", where, symbol_rows, symbols_schema())
        self._replace("files", where, file_rows, files_schema(), key="path")

    def delete_files(self, paths: Sequence[str]) -> None:
        if not paths:
            return
        where = path_filter(paths)
        for name in ("chunks", "symbols", "files"):  # files last
            self.table(name).delete(where)

    def _replace(
        self, name: str, where: str, rows: list[dict[str, Any]], schema: pa.Schema, key: str = "id"
    ) -> None:
        tbl = self.table(name)
        if not rows:
            tbl.delete(where)
            return
        data = pa.Table.from_pylist(rows, schema=schema)
        (
            tbl.merge_insert(key)
            .when_matched_update_all()
            .when_not_matched_insert_all()
            .when_not_matched_by_source_delete(where)
            .execute(data, on_bad_vectors="null")  # a chunk not embedded yet: null vector
        )

    def replace_edges(
        self,
        edges: Sequence[Edge],
        deps: list[dict[str, Any]],
        *,
        paths: Sequence[str] = (),
    ) -> None:
        """All edges and their files' reads (``paths`` empty), or only those of ``paths``."""
        names = edges_schema().names
        columns = {n: [getattr(e, n) for e in edges] for n in names}  # asdict: 8x slower
        data = pa.Table.from_pydict(columns, schema=edges_schema())
        reads = pa.Table.from_pylist(deps, schema=edge_deps_schema())
        if not paths:
            self._db.create_table("edges", data=data, mode="overwrite")
            self._db.create_table("edge_deps", data=reads, mode="overwrite")
            return
        for name, table, column in (("edges", data, "src_path"), ("edge_deps", reads, "path")):
            tbl = self.table(name)
            tbl.delete(path_filter(paths, column))
            if table.num_rows:
                tbl.add(table)

    def edge_deps(self) -> list[dict[str, Any]] | None:
        """The stored reads of every file's resolution; None before the table existed."""
        if not self.has_table("edge_deps"):
            return None
        rows: list[dict[str, Any]] = self.table("edge_deps").to_arrow().to_pylist()
        return rows

    def own_tables(self) -> tuple[str, ...]:
        """The indexer's tables in this index (``cochange`` is missing from older ones)."""
        core = ("files", "chunks", "symbols", "edges", "meta")
        return core + tuple(n for n in _OPTIONAL_TABLES if self.has_table(n))

    def drop_table(self, name: str) -> None:
        if self.has_table(name):
            self._db.drop_table(name)

    def reset_table(self, name: str) -> None:
        """Drop a table (a damaged one too) and, unless it is optional, make it again empty."""
        self.drop_table(name)
        if name not in _OPTIONAL_TABLES:
            schema = {"files": files_schema(), "symbols": symbols_schema(), "edges": edges_schema()}
            tables = {**schema, "chunks": chunks_schema(self.meta.dim)}
            self._db.create_table(name, schema=tables[name], mode="overwrite")

    def version(self) -> tuple[int, ...]:
        """The versions of the indexer's tables: changes whenever a run wrote anything."""
        return tuple(int(self.table(n).version) for n in self.own_tables())

    def has_table(self, name: str) -> bool:
        return name in self._table_names(self._db)

    def replace_cochange(self, rows: list[dict[str, Any]]) -> None:
        data = pa.Table.from_pylist(rows, schema=cochange_schema())
        self._db.create_table("cochange", data=data, mode="overwrite")

    def cochange(self) -> dict[str, list[Any]]:
        """The co-change table as columns (empty when the index has none, e.g. an older one)."""
        if not self.has_table("cochange"):
            return {name: [] for name in cochange_schema().names}
        data: dict[str, list[Any]] = self.table("cochange").to_arrow().to_pydict()
        return data

    def parsed_files(self, paths: Sequence[str] | None = None) -> list[ParsedFile]:
        """The stored parses (of ``paths`` only, when given). An incremental graph update
        decodes only those it needs instead (``indexer.graph.stored_tables``)."""
        if paths is not None and not paths:
            return []
        where = path_filter(paths) if paths is not None else None
        texts = self.read_columns("files", ["parsed"], where)["parsed"].to_pylist()
        return [parsed_from_json(text) for text in texts if text]

    def ensure_fts(self) -> None:
        """Create the full-text indexes over chunk tokens and whole-file tokens if missing."""
        from lancedb.index import FTS

        cfg = FTS(
            base_tokenizer="whitespace",
            lower_case=True,
            stem=True,
            remove_stop_words=False,
            ascii_folding=False,
            max_token_length=64,
        )
        for name in ("chunks", "files"):
            tbl = self.table(name)
            if not any(i.columns == ["search_text"] for i in tbl.list_indices()):
                tbl.create_index("search_text", config=cfg, replace=True)
            # an existing index is brought up to date by compact() (optimize); rows written
            # since are found meanwhile by LanceDB's flat search over unindexed rows

    def compact(self, names: Iterable[str] | None = None) -> None:
        """Merge small fragments and drop old versions (keeps the store small and fast).

        The indexer's tables, or ``names`` (a plug-in's own tables; missing ones are skipped).
        """
        from datetime import timedelta

        tables = self.own_tables() if names is None else [n for n in names if self.has_table(n)]
        for name in tables:
            try:
                self.table(name).optimize(cleanup_older_than=timedelta(minutes=1))
            except Exception as exc:  # optimize is best effort; report and go on
                log.warning("could not compact table %s of %s: %s", name, self.uri, exc)

    def counts(self) -> dict[str, int]:
        return {n: int(self.table(n).count_rows()) for n in ("files", "chunks", "symbols", "edges")}

    def cochange_pairs(self) -> int:
        """File pairs in the co-change table (each is stored once per direction)."""
        return int(self.table("cochange").count_rows()) // 2 if self.has_table("cochange") else 0
