"""Robustness on real code: parse and chunk every source file under a tree, then answer a few
hundred generated queries without an exception (docs/benchmarks.md, "Robustness").

The tree defaults to this venv's ``site-packages`` — thousands of real packages, generated
code, test fixtures of linters that redefine one class three times in a row, vendored
minified JavaScript. For every file of an indexed language it checks what the index relies
on:

* parsing and chunking raise nothing;
* chunk ids are unique within the file (the store merges on them);
* no line range is emitted twice;
* no chunk crosses a top-level definition: a chunk holds whole top-level definitions, or lies
  inside one, or outside all of them.

Then it indexes ``--search-packages`` of the tree (hash embedder: the point is the query path,
not the vectors) and runs ``--queries`` generated requests — random identifiers, version
strings (``py2.7``), stack traces of every supported shape, unicode, very long text — through
file and symbol search, counting exceptions and empty answers.

    python bench/robustness.py [--root DIR] [--limit N] [--queries 300] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import sysconfig
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from specpilot.indexer.build import index_repo
from specpilot.indexer.config import ChunkConfig, EmbedConfig, IndexerConfig, WalkConfig
from specpilot.indexer.parse.chunking import Chunk, chunk_file
from specpilot.indexer.parse.extract import parse_source
from specpilot.indexer.source.filetypes import is_code, language_for
from specpilot.indexer.source.walk import _content_reason
from specpilot.retrieval.config import RetrievalConfig
from specpilot.retrieval.errors import QueryError
from specpilot.retrieval.open import open_searcher

SKIP_DIRS = {"__pycache__", ".git", "node_modules"}
MAX_BYTES = 1_000_000
WALK = WalkConfig()  # the walker's default file-size cap: bigger files are not indexed


def source_files(root: Path, limit: int | None) -> list[tuple[Path, str]]:
    found: list[tuple[Path, str]] = []
    for path in sorted(root.rglob("*")):
        if SKIP_DIRS & set(path.parts) or not path.is_file() or path.is_symlink():
            continue
        language = language_for(path.name)
        if not (language and is_code(language) and path.stat().st_size <= MAX_BYTES):
            continue
        # what the walker skips (binary, generated, minified) the index never sees
        if _content_reason(str(path), language, path.stat().st_size, WALK.minified_line_chars):
            continue
        found.append((path, language))
        if limit and len(found) >= limit:
            break
    return found


def crossing(chunks: list[Chunk], tops: list[tuple[int, int]]) -> list[str]:
    """Chunks that hold part of a top-level definition and something outside it."""
    bad = []
    for c in chunks:
        for s, e in tops:
            overlaps = c.start_line <= e and s <= c.end_line
            contains = c.start_line <= s and e <= c.end_line
            inside = s <= c.start_line and c.end_line <= e
            if overlaps and not contains and not inside:
                bad.append(f"{c.start_line}-{c.end_line} crosses {s}-{e}")
    return bad


def check_file(path: Path, rel: str, language: str, config: ChunkConfig) -> list[str]:
    data = path.read_bytes()
    text = data.decode("utf-8", errors="replace")
    parsed = parse_source(rel, text.encode("utf-8"), language)
    chunks = chunk_file(rel, language, text, parsed, config)
    problems = []
    ids = Counter(c.id for c in chunks)
    problems += [f"chunk id {cid[:12]} emitted {n} times" for cid, n in ids.items() if n > 1]
    ranges = Counter((c.start_line, c.end_line) for c in chunks)
    problems += [f"range {a}-{b} emitted {n} times" for (a, b), n in ranges.items() if n > 1]
    tops = [s for s in parsed.symbols if s.parent is None]
    problems += crossing(chunks, [(s.start_line, s.end_line) for s in tops if s.kind != "constant"])
    # module code is cut in windows of max_lines, which may split a long constant (a 150-line
    # table): counted apart, as a fact about chunk quality rather than a broken invariant
    constants = crossing(chunks, [(s.start_line, s.end_line) for s in tops if s.kind == "constant"])
    return problems + [f"constant: {c}" for c in constants]


def chunk_pass(root: Path, limit: int | None) -> dict[str, Any]:
    files = source_files(root, limit)
    config = ChunkConfig()
    started = time.perf_counter()
    crashed: list[dict[str, str]] = []
    broken: list[dict[str, Any]] = []
    lines = split_constants = 0
    for path, language in files:
        rel = str(path.relative_to(root))
        try:
            problems = check_file(path, rel, language, config)
        except Exception as exc:  # the benchmark counts what a run would die of
            crashed.append({"path": rel, "error": f"{type(exc).__name__}: {exc}"[:300]})
            continue
        lines += path.read_bytes().count(b"\n")
        hard = [p for p in problems if not p.startswith("constant: ")]
        if hard:
            broken.append({"path": rel, "problems": hard[:5], "count": len(hard)})
        split_constants += len(problems) - len(hard)
    seconds = time.perf_counter() - started
    return {
        "files": len(files),
        "lines": lines,
        "seconds": round(seconds, 1),
        "files_per_s": round(len(files) / seconds, 1) if seconds else None,
        "crashed": crashed,
        "invariant_broken": broken,
        "constants_split_by_module_windows": split_constants,
    }


def generated_queries(n: int, names: list[str], seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    shapes = [
        lambda: rng.choice(names),
        lambda: f"{rng.choice(names)}.{rng.choice(names)} returns None",
        lambda: f"fails on py{rng.randint(2, 3)}.{rng.randint(0, 13)} and py{rng.randint(2, 3)}",
        lambda: (
            f"needs Python {rng.randint(2, 3)}.{rng.randint(0, 13)}+ and Node {rng.randint(8, 22)}"
        ),
        lambda: (
            f"go{rng.randint(1, 2)}.{rng.randint(0, 23)} rust 1.{rng.randint(40, 80)} JDK {rng.randint(8, 21)}"
        ),
        lambda: (
            "Traceback (most recent call last):\n"
            f'  File "/usr/lib/python3/site-packages/{rng.choice(names)}/mod.py", line '
            f"{rng.randint(1, 900)}, in {rng.choice(names)}\n"
            f"ValueError: {rng.choice(names)} is not valid"
        ),
        lambda: (
            f"at {rng.choice(names)} (src/{rng.choice(names)}.js:{rng.randint(1, 99)}:{rng.randint(1, 9)})"
        ),
        lambda: (
            f"main.main()\n\t/root/go/pkg/mod/example.com/x/v5@v5.1.0/{rng.choice(names)}.go:"
            f"{rng.randint(1, 300)} +0x1d"
        ),
        lambda: f"thread 'main' panicked at src/{rng.choice(names)}.rs:{rng.randint(1, 99)}:5",
        lambda: "".join(rng.choice("ünïcødé ✓ 日本語 Ω≈ç√ ") for _ in range(rng.randint(1, 60))),
        lambda: " ".join(rng.choice(names) for _ in range(rng.randint(200, 2000))),
        lambda: "".join(rng.choice("()[]{}<>*?+.^$|\\'\"`:;,/") for _ in range(rng.randint(1, 80))),
        lambda: f"'{rng.choice(names)}' `{rng.choice(names)}` \"a b c d\"",
        lambda: "",
        lambda: "   \n\t ",
    ]
    return [rng.choice(shapes)() for _ in range(n)]


def search_pass(root: Path, packages: list[str], n_queries: int) -> dict[str, Any]:
    embed = EmbedConfig(model="hash")
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "repo"
        repo.mkdir()
        for name in packages:  # copies: the walker never descends a directory symlink
            if (root / name).is_dir():
                shutil.copytree(
                    root / name, repo / name, ignore=shutil.ignore_patterns("__pycache__")
                )
        started = time.perf_counter()
        index_repo(repo, db=str(Path(tmp) / "db"), config=IndexerConfig(embed=embed))
        index_s = time.perf_counter() - started
        searcher = open_searcher(str(Path(tmp) / "db"), embed, RetrievalConfig())
        names = sorted({s.name for s in searcher.catalog.symbols.values()})[:5000] or ["x"]
        queries = generated_queries(n_queries, names)
        failures: list[dict[str, str]] = []
        empty = refused = 0
        latencies = []
        for q in queries:
            t = time.perf_counter()
            try:
                files = searcher.search_files(q, 10)
                searcher.search(q, 10)
            except QueryError:  # the one documented refusal: an empty query (exit 2 in the CLI)
                refused += 1
                assert not q.strip(), f"refused a non-empty query: {q[:80]!r}"
                continue
            except Exception as exc:
                failures.append(
                    {"query": q[:120], "error": "".join(traceback.format_exception_only(exc))[:300]}
                )
                continue
            latencies.append(time.perf_counter() - t)
            empty += not files and bool(q.strip())
        latencies.sort()
        return {
            "packages": packages,
            "files": len(searcher.catalog.language),
            "index_s": round(index_s, 1),
            "queries": len(queries),
            "exceptions": failures,
            "empty_answers": empty,
            "refused_empty_queries": refused,
            "p50_ms": round(latencies[len(latencies) // 2] * 1000, 1) if latencies else None,
        }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", type=Path, default=Path(sysconfig.get_paths()["purelib"]))
    ap.add_argument("--limit", type=int, default=None, help="at most this many files")
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument(
        "--search-packages",
        nargs="*",
        default=["click", "jinja2", "rich", "yaml", "pydantic", "anthropic"],
    )
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    chunks = chunk_pass(args.root, args.limit)
    print(
        f"chunking: {chunks['files']} files, {chunks['lines']} lines in {chunks['seconds']} s; "
        f"{len(chunks['crashed'])} crashed, {len(chunks['invariant_broken'])} broke an invariant; "
        f"{chunks['constants_split_by_module_windows']} long constants split by module windows"
    )
    for item in (chunks["crashed"] + chunks["invariant_broken"])[:20]:
        print("  ", json.dumps(item)[:300])
    search = search_pass(args.root, args.search_packages, args.queries)
    print(
        f"search: {search['files']} files indexed in {search['index_s']} s; {search['queries']} "
        f"queries, {len(search['exceptions'])} exceptions, {search['empty_answers']} empty "
        f"answers, p50 {search['p50_ms']} ms"
    )
    for item in search["exceptions"][:20]:
        print("  ", json.dumps(item)[:300])
    if args.json:
        args.json.write_text(json.dumps({"chunking": chunks, "search": search}, indent=2))
    ok = not (chunks["crashed"] or chunks["invariant_broken"] or search["exceptions"])
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
