"""Human gates in in-process runs (``run_request``, as ``specpilot run`` calls it): the plan gate
before any code, the merge gate before anything is pushed, a terminal that asks, no terminal
that waits, and the attacks: a plan that understates its change, a repository that tries to
remove the user's gates. The model is the real SDK against the scripted loopback server; the
remote is a local bare repository."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from specpilot.flows.gate_prompt import terminal_hook
from specpilot.flows.settings import load_settings
from specpilot.flows.spec_run import SpecRequest, run_request
from specpilot.pipeline.audit.log import read_records
from specpilot.pipeline.run.gates import Gate, GateDecision
from specpilot.pipeline.run.spec import parse_spec
from specpilot.pipeline.testing import ScriptedMessagesServer, tool_reply
from tests.flows.spec_helpers import (
    DEMO_FILES,
    DOCS_SPEC,
    add_bare_remote,
    docs_script,
    git,
    plan_reply,
)


class Reviewer:
    """A person at the gates: answers each with ``approve`` and remembers what was asked."""

    def __init__(self, approve: bool = True, comment: str | None = "looks right") -> None:
        self.approve, self.comment = approve, comment
        self.asked: list[tuple[Gate, str]] = []

    def __call__(self, gate: Gate, summary: str, *, run_id: str) -> GateDecision:
        self.asked.append((gate, summary))
        return GateDecision(
            gate=gate, approved=self.approve, by="reviewer", at=datetime.now().astimezone(),
            comment=self.comment,
        )  # fmt: skip


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SPECPILOT_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    return tmp_path


def _repo(make_repo: Callable[..., Path], tmp: Path, policy: str | None = None) -> Path:
    files = dict(DEMO_FILES)
    if policy is not None:
        files[".specpilot/policy.toml"] = policy
    repo = make_repo(files, git=True, name="repo")
    add_bare_remote(repo, tmp / "remote.git")
    return repo


def _run(
    repo: Path,
    tmp: Path,
    script: list[Any],
    *,
    mode: str = "pr",
    gates: tuple[str, ...] = (),
    hook: Any = None,
    overrides: tuple[str, ...] = (),
) -> tuple[Any, int]:
    settings = load_settings(
        repo, ["index.embed.model='hash'", f"pipeline.runs_dir='{tmp / 'runs'}'", *overrides]
    )
    request = SpecRequest(
        spec=parse_spec(DOCS_SPEC, source="usage-docs.md"), spec_text=DOCS_SPEC, repo=repo,
        mode=mode, settings=settings, db=str(tmp / "db"), actor="tester", gates=gates,
    )  # fmt: skip
    with ScriptedMessagesServer(script) as server:
        env = {"ANTHROPIC_API_KEY": "test-key", "ANTHROPIC_BASE_URL": server.url}
        delivery = run_request(request, environ=env, gate_hook=hook)
        return delivery, len(server.requests)


def _branches(tmp: Path) -> str:
    return git(tmp / "remote.git", "for-each-ref", "--format=%(refname)", "refs/heads")


def test_an_approved_plan_goes_on_and_the_audit_names_the_approver(
    home: Path, make_repo: Callable[..., Path]
) -> None:
    repo = _repo(make_repo, home)
    reviewer = Reviewer()
    delivery, _ = _run(repo, home, docs_script(), gates=("plan",), hook=reviewer)
    assert delivery.outcome == "pr", delivery.message
    ((gate, summary),) = reviewer.asked
    assert gate == "plan" and "Predicted tier 2" in summary
    assert "Say in the usage guide how often to run it." in summary
    (decision,) = delivery.gates
    assert decision.approved and decision.by == "reviewer" and decision.comment == "looks right"
    audited = read_records(Path(delivery.audit_log))[-1]
    assert audited.run_id == delivery.run_id
    assert audited.gates[0]["by"] == "reviewer" and audited.gates[0]["approved"] is True
    assert (
        "Gate:** plan gate approved by reviewer"
        in (Path(delivery.run_dir) / "report.md").read_text()
    )


def test_a_rejected_plan_writes_no_code_and_pushes_nothing(
    home: Path, make_repo: Callable[..., Path]
) -> None:
    repo = _repo(make_repo, home)
    before = _branches(home)
    delivery, calls = _run(
        repo, home, docs_script(), gates=("plan",), hook=Reviewer(False, "not this sprint")
    )
    assert delivery.outcome == "rejected" and not delivery.ok
    assert "not this sprint" in delivery.message and "Nothing was pushed" in delivery.message
    assert calls == 1  # the plan; no code round was asked for
    assert _branches(home) == before
    assert not (Path(delivery.run_dir) / "changes.patch").exists()
    audited = read_records(Path(delivery.audit_log))[-1]
    assert audited.gates[0]["approved"] is False and "outcome: rejected" in audited.notes


def test_without_a_terminal_the_run_waits_and_says_how_to_continue(
    home: Path, make_repo: Callable[..., Path]
) -> None:
    repo = _repo(make_repo, home)
    hook = terminal_hook(
        "tester", argv=["specpilot", "run", "usage-docs.md", "--mode", "pr", "--gate", "plan"],
        is_tty=lambda: False,
    )  # fmt: skip
    delivery, calls = _run(repo, home, docs_script(), gates=("plan",), hook=hook)
    assert delivery.outcome == "awaiting_approval" and calls == 1
    assert "specpilot run usage-docs.md --mode pr --gate plan" in delivery.message
    assert "specpilot submit usage-docs.md --gate plan" in delivery.message
    assert "specpilot approve" in delivery.message
    assert delivery.run_status == "awaiting_approval"


def test_the_terminal_asks_with_the_plan_shown() -> None:
    err = io.StringIO()
    hook = terminal_hook(
        "alice", stdin=io.StringIO("y\nship it\n"), stderr=err, is_tty=lambda: True
    )
    decision = hook("plan", "**the plan**", run_id="r1")
    assert decision.approved and decision.by == "alice" and decision.comment == "ship it"
    assert "**the plan**" in err.getvalue() and "[y/N]" in err.getvalue()
    no = terminal_hook(
        "alice", stdin=io.StringIO("\n\n"), stderr=io.StringIO(), is_tty=lambda: True
    )
    assert no("merge", "x", run_id="r1").approved is False  # Enter is no


@pytest.mark.parametrize("approve", [True, False])
def test_the_merge_gate_holds_a_tier_1_auto_merge(
    home: Path, make_repo: Callable[..., Path], approve: bool
) -> None:
    repo = _repo(make_repo, home, policy="[gates]\nmerge = [1]\n")
    main = git(home / "remote.git", "rev-parse", "main")
    reviewer = Reviewer(approve)
    delivery, _ = _run(repo, home, docs_script(), mode="auto", hook=reviewer)
    ((gate, summary),) = reviewer.asked
    assert gate == "merge" and "Approve to **merge it**" in summary and "docs/usage.md" in summary
    if approve:
        assert delivery.outcome == "merged", delivery.message
        assert git(home / "remote.git", "rev-parse", "main") != main
    else:
        assert delivery.outcome == "rejected", delivery.message
        assert git(home / "remote.git", "rev-parse", "main") == main
        assert "refs/heads/specpilot/" not in _branches(home)


def test_a_plan_that_understates_its_change_is_asked_at_the_merge(
    home: Path, make_repo: Callable[..., Path]
) -> None:
    """Attack by model reply: the plan names only docs (tier 1, no plan gate), then the
    code round edits product code (tier 2). Nobody approved a tier-2 plan, so the merge
    gate asks before anything is pushed."""
    repo = _repo(make_repo, home, policy="[gates]\nplan = [2, 3]\n")
    edit = {"path": "calc/ops.py", "old_text": "Arithmetic helpers.", "new_text": "Helpers."}
    script = [
        plan_reply("docs/usage.md"),
        tool_reply(("edit_file", edit)),
        tool_reply(("finish", {"summary": "Docs updated."})),
    ]
    before = _branches(home)
    reviewer = Reviewer(False, "that is not docs")
    delivery, _ = _run(repo, home, script, mode="auto", hook=reviewer)
    assert [g for g, _ in reviewer.asked] == ["merge"]
    assert "calc/ops.py" in reviewer.asked[0][1]
    assert delivery.outcome == "rejected" and _branches(home) == before


def test_a_repository_cannot_remove_the_users_gates(
    home: Path, make_repo: Callable[..., Path]
) -> None:
    """Attack by hostile repo: its policy empties the gates table and its config empties
    ``pipeline.gates``; the user's own gate (here on the command line) still holds."""
    repo = _repo(make_repo, home, policy="[gates]\nplan = []\nmerge = []\n")
    (repo / "pyproject.toml").write_text("[tool.specpilot.pipeline]\ngates = []\n")
    git(repo, "add", "pyproject.toml")
    git(repo, "commit", "-q", "-m", "no gates")
    git(repo, "push", "-q", "origin", "main")
    reviewer = Reviewer(False, "no")
    delivery, calls = _run(
        repo, home, docs_script(), hook=reviewer, overrides=("pipeline.gates=['plan']",)
    )
    assert [g for g, _ in reviewer.asked] == ["plan"]
    assert delivery.outcome == "rejected" and calls == 1


def test_a_gate_with_nobody_to_ask_waits_and_pushes_nothing(
    home: Path, make_repo: Callable[..., Path]
) -> None:
    """A caller that passes no hook (an eval, a library user) never passes a gate silently."""
    repo = _repo(make_repo, home)
    before = _branches(home)
    delivery, calls = _run(repo, home, docs_script(), gates=("plan",), hook=None)
    assert delivery.outcome == "awaiting_approval" and calls == 1
    assert "no one can be asked here" in delivery.message and _branches(home) == before
