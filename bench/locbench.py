"""Localization benchmark on ../shared/bench/dev (see docs/benchmarks.md).

For every corpus: a cold index (fresh store), a re-index with nothing changed, a re-index
after editing one file; then every instance's query through ``Searcher.search_files``
(warm, in process), scored by ``../shared/bench/evaluate.py --rankings`` side by side with
its BM25 baseline. Prints a Markdown report and writes JSON next to it.

    python bench/locbench.py --corpus-root /tmp/locbench-dev/corpus [--out bench/results]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("LANCEDB_LOG", "error")

from indexer.build import index_repo
from indexer.config import ChunkConfig, EmbedConfig, IndexerConfig
from indexer.embedding import make_embedder
from retrieval.config import RetrievalConfig
from retrieval.open import open_searcher

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent.parent / "shared" / "bench"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--corpus-root", default="/tmp/locbench-dev/corpus")
    ap.add_argument("--instances", default=str(SHARED / "dev" / "instances.jsonl"))
    ap.add_argument("--evaluate", default=str(SHARED / "evaluate.py"))
    ap.add_argument("--out", default=str(HERE / "results"))
    ap.add_argument("--model", default="all-MiniLM-L6-v2")
    ap.add_argument("--repos", default="", help="comma list of corpus names to keep")
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument("--set", action="append", default=[], help="retrieval.key=value")
    ap.add_argument("--max-seq", type=int, default=EmbedConfig().max_seq_length)
    ap.add_argument("--max-lines", type=int, default=ChunkConfig().max_lines)
    ap.add_argument("--merge-below", type=int, default=ChunkConfig().merge_below_lines)
    ap.add_argument("--keep-db", default="", help="keep the indexes in this directory")
    ap.add_argument("--queries-only", action="store_true", help="reuse the indexes in --keep-db")
    args = ap.parse_args(argv)

    with open(args.instances) as fh:
        instances = [json.loads(line) for line in fh]
    keep = set(filter(None, args.repos.split(",")))
    by_repo: dict[str, list[dict]] = {}
    for inst in instances:
        name = inst["repo"].split("/")[-1]
        if not keep or name in keep:
            by_repo.setdefault(name, []).append(inst)

    rcfg = RetrievalConfig(
        **{k.split(".", 1)[1]: json.loads(v) for k, v in (s.split("=", 1) for s in args.set)}
    )
    icfg = IndexerConfig(
        embed=EmbedConfig(model=args.model, max_seq_length=args.max_seq),
        chunk=ChunkConfig(max_lines=args.max_lines, merge_below_lines=args.merge_below),
    )
    embedder = make_embedder(icfg.embed)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="specpilot-bench-"))
    rankings, latencies, index_rows = [], [], []
    try:
        for name, insts in by_repo.items():
            db = str(Path(args.keep_db or work / "db") / name)
            if not args.queries_only:
                index_rows.append(
                    _index_corpus(
                        name, Path(args.corpus_root) / name, work, db, insts, icfg, embedder
                    )
                )
            searcher = open_searcher(db, icfg.embed, rcfg)
            searcher.search_files("warm up", 10)
            for inst in insts:
                t = time.perf_counter()
                hits = searcher.search_files(inst["query"], 10)
                latencies.append((time.perf_counter() - t) * 1000)
                rankings.append({"id": inst["id"], "ranking": [h.path for h in hits]})
    finally:
        shutil.rmtree(work, ignore_errors=True)

    rk = out / "specpilot-rankings.jsonl"
    rk.write_text("".join(json.dumps(r) + "\n" for r in rankings))
    ours = _evaluate(
        args, ["--rankings", str(rk), "--name", "specpilot"], out / "specpilot-eval.json"
    )
    base = (
        None if args.no_baseline else _evaluate(args, ["--methods", "bm25"], out / "bm25-eval.json")
    )
    report = {
        "index": index_rows,
        "query_ms": {
            "p50": round(statistics.median(latencies), 1),
            "p95": round(sorted(latencies)[int(0.95 * (len(latencies) - 1))], 1),
        },
        "specpilot": ours,
        "bm25": base,
    }
    (out / "locbench.json").write_text(json.dumps(report, indent=2))
    print(_markdown(report))
    return 0


def _index_corpus(
    name: str, src: Path, work: Path, db: str, insts: list[dict], icfg: IndexerConfig, embedder: Any
) -> dict:
    """Cold index, no-change re-index and one-edited-file re-index of one corpus (timed)."""
    corpus = work / "corpus" / name
    shutil.copytree(src, corpus)
    t = time.perf_counter()
    s = index_repo(corpus, db=db, config=icfg, rebuild=True, embedder=embedder)
    cold = time.perf_counter() - t
    t = time.perf_counter()
    s2 = index_repo(corpus, db=db, config=icfg, embedder=embedder)
    noop = time.perf_counter() - t
    target = corpus / insts[0]["gold_files"][0]
    target.write_text(target.read_text() + "\n\ndef _bench_added(x):\n    return x + 1\n")
    t = time.perf_counter()
    s3 = index_repo(corpus, db=db, config=icfg, embedder=embedder)
    one = time.perf_counter() - t
    assert s3.changed == 1 and s2.changed == 0, (s2, s3)
    return {
        "repo": name,
        "files": s.files,
        "chunks": s.chunks,
        "symbols": s.symbols,
        "edges": s.edges,
        "cold_s": round(cold, 2),
        "noop_s": round(noop, 3),
        "one_file_s": round(one, 3),
        "chunks_per_s": round(s.chunks_per_s, 1),
        "stages": s.stage_seconds,
        "one_file_embedded": s3.chunks_embedded,
    }
    print(
        f"[{name}] cold {cold:.1f}s ({s.chunks} chunks), noop {noop:.2f}s, one file {one:.2f}s",
        file=sys.stderr,
    )


def _evaluate(args: argparse.Namespace, extra: list[str], json_out: Path) -> dict:
    cmd = [
        sys.executable,
        args.evaluate,
        "--instances",
        args.instances,
        "--corpus-root",
        args.corpus_root,
        "--json-out",
        str(json_out),
        *extra,
    ]
    if args.repos:
        cmd += ["--repos", args.repos]
    subprocess.run(
        cmd, check=True, stdout=subprocess.DEVNULL, env={**os.environ, "HF_HUB_OFFLINE": "1"}
    )
    return json.loads(json_out.read_text())


def _overall(res: dict | None) -> dict:
    if not res:
        return {}
    methods = res.get("results", {})
    return next(iter(methods.values()))["overall"] if methods else {}


def _markdown(rep: dict) -> str:
    lines = ["| method | Acc@1 | Acc@5 | Acc@10 | MRR |", "|---|---|---|---|---|"]
    for name in ("specpilot", "bm25"):
        o = _overall(rep.get(name))
        if o:
            lines.append(
                f"| {name} | {o['acc@1']:.3f} | {o['acc@5']:.3f} | {o['acc@10']:.3f} | {o['mrr']:.3f} |"
            )
    lines += [
        "",
        "| corpus | files | chunks | cold s | no-change s | one-file s | chunks/s |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rep["index"]:
        lines.append(
            f"| {r['repo']} | {r['files']} | {r['chunks']} | {r['cold_s']} | {r['noop_s']} | {r['one_file_s']} | {r['chunks_per_s']} |"
        )
    total = sum(r["cold_s"] for r in rep["index"])
    lines += [
        "",
        f"cold total {total:.1f} s; query p50 {rep['query_ms']['p50']} ms, p95 {rep['query_ms']['p95']} ms",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
