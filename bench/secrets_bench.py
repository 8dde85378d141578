"""The secret gate's benchmark: recall over a generated corpus, false blocks over real code.

**Recall.** Every token format of ``pipeline.secret_samples`` (seeded RNG, ``--seed``) is put
in every placement below, one file each, in a temporary git repository; the files are added
and ``git diff --cached --binary`` (the diff the gate sees) is scanned once. A (format,
placement) counts as found when the scanner reports the secret's file at the secret's line
(binary files: the file), whatever rule reports it.

**False blocks.** Every file of each corpus (``--corpus``, default: the four dev corpora under
``/tmp/locbench-dev/corpus`` and this repository's tracked files) is scanned as if a change
added all of its lines — text or binary (NUL bytes dropped, as the gate does). Every finding is
a false block unless it is a real-looking credential the corpus ships (a test fixture key),
which is listed by file, line and rule. ``--extra NAME=PATH`` adds a corpus (e.g. a
site-packages tree), ``--ext .py,.pyi`` (or ``text``) limits it to those suffixes.

Throughput is lines scanned per second over the false-block corpora (both layers).

    python bench/secrets_bench.py [--json results.json] [--extra venv=/path/site-packages]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from specpilot.indexer.source.diffs import DiffLine, FileDiff, Patch
from specpilot.pipeline.core.diffparse import parse_diff
from specpilot.pipeline.secrets.samples import SAMPLES, Sample, sample
from specpilot.pipeline.secrets.scan import SecretFinding, scan_patch

ROOT = Path(__file__).resolve().parents[1]
DEV = Path("/tmp/locbench-dev/corpus")
DEV_CORPORA = ("requests", "werkzeug", "jinja", "attrs")
TEXT_EXT = {
    ".py", ".pyi", ".pyx", ".txt", ".md", ".rst", ".json", ".yaml", ".yml", ".toml", ".cfg",
    ".ini", ".js", ".ts", ".css", ".html", ".svg", ".xml", ".sh", ".c", ".h", ".cpp", ".env",
    ".lock", ".conf", ".tf", ".rb", ".go", ".rs", ".java",
}  # fmt: skip


def _one_line(s: Sample) -> str:
    return s.secret.replace("\n", "\\n")  # a PEM block as it sits in a .env or a JSON string


def _yaml(s: Sample) -> tuple[str, int]:
    if "\n" in s.secret:  # a block scalar: the key's lines, indented
        body = "\n".join("  " + line for line in s.secret.split("\n"))
        return f"service:\n  enabled: true\n{s.name}: |\n{body}\n", 4
    return f"service:\n  enabled: true\n{s.name}: {s.secret}\n", 3


# placement -> (path, render(sample) -> (content, line of the secret))
PLACEMENTS: dict[str, tuple[str, Callable[[Sample], tuple[str | bytes, int]]]] = {
    "quoted-assignment": (
        "src/settings.py",
        lambda s: (f'import os\n\n{s.name.upper()} = "{_one_line(s)}"\n', 3),
    ),
    "env-unquoted": (".env", lambda s: (f"DEBUG=0\n{s.name.upper()}={_one_line(s)}\n", 2)),
    "yaml-unquoted": ("deploy/values.yaml", _yaml),
    "call-argument": (
        "src/client.py",
        lambda s: (f'client = connect(\n    "api.internal", {s.name}="{_one_line(s)}"\n)\n', 2),
    ),
    "lockfile": (
        "poetry.lock",
        lambda s: (f'[[package]]\nname = "app"\n\n[package.source]\n{s.name} = "{_one_line(s)}"\n', 5),
    ),
    "css": (
        "static/site.css",
        lambda s: (f'.hero {{\n  --{s.name}: "{_one_line(s)}";\n}}\n', 2),
    ),
    "svg": (
        "static/logo.svg",
        lambda s: (f'<svg xmlns="http://www.w3.org/2000/svg">\n<desc>{s.name}={s.secret}</desc>\n</svg>\n', 2),
    ),
    "nul-file": (
        "data/blob.bin",
        lambda s: (b"\x89DAT\x00\x01\x02\n" + f"{s.name}={s.secret}\n".encode() + b"\x00\xfe\n", 2),
    ),
}  # fmt: skip


def _git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    cmd = ["git", "-c", "user.name=b", "-c", "user.email=b@b", "-c", "init.defaultBranch=main"]
    done = subprocess.run([*cmd, *args], cwd=cwd, env=env, capture_output=True, check=True)
    return done.stdout.decode("utf-8", "surrogateescape")


def recall(seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    cases: dict[str, tuple[str, str, int]] = {}  # path -> (format, placement, line)
    with tempfile.TemporaryDirectory(prefix="secrets-bench-") as tmp:
        repo = Path(tmp)
        _git(repo, "init", "-q")
        for fmt in sorted(SAMPLES):
            s = sample(fmt, rng)
            for placement, (rel, render) in PLACEMENTS.items():
                content, line = render(s)
                path = f"{fmt}/{placement}/{rel}"
                target = repo / path
                target.parent.mkdir(parents=True, exist_ok=True)
                if isinstance(content, bytes):
                    target.write_bytes(content)
                else:
                    target.write_text(content)
                cases[path] = (fmt, placement, line)
        _git(repo, "add", "-A")
        diff = _git(repo, "diff", "--cached", "--binary")
    patch = parse_diff(diff)
    start = time.perf_counter()
    findings = scan_patch(patch)
    seconds = time.perf_counter() - start
    hit: dict[str, set[str]] = {}
    for f in findings:
        fmt, placement, line = cases[f.path]
        if f.line in (line, 0):
            hit.setdefault(f.path, set()).add(f.rule)
    by_format: Counter[str] = Counter()
    by_placement: Counter[str] = Counter()
    missed = []
    for path, (fmt, placement, _line) in cases.items():
        if path in hit:
            by_format[fmt] += 1
            by_placement[placement] += 1
        else:
            missed.append(f"{fmt} in {placement}")
    n_place = len(PLACEMENTS)
    return {
        "formats": len(SAMPLES),
        "placements": n_place,
        "cases": len(cases),
        "found": len(hit),
        "recall": len(hit) / len(cases),
        "per_format": {f: by_format[f] / n_place for f in sorted(SAMPLES)},
        "per_placement": {p: by_placement[p] / len(SAMPLES) for p in PLACEMENTS},
        "missed": missed,
        "scan_s": round(seconds, 3),
    }


def _corpus_files(root: Path, exts: set[str] | None) -> Iterator[Path]:
    if (root / ".git").exists():
        names = _git(root, "ls-files", "-z").split("\0")
        paths = (root / n for n in names if n)
    else:
        paths = (p for p in root.rglob("*"))
    for p in paths:
        if p.is_file() and not p.is_symlink() and (exts is None or p.suffix.lower() in exts):
            yield p


def _as_added(path: Path, rel: str) -> FileDiff:
    text = path.read_bytes().replace(b"\x00", b"").decode("utf-8", "replace")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    added = tuple(DiffLine(number=i, text=t) for i, t in enumerate(lines, start=1))
    return FileDiff(path=rel, old_path=None, status="added", added=len(added), added_lines=added)


def false_blocks(name: str, root: Path, exts: set[str] | None, batch: int = 300) -> dict[str, Any]:
    files = sorted(_corpus_files(root, exts))
    findings: list[SecretFinding] = []
    lines = 0
    start = time.perf_counter()
    for i in range(0, len(files), batch):
        diffs = [_as_added(p, p.relative_to(root).as_posix()) for p in files[i : i + batch]]
        lines += sum(d.added for d in diffs)
        findings.extend(scan_patch(Patch(files=tuple(diffs))))
    seconds = time.perf_counter() - start
    return {
        "corpus": name,
        "root": str(root),
        "files": len(files),
        "lines": lines,
        "findings": [f.describe() for f in findings],
        "false_blocks": len(findings),
        "seconds": round(seconds, 2),
        "lines_per_s": round(lines / seconds) if seconds else None,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--dev", type=Path, default=DEV, help="the dev corpora (make bench)")
    ap.add_argument("--extra", action="append", default=[], metavar="NAME=PATH")
    ap.add_argument(
        "--ext", help="extra corpora: only these suffixes (comma list, or 'text' for a text set)"
    )
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()

    result: dict[str, Any] = {"recall": recall(args.seed), "false_blocks": []}
    rec = result["recall"]
    print(f"recall {rec['found']}/{rec['cases']} = {rec['recall']:.1%} "
          f"({rec['formats']} formats x {rec['placements']} placements)")  # fmt: skip
    for miss in rec["missed"]:
        print(f"  missed: {miss}")
    corpora = [(n, args.dev / n, None) for n in DEV_CORPORA if (args.dev / n).is_dir()]
    corpora.append(("specpilot", ROOT, None))
    for extra in args.extra:
        name, _, path = extra.partition("=")
        exts = (
            None if not args.ext else TEXT_EXT if args.ext == "text" else set(args.ext.split(","))
        )
        corpora.append((name, Path(path), exts))
    for name, root, exts in corpora:
        fb = false_blocks(name, root, exts)
        result["false_blocks"].append(fb)
        print(f"{name}: {fb['false_blocks']} false block(s) in {fb['files']} files / "
              f"{fb['lines']} lines, {fb['seconds']} s ({fb['lines_per_s']} lines/s)")  # fmt: skip
        for where in fb["findings"][:50]:
            print(f"  {where}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
