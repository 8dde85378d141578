"""A run's state and its transitions: ``RunState``, what ``SpecRun``'s stages read and set.

The inputs (frozen ``RunInputs``, read through ``InputField``s), the handles the stages make
(model, worktree, toolbox), the loop's state and the outcome; ``guard`` turns budget, model and
other pipeline errors into a clean stop (status ``stopped``), a rewritten ``.git`` of the
worktree (``WorktreeTampered``) into status ``error`` with ``tampered`` set, a Ctrl-C into a
stop that is raised again as ``RunInterrupted``, and marks anything unexpected as ``error``
before re-raising it. The stages are in ``stages.py``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from specpilot.conventions import ConventionProfile, Violation
from specpilot.pipeline.core.config import PipelineConfig
from specpilot.pipeline.core.errors import (
    BudgetExceeded,
    ModelError,
    PipelineError,
    RunInterrupted,
    WorktreeTampered,
)
from specpilot.pipeline.core.index import CodeIndex, IndexFactory
from specpilot.pipeline.model.protocol import Message, Model
from specpilot.pipeline.run.budget import Budget, MeteredModel
from specpilot.pipeline.run.context import (
    RetrievedContext,
)
from specpilot.pipeline.run.diff_coverage import DiffCoverage
from specpilot.pipeline.run.gates import GateDecision, GateKeeper
from specpilot.pipeline.run.inputs import InputField, RunInputs
from specpilot.pipeline.run.plan import Plan
from specpilot.pipeline.run.record import (
    RunDir,
    RunMode,
    RunStatus,
    RunTrace,
)
from specpilot.pipeline.run.spec import Spec
from specpilot.pipeline.workspace.file_tools import Toolbox
from specpilot.pipeline.workspace.paths import WriteCheck
from specpilot.pipeline.workspace.test_runner import (
    TestCommand,
    TestReport,
)
from specpilot.pipeline.workspace.worktree import (
    Worktree,
)

log = logging.getLogger(__name__)


@dataclass(slots=True)
class RunState:
    """One run's inputs and what it has so far (``SpecRun`` adds the stages)."""

    inputs: RunInputs
    run_id: str
    run_dir: RunDir
    trace: RunTrace
    budget: Budget
    started: datetime
    status: RunStatus = "error"
    stop_reason: str | None = None
    done: bool = False  # stopped, suggested or green: later stages do nothing
    stage: str = ""  # the stage the loop is in (drive)
    context: RetrievedContext | None = None
    plan_: Plan | None = None
    metered: MeteredModel | None = None
    worktree: Worktree | None = None
    scratch: Path | None = None  # suggest mode: temp dir holding the detached worktree
    toolbox: Toolbox | None = None
    command: TestCommand | None = None
    messages: tuple[Message, ...] = ()
    feedback: str | None = None  # test failures for the next code round
    round_no: int = 0
    coded: bool = False  # a code round finished with changes, awaiting its test run
    reports: list[TestReport] = field(default_factory=list)
    repair_rounds: int = 0
    commit_sha: str | None = None
    summary: str = ""
    warnings: list[str] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)  # left by the last check
    tampered: str | None = None  # what rewrote the worktree's .git metadata (WorktreeTampered)
    decisions: list[GateDecision] = field(default_factory=list)  # at the run's gates
    diff_coverage: DiffCoverage | None = None  # of the last green change (run/diff_coverage)

    # The inputs, read through the run (they never change while it goes).
    spec = InputField[Spec]("spec")
    repo = InputField[Path]("repo")
    mode = InputField[RunMode]("mode")
    config = InputField[PipelineConfig]("config")
    model = InputField[Model | None]("model")
    index = InputField[CodeIndex | None]("index")
    worktree_index = InputField[IndexFactory | None]("worktree_index")
    blocked_paths = InputField[tuple[str, ...]]("blocked_paths")
    write_check = InputField[WriteCheck | None]("write_check")
    conventions = InputField[ConventionProfile | None]("conventions")
    gates = InputField[GateKeeper | None]("gates")

    @contextmanager
    def guard(self) -> Iterator[None]:
        """Budget, model and pipeline errors stop the run cleanly; others mark it ``error``."""
        try:
            yield
        except BudgetExceeded as exc:
            self.stop(f"budget: {exc}")
        except ModelError as exc:
            self.stop(f"model: {exc}")
        except WorktreeTampered as exc:
            self.tamper(exc)
        except PipelineError as exc:
            self.stop(f"{type(exc).__name__}: {exc}")
        except KeyboardInterrupt:  # Ctrl-C, SIGTERM: a clean stop, then the caller stops too
            self.stop(f"interrupted (Ctrl-C or SIGTERM) during {self.stage or 'the start'}")
            raise RunInterrupted(self.run_id, str(self.run_dir.path), self.stage) from None
        except BaseException as exc:
            self.status, self.done = "error", True
            self.stop_reason = f"{type(exc).__name__}: {exc}"
            log.exception("run %s crashed", self.run_id)
            raise

    def stop(self, reason: str) -> None:
        self.status, self.stop_reason, self.done = "stopped", reason, True
        log.info("run %s stopped: %s", self.run_id, reason)  # the record and the CLI say it

    def tamper(self, exc: WorktreeTampered) -> None:
        """The worktree's .git was rewritten: status ``error``, nothing more runs in it."""
        self.status, self.done, self.tampered = "error", True, str(exc)
        self.stop_reason = f"WorktreeTampered: {exc}"
        self.trace.event("tampered", reason=str(exc))
        log.error("run %s: %s", self.run_id, exc)

    def warn(self, message: str) -> None:
        log.warning("%s", message)
        self.warnings.append(message)

    @property
    def wants_code(self) -> bool:
        return not self.done and self.metered is not None and not self.coded

    @property
    def wants_test(self) -> bool:
        return not self.done and self.coded

    @property
    def wants_repair(self) -> bool:
        return not self.done and not self.coded and self.feedback is not None

    @property
    def wants_plan_gate(self) -> bool:
        """A plan that code will follow, in a run whose gates include the plan gate."""
        return self.wants_code and self.gates is not None and self.plan_ is not None

    @property
    def passed(self) -> bool:
        return bool(self.reports) and self.reports[-1].passed

    @property
    def tests_dir(self) -> Path:
        return self.run_dir.path / "tests"
