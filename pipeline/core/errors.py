"""Errors raised by the pipeline.

    PipelineError
    ├── SpecError            a spec file is malformed (names the field and the line)
    ├── ModelError           the model API failed after retries, or is not configured
    │   ├── NoModelError     a stage needs a model and no API key is set
    │   ├── ContextWindowError  the request is longer than the model's context window
    │   └── DeadlineExceeded  a call (all its attempts) ran out of the time its caller gave
    ├── BudgetExceeded       a token / cost / step / wall-time limit was reached
    ├── ToolError            a tool call was refused or failed (the model sees the message)
    │   └── PathOutsideWorktree  a path escapes the worktree (.., absolute, symlink out)
    ├── SandboxError         the test command could not be started
    ├── WorktreeError        a git branch / worktree / commit operation failed
    │   └── WorktreeTampered git's metadata of a worktree changed under specpilot (``.git``)
    ├── ConfigError          a pipeline config value is out of range
    ├── DiffError            a unified diff cannot be parsed (names the line)
    ├── PolicyError          the policy file is malformed
    ├── SecretsFound         the diff contains a secret (names file and line, never the secret)
    ├── DeployError          pushing, opening a PR or merging failed
    ├── DepsError            a package index or advisory source failed or answered nonsense
    ├── AuditError           the audit log cannot be written or is broken
    │   └── AuditKeyError    the audit key is missing, malformed, exposed or in the wrong place
    └── ReportError          a KPI report's input is bad (a ``--since`` that is no duration or date)

Every message is a whole sentence naming the input and what would be valid.
"""

from __future__ import annotations


class PipelineError(Exception):
    """Root of every error the pipeline raises."""


class SpecError(PipelineError):
    pass


class ModelError(PipelineError):
    pass


class NoModelError(ModelError):
    pass


class ContextWindowError(ModelError):
    """``rejected_by_server``: the server refused a sent request as too long (else the
    request was never sent: it does not fit even after packing)."""

    def __init__(self, message: str, *, rejected_by_server: bool = False) -> None:
        super().__init__(message)
        self.rejected_by_server = rejected_by_server


class DeadlineExceeded(ModelError):
    """A model call could not end within the ``timeout_s`` its caller gave it (the run's
    remaining wall time): an attempt was cut at it, or a retry would have passed it.
    ``MeteredModel`` turns it into the wall-time ``BudgetExceeded``."""

    def __init__(self, message: str, *, timeout_s: float) -> None:
        super().__init__(message)
        self.timeout_s = timeout_s


class BudgetExceeded(PipelineError):
    pass


class ToolError(PipelineError):
    pass


class PathOutsideWorktree(ToolError):
    pass


class SandboxError(PipelineError):
    pass


class WorktreeError(PipelineError):
    pass


class WorktreeTampered(WorktreeError):
    """The worktree's ``.git`` file or its admin dir no longer says what git wrote at its
    creation: something the agent ran (its tests) pointed git elsewhere. No git command runs
    in that worktree any more; the run ends with this as its reason."""


class ConfigError(PipelineError, ValueError):
    """A config value out of range (also a ValueError, like every package's config error)."""


class DiffError(PipelineError):
    pass


class PolicyError(PipelineError):
    pass


class SecretsFound(PipelineError):
    pass


class DeployError(PipelineError):
    pass


class AuditError(PipelineError):
    pass


class AuditKeyError(AuditError):
    pass


class ReportError(PipelineError):
    pass


class DepsError(PipelineError):
    pass


class RunInterrupted(KeyboardInterrupt):
    """A Ctrl-C stopped a run: status ``stopped``, its record written in ``run_dir``, nothing
    delivered; ``branch``: where the work it had done is kept (a stopped run that changed
    files keeps its worktree and branch), once the record is written. Still a
    KeyboardInterrupt, so callers stop as they would."""

    def __init__(self, run_id: str, run_dir: str, stage: str) -> None:
        super().__init__(run_id, run_dir, stage)
        self.run_id, self.run_dir, self.stage = run_id, run_dir, stage
        self.branch: str | None = None
