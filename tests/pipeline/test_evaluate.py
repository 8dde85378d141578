"""pipeline.evaluate: the judge (held-back tests on a scratch clone), outcome classes, report."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from specpilot.pipeline import (
    EvalCase,
    EvalReport,
    HeldOutCheck,
    PipelineError,
    apply_heldout,
    failure_class,
    heldout_passes,
    outcome_of,
    recent_cases,
    scratch_clone,
)
from tests.pipeline.run_helpers import git


def _record(status: str, reason: str | None = None) -> dict[str, Any]:
    return {"status": status, "stop_reason": reason}


def test_held_back_files_are_written_deleted_and_kept_inside_the_checkout(tmp_path: Path) -> None:
    root = tmp_path / "co"
    (root / "tests").mkdir(parents=True)
    (root / "tests" / "test_old.py").write_text("old\n")
    apply_heldout(root, {"tests/test_new.py": "new\n", "tests/test_old.py": None})
    assert (root / "tests" / "test_new.py").read_text() == "new\n"
    assert not (root / "tests" / "test_old.py").exists()
    for bad in ("../escape.py", "/etc/passwd-test", "tests/../../x.py"):
        with pytest.raises(PipelineError, match="outside the checkout"):
            apply_heldout(root, {bad: "x\n"})
    assert not (tmp_path / "escape.py").exists() and not (tmp_path / "x.py").exists()


def test_the_judge_runs_the_check_on_the_branch_with_the_held_back_tests(
    make_repo: Callable[..., Path], tmp_path: Path
) -> None:
    repo = make_repo({"calc.py": "X = 1\n"}, git=True)
    git(repo, "checkout", "-qb", "agent")
    (repo / "calc.py").write_text("X = 2\n")
    git(repo, "-c", "user.name=a", "-c", "user.email=a@b", "commit", "-qam", "agent")
    git(repo, "checkout", "-q", "-")
    seen: dict[str, str] = {}

    def check(where: Path) -> tuple[bool, str]:
        seen["calc"] = (where / "calc.py").read_text()
        seen["test"] = (where / "tests" / "test_calc.py").read_text()
        return seen["calc"] == "X = 2\n", "checked"

    result = heldout_passes(repo, "agent", {"tests/test_calc.py": "T\n"}, tmp_path / "j", check)
    assert result == HeldOutCheck(True, "checked")
    assert seen == {"calc": "X = 2\n", "test": "T\n"}
    missing = heldout_passes(repo, "no-such-branch", {}, tmp_path / "k", check)
    assert not missing.passed and not missing.applied
    assert "could not be applied" in missing.detail


def test_a_scratch_clone_has_no_remote_and_its_branches_stay_in_it(
    make_repo: Callable[..., Path], tmp_path: Path
) -> None:
    repo = make_repo({"a.py": "A = 1\n"}, git=True)
    first = git(repo, "rev-parse", "HEAD").strip()
    (repo / "a.py").write_text("A = 2\n")
    git(repo, "-c", "user.name=a", "-c", "user.email=a@b", "commit", "-qam", "two")
    before = git(repo, "for-each-ref")
    clone = scratch_clone(repo, tmp_path / "c", detach=first)
    assert (clone / "a.py").read_text() == "A = 1\n"
    assert git(clone, "remote").strip() == ""
    git(clone, "branch", "specpilot/x")
    assert git(repo, "for-each-ref") == before


def test_a_commit_that_deletes_a_test_holds_back_the_deletion(
    make_repo: Callable[..., Path],
) -> None:
    repo = make_repo({"m.py": "A = 1\n", "tests/test_gone.py": "x\n", "tests/test_m.py": "y\n"},
                     git=True)  # fmt: skip
    (repo / "tests" / "test_gone.py").unlink()
    (repo / "m.py").write_text("A = 2\n")
    git(repo, "-c", "user.name=a", "-c", "user.email=a@b", "commit", "-qam", "drop it")
    (case,) = recent_cases(repo, 1, ("tests/**",))
    assert dict(case.tests) == {"tests/test_gone.py": None} and case.code == ("m.py",)


@pytest.mark.parametrize(
    ("record", "heldout", "outcome"),
    [
        (_record("green"), HeldOutCheck(True, "ok"), "solved"),
        (_record("green"), HeldOutCheck(False, "1 failed"), "heldout_fail"),
        (_record("green"), None, "error"),
        (_record("green"), HeldOutCheck(False, "no such branch", applied=False), "error"),
        (_record("stopped", "tests still fail after 1 repair round"), None, "red"),
        (_record("stopped", "budget: max_total_tokens reached"), None, "stopped"),
        (_record("escalated", "handed over"), None, "stopped"),
        (_record("error", "the run crashed"), None, "error"),
        (None, None, "error"),
    ],
)
def test_the_eval_outcome_of_a_run(
    record: dict[str, Any] | None, heldout: HeldOutCheck | None, outcome: str
) -> None:
    assert outcome_of(record, heldout) == outcome


def test_the_benchmark_failure_classes() -> None:
    assert failure_class(None, None) == "no_record"
    assert failure_class(_record("error"), None) == "error"
    assert failure_class(_record("stopped", "model: did not answer within 900 s"), None) == (
        "timeout"
    )
    assert failure_class(_record("stopped", "tests still fail"), None) == "tests_fail"
    assert failure_class(_record("stopped", "something else"), None) == "stopped"
    assert failure_class(_record("green"), {"outcome": "failed"}) == "delivery_failed"
    assert failure_class(_record("green"), {"outcome": "pr"}) is None


def _case(outcome: str, cost: float | None) -> EvalCase:
    return EvalCase(commit="c" * 40, title="t", outcome=outcome, run_status="green",  # type: ignore[arg-type]
                    detail="", heldout_tests=(), tokens_in=10, tokens_out=2, cost_usd=cost,
                    seconds=1.5)  # fmt: skip


def test_the_report_totals_and_an_unpriced_run_makes_the_cost_unknown() -> None:
    priced = EvalReport.of([_case("solved", 0.01), _case("red", 0.02)], repo="r", mode="pr",
                           model="m", work_dir="w")  # fmt: skip
    assert (priced.solved, priced.total, priced.solve_rate) == (1, 2, 0.5)
    assert priced.cost_usd == pytest.approx(0.03) and priced.tokens_in == 20
    assert priced.counts["red"] == 1 and priced.seconds == 3.0
    unpriced = EvalReport.of([_case("solved", 0.01), _case("solved", None)], repo="r", mode="pr",
                             model="m", work_dir="w")  # fmt: skip
    assert unpriced.cost_usd is None and unpriced.solve_rate == 1.0
    assert EvalReport.of([], repo="r", mode="pr", model=None, work_dir="w").solve_rate == 0.0
