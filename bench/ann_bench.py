"""Vector search on a big index: exact (flat) scan against LanceDB's ANN indexes.

Copies the ``chunks`` table of an existing index (``--db``) so the index itself is not
touched, embeds queries with the index's model (the dev set's 100 commit messages by
default, or ``--queries FILE``, one per line), and for each ANN configuration reports the
build time, the vector channel's query latency (``limit`` = ``vector_candidates``) and its
recall against the exact scan: the share of the exact top ``k`` the ANN search returns.

    python bench/ann_bench.py --db /tmp/big-real-db [--json results.json]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from specpilot.indexer.embed.embedders import embed_config_for, make_embedder
from specpilot.indexer.store.index_store import IndexStore
from specpilot.indexer.store.lancedb_import import import_lancedb
from specpilot.indexer.store.vector_index import build_vector_index, vector_index_of
from specpilot.retrieval.config import RetrievalConfig

DEV = Path(__file__).resolve().parents[2] / "shared" / "bench" / "dev" / "instances.jsonl"

# (label, index_type, rows per IVF partition, query settings)
CONFIGS: list[tuple[str, str, int, dict[str, int]]] = [
    ("IVF_HNSW_SQ, nprobes 20", "IVF_HNSW_SQ", 4096, {"nprobes": 20}),
    ("IVF_HNSW_SQ, nprobes 40", "IVF_HNSW_SQ", 4096, {"nprobes": 40}),
    ("IVF_PQ, nprobes 20, refine 10", "IVF_PQ", 4096, {"nprobes": 20, "refine_factor": 10}),
    ("IVF_PQ, nprobes 40, refine 10", "IVF_PQ", 4096, {"nprobes": 40, "refine_factor": 10}),
]


def _queries(path: Path | None) -> list[str]:
    if path is not None:
        return [line.strip() for line in path.read_text().splitlines() if line.strip()]
    return [json.loads(line)["query"] for line in DEV.read_text().splitlines()]


def _search(tbl: Any, vec: np.ndarray, limit: int, **settings: int) -> tuple[list[str], float]:
    q = tbl.search(vec, vector_column_name="vector").distance_type("cosine").limit(limit)
    if settings.get("exact"):
        q = q.bypass_vector_index()
    if "nprobes" in settings:
        q = q.nprobes(settings["nprobes"])
    if "refine_factor" in settings:
        q = q.refine_factor(settings["refine_factor"])
    t = time.perf_counter()
    ids = [r["id"] for r in q.select(["id", "_distance"]).to_list()]
    return ids, (time.perf_counter() - t) * 1000


def _measure(tbl: Any, vecs: np.ndarray, truth: list[list[str]] | None, limit: int, **s: int):
    _search(tbl, vecs[0], limit, **s)  # warm
    results, lat = [], []
    for v in vecs:
        ids, ms = _search(tbl, v, limit, **s)
        results.append(ids)
        lat.append(ms)
    row: dict[str, Any] = {
        "p50_ms": round(statistics.median(lat), 1),
        "p95_ms": round(sorted(lat)[int(0.95 * (len(lat) - 1))], 1),
    }
    if truth is not None:
        for k in (10, 50, limit):
            hits = [
                len(set(r[:k]) & set(t[:k])) / max(1, len(t[:k]))
                for r, t in zip(results, truth, strict=True)
            ]
            row[f"recall@{k}"] = round(float(np.mean(hits)), 3)
    return results, row


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--db", required=True, help="an existing specpilot index")
    ap.add_argument("--queries", type=Path, help="one query per line (default: the dev set)")
    ap.add_argument("--json", type=Path, help="write the results here")
    args = ap.parse_args(argv)

    store = IndexStore.open(args.db)
    emb = make_embedder(embed_config_for(store.meta.model_id))
    vecs = np.asarray(emb.embed(_queries(args.queries)), dtype=np.float32)
    limit = RetrievalConfig().vector_candidates
    lancedb = import_lancedb()
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="ann-bench-") as tmp:
        shutil.copytree(Path(args.db) / "chunks.lance", Path(tmp) / "chunks.lance")
        tbl = lancedb.connect(tmp).open_table("chunks")
        n = int(tbl.count_rows())
        print(f"{n} chunks, {len(vecs)} queries, limit {limit}", flush=True)
        truth, exact = _measure(tbl, vecs, None, limit, exact=1)
        rows.append({"config": "exact (flat scan)", "build_s": 0.0, **exact})
        print(rows[-1], flush=True)
        built: dict[tuple[str, int], float] = {}
        for label, index_type, per_partition, settings in CONFIGS:
            key = (index_type, per_partition)
            if key not in built or vector_index_of(tbl) is None:
                t = time.perf_counter()
                build_vector_index(tbl, index_type=index_type, rows_per_partition=per_partition)
                built = {key: time.perf_counter() - t}
            _, row = _measure(tbl, vecs, truth, limit, **settings)
            rows.append({"config": label, "build_s": round(built[key], 1), **row})
            print(rows[-1], flush=True)
    if args.json:
        args.json.write_text(
            json.dumps({"chunks": n, "queries": len(vecs), "rows": rows}, indent=2)
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
