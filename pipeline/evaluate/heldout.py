"""The judge of an eval case: the held-back tests, added onto the agent's result, must pass.

The agent never sees these tests; its branch is cloned to a directory of its own, the
held-back files are written over it (a file the commit deleted is deleted) and a check runs
there. ``bench/agent_bench.py`` judges its fixture specs with the same function and its own
check command; ``specpilot eval`` runs the repository's test command in the sandbox.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from specpilot.pipeline.core.config import PipelineConfig
from specpilot.pipeline.core.errors import PipelineError
from specpilot.pipeline.workspace.test_runner import resolve_test_command, run_tests
from specpilot.pipeline.workspace.worktree import git

# a check: run in this checkout, say whether it passed and one line of why
Check = Callable[[Path], tuple[bool, str]]


@dataclass(frozen=True, slots=True)
class HeldOutCheck:
    passed: bool
    detail: str  # the check's last line of output, or why it could not run
    applied: bool = True  # False: the branch could not be cloned or the tests not written


def scratch_clone(source: Path, where: Path, *, ref: str | None = None,
                  detach: str | None = None) -> Path:  # fmt: skip
    """A clone of ``source`` at ``where`` with no remote: at branch ``ref``, or detached at
    commit ``detach``, or at ``source``'s HEAD. Objects are shared with ``source`` (fast,
    nothing copied); branches made in the clone never reach ``source`` or its remotes."""
    where.parent.mkdir(parents=True, exist_ok=True)
    branch = ["--branch", ref] if ref else []
    no_checkout = ["--no-checkout"] if detach else []
    git(["clone", "-q", "--shared", *branch, *no_checkout, str(source), str(where)],
        cwd=where.parent)  # fmt: skip
    if detach:
        git(["checkout", "-q", "--detach", detach], cwd=where)
    git(["remote", "remove", "origin"], cwd=where)
    return where


def apply_heldout(checkout: Path, files: Mapping[str, str | None]) -> None:
    """Write each held-back file into ``checkout`` (None: delete it); a path that leaves the
    checkout is refused."""
    root = checkout.resolve()
    for rel, text in files.items():
        target = (root / rel).resolve()
        if not target.is_relative_to(root) or target == root:
            raise PipelineError(f"the held-back test path {rel!r} is outside the checkout")
        if text is None:
            if target.is_dir():
                shutil.rmtree(target)
            else:
                target.unlink(missing_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8", errors="surrogateescape")


def heldout_passes(
    source: Path, ref: str | None, files: Mapping[str, str | None], where: Path, check: Check
) -> HeldOutCheck:
    """Clone ``source`` at branch ``ref`` (or its HEAD) to ``where``, add the held-back
    files and run ``check`` there."""
    try:
        checkout = scratch_clone(source, where, ref=ref)
        apply_heldout(checkout, files)
    except PipelineError as exc:
        return HeldOutCheck(False, f"the held-back tests could not be applied: {exc}", False)
    passed, detail = check(checkout)
    return HeldOutCheck(passed, detail)


def sandboxed_check(config: PipelineConfig, artifacts_dir: Path) -> Check:
    """The repository's test command (config, else detected), run in the sandbox exactly as
    a run's test stage runs it: what ``specpilot eval`` judges by."""

    def check(checkout: Path) -> tuple[bool, str]:
        command = resolve_test_command(checkout, None, config)
        if command is None:
            return False, "no test command to run the held-back tests with (set test_command)"
        try:
            report = run_tests(checkout, command, config=config, artifacts_dir=artifacts_dir)
        except PipelineError as exc:
            return False, f"the held-back tests could not run: {exc}"
        if report.passed:
            return True, f"{report.tests or 'all'} tests passed"
        tail = report.output.strip().splitlines()[-1:] or [""]
        why = "timed out" if report.timed_out else tail[0][:200]
        return False, why

    return check
