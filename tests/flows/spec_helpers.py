"""Plain helpers for the spec-pipeline CLI and flow tests: a demo repo, a bare remote, scripted
model replies, a byte-level snapshot of a repository (imported by the test modules)."""

from __future__ import annotations

import hashlib
import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

from specpilot.pipeline.testing import ScriptedReply, tool_reply

PYTEST = f"{shlex.quote(sys.executable)} -m pytest -q -p no:cacheprovider tests"
HASH = ["--set", "index.embed.model='hash'"]
HASH_OVERRIDES = HASH[1:]  # the same, as a flow's ``overrides`` parameter

DEMO_FILES = {
    "calc/__init__.py": "",
    "calc/ops.py": '"""Arithmetic helpers."""\n\n\ndef add(a, b):\n    return a + b\n',
    "tests/test_ops.py": "from calc.ops import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n",
    "docs/usage.md": "# Usage\n\nRun it.\n",
    "README.md": "# calc\n\nTiny arithmetic helpers.\n",
}

DOCS_SPEC = f"""---
title: Explain how often to run it
acceptance:
  - docs/usage.md says to run it twice
test_command: {PYTEST}
---
Update `docs/usage.md`: the usage guide should say to run it twice.
"""

GIT_ENV = {"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1", "GIT_OPTIONAL_LOCKS": "0"}


def git(cwd: Path, *args: str) -> str:
    """git with a fixed identity, no user config and no opportunistic index writes."""
    done = subprocess.run(
        ["git", "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, **GIT_ENV},
        timeout=30,
    )
    if done.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed in {cwd}: {done.stderr.strip()}")
    return done.stdout


def add_bare_remote(repo: Path, remote: Path) -> Path:
    """A bare clone of ``repo`` at ``remote``, added to ``repo`` as ``origin``."""
    git(repo.parent, "clone", "-q", "--bare", str(repo), str(remote))
    git(repo, "remote", "add", "origin", str(remote))
    git(repo, "fetch", "-q", "origin")
    return remote


def snapshot(repo: Path) -> dict[str, Any]:
    """What must not change in a read-only run: refs, the index file, the work tree bytes."""
    files = {}
    for path in sorted(repo.rglob("*")):
        rel = path.relative_to(repo)
        if rel.parts[0] == ".git" or not path.is_file():
            continue
        files[rel.as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    index = repo / ".git" / "index"
    return {
        "index": hashlib.sha256(index.read_bytes()).hexdigest(),
        "refs": git(repo, "for-each-ref", "--format=%(refname) %(objectname)"),
        "head": (repo / ".git" / "HEAD").read_text(),
        "status": git(repo, "status", "--porcelain", "--untracked-files=all"),
        "files": files,
        "worktrees": sorted(p.name for p in (repo / ".git").glob("worktrees/*")),
    }


def plan_reply(path: str = "docs/usage.md") -> ScriptedReply:
    plan = {
        "summary": "Say in the usage guide how often to run it.",
        "steps": ["Edit the usage guide"],
        "files_to_change": [{"path": path, "reason": "it is the usage guide"}],
        "tests_to_add": [],
        "risks": ["none: documentation only"],
    }
    return tool_reply(("submit_plan", plan), input_tokens=400, output_tokens=80)


def docs_script() -> list[ScriptedReply]:
    """Plan, edit docs/usage.md, finish: a docs-only change."""
    edit = {"path": "docs/usage.md", "old_text": "Run it.", "new_text": "Run it twice."}
    return [
        plan_reply(),
        tool_reply(("edit_file", edit)),
        tool_reply(("finish", {"summary": "The usage guide says to run it twice."})),
    ]


def artifacts_of(flow_run_id: Any) -> list[Any]:
    """Every artifact of a flow run (its tasks' included), from the current Prefect API."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    flt = ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
    with get_client(sync_client=True) as client:
        return list(client.read_artifacts(artifact_filter=flt))


def task_names(flow_run_id: Any) -> list[str]:
    """The task names of a flow run, in start order."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    flt = FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id]))
    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(flow_run_filter=flt)
    runs.sort(key=lambda r: r.expected_start_time or r.created)
    return [r.name.rsplit("-", 1)[0] for r in runs]  # "retrieve-1a2" -> "retrieve"


def artifacts_by_key(flow_run_id: Any) -> dict[str, Any]:
    """The flow run's keyed artifacts, by key."""
    return {a.key: a for a in artifacts_of(flow_run_id) if a.key}
