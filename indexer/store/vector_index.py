"""An approximate-nearest-neighbour index over the chunk vectors, for big repositories.

Below ``VectorIndexConfig.min_rows`` chunks the vector channel scans every vector: exact,
and fast enough (LanceDB's flat scan of 384-dim vectors on 2 cores: ~55 ms at 50k chunks,
~270 ms at 200k, see docs/benchmarks.md). From there on an IVF index is trained (one
partition per ``rows_per_partition`` chunks; HNSW graphs with 8-bit scalar quantization inside
the partitions by default), and searches probe the nearest partitions only.

Keeping it current: rows written after training are folded into the index by the store's
``compact`` (LanceDB ``optimize``) without retraining; the centroids are retrained once the
table has grown or shrunk by ``retrain_factor`` against the rows they were trained on
(``IndexMeta.vector_index_rows``). A table that falls below ``min_rows`` drops the index.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from specpilot.indexer.config import VectorIndexConfig

log = logging.getLogger(__name__)

COLUMN = "vector"
NAME = "vector_idx"


def vector_index_of(tbl: Any) -> Any | None:
    """The ANN index on the chunk vectors, if the table has one."""
    return next((i for i in tbl.list_indices() if list(i.columns) == [COLUMN]), None)


def build_vector_index(tbl: Any, *, index_type: str, rows_per_partition: int) -> int:
    """Train (or retrain) the index; returns the rows it was trained on."""
    from lancedb import index

    rows = int(tbl.count_rows())
    kwargs: dict[str, Any] = {
        "distance_type": "cosine",
        "num_partitions": max(1, round(rows / rows_per_partition)),
    }
    if index_type.endswith("PQ"):
        dim = tbl.schema.field(COLUMN).type.list_size
        kwargs["num_sub_vectors"] = max(1, dim // 8)  # 8 dimensions per code: recall over size
    config = {
        "IVF_HNSW_SQ": index.HnswSq,
        "IVF_HNSW_PQ": index.HnswPq,
        "IVF_PQ": index.IvfPq,
        "IVF_SQ": index.IvfSq,
        "IVF_FLAT": index.IvfFlat,
    }[index_type](**kwargs)
    tbl.create_index(COLUMN, config=config, replace=True, name=NAME)
    return rows


def ensure_vector_index(tbl: Any, cfg: VectorIndexConfig, trained_rows: int) -> int:
    """Build, retrain, keep or drop the index for the table's size; returns the rows the
    index is trained on now (0: no index)."""
    rows = int(tbl.count_rows())
    existing = vector_index_of(tbl)
    if cfg.min_rows <= 0 or rows < cfg.min_rows:
        if existing is not None:
            tbl.drop_index(existing.name)
            log.info("dropped the vector index (%d chunks, under %d)", rows, cfg.min_rows)
        return 0
    if existing is not None and trained_rows > 0:
        ratio = rows / trained_rows
        if 1 / cfg.retrain_factor <= ratio <= cfg.retrain_factor:
            return trained_rows
    t = time.perf_counter()
    trained = build_vector_index(
        tbl, index_type=cfg.index_type, rows_per_partition=cfg.rows_per_partition
    )
    log.info("trained a %s vector index on %d chunks in %.1f s", cfg.index_type, trained,
             time.perf_counter() - t)  # fmt: skip
    return trained
