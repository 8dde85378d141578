"""Time to first useful search on a cold index (issue 20, "lexical first"; docs/benchmarks.md).

Indexes ``--repo`` cold into a fresh index and stamps the progress callback's events: the
lexical index (files, chunks, symbols, graph, full text) is committed when the "embed" stage
reports 0, and at that moment this script opens a Searcher of its own and runs ``--query``
(no vector is there yet: answered by full text, names, paths and the graph). Reports the
seconds to that answer, to the end of embedding, and to the end of the run — before lexical
first, the first answer came at the end of the run.

    nice -n 10 python bench/first_search.py --repo /tmp/bigcode/sympy \\
        --query "simplify trigonometric expressions" [--stop-after 600] [--json F]

``--stop-after S`` interrupts embedding after S seconds (as Ctrl-C does: the vectors done so
far are kept) and reports the embedding rate until then; run again with ``--db`` to resume.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's specpilot

from specpilot.indexer import IndexInterrupted, IndexStore, index_repo, make_embedder
from specpilot.indexer.config import EmbedConfig, IndexerConfig
from specpilot.retrieval import RetrievalConfig, Searcher


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--repo", type=Path, required=True)
    ap.add_argument("--query", required=True)
    ap.add_argument("--db", help="index location (default: a fresh temporary directory)")
    ap.add_argument("--model", default=EmbedConfig().model)
    ap.add_argument("--backend", default=EmbedConfig().backend)
    ap.add_argument("--stop-after", type=float, help="interrupt embedding after S seconds")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    cfg = IndexerConfig(embed=EmbedConfig(model=args.model, backend=args.backend))
    tmp = tempfile.TemporaryDirectory(prefix="first-search-")
    db = args.db or str(Path(tmp.name) / "db")
    emb = make_embedder(cfg.embed)
    out: dict[str, Any] = {"repo": str(args.repo), "query": args.query, "model": emb.model_id}
    t0 = time.perf_counter()
    first: dict[str, float] = {}

    def progress(stage: str, done: int, total: int) -> None:
        now = time.perf_counter() - t0
        if stage not in first:
            first[stage] = now
            print(f"{now:8.1f} s  {stage} starts ({total})", file=sys.stderr, flush=True)
        if stage == "embed" and "searchable_s" not in out:
            out["searchable_s"], out["chunks"] = round(now, 2), total
            searcher = Searcher(IndexStore.open(db), emb, RetrievalConfig())
            hits = searcher.search_files(args.query, 5)
            out["first_answer_s"] = round(time.perf_counter() - t0, 2)
            out["first_answer"] = [h.path for h in hits]
            out["first_answer_vectors"] = searcher.vectors
            print(f"{out['first_answer_s']:8.1f} s  first answer: {out['first_answer'][:3]}",
                  file=sys.stderr, flush=True)  # fmt: skip
        if stage == "embed":
            out["embedded"], out["embed_end_s"] = done, round(now, 2)
            late = args.stop_after and now - out["first_answer_s"] > args.stop_after
            if late and "stopped_s" not in out:  # one Ctrl-C, as a user presses it
                out["stopped_s"] = round(now, 2)
                raise KeyboardInterrupt

    try:
        s = index_repo(args.repo, db=db, config=cfg, embedder=emb, progress=progress)
        out |= {"files": s.files, "run_s": round(s.seconds, 2), "stages": s.stage_seconds}
        out["chunks_embedded"] = s.chunks_embedded
    except IndexInterrupted as stop:
        out["interrupted"] = {"vectors_kept": stop.chunks_kept, "missing": stop.vectors_missing}
    if "embed_end_s" in out and "first_answer_s" in out:
        span = out["embed_end_s"] - out["first_answer_s"]
        out["embed_chunks_per_s"] = round(out["embedded"] / span, 1) if span > 0 else None
    text = json.dumps(out, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
