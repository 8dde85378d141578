"""Ticking a spec's tasks (OpenSpec / Spec Kit ``tasks.md``) in the run's worktree when the
change is green: through the agent's own guarded ``edit_file``, so a path the policy or the
spec blocks stays as it is."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from specpilot.pipeline.model.protocol import ToolCall
from specpilot.pipeline.run.spec import Spec
from specpilot.pipeline.specsrc.markdown import tick_tasks
from specpilot.pipeline.workspace.file_tools import Toolbox


@dataclass(frozen=True, slots=True)
class Ticked:
    path: str  # the tasks file, repo-relative
    tasks: tuple[str, ...]  # the tasks ticked (empty when the edit was refused)
    refused: str | None = None  # why ``edit_file`` refused the edit


def tick_spec_tasks(spec: Spec, repo: Path, worktree: Path, toolbox: Toolbox) -> Ticked | None:
    """Tick the spec's tasks in its tasks file; None when there is nothing to tick (no tasks
    file, one outside the repository, or none of its tasks open)."""
    if not spec.tasks_file or not spec.tasks:
        return None
    try:
        rel = Path(spec.tasks_file).resolve().relative_to(repo.resolve())
    except ValueError:
        return None  # the spec was read from outside the repository
    path = worktree / rel
    if path.is_symlink() or not path.is_file():
        return None
    try:
        with path.open(encoding="utf-8", newline="") as fh:  # as edit_file reads it
            text = fh.read()
    except (OSError, UnicodeDecodeError):
        return None
    updated, ticked = tick_tasks(text, spec.tasks)
    if not ticked:
        return None
    args = {"path": rel.as_posix(), "old_text": text, "new_text": updated}
    outcome = toolbox.call(ToolCall("tick-tasks", "edit_file", args))
    if outcome.is_error:
        return Ticked(rel.as_posix(), (), refused=outcome.content)
    return Ticked(rel.as_posix(), tuple(ticked))
