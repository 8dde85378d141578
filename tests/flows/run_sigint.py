"""A real SIGINT (or SIGTERM), from outside, to a real ``specpilot run`` (in process, or ``--flow``): while
the model is asked for the plan, and while the agent edits in its worktree. Whenever it lands:
exit 130, the last line says how the run ended and where its record is (no traceback), the
record written with status ``stopped`` and audited, nothing delivered, the user's checkout
byte-identical; the agent's edits, once made, are kept on the run's branch as for any stopped
run (docs/pipeline.md).

The model is the real Anthropic SDK against the scripted loopback server, whose reply at the
chosen moment stalls (the Ctrl-C lands while the SDK waits on the socket).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from specpilot.pipeline.testing import ScriptedMessagesServer, ScriptedReply, slow, tool_reply
from tests.conftest import MakeRepo
from tests.flows.cli_pipeline_helpers import user_audit_key
from tests.flows.spec_helpers import DEMO_FILES, DOCS_SPEC, HASH, plan_reply, snapshot

STALL_S = 60.0
EDIT = {"path": "docs/usage.md", "old_text": "Run it.", "new_text": "Run it twice."}


def _script(moment: str) -> list[ScriptedReply]:
    if moment == "planning":
        return [slow(plan_reply(), STALL_S)]
    return [
        plan_reply(),
        tool_reply(("edit_file", EDIT)),
        slow(tool_reply(("finish", {})), STALL_S),
    ]


def interrupt_a_run(
    make_repo: MakeRepo,
    tmp_path: Path,
    moment: str,
    args: Sequence[str] = (),
    env_extra: Mapping[str, str] | None = None,
    signum: int = signal.SIGINT,
) -> str:
    """Run, send ``signum`` at ``moment``, check what the run left; returns its last line."""
    repo = make_repo(DEMO_FILES, git=True, name="repo")
    spec = tmp_path / "specs" / "usage-docs.md"
    spec.parent.mkdir()
    spec.write_text(DOCS_SPEC)
    before = snapshot(repo)
    home = tmp_path / "home"
    user_audit_key(tmp_path)  # made by an earlier run (the first one says so on stderr)
    with ScriptedMessagesServer(_script(moment)) as server:
        env = {
            **os.environ,
            "SPECPILOT_HOME": str(home),
            "SPECPILOT_ACTOR": "tester",
            "ANTHROPIC_API_KEY": "test-key",
            "ANTHROPIC_BASE_URL": server.url,
            **(env_extra or {}),
        }
        env.pop("GITHUB_TOKEN", None)
        proc = subprocess.Popen(
            [sys.executable, "-m", "specpilot", "run", str(spec), "--repo", str(repo),
             "--mode", "pr", *HASH, *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        )  # fmt: skip
        asked = 1 if moment == "planning" else 3  # the stalled request has arrived
        deadline = time.monotonic() + 120
        while len(server.requests) < asked:
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the run never reached the moment"
            time.sleep(0.05)
        time.sleep(0.3)  # the SDK is waiting on the socket
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=60)
    assert "Traceback" not in err, err
    lines = err.strip().splitlines()
    assert proc.returncode == 128 + signum and lines, (proc.returncode, err)
    line = lines[-1]
    assert line.startswith("error: interrupted"), err
    records = list(home.rglob("record.json"))
    assert len(records) == 1, records
    record = json.loads(records[0].read_text())
    assert record["status"] == "stopped", record
    assert "interrupted" in record["stop_reason"], record["stop_reason"]
    assert str(records[0].parent) in line, line
    assert f"during {'plan' if moment == 'planning' else 'code'}" in line, line
    after = snapshot(repo)
    assert {k: after[k] for k in ("files", "status", "head", "index")} == {
        k: before[k] for k in ("files", "status", "head", "index")
    }
    shown = subprocess.run(
        [sys.executable, "-m", "specpilot", "audit", "show", record["run_id"], "--json"],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    notes = json.loads(shown.stdout)[0]["notes"]
    assert "outcome: stopped" in notes and any(
        "interrupted (Ctrl-C or SIGTERM)" in n for n in notes
    ), notes
    if moment == "planning":  # nothing was written: no worktree, no branch
        assert after == before
        return line
    branch = "specpilot/usage-docs"
    assert f"kept on branch {branch}" in line, line
    assert after["worktrees"] == [record["run_id"]] and branch in after["refs"]
    assert "Run it twice." in (Path(record["worktree"]) / "docs" / "usage.md").read_text()
    return line
