"""``report.md``: a run explained for a human (in suggest mode, the suggestion report)."""

from __future__ import annotations

from specpilot.pipeline.run.fallbacks import KINDS
from specpilot.pipeline.run.plan import render_plan
from specpilot.pipeline.run.record import RunRecord
from specpilot.pipeline.workspace.test_runner import TestReport

_STATUS = {
    "green": "the tests pass and the change is committed",
    "suggested": "suggestion only; nothing was written to the repository",
    "stopped": "the run stopped before a tested commit",
    "escalated": "the run could not finish and was handed over to a human (ESCALATED.md)",
    "error": "the run crashed",
    "rejected": "a person rejected it at a gate; nothing was pushed",
    "awaiting_approval": "a gate is waiting for a person; nothing was pushed",
}


def render_report(record: RunRecord) -> str:
    out = [
        f"# specpilot run `{record.run_id}`",
        f"**Spec:** {record.spec_title}"
        + (f" (`{record.spec_source}`)" if record.spec_source else ""),
        f"**Mode:** {record.mode} · **Status:** {record.status} — {_STATUS[record.status]}",
    ]
    if record.stop_reason:
        out.append(f"**Why:** {record.stop_reason}")
    for decision in record.gate_decisions:
        out.append(f"**Gate:** {decision.line()} (via {decision.via})")
    if record.plan is not None and record.plan.source == "retrieval" and record.model is None:
        out.append(
            "> This is a retrieval-only plan. Writing code needs a model: set "
            "ANTHROPIC_API_KEY and run again to implement and test the change."
        )
    where = []
    if record.branch:
        where.append(
            f"- Branch: `{record.branch}`"
            + (f" at `{record.commit[:12]}`" if record.commit else " (uncommitted work)")
        )
    if record.worktree:
        where.append(f"- Worktree: `{record.worktree}`")
    if record.base_commit:
        where.append(f"- Base: `{record.base_ref}` (`{record.base_commit[:12]}`)")
    if record.files_changed:
        where.append("- Files changed: " + ", ".join(f"`{p}`" for p in record.files_changed))
    if "changes.patch" in record.artifacts:
        where.append("- Patch: `changes.patch` in the run directory")
    if where:
        out.append("## Result")
        out.append("\n".join(where))
    if record.plan is not None:
        out.append(render_plan(record.plan).rstrip())
    if record.test_reports:
        out.append("## Test runs")
        out.append("\n".join(_test_line(i, r) for i, r in enumerate(record.test_reports, 1)))
        out.append("## Test sandbox (what was in force for the last test run)")
        out.append(protections(record.test_reports[-1]))
    elif record.stop_reason and record.stop_reason.startswith("untested: "):
        out.append("## Test sandbox")
        out.append(f"- The tests were not run: {record.stop_reason.removeprefix('untested: ')}")
    if record.acceptance_tested is not None:
        out.append("## Acceptance criteria")
        verdict = (
            "the change touches a test file"
            if record.acceptance_tested
            else "**no test covers them**: the change touches no test file"
        )
        out.append(f"- {verdict}")
    if record.diff_coverage is not None:
        out.append("## Diff coverage")
        out.append(f"- {record.diff_coverage.summary()}")
    if record.fallbacks:
        out.append("## Fallbacks")
        out.append(
            "\n".join(
                f"- `{kind}` ({n} times): {KINDS.get(kind, '')}"
                for kind, n in record.fallbacks.items()
            )
        )
    out.append("## Usage")
    cost = "unpriced" if record.cost_usd is None else f"${record.cost_usd:.4f}"
    if record.model is None:
        cost = "none (no model)"
    served = (
        f" (the server reports {record.server_model})"
        if record.server_model and record.server_model != record.model
        else ""
    )
    out.append(
        f"- Model: {record.model or 'none'}{served}; {record.model_calls} calls; "
        f"{record.input_tokens} input, {record.output_tokens} output, "
        f"{record.cache_read_tokens} cache-read, {record.cache_write_tokens} cache-write tokens\n"
        f"- Cost: {cost}; tool steps: {record.tool_steps}; repair rounds: "
        f"{record.repair_rounds}\n"
        f"- Duration: {record.duration_s:.1f} s"
    )
    if record.warnings:
        out.append("## Warnings")
        out.append("\n".join(f"- {w}" for w in record.warnings))
    out.append("## Files in the run directory")
    out.append("\n".join(f"- `{p}`" for p in sorted(record.artifacts.values())))
    return "\n\n".join(out) + "\n"


def protections(r: TestReport) -> str:
    """The protections a test run had, one per line, from its isolation record only."""
    iso = r.isolation
    if iso is None:  # a report made before isolation records existed
        return f"- Sandbox: {r.sandbox_note}"
    lines = [
        "- Network: " + ("off (own network namespace)" if iso.network else "ON: not isolated"),
        "- File system: " + (iso.filesystem if iso.filesystem != "none" else "none: not isolated"),
        f"- Environment: {iso.env} ({', '.join(iso.env_names)})",
        "- Home: "
        + (
            "a private empty directory"
            if iso.home == "private empty"
            else "the user's home was readable ($HOME pointed to an empty directory)"
        ),
        f"- Host Unix sockets: {iso.unix_sockets}",
    ]
    if r.output_killed:
        lines.append("- Output: killed at the output limit")
    if r.sandbox_note:
        lines.append(f"- Note: {r.sandbox_note}")
    return "\n".join(lines)


def _test_line(i: int, r: TestReport) -> str:
    verdict = "passed" if r.passed else ("timed out (killed)" if r.timed_out else "FAILED")
    if r.output_killed:
        verdict = "killed (too much output)"
    counts = (
        f"; {r.tests} tests, {r.failures} failures, {r.errors} errors"
        if r.tests is not None
        else ""
    )
    return (
        f"{i}. `{r.command}` — {verdict} in {r.duration_s:.1f} s{counts}; sandbox: {r.sandbox_note}"
    )
