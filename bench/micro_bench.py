"""Timings that used to be asserted in unit tests: edge resolution of a 300-module package and
the walk of a 300-file repository (docs/benchmarks.md, "Micro-benchmarks").

A unit test may count work, never seconds: a wall-clock bound fails on a slower or busier
machine (it did, on a clean clone). The workloads are the tests' own, timed here.

    python bench/micro_bench.py [--repeat 5] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from specpilot.indexer.config import WalkConfig
from specpilot.indexer.graph.resolve import resolve
from specpilot.indexer.parse.extract import parse_source
from specpilot.indexer.source.filetypes import language_for
from specpilot.indexer.source.walk import walk_repo


def _package() -> dict[str, str]:
    sources = {}
    for i in range(300):
        body = "\n".join(
            f"def f{j}(x):\n    return helper{j % 7}(x) + mod{(i + 1) % 300}.f{j}(x)\n"
            for j in range(20)
        )
        sources[f"pkg/mod{i}.py"] = (
            f"from . import mod{(i + 1) % 300}\nfrom .util import *\n\n{body}"
        )
    sources["pkg/util.py"] = "\n".join(f"def helper{k}(x):\n    return x\n" for k in range(7))
    sources["pkg/__init__.py"] = ""
    return sources


def _timed(fn: Callable[[], object], repeat: int) -> dict[str, float]:
    fn()  # warm imports and caches
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return {"median_s": statistics.median(times), "min_s": min(times), "max_s": max(times)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    sources = _package()
    files = {p: parse_source(p, t.encode(), language_for(p) or "") for p, t in sources.items()}
    results = {"resolve_300_modules": _timed(lambda: resolve(files), args.repeat)}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for i in range(300):
            path = root / f"pkg{i % 10}" / f"mod{i}.py"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f"def f{i}():\n    return {i}\n")
        subprocess.run(["git", "init", "-q", str(root)], check=True)
        subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)
        cfg = WalkConfig()
        results["walk_300_files_git"] = _timed(lambda: walk_repo(root, cfg), args.repeat)
    for name, r in results.items():
        print(
            f"{name}: median {r['median_s'] * 1000:.1f} ms (min {r['min_s'] * 1000:.1f}, max {r['max_s'] * 1000:.1f})"
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
