"""How an agent run ended, in the classes a benchmark counts, and the eval's report.

``failure_class`` reads a run's record and delivery (as JSON, the way a benchmark reads
them from the run directory) and names why an unresolved run failed; ``outcome_of`` gives
the class ``specpilot eval`` reports per commit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from specpilot.pipeline.evaluate.heldout import HeldOutCheck

# solved: green and the held-back tests pass; heldout_fail: the run's own tests were green but
# the held-back tests fail; red: stopped with failing tests; stopped: stopped for another
# reason (budget, model, no change, escalated); error: the run crashed or could not start
EvalOutcome = Literal["solved", "heldout_fail", "red", "stopped", "error"]
OUTCOMES: tuple[EvalOutcome, ...] = ("solved", "heldout_fail", "red", "stopped", "error")

_STOP_CLASSES = (
    ("budget:", "budget"),
    ("did not answer within", "timeout"),
    ("cut off at max_tokens", "cut_off"),
    ("context window", "context_window"),
    ("tests still fail", "tests_fail"),
    ("require_acceptance_tests", "no_test"),
    ("no test command", "no_test_command"),
    ("without calling finish", "no_change"),
    ("without changing any file", "no_change"),
    ("leave the files as they were", "no_change"),
    ("model:", "model_error"),
)


def failure_class(
    record: Mapping[str, Any] | None, delivery: Mapping[str, Any] | None
) -> str | None:
    """The failure class of a run that is not resolved (None: nothing failed in the run)."""
    if record is None:
        return "no_record"
    reason = str(record.get("stop_reason") or "")
    if record["status"] == "error":
        return "error"
    if record["status"] in ("rejected", "awaiting_approval"):
        return "gate"  # a human gate stopped it (the repo's policy gates the change)
    if record["status"] in ("stopped", "escalated"):  # escalated: a stopped run handed over
        for needle, kind in _STOP_CLASSES:
            if needle in reason:
                return kind
        return "stopped"
    if delivery is not None and delivery.get("outcome") == "failed":
        return "delivery_failed"
    return None


def outcome_of(record: Mapping[str, Any] | None, heldout: HeldOutCheck | None) -> EvalOutcome:
    """The eval class of a run: its record (None: no record, it crashed) and the held-back
    check of its branch (None: not judged, because the run did not end green)."""
    if record is None or record["status"] == "error":
        return "error"
    if record["status"] == "green":
        if heldout is None or not heldout.applied:
            return "error"  # green with nothing to judge: no branch, or it cannot be cloned
        return "solved" if heldout.passed else "heldout_fail"
    if failure_class(record, None) == "tests_fail":
        return "red"
    return "stopped"


class EvalCase(BaseModel):
    """One commit's run and verdict."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    commit: str
    title: str
    outcome: EvalOutcome
    run_status: str | None  # the record's status; None when the run never started
    detail: str  # the stop reason, the held-back check's line, or the error
    heldout_tests: tuple[str, ...]
    tokens_in: int = 0  # input + cache read + cache write
    tokens_out: int = 0
    cost_usd: float | None = None  # None: an unpriced model (or no run)
    seconds: float = 0.0
    repair_rounds: int = 0
    model_calls: int = 0
    run_dir: str | None = None
    branch: str | None = None


class EvalReport(BaseModel):
    """``specpilot eval``'s result (``--json`` prints it, ``--out`` writes it)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[1] = 1
    repo: str
    mode: str
    model: str | None
    cases: tuple[EvalCase, ...]
    solved: int
    total: int
    solve_rate: float
    counts: dict[str, int]  # outcome -> number of commits
    tokens_in: int
    tokens_out: int
    cost_usd: float | None  # None when any run was unpriced
    seconds: float
    work_dir: str

    @classmethod
    def of(cls, cases: Sequence[EvalCase], *, repo: str, mode: str, model: str | None,
           work_dir: str) -> EvalReport:  # fmt: skip
        solved = sum(c.outcome == "solved" for c in cases)
        priced = [c.cost_usd for c in cases if c.cost_usd is not None]
        return cls(
            repo=repo, mode=mode, model=model, cases=tuple(cases), solved=solved,
            total=len(cases), solve_rate=solved / len(cases) if cases else 0.0,
            counts={o: sum(c.outcome == o for c in cases) for o in OUTCOMES},
            tokens_in=sum(c.tokens_in for c in cases), tokens_out=sum(c.tokens_out for c in cases),
            cost_usd=round(sum(priced), 6) if len(priced) == len(cases) else None,
            seconds=round(sum(c.seconds for c in cases), 1), work_dir=work_dir,
        )  # fmt: skip


def tokens_of(record: Mapping[str, Any]) -> tuple[int, int]:
    """(tokens in, tokens out) of a record: cache reads and writes count as input."""
    tokens_in = (
        int(record["input_tokens"])
        + int(record["cache_read_tokens"])
        + int(record["cache_write_tokens"])
    )
    return tokens_in, int(record["output_tokens"])
