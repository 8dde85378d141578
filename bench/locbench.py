"""Localization benchmark on ../shared/bench/dev (see docs/benchmarks.md).

For every corpus: a cold index (fresh store), a re-index with nothing changed, a re-index
after editing one file; then every instance's query through ``Searcher.search_files``
(warm, in process), scored by ``../shared/bench/evaluate.py --rankings`` side by side with
its BM25 baseline. Prints a Markdown report and writes JSON next to it.

Function level: every instance with ``gold_functions`` also runs ``Searcher.search`` (symbols);
a gold ``path::Qualified.name`` is found when a returned symbol of that path has that name or
is its parent or child (``Session`` for ``Session.mount`` and the other way round); Acc@k = all
of an instance's gold functions found in the top k.

``--ablation`` re-runs the queries with each signal switched off (file and function metrics
computed in process, same definitions as evaluate.py) and prints one row per variant.

    python bench/locbench.py --corpus-root /tmp/locbench-dev/corpus [--out bench/results]
    python bench/locbench.py --keep-db /tmp/sp-bench --queries-only --ablation
"""

from __future__ import annotations

import argparse
import dataclasses
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
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's specpilot

from specpilot.indexer.build import index_repo
from specpilot.indexer.config import ChunkConfig, EmbedConfig, IndexerConfig
from specpilot.indexer.embed.embedders import make_embedder
from specpilot.indexer.store.index_store import IndexStore
from specpilot.retrieval.config import RetrievalConfig
from specpilot.retrieval.search import Searcher

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
    ap.add_argument("--backend", default=EmbedConfig().backend, help="index.embed.backend")
    ap.add_argument("--static-model", default="", help="a static model dir (bench/embedders.py)")
    ap.add_argument("--repos", default="", help="comma list of corpus names to keep")
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument("--set", action="append", default=[], help="retrieval.key=value")
    ap.add_argument("--max-seq", type=int, default=EmbedConfig().max_seq_length)
    ap.add_argument("--max-lines", type=int, default=ChunkConfig().max_lines)
    ap.add_argument("--merge-below", type=int, default=ChunkConfig().merge_below_lines)
    ap.add_argument("--keep-db", default="", help="keep the indexes in this directory")
    ap.add_argument("--queries-only", action="store_true", help="reuse the indexes in --keep-db")
    ap.add_argument("--ablation", action="store_true", help="also run with each signal off")
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
        embed=EmbedConfig(model=args.model, max_seq_length=args.max_seq, backend=args.backend),
        chunk=ChunkConfig(max_lines=args.max_lines, merge_below_lines=args.merge_below),
    )
    embedder = make_embedder(icfg.embed)
    if args.static_model:
        from embedders import StaticEmbedder  # bench/embedders.py

        embedder = StaticEmbedder(Path(args.static_model))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="specpilot-bench-"))
    index_rows: list[dict] = []
    dbs: dict[str, str] = {}
    try:
        for name, insts in by_repo.items():
            db = str(Path(args.keep_db or work / "db") / name)
            dbs[name] = db
            if not args.queries_only:
                index_rows.append(
                    _index_corpus(
                        name, Path(args.corpus_root) / name, work, db, insts, icfg, embedder
                    )
                )
        run = _run_queries(by_repo, dbs, rcfg, embedder)
        ablation = (
            [(label, _run_queries(by_repo, dbs, cfg, embedder)) for label, cfg in _variants(rcfg)]
            if args.ablation
            else []
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    rankings, latencies = run["rankings"], run["latencies"]
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
        "query_ms": _percentiles(latencies),
        "specpilot": ours,
        "bm25": base,
        "functions": run["functions"],
        "symbol_query_ms": _percentiles(run["symbol_latencies"]),
        "ablation": [
            {"variant": label, **r["files"], **r["functions"], "p50_ms": _p(r["latencies"], 0.5)}
            for label, r in [("all signals", run), *ablation]
        ]
        if ablation
        else [],
    }
    (out / "locbench.json").write_text(json.dumps(report, indent=2))
    print(_markdown(report))
    return 0


def _run_queries(
    by_repo: dict[str, list[dict]], dbs: dict[str, str], rcfg: RetrievalConfig, embedder: Any
) -> dict[str, Any]:
    """Every instance through search_files (timed, warm) and, with gold functions, search."""
    rankings, latencies, sym_latencies = [], [], []
    file_hits: list[tuple[list[str], list[str]]] = []
    fn_hits: list[tuple[list[str], list[tuple[str, str]]]] = []
    for name, insts in by_repo.items():
        searcher = Searcher(IndexStore.open(dbs[name]), embedder, rcfg)
        searcher.search_files("warm up", 10)
        searcher.search("warm up", 10)
        for inst in insts:
            t = time.perf_counter()
            hits = searcher.search_files(inst["query"], 10)
            latencies.append((time.perf_counter() - t) * 1000)
            paths = [h.path for h in hits]
            rankings.append({"id": inst["id"], "ranking": paths})
            file_hits.append((inst["gold_files"], paths))
            if inst.get("gold_functions"):
                t = time.perf_counter()
                syms = searcher.search(inst["query"], 10)
                sym_latencies.append((time.perf_counter() - t) * 1000)
                fn_hits.append((inst["gold_functions"], [(h.path, h.symbol) for h in syms]))
    return {
        "rankings": rankings,
        "latencies": latencies,
        "symbol_latencies": sym_latencies,
        "files": _file_metrics(file_hits),
        "functions": _function_metrics(fn_hits),
    }


def _file_metrics(rows: list[tuple[list[str], list[str]]]) -> dict[str, float]:
    n = max(1, len(rows))
    out = {
        f"acc@{k}": sum(all(g in r[:k] for g in gold) for gold, r in rows) / n for k in (1, 5, 10)
    }
    rr = [max((1 / (r.index(g) + 1) for g in gold if g in r[:10]), default=0.0) for gold, r in rows]
    out["mrr"] = sum(rr) / n
    return {k: round(v, 3) for k, v in out.items()}


def function_found(gold: str, symbols: list[tuple[str, str]]) -> bool:
    """``path::Q.name`` is found by a symbol of that path named Q.name, or its parent/child."""
    path, _, qn = gold.partition("::")
    return any(
        p == path and (q == qn or qn.startswith(q + ".") or q.startswith(qn + "."))
        for p, q in symbols
    )


def _function_metrics(rows: list[tuple[list[str], list[tuple[str, str]]]]) -> dict[str, float]:
    n = max(1, len(rows))
    out: dict[str, float] = {"fn_n": len(rows)}
    for k in (1, 5, 10):
        out[f"fn_acc@{k}"] = round(
            sum(all(function_found(g, s[:k]) for g in gold) for gold, s in rows) / n, 3
        )
    out["fn_r@10"] = round(
        sum(sum(function_found(g, s[:10]) for g in gold) / len(gold) for gold, s in rows) / n, 3
    )
    return out


def _variants(base: RetrievalConfig) -> list[tuple[str, RetrievalConfig]]:
    """One configuration per signal switched off (or, marked +, on) — the ablation."""
    off = {
        "- graph (PageRank, files and symbols)": {"weight_graph": 0, "weight_symbol_graph": 0},
        "- caller/callee expansion": {"weight_neighbors": 0},
        "- all graph signals": {"weight_graph": 0, "weight_symbol_graph": 0, "weight_neighbors": 0},
        "- identifiers (code names and plain words)": {"weight_identifier": 0, "weight_word": 0},
        "+ plain-word symbol names (off by default)": {"weight_word": 0.3},
        "- paths, modules and stack frames": {"weight_path": 0, "weight_frame": 0},
        "- error messages": {"weight_message": 0},
        "- runtime versions": {"weight_version": 0},
        "- stub companions": {"stub_companion_factor": 0},
        "- symbol inherits its file's rank": {"weight_symbol_file": 0},
        "- vector": {"weight_vector": 0},
        "- chunk BM25": {"weight_fulltext": 0},
        "- file BM25": {"weight_file_fulltext": 0},
    }
    return [(label, dataclasses.replace(base, **kv)) for label, kv in off.items()]


def _p(values: list[float], q: float) -> float:
    return round(sorted(values)[int(q * (len(values) - 1))], 1) if values else 0.0


def _percentiles(values: list[float]) -> dict[str, float]:
    return {"p50": round(statistics.median(values), 1) if values else 0.0, "p95": _p(values, 0.95)}


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
    fn = rep.get("functions") or {}
    if fn.get("fn_n"):
        sq = rep["symbol_query_ms"]
        lines += [
            "",
            f"function level ({fn['fn_n']} instances with gold functions; symbols from `search`): "
            f"Acc@1 {fn['fn_acc@1']:.3f}, Acc@5 {fn['fn_acc@5']:.3f}, Acc@10 {fn['fn_acc@10']:.3f}, "
            f"R@10 {fn['fn_r@10']:.3f}; symbol query p50 {sq['p50']} ms, p95 {sq['p95']} ms",
        ]
    if rep.get("ablation"):
        lines += [
            "",
            "| variant | Acc@1 | Acc@5 | Acc@10 | MRR | fn Acc@1 | fn Acc@5 | fn Acc@10 | p50 ms |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for a in rep["ablation"]:
            lines.append(
                f"| {a['variant']} | {a['acc@1']:.2f} | {a['acc@5']:.2f} | {a['acc@10']:.2f} | "
                f"{a['mrr']:.3f} | {a['fn_acc@1']:.2f} | {a['fn_acc@5']:.2f} | "
                f"{a['fn_acc@10']:.2f} | {a['p50_ms']} |"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
