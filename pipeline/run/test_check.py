"""``specpilot test``: a repository's tests run exactly as a run's test stage runs them.

A fresh detached worktree of ``HEAD`` in a temporary directory (as suggest mode makes), the
test command the stage would pick (spec, config, detection), and ``run_tests`` itself with the
mode's sandbox rule (suggest: only inside a file-system sandbox). The user's checkout is not
touched, and its uncommitted changes are not part of what is tested (``dirty`` says so).
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from specpilot.pipeline.core.config import PipelineConfig
from specpilot.pipeline.core.errors import PipelineError, SpecError
from specpilot.pipeline.run.record import RunMode
from specpilot.pipeline.run.spec import Spec
from specpilot.pipeline.workspace.test_runner import TestReport, resolve_test_command, run_tests
from specpilot.pipeline.workspace.worktree import create_worktree, git, remove_worktree, repo_root

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class TestCheck:
    __test__ = False  # not a pytest class

    report: TestReport
    repo: Path  # the repository's top level
    commit: str  # what was tested
    dirty: bool  # the checkout had uncommitted changes to tracked files (not tested)


def check_tests(
    repo: Path, *, spec: Spec, config: PipelineConfig, mode: RunMode, artifacts_dir: Path
) -> TestCheck:
    """Run the tests of ``repo`` at ``HEAD`` as the test stage of a ``mode`` run would.

    SpecError when there is no test command; SandboxError when the sandbox the mode needs is
    missing (nothing ran); WorktreeError when ``repo`` is not a git repository with a commit.
    """
    top = repo_root(repo)
    dirty = bool(git(["status", "--porcelain", "--untracked-files=no"], cwd=top).strip())
    scratch = Path(tempfile.mkdtemp(prefix="specpilot-test-"))
    try:
        wt = create_worktree(top, path=scratch / "wt", base=spec.base, branch=None)
        try:
            command = resolve_test_command(wt.path, spec.test_command, config)
            if command is None:
                raise SpecError(
                    f"No test command was found for {top}: set test_command in "
                    "[tool.specpilot.pipeline] (or pass --set pipeline.test_command='...')."
                )
            report = run_tests(
                wt.path, command, config=config, artifacts_dir=artifacts_dir,
                require_filesystem=mode == "suggest",
            )  # fmt: skip
        finally:
            try:
                remove_worktree(wt, delete_branch=False)
            except (PipelineError, OSError) as exc:
                log.warning("could not remove the worktree %s: %s", wt.path, exc)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return TestCheck(report=report, repo=top, commit=wt.base_commit, dirty=dirty)
