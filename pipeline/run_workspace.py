"""A run's workspace: its worktree, its test command and the agent's file tools.

Called by :meth:`pipeline.stages.SpecRun.code` before the first code round. Suggest mode
works in a detached worktree under a temporary directory (no branch; removed by
``pipeline.run_end``); the other modes on a new branch under the worktrees root.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from specpilot.pipeline.errors import SandboxError
from specpilot.pipeline.file_tools import Toolbox
from specpilot.pipeline.paths import WriteGuard
from specpilot.pipeline.test_runner import (
    TestCommand,
    format_for_model,
    resolve_test_command,
    run_tests,
)
from specpilot.pipeline.worktree import (
    Worktree,
    check_worktree,
    create_worktree,
    default_worktrees_root,
    git,
    repo_root,
    unique_branch,
)

if TYPE_CHECKING:
    from specpilot.pipeline.stages import SpecRun


def open_workspace(run: SpecRun) -> Toolbox:
    """Make the worktree, find its test command and build the toolbox (set on ``run``)."""
    wt = _make_worktree(run, repo_root(run.repo))
    run.command = resolve_test_command(wt.path, run.spec, run.config)
    if run.command is None:
        run.warn("No test command was found; set test_command in the spec or the config.")
    run.toolbox = _make_toolbox(run, wt, run.command)
    return run.toolbox


def _make_worktree(run: SpecRun, top: Path) -> Worktree:
    if run.mode == "suggest":
        run.scratch = Path(tempfile.mkdtemp(prefix="specpilot-suggest-"))
        path, branch = run.scratch / "wt", None
    else:
        if git(["status", "--porcelain", "--untracked-files=no"], cwd=top).strip():
            run.warn(
                "The checkout has uncommitted changes; the worktree starts from the base "
                "commit and does not include them."
            )
        root = run.config.worktrees_dir or default_worktrees_root(top)
        path = root / run.run_id
        branch = unique_branch(top, run.config.branch_prefix + run.spec.slug)
    run.worktree = wt = create_worktree(top, path=path, base=run.spec.base, branch=branch)
    run.trace.event("worktree", path=str(wt.path), branch=wt.branch, base=wt.base_commit)
    return wt


def _make_toolbox(run: SpecRun, wt: Worktree, command: TestCommand | None) -> Toolbox:
    if run.worktree_index is None and run.index is not None:
        run.warn(
            "No worktree index was given: the agent searches the repository's index, "
            "which does not see its own edits."
        )
    index = run.worktree_index(wt.path) if run.worktree_index else run.index
    block = (*run.spec.paths.block, *run.config.blocked_paths, *run.blocked_paths)
    return Toolbox(
        wt.path,
        config=run.config,
        guard=WriteGuard(run.spec.paths.allow, block),
        index=index,
        refresh_index=run.worktree_index is not None,
        run_tests=_agent_test_tool(run, wt, command) if command else None,
        write_check=run.write_check,
    )


def _agent_test_tool(run: SpecRun, wt: Worktree, command: TestCommand) -> Callable[[], str]:
    """The agent's own ``run_tests`` tool: the same runner, traced as the agent's run.

    Afterwards the worktree's git metadata is checked: tests that rewrote ``.git`` end the
    run (WorktreeTampered) before any later git call (or an index refresh) could follow it."""

    def run_agent_tests() -> str:
        try:
            report = run_tests(
                wt.path, command, config=run.config, artifacts_dir=run.tests_dir,
                require_filesystem=run.mode == "suggest",
            )  # fmt: skip
        except SandboxError as exc:  # the model hears why; the test stage records it
            run.trace.event("test_refused", trigger="agent", reason=str(exc))
            return f"The tests were not run: {exc}"
        run.trace.test_run("agent", report)
        check_worktree(wt)
        return format_for_model(report)

    return run_agent_tests
