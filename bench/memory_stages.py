"""Where a cold index's memory goes: ``index_repo`` in process, RSS and peak RSS (MB, from
``/proc/self/status``) at each stage's first and last progress report (docs/benchmarks.md).

    SPECPILOT_HOME=$(mktemp -d) python bench/memory_stages.py REPO DB [MODEL]   (default: hash)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's specpilot

from specpilot.indexer import EmbedConfig, IndexerConfig, index_repo


def mem() -> dict[str, int]:
    out: dict[str, int] = {}
    with open("/proc/self/status") as status:
        for line in status:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0]) // 1024
    return out


def main() -> int:
    repo, db = sys.argv[1], sys.argv[2]
    model = sys.argv[3] if len(sys.argv) > 3 else "hash"
    t0 = time.perf_counter()
    first: list[tuple[str, float, dict[str, int]]] = []
    last: dict[str, tuple[float, dict[str, int], int, int]] = {}

    def report(stage: str, done: int, total: int) -> None:
        now = round(time.perf_counter() - t0, 1)
        if stage not in last:
            first.append((stage, now, mem()))
        last[stage] = (now, mem(), done, total)

    s = index_repo(
        repo, db=db, config=IndexerConfig(embed=EmbedConfig(model=model)), progress=report
    )
    for stage, at, m in first:
        print(stage, "start", at, m)
    for stage, (at, m, done, total) in last.items():
        print(stage, "end", at, m, done, total)
    print("final", mem(), {k: round(v, 1) for k, v in s.stage_seconds.items()})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
