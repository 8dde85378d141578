"""Warm query latency and searcher start-up on a big index (see docs/benchmarks.md).

Opens an existing index (``--db``) with the default retrieval settings, times the
``Searcher`` load (catalog, graph) and then ``--queries`` warm queries through
``search_files`` and ``search`` (symbols), with graph signals on. The queries are the dev
set's commit messages: they are not about the big repository, which does not matter for
latency — every channel runs in full whatever the query.

    python bench/scale_bench.py --db /tmp/big-real-db [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from specpilot.indexer.embed.embedders import embed_config_for, make_embedder
from specpilot.indexer.store.index_store import IndexStore
from specpilot.indexer.store.vector_index import vector_index_of
from specpilot.retrieval.config import RetrievalConfig
from specpilot.retrieval.search import Searcher

DEV = Path(__file__).resolve().parents[2] / "shared" / "bench" / "dev" / "instances.jsonl"


def _ms(values: list[float]) -> dict[str, float]:
    values = sorted(values)
    return {
        "p50_ms": round(statistics.median(values), 1),
        "p95_ms": round(values[int(0.95 * (len(values) - 1))], 1),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--db", required=True)
    ap.add_argument("--queries", type=int, default=50)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    queries = [json.loads(line)["query"] for line in DEV.read_text().splitlines()][: args.queries]

    store = IndexStore.open(args.db)
    emb = make_embedder(embed_config_for(store.meta.model_id))
    emb.embed(["load the model"])
    t = time.perf_counter()
    searcher = Searcher(store, emb, RetrievalConfig())
    load_s = time.perf_counter() - t
    searcher.search_files("warm up", 10)
    result = {
        "db": args.db,
        "counts": store.counts(),
        "ann_index": vector_index_of(store.table("chunks")) is not None,
        "searcher_load_s": round(load_s, 2),
    }
    for name, fn in (("files", searcher.search_files), ("symbols", searcher.search)):
        lat = []
        for q in queries:
            t = time.perf_counter()
            fn(q, 10)
            lat.append((time.perf_counter() - t) * 1000)
        result[name] = _ms(lat)
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
