"""Co-change benchmark on a git repository's own history (see docs/benchmarks.md).

The dev localization set's corpora are sdists without history, so the co-change channel
(``retrieval/cochange.py``) is measured here instead, on any git repository (this one by
default): every non-merge commit of the last ``--commits`` that changed 2 to ``--max-gold``
code files (tests, docs and other support files are not gold, as in the dev set) and has at
least ``--min-history`` older commits is an instance; its query is the commit message, its
gold the code files it changed. One index of HEAD (default model) serves every instance;
each instance's co-change counts come from the commits *older* than it only, so the answer
is not in the history. The index holds HEAD's code, which already contains each change:
both arms profit from that equally, so read the difference between them, not the level.

    python bench/cochange_bench.py --repo . --db /tmp/sp-cochange-db
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from specpilot.indexer.build import index_repo
from specpilot.indexer.config import IndexerConfig
from specpilot.indexer.embed.embedders import make_embedder
from specpilot.indexer.source.history import cochange_rows
from specpilot.indexer.source.roles import (
    DEFAULT_SUPPORT_DIRS,
    DEFAULT_SUPPORT_GLOBS,
    is_support_path,
)
from specpilot.indexer.store.index_store import IndexStore
from specpilot.retrieval.cochange import CoChange
from specpilot.retrieval.config import RetrievalConfig
from specpilot.retrieval.search import Searcher


def _log(repo: Path, n: int) -> list[tuple[str, list[str]]]:
    """(message, files) of the newest ``n`` non-merge commits, newest first."""
    out = subprocess.run(
        ["git", "-C", str(repo), "log", "--no-merges", "--no-renames", "--name-only",
         "--format=%x00%B%x01", f"-n{n}", "HEAD"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    commits = []
    for block in out.split("\x00")[1:]:
        message, _, files = block.partition("\x01")
        commits.append((message.strip(), [f.strip() for f in files.splitlines() if f.strip()]))
    return commits


def _acc(rows: list[tuple[list[str], list[str]]]) -> dict[str, float]:
    n = max(1, len(rows))
    return {f"acc@{k}": round(sum(all(g in r[:k] for g in gold) for gold, r in rows) / n, 3)
            for k in (1, 5, 10)}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repo", default=".")
    ap.add_argument("--db", required=True, help="index location (reused when it exists)")
    ap.add_argument("--commits", type=int, default=2000)
    ap.add_argument("--max-gold", type=int, default=4)
    ap.add_argument("--min-history", type=int, default=10)
    ap.add_argument("--weight", type=float, default=RetrievalConfig().weight_cochange)
    args = ap.parse_args(argv)
    repo = Path(args.repo).resolve()
    cfg = IndexerConfig()
    embedder = make_embedder(cfg.embed)
    index_repo(repo, db=args.db, config=cfg, embedder=embedder)
    store = IndexStore.open(args.db)
    indexed = set(store.file_hashes())
    rcfg = dataclasses.replace(RetrievalConfig(), weight_cochange=args.weight)
    on, off = Searcher(store, embedder, rcfg), Searcher(store, embedder, rcfg)
    off.cochange = CoChange({})
    commits = _log(repo, args.commits)
    rows_on, rows_off, ids = [], [], []
    for i, (message, files) in enumerate(commits):
        older = commits[i + 1 :]
        gold = sorted(
            f for f in files
            if f in indexed and not is_support_path(f, DEFAULT_SUPPORT_DIRS, DEFAULT_SUPPORT_GLOBS)
        )  # fmt: skip
        if not 2 <= len(gold) <= args.max_gold or len(older) < args.min_history or not message:
            continue
        pairs = cochange_rows((f for _, f in older), indexed, cfg.history.max_files_per_commit)
        on.cochange = CoChange.from_counts(
            ((r["path"], r["partner"], r["together"], r["changes"]) for r in pairs),
            rcfg.cochange_min_together,
        )
        rows_on.append((gold, [h.path for h in on.search_files(message, 10)]))
        rows_off.append((gold, [h.path for h in off.search_files(message, 10)]))
        ids.append(message.splitlines()[0][:60])
    report = {
        "repo": str(repo),
        "instances": len(ids),
        "weight_cochange": args.weight,
        "with_cochange": _acc(rows_on),
        "without_cochange": _acc(rows_off),
        "changed": [
            {"commit": m, "gold": g, "on": r1[:5], "off": r2[:5]}
            for m, (g, r1), (_, r2) in zip(ids, rows_on, rows_off, strict=True)
            if r1[:5] != r2[:5]
        ],
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
