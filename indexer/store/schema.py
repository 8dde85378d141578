"""Arrow schemas of the LanceDB tables and the index meta record."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import pyarrow as pa

from specpilot.indexer.store.schema_version import SCHEMA_VERSION as SCHEMA_VERSION


def files_schema() -> pa.Schema:
    return pa.schema(
        [
            pa.field("path", pa.string(), nullable=False),
            pa.field("language", pa.string()),
            pa.field("blob_hash", pa.string()),  # git blob hash of the content
            pa.field("size", pa.int64()),
            pa.field("lines", pa.int32()),
            pa.field("parse_errors", pa.int32()),  # tree-sitter ERROR/MISSING nodes
            pa.field("commit", pa.string()),  # HEAD when this file was indexed ("" if no git)
            pa.field("parsed", pa.large_string()),  # ParsedFile as JSON (for graph rebuilds)
            pa.field("search_text", pa.large_string()),  # code tokens of path + whole file
        ]
    )


def chunks_schema(dim: int) -> pa.Schema:
    return pa.schema(
        [
            pa.field("id", pa.string(), nullable=False),
            pa.field("path", pa.string()),
            pa.field("language", pa.string()),
            pa.field("kind", pa.string()),
            pa.field("symbol", pa.string()),
            pa.field("start_line", pa.int32()),
            pa.field("end_line", pa.int32()),
            pa.field("text", pa.large_string()),
            pa.field("search_text", pa.large_string()),  # code tokens (see indexer.parse.tokens)
            pa.field("content_hash", pa.string()),
            pa.field("embed_cap", pa.int32()),  # word pieces the vector was computed from
            # null until embedded: a run writes chunks first (searchable by BM25, names,
            # paths, graph), then fills vectors in (``indexer.embed.fill.embed_missing``)
            pa.field("vector", pa.list_(pa.float32(), dim)),
        ]
    )


def symbols_schema() -> pa.Schema:
    return pa.schema(
        [
            pa.field("id", pa.string(), nullable=False),
            pa.field("path", pa.string()),
            pa.field("language", pa.string()),
            pa.field("name", pa.string()),
            pa.field("qualified_name", pa.string()),
            pa.field("kind", pa.string()),
            pa.field("start_line", pa.int32()),
            pa.field("end_line", pa.int32()),
            pa.field("signature", pa.string()),
            pa.field("docstring", pa.large_string()),
            pa.field("parent", pa.string()),
        ]
    )


def edges_schema() -> pa.Schema:
    return pa.schema(
        [
            pa.field("src_path", pa.string()),
            pa.field("src_symbol", pa.string()),
            pa.field("kind", pa.string()),
            pa.field("target_name", pa.string()),
            pa.field("qualifier", pa.string()),
            pa.field("line", pa.int32()),
            pa.field("dst_path", pa.string()),
            pa.field("dst_symbol", pa.string()),
        ]
    )


def edge_deps_schema() -> pa.Schema:
    """Per resolved file: the other files and method names its resolution read."""
    return pa.schema(
        [
            pa.field("path", pa.string()),
            pa.field("paths", pa.list_(pa.string())),
            pa.field("methods", pa.list_(pa.string())),
        ]
    )


def cochange_schema() -> pa.Schema:
    return pa.schema(
        [
            pa.field("path", pa.string()),
            pa.field("partner", pa.string()),
            pa.field("together", pa.int32()),  # commits that changed both
            pa.field("changes", pa.int32()),  # commits that changed `path`
        ]
    )


def meta_schema() -> pa.Schema:
    return pa.schema([pa.field("key", pa.string()), pa.field("value", pa.large_string())])


@dataclass(frozen=True, slots=True)
class IndexMeta:
    """The index identity and state, stored as one JSON row in the `meta` table."""

    schema_version: int
    model_id: str
    dim: int
    repo_root: str
    last_commit: str = ""
    indexed_at: str = ""  # ISO 8601 UTC of the last completed run
    state: str = "complete"  # "in_progress" while a run writes; the next run completes it
    history_head: str = ""  # HEAD when the co-change table was last computed
    vector_index_rows: int = 0  # chunks the ANN index was trained on (0: no index)
    vectors_missing: int = 0  # chunks written without a vector yet (embedding not done)
    stats: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> IndexMeta:
        data = json.loads(text)
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})

    def with_(self, **changes: Any) -> IndexMeta:
        return replace(self, **changes)
