"""Re-index cost between two releases of a real project (issue 20; docs/benchmarks.md).

Indexes a copy of ``--old`` cold, replaces the copy's files by those of ``--new`` (files
missing from the new release deleted), and re-indexes. Reports the files added / changed /
deleted, the chunks of those files (what a per-file re-embed would cost), the chunks actually
embedded (the vector cache is keyed by chunk text, so only chunks whose text changed), and
the seconds of both runs with their stages.

    nice -n 10 python bench/reindex_bench.py --old /tmp/w-2.2.0 --new /tmp/w-2.3.0 [--json F]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's specpilot

from specpilot.indexer.build import index_repo
from specpilot.indexer.config import EmbedConfig, IndexerConfig

KEYS = ("files", "added", "changed", "deleted", "chunks", "chunks_embedded", "chunks_cached")


def _row(label: str, s: Any) -> dict[str, Any]:
    d = s.to_dict()
    row = {"run": label, **{k: d[k] for k in KEYS}, "seconds": round(s.seconds, 2)}
    row["stages"] = {k: round(v, 2) for k, v in s.stage_seconds.items()}
    return row


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--old", type=Path, required=True)
    ap.add_argument("--new", type=Path, required=True)
    ap.add_argument("--model", default=EmbedConfig().model)
    ap.add_argument("--backend", default=EmbedConfig().backend)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    cfg = IndexerConfig(embed=EmbedConfig(model=args.model, backend=args.backend))
    with tempfile.TemporaryDirectory(prefix="reindex-bench-") as tmp:
        repo, db = Path(tmp) / "repo", str(Path(tmp) / "db")
        shutil.copytree(args.old, repo)
        cold = index_repo(repo, db=db, config=cfg, rebuild=True)
        shutil.rmtree(repo)
        shutil.copytree(args.new, repo)
        again = index_repo(repo, db=db, config=cfg)
    rows = [_row("cold (old release)", cold), _row("re-index (new release)", again)]
    touched = again.chunks_embedded + again.chunks_cached
    report = {
        "old": str(args.old),
        "new": str(args.new),
        "model_id": again.model_id,
        "rows": rows,
        "chunks_in_touched_files": touched,
        "embedded_share_of_touched": round(again.chunks_embedded / touched, 3) if touched else 0,
    }
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    print("| run | files | added / changed / deleted | chunks | embedded | cached | seconds |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['run']} | {r['files']} | {r['added']} / {r['changed']} / {r['deleted']} "
            f"| {r['chunks']} | {r['chunks_embedded']} | {r['chunks_cached']} | {r['seconds']} |"
        )
    print(f"stages of the re-index: {rows[1]['stages']}")
    print(
        f"chunks in added or changed files: {touched}; embedded: {again.chunks_embedded} "
        f"({report['embedded_share_of_touched']:.0%})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
