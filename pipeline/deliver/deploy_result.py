"""What a deploy did (``DeployResult``, recorded in the delivery and the audit trail), and the
test hook a tier-1 merge runs (``RunTests``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict

from specpilot.pipeline.tiers.policy import Mode, Tier
from specpilot.pipeline.tiers.tiering import Action


class TestResultLike(Protocol):
    """What ``run_tests`` returns (e.g. the test runner's report)."""

    @property
    def passed(self) -> bool: ...

    @property
    def summary(self) -> str: ...


@dataclass(frozen=True, slots=True)
class TestOutcome:
    passed: bool
    summary: str


RunTests = Callable[[Path], TestResultLike]


class DeployResult(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[1] = 1
    action: Action  # what was done
    requested: Action  # what the decision asked for
    tier: Tier
    mode: Mode
    base: str
    branch: str | None = None  # the pushed branch of a PR
    commit_sha: str | None = None  # the change's own commit
    merge_sha: str | None = None
    pushed: bool = False
    pr_number: int | None = None
    pr_url: str | None = None
    pr_description_path: str | None = None
    patch_path: str | None = None
    report_path: str | None = None
    labels: tuple[str, ...] = ()
    checks: str | None = None  # what was waited for, and how it ended
    merge_tests_passed: bool | None = None
    merge_tests_summary: str | None = None
    fallback_reason: str | None = None
    notes: tuple[str, ...] = ()
