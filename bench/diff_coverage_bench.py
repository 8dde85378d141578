"""What diff coverage costs: the verification test run vs the extra run under coverage.py.

A temporary git repository with a small package and a pytest suite (``--tests`` test
functions, default 50), a change adding a 4-statement function of which the tests run 1; each
round runs the verification run (``run_tests``) and then the diff-coverage run
(``measure_diff_coverage``) in the same sandbox, and prints both wall times and the measured
numbers (which must be 1 of 4).

    python -m bench.diff_coverage_bench [--rounds 3] [--tests 50]   (from the repository root)
"""

from __future__ import annotations

import argparse
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from specpilot.pipeline.core.config import PipelineConfig
from specpilot.pipeline.run.diff_coverage import measure_diff_coverage
from specpilot.pipeline.workspace.test_runner import TestCommand, run_tests

GIT_ENV = {
    "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1", "GIT_AUTHOR_NAME": "b",
    "GIT_AUTHOR_EMAIL": "b@b", "GIT_COMMITTER_NAME": "b", "GIT_COMMITTER_EMAIL": "b@b",
}  # fmt: skip
CHANGE = "\n\ndef sign(x):\n    if x > 0:\n        return 1\n    return -1\n"


def _git(root: Path, *args: str) -> str:
    env = {**os.environ, **GIT_ENV}
    done = subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)
    return done.stdout.decode()


def _repo(root: Path, tests: int) -> str:
    """The repository and its change; returns the change's diff."""
    (root / "calc").mkdir(parents=True)
    (root / "tests").mkdir()
    (root / "calc/__init__.py").write_text("")
    ops = root / "calc/ops.py"
    ops.write_text("def add(a, b):\n    return a + b\n")
    body = "".join(
        f"\n\ndef test_add_{i}():\n    assert add({i}, 1) == {i + 1}\n" for i in range(tests)
    )
    (root / "tests/test_ops.py").write_text("from calc.ops import add\n" + body)
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "base")
    ops.write_text(ops.read_text() + CHANGE)
    return _git(root, "diff")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--tests", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="specpilot-covbench-") as tmp:
        base = Path(tmp)
        root = base / "repo"
        diff = _repo(root, args.tests)
        config = PipelineConfig(runs_dir=base / "runs", worktrees_dir=base / "wt")
        command = TestCommand(f"{shlex.quote(sys.executable)} -m pytest -q", "pytest", "config")
        verify, cover = [], []
        for i in range(args.rounds):
            t = time.monotonic()
            report = run_tests(root, command, config=config, artifacts_dir=base / f"a{i}")
            verify.append(time.monotonic() - t)
            t = time.monotonic()
            found = measure_diff_coverage(root, command, diff, config=config)
            cover.append(time.monotonic() - t)
            assert report.passed and (found.covered, found.added_lines) == (1, 4), found
        print(f"{args.tests} tests, {args.rounds} rounds, sandbox: {report.sandbox_note or 'full'}")
        print(f"verification run: median {statistics.median(verify):.2f} s ({verify})")
        print(f"diff-coverage run: median {statistics.median(cover):.2f} s ({cover})")


if __name__ == "__main__":
    main()
