"""The run directory ``<runs_dir>/<run-id>/`` and what is written into it.

spec.md         the spec as parsed
config.json     the resolved PipelineConfig, mode, repo
context.md      the retrieval context the model saw
plan.json       the Plan
trace.jsonl     one event per line: model_call (with the reply's text, trimmed), tool_call,
                fallback, plan_rejected, test_run, ...
tests/          JUnit XML and TestReport JSON of every test run
changes.patch   the diff of the agent's changes against the base commit
report.md       a human-readable summary (the suggestion report in suggest mode)
record.json     the final RunRecord (written in ``finally``, also when the run crashes)
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from specpilot.pipeline.core.config import RunMode
from specpilot.pipeline.core.errors import PipelineError
from specpilot.pipeline.run.diff_coverage import DiffCoverage
from specpilot.pipeline.run.gates import GateDecision
from specpilot.pipeline.run.plan import Plan
from specpilot.pipeline.workspace.test_runner import TestReport

log = logging.getLogger(__name__)

RunStatus = Literal[
    "green", "suggested", "stopped", "escalated", "error", "rejected", "awaiting_approval"
]  # fmt: skip


class RunRecord(BaseModel):
    """The outcome of one run.

    status: ``green`` = tests passed and the change is committed on ``branch``;
    ``suggested`` = suggest mode finished (a plan, and with a model a patch); ``stopped`` =
    the run ended early for ``stop_reason`` (budget, model error, failing tests, no model);
    ``error`` = an unexpected exception, or ``tampered`` is set (``stop_reason`` names it);
    ``rejected`` = a person rejected the plan at its gate (``gate_decisions`` says who, when
    and why); ``awaiting_approval`` = a gate could not be asked (``stop_reason`` says how to
    continue).

    ``tampered``: what something the agent ran changed in git's metadata of the worktree (its
    ``.git`` file or admin dir). Detected before specpilot's next git call, which then never
    ran; the worktree was deleted and nothing was committed. None: nothing was changed.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[1] = 1
    run_id: str
    mode: RunMode
    status: RunStatus
    stop_reason: str | None = None
    spec_title: str
    spec_source: str | None = None
    # where the spec came from (``Spec.source_kind`` / ``source_ref`` / ``content_hash``)
    spec_source_kind: str | None = None
    spec_source_ref: str | None = None
    spec_content_hash: str | None = None
    repo: str
    run_dir: str
    base_ref: str | None = None
    base_commit: str | None = None
    branch: str | None = None
    worktree: str | None = None  # kept for pr/auto runs; None when removed
    commit: str | None = None
    files_changed: tuple[str, ...] = ()
    plan: Plan | None = None
    test_reports: tuple[TestReport, ...] = ()
    repair_rounds: int = 0
    model: str | None = None  # the configured model name
    server_model: str | None = None  # the model the server says answered (its last reply)
    model_calls: int = 0
    tool_steps: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    cost_usd: float | None = None  # None: unknown (a model without a price), never 0 for it
    network_isolated: bool | None = None  # None: no test ran
    filesystem_isolated: bool | None = None  # read-only outside the worktree; None: no test ran
    tampered: str | None = None  # the worktree's .git metadata was rewritten (see the docstring)
    warnings: tuple[str, ...] = ()
    # what the pipeline did instead when the model did not do as asked: kind -> times
    # (``pipeline.fallbacks``)
    fallbacks: Mapping[str, int] = {}
    # whether the change touches a test while the spec has acceptance criteria (None: no
    # criteria, or no change)
    acceptance_tested: bool | None = None
    gate_decisions: tuple[GateDecision, ...] = ()  # who approved/rejected at which gate
    # coverage of the change's added Python lines by its tests (``pipeline.run.diff_coverage``);
    # None: no green test run to measure (or a record made before it existed)
    diff_coverage: DiffCoverage | None = None
    artifacts: Mapping[str, str] = {}  # name -> path relative to run_dir
    started_at: datetime
    finished_at: datetime
    duration_s: float


def new_run_id(slug: str, now: datetime) -> str:
    return f"{now:%Y%m%d-%H%M%S}-{slug[:40]}-{secrets.token_hex(3)}"


class RunDir:
    """Creates ``<runs_dir>/<run_id>`` and writes files into it."""

    def __init__(self, runs_dir: Path, run_id: str) -> None:
        self.path = runs_dir / run_id
        try:
            self.path.mkdir(parents=True, exist_ok=False)
        except OSError as exc:
            raise PipelineError(
                f"Cannot create the run directory {str(self.path)!r}: {exc}; set runs_dir "
                "to a writable directory."
            ) from exc
        self.artifacts: dict[str, str] = {}

    def write_text(self, name: str, text: str) -> Path:
        target = self.path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        # byte-exact: a diff's carriage returns and undecodable bytes (surrogates) survive
        target.write_text(text, encoding="utf-8", errors="surrogateescape", newline="")
        self.artifacts[name] = name
        return target

    def write_json(self, name: str, data: Any) -> Path:
        return self.write_text(name, json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")

    def write_model(self, name: str, model: BaseModel) -> Path:
        return self.write_text(name, model.model_dump_json(indent=2) + "\n")


class RunTrace:
    """Append-only JSONL of everything that happened, one event per line, flushed each time."""

    def __init__(self, path: Path, *, clock: Any = None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._seq = 0
        self._clock = clock or (lambda: datetime.now().astimezone())
        path.touch()

    def event(self, kind: str, **fields: Any) -> None:
        with self._lock:
            self._seq += 1
            row = {"seq": self._seq, "ts": self._clock().isoformat(), "kind": kind, **fields}
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(row, default=str, sort_keys=False) + "\n")

    def test_run(self, trigger: str, report: TestReport, **extra: Any) -> None:
        self.event(
            "test_run",
            trigger=trigger,
            command=report.command,
            passed=report.passed,
            returncode=report.returncode,
            timed_out=report.timed_out,
            tests=report.tests,
            failures=report.failures,
            errors=report.errors,
            seconds=report.duration_s,
            network_isolated=report.network_isolated,
            filesystem_isolated=report.filesystem_isolated,
            **extra,
        )

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.path.read_text(encoding="utf-8").splitlines()]


def load_record(path: Path) -> RunRecord:
    """Read ``record.json`` (a file or a run directory)."""
    if path.is_dir():
        path = path / "record.json"
    return RunRecord.model_validate_json(path.read_text(encoding="utf-8"))
