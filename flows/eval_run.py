"""``specpilot eval``: a repository's own recent commits as specs, each run through the normal
pipeline and judged by the tests the commit itself added or changed.

Per commit: a scratch clone (objects shared, no remote) detached at the commit's parent, the
commit message as the spec, ``run_request`` — the path ``specpilot run`` takes — and, when the
run ends green, the commit's held-back tests written onto the run's branch and the
repository's test command run in the sandbox. Nothing lands in the user's repository or is
pushed anywhere: the branches live in the clones under the work directory. Nothing here
prints; progress goes to the callback.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from specpilot.flows.pipeline_settings import pipeline_config
from specpilot.flows.settings import load_settings
from specpilot.flows.spec_run import SpecRequest, run_request
from specpilot.pipeline import (
    CommitCase,
    EvalCase,
    EvalReport,
    HeldOutCheck,
    RunMode,
    commit_case,
    heldout_passes,
    load_policy,
    outcome_of,
    recent_cases,
    sandboxed_check,
    scratch_clone,
    tokens_of,
)

log = logging.getLogger(__name__)

EVAL_NEEDS_MODEL = (
    "specpilot eval runs the model on each commit, so it needs a model: set "
    "ANTHROPIC_BASE_URL (a local server) or ANTHROPIC_API_KEY / ANTHROPIC_AUTH_TOKEN, and "
    "SPECPILOT_MODEL for its name."
)


@dataclass(frozen=True, slots=True)
class EvalRequest:
    repo: Path  # the repository's top level
    cases: tuple[CommitCase, ...]
    mode: RunMode  # pr or auto: a mode that writes code
    overrides: tuple[str, ...]  # --set KEY=VALUE, applied to every run
    work: Path  # the clones, indexes and held-back checks go here (kept for inspection)
    actor: str


def test_globs(repo: Path) -> tuple[str, ...]:
    """What the repository's policy calls a test file (``classify.tests``)."""
    return tuple(load_policy(repo).classify.get("tests", ()))


def run_eval(
    req: EvalRequest,
    *,
    environ: Mapping[str, str],
    progress: Callable[[str], None] | None = None,
) -> EvalReport:
    """Every case in turn; a case that crashes is an ``error`` case, never the end of the
    eval."""
    say = progress or (lambda _line: None)
    cases: list[EvalCase] = []
    for n, case in enumerate(req.cases, 1):
        say(f"[{n}/{len(req.cases)}] {case.short} {case.title}")
        result = run_case(case, req, environ)
        cases.append(result)
        say(f"  {result.outcome}: {result.detail[:160]} ({result.seconds:.0f} s)")
    model = pipeline_config(load_settings(req.repo, list(req.overrides), environ), req.repo).model
    return EvalReport.of(
        cases, repo=str(req.repo), mode=req.mode, model=model, work_dir=str(req.work)
    )


def run_case(case: CommitCase, req: EvalRequest, environ: Mapping[str, str]) -> EvalCase:
    """One commit: clone at its parent, run its message as a spec, judge the branch."""
    case_dir = req.work / case.short
    held = tuple(sorted(case.tests))
    started = time.monotonic()
    try:
        clone = scratch_clone(req.repo, case_dir / "repo", detach=case.parent)
        # an eval run hands nothing over (no person reads a scratch clone's escalation)
        settings = load_settings(clone, ["pipeline.escalate=false", *req.overrides], environ)
        spec = case.spec()
        request = SpecRequest(
            spec=spec, spec_text=spec.to_markdown(), repo=clone, mode=req.mode,
            settings=settings, db=str(case_dir / "index"), actor=req.actor, trigger="eval",
        )  # fmt: skip
        delivery = run_request(request, environ=environ)
        record = _read_json(Path(delivery.record_path))
        heldout: HeldOutCheck | None = None
        if record is not None and record["status"] == "green" and record.get("branch"):
            config = pipeline_config(settings, clone)
            check = sandboxed_check(config, case_dir / "heldout-reports")
            heldout = heldout_passes(
                clone, str(record["branch"]), case.tests, case_dir / "heldout", check
            )
    except Exception as exc:  # one commit's failure is its outcome, not the eval's end
        log.debug("eval of %s failed", case.sha, exc_info=True)
        return EvalCase(
            commit=case.sha, title=case.title, outcome="error", run_status=None,
            detail=_one_line(f"{type(exc).__name__}: {exc}"), heldout_tests=held,
            seconds=round(time.monotonic() - started, 1),
        )  # fmt: skip
    outcome = outcome_of(record, heldout)
    if heldout is not None:
        detail = heldout.detail
    elif record is not None:
        detail = str(record.get("stop_reason") or delivery.error or delivery.message)
    else:
        detail = delivery.error or delivery.message
    tokens_in, tokens_out = tokens_of(record) if record is not None else (0, 0)
    return EvalCase(
        commit=case.sha, title=case.title, outcome=outcome,
        run_status=str(record["status"]) if record is not None else None,
        detail=_one_line(detail), heldout_tests=held, tokens_in=tokens_in, tokens_out=tokens_out,
        cost_usd=record.get("cost_usd") if record is not None else None,
        seconds=round(time.monotonic() - started, 1),
        repair_rounds=int(record.get("repair_rounds") or 0) if record is not None else 0,
        model_calls=int(record.get("model_calls") or 0) if record is not None else 0,
        run_dir=delivery.run_dir, branch=record.get("branch") if record is not None else None,
    )  # fmt: skip


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _one_line(text: str) -> str:
    return " ".join(text.split())[:300]


def pick_cases(
    repo: Path, *, count: int | None, shas: Sequence[str], globs: Sequence[str]
) -> list[CommitCase]:
    """The cases asked for: the given commits, else the last ``count`` eligible ones."""
    if shas:
        return [commit_case(repo, sha, globs) for sha in shas]
    return recent_cases(repo, count or 0, globs)
