"""A run's workspace: its worktree, its test command and the agent's file tools.

Called by ``SpecRun.code`` (``pipeline/run/stages.py``) before the first code round, with a
frozen ``WorkspaceRequest``; it returns the ``Workspace`` it made and sets nothing on the run.
Suggest mode works in a detached worktree under a temporary directory (no branch; removed at
the end of the run); the other modes on a new branch under the worktrees root.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from specpilot.pipeline.core.config import PipelineConfig
from specpilot.pipeline.core.errors import SandboxError
from specpilot.pipeline.core.index import CodeIndex, IndexFactory
from specpilot.pipeline.workspace.file_tools import Toolbox
from specpilot.pipeline.workspace.paths import WriteCheck, WriteGuard
from specpilot.pipeline.workspace.test_runner import (
    TestCommand,
    TestReport,
    format_for_model,
    resolve_test_command,
    run_tests,
)
from specpilot.pipeline.workspace.worktree import (
    Worktree,
    check_worktree,
    create_worktree,
    default_worktrees_root,
    git,
    repo_root,
    unique_branch,
)


class Trace(Protocol):
    """What the workspace writes to the run's trace (``RunTrace`` is one)."""

    def event(self, kind: str, **fields: Any) -> None: ...

    def test_run(self, trigger: str, report: TestReport, **extra: Any) -> None: ...


@dataclass(frozen=True, slots=True)
class WorkspaceRequest:
    """Everything a workspace is made from (taken from the run; frozen)."""

    repo: Path
    mode: str
    run_id: str
    config: PipelineConfig
    base: str | None  # the spec's base ref; None: HEAD
    slug: str  # the spec's short name, for the branch
    test_command: str | None  # the spec's
    allow: tuple[str, ...]  # globs the agent may write (empty: everything not blocked)
    block: tuple[str, ...]  # globs it may not: the spec's, the config's, the policy's
    index: CodeIndex | None
    worktree_index: IndexFactory | None
    write_check: WriteCheck | None
    tests_dir: Path


@dataclass(frozen=True, slots=True)
class Workspace:
    worktree: Worktree
    command: TestCommand | None
    toolbox: Toolbox
    scratch: Path | None  # suggest mode's temporary directory, removed at the end
    warnings: tuple[str, ...]


def open_workspace(req: WorkspaceRequest, trace: Trace) -> Workspace:
    """Make the worktree, find its test command and build the agent's file tools."""
    warnings: list[str] = []
    wt, scratch = _make_worktree(req, repo_root(req.repo), warnings)
    trace.event("worktree", path=str(wt.path), branch=wt.branch, base=wt.base_commit)
    command = resolve_test_command(wt.path, req.test_command, req.config)
    if command is None:
        warnings.append("No test command was found; set test_command in the spec or the config.")
    toolbox = _make_toolbox(req, wt, command, trace, warnings)
    return Workspace(wt, command, toolbox, scratch, tuple(warnings))


def _make_worktree(
    req: WorkspaceRequest, top: Path, warnings: list[str]
) -> tuple[Worktree, Path | None]:
    scratch = None
    if req.mode == "suggest":
        scratch = Path(tempfile.mkdtemp(prefix="specpilot-suggest-"))
        path, branch = scratch / "wt", None
    else:
        if git(["status", "--porcelain", "--untracked-files=no"], cwd=top).strip():
            warnings.append(
                "The checkout has uncommitted changes; the worktree starts from the base "
                "commit and does not include them."
            )
        root = req.config.worktrees_dir or default_worktrees_root(top)
        path = root / req.run_id
        branch = unique_branch(top, req.config.branch_prefix + req.slug)
    return create_worktree(top, path=path, base=req.base, branch=branch), scratch


def _make_toolbox(
    req: WorkspaceRequest,
    wt: Worktree,
    command: TestCommand | None,
    trace: Trace,
    warnings: list[str],
) -> Toolbox:
    if req.worktree_index is None and req.index is not None:
        warnings.append(
            "No worktree index was given: the agent searches the repository's index, "
            "which does not see its own edits."
        )
    index = req.worktree_index(wt.path) if req.worktree_index else req.index
    return Toolbox(
        wt.path,
        config=req.config,
        guard=WriteGuard(req.allow, req.block),
        index=index,
        refresh_index=req.worktree_index is not None,
        run_tests=_agent_test_tool(req, wt, command, trace) if command else None,
        write_check=req.write_check,
    )


def _agent_test_tool(
    req: WorkspaceRequest, wt: Worktree, command: TestCommand, trace: Trace
) -> Callable[[], str]:
    """The agent's own ``run_tests`` tool: the same runner, traced as the agent's run.

    Afterwards the worktree's git metadata is checked: tests that rewrote ``.git`` end the
    run (WorktreeTampered) before any later git call (or an index refresh) could follow it."""

    def run_agent_tests() -> str:
        try:
            report = run_tests(
                wt.path, command, config=req.config, artifacts_dir=req.tests_dir,
                require_filesystem=req.mode == "suggest",
            )  # fmt: skip
        except SandboxError as exc:  # the model hears why; the test stage records it
            trace.event("test_refused", trigger="agent", reason=str(exc))
            return f"The tests were not run: {exc}"
        trace.test_run("agent", report)
        check_worktree(wt)
        return format_for_model(report)

    return run_agent_tests
