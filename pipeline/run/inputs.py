"""What a run is given: one frozen record, built once by the caller and never changed.

``SpecRun`` (``stages.py``) holds it next to what the run makes as it goes; ``run_spec``, the
CLI's ``run`` and the ``spec-to-pr`` flow each build one instead of repeating the keyword list.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar, cast

from specpilot.conventions import ConventionProfile
from specpilot.pipeline.core.config import MODES, PipelineConfig, RunMode
from specpilot.pipeline.core.errors import PipelineError
from specpilot.pipeline.core.index import CodeIndex, IndexFactory
from specpilot.pipeline.model.protocol import Model
from specpilot.pipeline.run.gates import GateKeeper
from specpilot.pipeline.run.spec import Spec
from specpilot.pipeline.workspace.paths import WriteCheck


@dataclass(frozen=True, slots=True)
class RunInputs:
    """The spec, where and how to run it, and the guards the policy puts on its writes.

    ``index`` grounds retrieval (None when the caller retrieves itself); ``worktree_index``
    builds an index over the worktree for the agent's searches; ``blocked_paths`` adds globs
    to the spec's blocked paths and ``write_check`` can veto any write with a reason the model
    sees; ``conventions`` (the repo's measured profile) is checked on every green diff;
    ``gates`` says where a person approves (``pipeline/run/gates.py``)."""

    spec: Spec
    repo: Path
    mode: RunMode
    config: PipelineConfig
    model: Model | None
    index: CodeIndex | None = None
    worktree_index: IndexFactory | None = None
    blocked_paths: tuple[str, ...] = ()
    write_check: WriteCheck | None = None
    conventions: ConventionProfile | None = None
    gates: GateKeeper | None = None  # human approval points (None: no gate, as before)

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise PipelineError(f"Unknown mode {self.mode!r}; available: {', '.join(MODES)}.")


T = TypeVar("T")


class InputField(Generic[T]):
    """A read-only attribute of a run (``SpecRun``) that is one of its frozen ``RunInputs``."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, run: Any, owner: Any = None) -> T:
        return cast(T, getattr(run.inputs, self.name))
