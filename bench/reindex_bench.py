"""Re-index cost between two releases of a real project (issue 20; docs/benchmarks.md).

Indexes a copy of ``--old`` cold, replaces the copy's files by those of ``--new`` (files
missing from the new release deleted), and re-indexes. Reports the files added / changed /
deleted, the chunks of those files (what a per-file re-embed would cost), the chunks actually
embedded (the vector cache is keyed by chunk text, so only chunks whose text changed), and
the seconds of both runs with their stages.

``--backends onnx,onnx-int8`` measures the pair once per embedder backend, each in a fresh
index (no vector shared between runs); ``--rounds 2`` repeats that with the order reversed
every other round, so a busy minute on the shared machine lands on each backend. Every run
records the 1-minute load average at its start and end.

    nice -n 10 python bench/reindex_bench.py --old /tmp/w-2.2.0 --new /tmp/w-2.3.0 [--json F]
    cd /tmp && nice -n 10 python .../bench/reindex_bench.py --old A --new B \\
        --backends onnx,onnx-int8 --rounds 2 --json /tmp/reindex.json
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's specpilot

from specpilot.indexer import EmbedConfig, IndexerConfig, index_repo

KEYS = ("files", "added", "changed", "deleted", "chunks", "chunks_embedded", "chunks_cached")


def _load() -> float:
    return round(os.getloadavg()[0], 2)


def _row(label: str, s: Any, load: tuple[float, float]) -> dict[str, Any]:
    d = s.to_dict()
    row = {"run": label, **{k: d[k] for k in KEYS}, "seconds": round(s.seconds, 2)}
    row["stages"] = {k: round(v, 2) for k, v in s.stage_seconds.items()}
    row["load_start"], row["load_end"] = load
    # chunks of the added or changed files: what re-embedding whole files would cost
    row["chunks_of_changed"] = s.chunks_embedded + s.chunks_cached
    row["embedded_share"] = (
        round(s.chunks_embedded / row["chunks_of_changed"], 3) if row["chunks_of_changed"] else 0
    )
    return row


def schedule(backends: list[str], rounds: int) -> list[tuple[int, str]]:
    """(round, backend) in run order: the given order, then reversed, alternating."""
    return [(r + 1, b) for r in range(rounds) for b in (backends if r % 2 == 0 else backends[::-1])]


def parse_backends(text: str) -> list[str]:
    """The comma-separated backends, each one EmbedConfig accepts (a typo fails here)."""
    names = [b.strip() for b in text.split(",") if b.strip()]
    if not names:
        raise ValueError(f"--backends is {text!r}; give one or more, e.g. onnx,onnx-int8.")
    for name in names:
        EmbedConfig(backend=name)  # raises IndexConfigError naming the valid backends
    return names


def measure(old: Path, new: Path, cfg: IndexerConfig) -> dict[str, Any]:
    """Cold index of ``old`` then re-index to ``new``, in a fresh temporary index."""
    with tempfile.TemporaryDirectory(prefix="reindex-bench-") as tmp:
        repo, db = Path(tmp) / "repo", str(Path(tmp) / "db")
        shutil.copytree(old, repo)
        l0 = _load()
        cold = index_repo(repo, db=db, config=cfg, rebuild=True)
        cold_load = (l0, _load())
        shutil.rmtree(repo)
        shutil.copytree(new, repo)
        l0 = _load()
        again = index_repo(repo, db=db, config=cfg)
        again_load = (l0, _load())
    rows = [
        _row("cold (old release)", cold, cold_load),
        _row("re-index (new release)", again, again_load),
    ]
    touched = rows[1]["chunks_of_changed"]
    return {
        "model_id": again.model_id,
        "rows": rows,
        "chunks_in_touched_files": touched,
        "embedded_share_of_touched": rows[1]["embedded_share"],
    }


def _stages(st: dict[str, float]) -> str:
    # "searchable" is seconds from the start, not a stage of its own
    return ", ".join(f"{k} {v}" for k, v in st.items() if k != "searchable")


def render(runs: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| backend | round | run | files | added / changed / deleted | chunks | "
        "chunks of changed files | embedded | cached | embedded / chunks of changed "
        "| seconds (stages) | load start → end |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        for r in run["rows"]:
            lines.append(
                f"| {run['backend']} | {run['round']} | {r['run']} | {r['files']} "
                f"| {r['added']} / {r['changed']} / {r['deleted']} | {r['chunks']} "
                f"| {r['chunks_of_changed']} | {r['chunks_embedded']} | {r['chunks_cached']} "
                f"| {r['embedded_share']:.0%} | {r['seconds']} ({_stages(r['stages'])}) "
                f"| {r['load_start']} → {r['load_end']} |"
            )
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--old", type=Path, required=True)
    ap.add_argument("--new", type=Path, required=True)
    ap.add_argument("--model", default=EmbedConfig().model)
    ap.add_argument("--backend", default=EmbedConfig().backend)
    ap.add_argument("--backends", help="comma-separated, e.g. onnx,onnx-int8 (overrides --backend)")
    ap.add_argument("--rounds", type=int, default=1, help="repeat, reversing the order each round")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    for p in (args.old, args.new):
        if not p.is_dir():
            ap.error(f"{p} is not a directory; give an unpacked release.")
    if args.rounds < 1:
        ap.error(f"--rounds is {args.rounds}; give 1 or more.")
    try:
        backends = parse_backends(args.backends) if args.backends else [args.backend]
    except ValueError as exc:
        ap.error(str(exc))
    runs = []
    for rnd, backend in schedule(backends, args.rounds):
        cfg = IndexerConfig(embed=EmbedConfig(model=args.model, backend=backend))
        runs.append({"backend": backend, "round": rnd, **measure(args.old, args.new, cfg)})
        print(f"done: {backend} round {rnd}", file=sys.stderr, flush=True)
    # the first run's figures also at the top level, as before --backends
    report = {"old": str(args.old), "new": str(args.new), **runs[0], "runs": runs}
    report.pop("backend"), report.pop("round")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    print("\n".join(render(runs)))
    for run in runs:
        print(
            f"{run['backend']} round {run['round']}: chunks in added or changed files: "
            f"{run['chunks_in_touched_files']}; embedded: {run['rows'][1]['chunks_embedded']} "
            f"({run['embedded_share_of_touched']:.0%})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
