"""Text a deploy writes: the PR title/body (also the PR description file of a plain remote) and
the report of a suggestion or a blocked change. Markdown; never contains a secret or a token."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from specpilot.pipeline.core.diffparse import Patch, diff_stat
from specpilot.pipeline.tiers.tiering import TierDecision

PATCH_FILE = "change.patch"
REPORT_FILE = "report.md"
PR_FILE = "pr.md"


@dataclass(frozen=True, slots=True)
class ChangeText:
    """What the texts say about the change (in-process)."""

    title: str
    plan: str
    test_summary: str
    tests_passed: bool | None


def pr_body(
    change: ChangeText, decision: TierDecision, patch: Patch, notes: Sequence[str] = ()
) -> str:
    return "\n".join(
        [
            "_Opened by specpilot for human review._",
            "",
            *_sections(change, decision, patch, notes),
        ]
    )


def report(
    change: ChangeText,
    decision: TierDecision,
    patch: Patch,
    *,
    outcome: str,
    notes: Sequence[str] = (),
) -> str:
    return "\n".join(
        [
            f"# {change.title}",
            "",
            f"**Outcome:** {outcome}",
            "",
            *_sections(change, decision, patch, notes),
        ]
    )


def pr_file(title: str, branch: str, base: str, body: str) -> str:
    """The PR description file for a plain git remote (no PR API)."""
    return f"# {title}\n\nBranch `{branch}` → `{base}`\n\n{body}"


def write_text(out_dir: Path, name: str, text: str) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / name
    path.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    return path


def _sections(
    change: ChangeText, decision: TierDecision, patch: Patch, notes: Sequence[str]
) -> list[str]:
    if change.tests_passed is None:
        verdict = "not run"
    else:
        verdict = "passed" if change.tests_passed else "FAILED"
    out = [
        "## Plan",
        "",
        change.plan.strip() or "_No plan was recorded._",
        "",
        "## Diff stat",
        "",
        "```",
        diff_stat(patch),
        "```",
        "",
        f"## Tests: {verdict}",
        "",
        "```",
        change.test_summary.strip() or "(no summary)",
        "```",
        "",
        "## Tier rationale",
        "",
        decision.rationale(),
    ]
    if notes:
        out += ["", "## Deploy notes", "", *(f"- {n}" for n in notes)]
    return out
