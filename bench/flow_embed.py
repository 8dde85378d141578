"""The ``index-repo`` flow's embed phase with 0 / 1 / 2 embed workers (issue 20).

Each run rebuilds the index of ``--repo`` (a copy of a real package) with the default
embedder through the flow: ``embed_workers=0`` embeds in the flow's process (ONNX Runtime,
one thread per core), N ≥ 1 runs ``embed-batch`` tasks on a ``ProcessPoolTaskRunner`` of N
processes (the stand-in for a Dask cluster). Reported: the summary's "embed" stage seconds
(workers' start and model load included: they happen inside it), the whole run, the 1-min
load average after each run. Runs under a temporary Prefect server.

    cp -r .venv/lib/python3.11/site-packages/rich /tmp/rich-copy
    nice -n 10 python bench/flow_embed.py --repo /tmp/rich-copy [--workers 0,1,2] [--json F]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's specpilot


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--repo", type=Path, required=True)
    ap.add_argument("--workers", default="0,1,2", help="comma list of embed_workers values")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    from prefect.testing.utilities import prefect_test_harness

    from specpilot.flows.flow_index import index_repo_flow

    rows = []
    with tempfile.TemporaryDirectory() as tmp, prefect_test_harness(server_startup_timeout=120):
        for w in (int(x) for x in args.workers.split(",")):
            db = str(Path(tmp) / f"index-{w}")
            state = index_repo_flow(
                repo=str(args.repo), db=db, rebuild=True, embed_workers=w, return_state=True
            )
            if not state.is_completed():
                print(f"embed_workers={w}: {state.message}", file=sys.stderr)
                return 1
            s = state.result()
            row = {
                "embed_workers": w,
                "chunks": s["chunks"],
                "embedded": s["chunks_embedded"],
                "embed_s": s["stage_seconds"].get("embed"),
                "seconds": s["seconds"],
                "load_avg": round(os.getloadavg()[0], 2),
            }
            rows.append(row)
            print(json.dumps(row), file=sys.stderr, flush=True)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    print("| embed_workers | chunks | embedded | embed s | chunks/s | run s | load avg |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        rate = r["embedded"] / r["embed_s"] if r["embed_s"] else 0.0
        print(
            f"| {r['embed_workers']} | {r['chunks']} | {r['embedded']} | {r['embed_s']} "
            f"| {rate:.1f} | {r['seconds']} | {r['load_avg']} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
