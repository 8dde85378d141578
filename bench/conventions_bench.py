"""Convention extraction on the four dev corpora of ../shared/bench/dev (see docs/benchmarks.md).

For every corpus: ``profile_for_repo`` (walk, parse, measure, aggregate; timed per stage and
best of ``--repeat``), then the plug-in through the real indexing path (``index_repo`` with
the ``hash`` embedder and ``ConventionsPlugin``): its time on a cold index and on a re-index
with nothing changed; and ``check_diff`` on a diff that adds the corpus's largest module as a
new file. Prints the house rules of each corpus and a Markdown summary.

    OUT=/tmp/locbench-dev bash ../shared/bench/dev/build.sh     # the corpora, if missing
    python bench/conventions_bench.py --corpus-root /tmp/locbench-dev/corpus [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("LANCEDB_LOG", "error")

from specpilot.conventions import ConventionsPlugin, check_diff, render_house_rules
from specpilot.conventions.api import measure_repo
from specpilot.conventions.profile import build_profile
from specpilot.conventions.render import estimate_tokens
from specpilot.indexer.build import index_repo
from specpilot.indexer.config import EmbedConfig, IndexerConfig

CORPORA = ("requests", "werkzeug", "jinja", "attrs")
# the conventions summarised per corpus in the Markdown table
SUMMARY = (
    ("naming", "python.naming.function"),
    ("docstrings", "python.docs.style"),
    ("documented fns", "python.docs.function"),
    ("annotations", "python.types.function"),
    ("quotes", "python.format.quotes"),
    ("line limit", "python.format.line_length"),
    ("logging", "python.logging.output"),
    ("imports", "python.imports.relative"),
    ("exceptions", "python.errors.exception_base"),
    ("tests", "python.tests.framework"),
)


def bench_corpus(root: Path, repeat: int, budget: int) -> dict[str, Any]:
    measure_s: list[float] = []
    aggregate_s: list[float] = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        facts = measure_repo(root)
        t1 = time.perf_counter()
        profile = build_profile(facts)
        t2 = time.perf_counter()
        measure_s.append(t1 - t0)
        aggregate_s.append(t2 - t1)
    with tempfile.TemporaryDirectory() as tmp:
        plugin = ConventionsPlugin()
        cfg = IndexerConfig(embed=EmbedConfig(model="hash"))
        index_repo(root, db=tmp, config=cfg, plugins=[plugin])
        cold = plugin.last_run
        index_repo(root, db=tmp, config=cfg, plugins=[plugin])
        warm = plugin.last_run
    assert cold is not None and warm is not None and warm.up_to_date
    rules = render_house_rules(profile, budget)
    check_path, check_s, found = _check_largest(root, profile)
    return {
        "corpus": root.name,
        "files": sum(profile.files.values()),
        "conventions": len(profile.conventions),
        "strong": len(profile.strong()),
        "measure_s": round(min(measure_s), 3),
        "aggregate_s": round(min(aggregate_s), 4),
        "plugin_cold_s": round(cold.seconds, 3),
        "plugin_unchanged_s": round(warm.seconds, 4),
        "check_file": check_path,
        "check_s": round(check_s, 3),
        "check_violations": found,
        "house_rules": rules,
        "house_rules_tokens": estimate_tokens(rules),
        "summary": {
            label: _summary(profile.get(cid)) for label, cid in SUMMARY if profile.get(cid)
        },
        "profile": profile.model_dump(mode="json"),
    }


def _check_largest(root: Path, profile: Any) -> tuple[str, float, int]:
    """check_diff on a diff that adds the corpus's largest Python module as a new file."""
    largest = max(
        (p for p in root.rglob("*.py") if "test" not in p.name), key=lambda p: p.stat().st_size
    )
    lines = largest.read_text(errors="replace").splitlines()
    rel = "copy_of_" + largest.name
    diff = f"--- /dev/null\n+++ b/{rel}\n@@ -0,0 +1,{len(lines)} @@\n"
    diff += "".join(f"+{line}\n" for line in lines)
    t0 = time.perf_counter()
    found = check_diff(profile, diff, root)
    return f"{largest.relative_to(root)} ({len(lines)} lines)", time.perf_counter() - t0, len(found)


def _summary(conv: Any) -> str:
    mark = "" if conv.strong else " (weak)"
    return f"{conv.value} {conv.numerator}/{conv.denominator}{mark}"


def markdown(results: list[dict[str, Any]]) -> str:
    out = [
        "| corpus | code files | conventions (strong) | measure s | aggregate s "
        "| plug-in cold s | plug-in unchanged s | house rules tokens | check (file, s, violations) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        out.append(
            f"| {r['corpus']} | {r['files']} | {r['conventions']} ({r['strong']}) "
            f"| {r['measure_s']} | {r['aggregate_s']} | {r['plugin_cold_s']} "
            f"| {r['plugin_unchanged_s']} | {r['house_rules_tokens']} "
            f"| {r['check_file']}, {r['check_s']}, {r['check_violations']} |"
        )
    labels = [label for label, _ in SUMMARY]
    out += ["", "| corpus | " + " | ".join(labels) + " |", "|---" * (len(labels) + 1) + "|"]
    for r in results:
        cells = [r["summary"].get(label, "n/a") for label in labels]
        out.append(f"| {r['corpus']} | " + " | ".join(cells) + " |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--corpus-root", default="/tmp/locbench-dev/corpus")
    ap.add_argument("--repos", default=",".join(CORPORA), help="comma list of corpus names")
    ap.add_argument("--repeat", type=int, default=3, help="profile_for_repo runs (best taken)")
    ap.add_argument("--budget", type=int, default=400, help="house rules budget in tokens")
    ap.add_argument("--json", default="", help="write every result (and profile) here")
    args = ap.parse_args(argv)

    base = Path(args.corpus_root)
    results = []
    for name in filter(None, args.repos.split(",")):
        root = base / name
        if not root.is_dir():
            raise SystemExit(
                f"corpus {root} does not exist; build the corpora with "
                "OUT=/tmp/locbench-dev bash ../shared/bench/dev/build.sh"
            )
        result = bench_corpus(root, args.repeat, args.budget)
        results.append(result)
        print(f"## {name}: house rules ({result['house_rules_tokens']} tokens)\n")
        print(result["house_rules"] or "(no strong conventions)")
        print()
    print(markdown(results))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
