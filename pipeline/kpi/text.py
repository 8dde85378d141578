"""The KPIs as labelled lines of text, the same on the terminal, in piped output and on the
HTML page: what is not known says so ("unpriced", "not measured", "no PR with a fate yet")."""

from __future__ import annotations

from specpilot.pipeline.kpi.metrics import Kpis

OUTCOME_LABELS = {
    "merged": "merged (tier 1)",
    "pr": "PR opened",
    "suggested": "suggested",
    "blocked": "blocked by the policy",
    "escalated": "escalated",
    "stopped": "stopped",
    "failed": "failed",
}


def outcome_label(outcome: str) -> str:
    return OUTCOME_LABELS.get(outcome, outcome)


def tier_label(tier: str) -> str:
    return "no tier (ended before tiering)" if tier == "none" else f"tier {tier}"


def summary_rows(k: Kpis) -> list[tuple[str, str]]:
    """(label, value) for each headline KPI, in reading order."""
    decided = k.prs_merged + k.prs_closed
    acceptance = (
        f"{k.acceptance_rate:.0%} ({k.prs_merged} merged of {decided} with a fate)"
        if k.acceptance_rate is not None
        else "no PR with a fate yet"
    )
    ttm = (
        f"{_hours(k.median_time_to_merge_h)} (over {len(k.time_to_merge_h)} merged PR(s))"
        if k.median_time_to_merge_h is not None
        else "no merged PR"
    )
    return [
        ("runs", str(k.runs)),
        ("PR acceptance rate", acceptance),
        ("median time to merge", ttm),
        (
            "PRs opened",
            f"{k.prs_opened}: {k.prs_merged} merged, {k.prs_closed} closed unmerged, "
            f"{k.prs_open} still open",
        ),
        ("escalation drafts still open", str(k.escalation_prs_open)),
        ("merged changes", str(k.merged_changes)),
        ("cost per merged change", _cost(k)),
        ("tokens per merged change", _number(k.tokens_per_merged_change, "nothing merged")),
        ("repair rounds per run", _number(k.repair_rounds_per_run, "none recorded", ".2f")),
        ("tool steps per run", _number(k.tool_steps_per_run, "none recorded", ".1f")),
        (
            "escalation rate",
            _percent(k.escalation_rate, f"{k.runs_by_outcome['escalated']} of {k.runs}"),
        ),
        ("diff coverage", _coverage(k)),
    ]


def _cost(k: Kpis) -> str:
    if k.merged_changes == 0:
        total = f"${k.cost_usd_total:.2f} spent" if k.cost_usd_total is not None else "unpriced"
        return f"nothing merged ({total})"
    if k.cost_per_merged_change_usd is not None:
        return f"${k.cost_per_merged_change_usd:.4f} (${k.cost_usd_total or 0:.2f} in all)"
    tokens = f"{k.tokens_per_merged_change:,.0f} tokens per merged change"
    return f"unpriced ({k.unpriced_runs} run(s) without a price); {tokens}"


def _coverage(k: Kpis) -> str:
    c = k.coverage
    if c.percent is None:
        return "not measured"
    lines = f"{c.covered_lines} of {c.total_lines} lines, " if c.total_lines is not None else ""
    return f"{c.percent:.1f}% ({lines}{c.measured_runs} run(s) measured)"


def _percent(value: float | None, detail: str) -> str:
    return f"{value:.0%} ({detail})" if value is not None else "no runs"


def _number(value: float | None, missing: str, fmt: str = ",.0f") -> str:
    return format(value, fmt) if value is not None else missing


def _hours(h: float | None) -> str:
    if h is None:
        return "-"
    return f"{h:.1f} h" if h < 48 else f"{h / 24:.1f} days"


def kpis_markdown(k: Kpis) -> str:
    """The KPIs as Markdown (the nightly flow's Prefect artifact): the headline, then runs by
    outcome and by tier."""
    scope = k.repo or "every repository"
    window = f"{k.since:%Y-%m-%d %H:%M} to {k.until:%Y-%m-%d %H:%M} UTC"
    lines = [f"# Delivery KPIs of {scope}", "", f"{window}", "", "| KPI | value |", "|---|---|"]
    lines += [f"| {_cell(label)} | {_cell(value)} |" for label, value in summary_rows(k)]
    lines += ["", "| outcome | runs |", "|---|---:|"]
    lines += [f"| {outcome_label(o)} | {n} |" for o, n in k.runs_by_outcome.items()]
    lines += ["", "| tier | runs |", "|---|---:|"]
    lines += [f"| {tier_label(t)} | {n} |" for t, n in k.runs_by_tier.items()]
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
