"""Embedding throughput: ONNX Runtime's intra-op threads vs. worker processes (issue 20).

The chunks are ``bench/embedders.py``'s (Python files of this venv's packages cut by the
indexer's chunker, each read to its ``chunk_key`` cap), embedded the way
``indexer.embed.fill.embed_missing`` calls the embedder: grouped by word-piece cap, in calls
of ``EMBED_CALL`` texts. Configurations (processes x intra-op threads):

  * ``1x1``: one process, one thread;  ``1x2``: one process, two threads (the product's
    default on 2 cores: threads = cores);
  * ``2x1`` / ``4x1``: a ``ProcessPoolExecutor`` (spawn) of 2 / 4 workers, each building its
    own embedder once in the pool's initializer, one thread each; the calls are submitted in
    order and their vectors gathered in order in the parent (``4x1`` oversubscribes 2 cores).

Every model is loaded and warmed before the first round (load seconds reported apart: the
pools' start includes each worker's Python start and session load). Rounds alternate the
configurations (the machine is shared; a busy minute lands on all of them), each round's
chunks/s and the 1-min load average are printed, and every configuration's vectors are
compared with the ``1x2`` run's (cosine).

    nice -n 10 python bench/parallel_embed.py [--chunks 1500] [--rounds 3] \
        [--configs 1x1,1x2,2x1,4x1] [--backend onnx|onnx-int8] [--json F]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's specpilot
sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/embedders.py

from embedders import PACKAGES, real_chunks

from specpilot.indexer.config import EmbedConfig
from specpilot.indexer.embed.embedders import Embedder, make_embedder
from specpilot.indexer.embed.fill import EMBED_CALL
from specpilot.indexer.store.rows import chunk_key

Call = tuple[int, list[str]]  # (word-piece cap, texts)

_worker: Embedder | None = None


def _make(backend: str, threads: int) -> Embedder:
    emb = make_embedder(EmbedConfig(backend=backend))
    if hasattr(emb, "threads"):
        emb.threads = threads  # type: ignore[attr-defined]
    emb.embed(["load and warm the model"])
    return emb


def _init_worker(backend: str, threads: int) -> None:
    global _worker
    _worker = _make(backend, threads)


def _embed_call(call: Call) -> tuple[np.ndarray, float]:
    """The call's vectors and the CPU seconds (all threads of this worker) it took."""
    assert _worker is not None, "the pool initializer builds the embedder"
    cap, texts = call
    cpu = time.process_time()
    vecs = _worker.embed(texts, max_tokens=cap)
    return vecs, time.process_time() - cpu


def make_calls(texts: list[str], caps: list[int]) -> tuple[list[Call], list[list[int]]]:
    """The embedder calls (as ``embed_missing`` makes them) and each call's chunk indices."""
    calls: list[Call] = []
    where: list[list[int]] = []
    for cap in sorted(set(caps)):
        idx = [i for i, c in enumerate(caps) if c == cap]
        for s in range(0, len(idx), EMBED_CALL):
            part = idx[s : s + EMBED_CALL]
            calls.append((cap, [texts[i] for i in part]))
            where.append(part)
    return calls, where


class Config:
    """One processes x threads configuration, loaded once and run every round."""

    def __init__(self, spec: str, backend: str) -> None:
        procs, _, threads = spec.partition("x")
        self.spec, self.procs, self.threads = spec, int(procs), int(threads)
        t = time.perf_counter()
        self.pool: ProcessPoolExecutor | None = None
        self.emb: Embedder | None = None
        if self.procs == 1:
            self.emb = _make(backend, self.threads)
        else:
            self.pool = ProcessPoolExecutor(
                self.procs,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_worker,
                initargs=(backend, self.threads),
            )
            # start every worker (and its session) now: one tiny call per worker, concurrently
            list(self.pool.map(_embed_call, [(8, ["warm"])] * (4 * self.procs)))
        self.load_s = time.perf_counter() - t

    def run(self, calls: list[Call]) -> tuple[list[np.ndarray], float]:
        """Each call's vectors, in order, and the CPU seconds spent on them (every process)."""
        if self.pool is not None:
            done = list(self.pool.map(_embed_call, calls))  # in submission order
            return [v for v, _ in done], sum(c for _, c in done)
        assert self.emb is not None
        cpu = time.process_time()
        vecs = [self.emb.embed(texts, max_tokens=cap) for cap, texts in calls]
        return vecs, time.process_time() - cpu

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--chunks", type=int, default=1500)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--configs", default="1x1,1x2,2x1,4x1", help="processes x threads, comma list")
    ap.add_argument("--backend", default="onnx", choices=("onnx", "onnx-int8"))
    ap.add_argument("--packages", default=",".join(PACKAGES))
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    specs = args.configs.split(",")
    if "1x2" not in specs:
        ap.error("--configs must include 1x2 (the reference vectors)")
    chunks = real_chunks(args.chunks, args.packages.split(","))
    ec = EmbedConfig(backend=args.backend)
    calls, where = make_calls([c.embed_text for c in chunks], [chunk_key(c, ec)[1] for c in chunks])
    configs = {s: Config(s, args.backend) for s in specs}
    for s, c in configs.items():
        print(f"{s}: loaded in {c.load_s:.1f} s", file=sys.stderr, flush=True)
    rates: dict[str, list[float]] = {s: [] for s in specs}
    # chunks per CPU-second (all threads, all workers): the arithmetic cost. On a shared
    # machine, more processes also win a bigger share of the cores from the other jobs; this
    # figure is what is left of a gain once that share is taken out.
    cpu_rates: dict[str, list[float]] = {s: [] for s in specs}
    loads: dict[str, list[float]] = {s: [] for s in specs}
    vectors: dict[str, np.ndarray] = {}
    for rnd in range(args.rounds):
        order = specs[rnd % len(specs) :] + specs[: rnd % len(specs)]  # rotate who goes first
        for s in order:
            t = time.perf_counter()
            parts, cpu = configs[s].run(calls)
            rate = len(chunks) / (time.perf_counter() - t)
            cpu_rates[s].append(len(chunks) / cpu)
            out = np.zeros((len(chunks), parts[0].shape[1]), dtype=np.float32)
            for idx, vec in zip(where, parts, strict=True):
                out[idx] = vec
            vectors[s] = out
            rates[s].append(rate)
            loads[s].append(os.getloadavg()[0])
            print(
                f"round {rnd + 1} {s}: {rate:.1f} chunks/s, {cpu_rates[s][-1]:.1f} chunks/CPU-s "
                f"(load {loads[s][-1]:.2f})",
                file=sys.stderr,
                flush=True,
            )
    for c in configs.values():
        c.close()
    ref = vectors["1x2"]
    base = statistics.median(rates["1x2"])
    rows: list[dict[str, Any]] = []
    for s in specs:
        cos = (vectors[s] * ref).sum(axis=1)
        rows.append(
            {
                "config": s,
                "chunks_per_s": [round(r, 1) for r in rates[s]],
                "load_avg": [round(x, 2) for x in loads[s]],
                "median": round(statistics.median(rates[s]), 1),
                "vs_1x2": round(statistics.median(rates[s]) / base, 2),
                "chunks_per_cpu_s": [round(r, 1) for r in cpu_rates[s]],
                "cpu_median": round(statistics.median(cpu_rates[s]), 1),
                "load_s": round(configs[s].load_s, 1),
                "identical": bool(np.array_equal(vectors[s], ref)),
                "cos_min": round(float(cos.min()), 6),
            }
        )
    report = {
        "chunks": len(chunks),
        "files": len({c.path for c in chunks}),
        "calls": len(calls),
        "backend": args.backend,
        "rounds": args.rounds,
        "cpus": os.cpu_count(),
        "rows": rows,
    }
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    print(
        f"{report['chunks']} chunks of {report['files']} files in {len(calls)} calls, "
        f"{args.backend}, {args.rounds} rounds alternating"
    )
    print(
        "| processes x threads | chunks/s per round | load avg per round | median | vs 1x2 "
        "| chunks/CPU-s median | load s | vectors vs 1x2 |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        per = " / ".join(f"{x:.1f}" for x in r["chunks_per_s"])
        la = " / ".join(f"{x:.1f}" for x in r["load_avg"])
        same = "identical" if r["identical"] else f"cos min {r['cos_min']}"
        print(
            f"| {r['config']} | {per} | {la} | {r['median']} | {r['vs_1x2']}x "
            f"| {r['cpu_median']} | {r['load_s']} | {same} |"
        )
    bad = [r["config"] for r in rows if r["cos_min"] < 0.9999]
    if bad:
        print(f"vectors differ (cosine < 0.9999) for: {', '.join(bad)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
