"""CPU and wall time of one-shot CLI commands, as a user's shell runs them
(docs/benchmarks.md, "CLI start-up").

Builds a 7-file repository (hash embedder unless --model), indexes it once, then times each
command ``--repeat`` times in a fresh process: ``--help``, ``status``, a cold ``search``, a
nothing-changed ``index`` and a no-key ``run --mode suggest``.

    python bench/cli_bench.py [--repeat 5] [--model all-MiniLM-L6-v2] [--json out.json]
                              [--big-repo DIR] [--pyc]

``--big-repo DIR`` also times a nothing-changed ``index`` of DIR (indexed once first, into a
temporary ``SPECPILOT_HOME``), e.g. a git copy of site-packages/sympy. Each command runs once
untimed first (a warm-up, as hyperfine's ``--warmup 1``). ``--pyc`` lets Python cache bytecode
(into a temporary ``PYTHONPYCACHEPREFIX``), as an installed specpilot does; without it the
environment's ``PYTHONDONTWRITEBYTECODE`` holds, and a process that may not write ``.pyc``
files compiles every specpilot module from source on each start. The timed tree is the
``specpilot`` importable from the current directory (run from another checkout to compare).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FILES = {
    "app/__init__.py": "",
    "app/retry.py": "def backoff_delay(attempt, base=0.5):\n    return base * 2 ** attempt\n",
    "app/client.py": "from app.retry import backoff_delay\n\n\ndef get(url):\n    return url\n",
    "app/render.py": "def render_html(page):\n    return '<html>' + page + '</html>'\n",
    "tests/test_retry.py": "from app.retry import backoff_delay\n\n\ndef test_b():\n    assert backoff_delay(1) == 1.0\n",
    "README.md": "# demo\n",
    "pyproject.toml": "[project]\nname = 'demo'\n",
}
SPEC = "---\ntitle: Cap the retry delay\n---\nbackoff_delay should never wait more than 30 s.\n"


def _timed(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, env=env, capture_output=True, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--model", default="hash")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--big-repo", type=Path, help="also time a no-op index of this repository")
    ap.add_argument("--pyc", action="store_true", help="let Python cache bytecode")
    args = ap.parse_args()
    exe = [sys.executable, "-m", "specpilot"]
    with tempfile.TemporaryDirectory() as tmp:
        repo, home = Path(tmp) / "repo", Path(tmp) / "home"
        for rel, text in FILES.items():
            (repo / rel).parent.mkdir(parents=True, exist_ok=True)
            (repo / rel).write_text(text)
        for git in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "init"]):
            subprocess.run(
                ["git", "-c", "user.name=b", "-c", "user.email=b@x", *git], cwd=repo, check=True
            )
        (Path(tmp) / "spec.md").write_text(SPEC)
        env = {**os.environ, "SPECPILOT_HOME": str(home), "HF_HUB_OFFLINE": "1"}
        env.pop("ANTHROPIC_API_KEY", None)
        if args.pyc:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pyc")
        model = ["--set", f"index.embed.model={args.model!r}"]
        subprocess.run([*exe, "index", str(repo), *model], env=env, check=True, capture_output=True)
        commands = {
            "--help": [*exe, "--help"],
            "status": [*exe, "status", "--repo", str(repo), *model],
            "search (cold)": [*exe, "search", "retry delay", "--repo", str(repo), *model],
            "index (nothing changed)": [*exe, "index", str(repo), *model],
            "run --mode suggest": [
                *exe, "run", str(Path(tmp) / "spec.md"), "--repo", str(repo), "--mode", "suggest",
                *model,
            ],
        }  # fmt: skip
        if args.big_repo:
            big = [*exe, "index", str(args.big_repo.resolve()), *model]
            subprocess.run(big, env=env, check=True, capture_output=True)
            commands[f"index {args.big_repo.name} (nothing changed)"] = big
        results = {}
        for name, argv in commands.items():
            _timed(argv, env)  # warm-up
            runs = [_timed(argv, env) for _ in range(args.repeat)]
            results[name] = {
                "cpu_s": round(statistics.median(c for c, _ in runs), 3),
                "wall_s": round(statistics.median(w for _, w in runs), 3),
                "wall_min_s": round(min(w for _, w in runs), 3),
            }
            r = results[name]
            print(
                f"{name}: cpu {r['cpu_s']} s, wall {r['wall_s']} s (median of {args.repeat}; "
                f"min {r['wall_min_s']} s)"
            )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
