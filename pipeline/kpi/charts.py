"""The report's charts as PNG bytes, drawn with matplotlib's Agg canvas (no display, no
pyplot state): outcomes over time, the time-to-merge distribution, cost per merged change.

matplotlib is imported here only, and only this module's callers (``--html``) import it.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from specpilot.pipeline.kpi.metrics import OUTCOMES, Kpis
from specpilot.pipeline.kpi.text import outcome_label

WIDTH_IN, HEIGHT_IN, DPI = 11.0, 4.0, 100  # 1100 x 400 px
COLORS = {
    "merged": "#2e7d32",
    "pr": "#1565c0",
    "suggested": "#f9a825",
    "blocked": "#8e24aa",
    "escalated": "#ef6c00",
    "stopped": "#c62828",
    "failed": "#6d4c41",
}
OTHER_COLOR = "#607d8b"


def outcomes_chart(k: Kpis) -> bytes:
    """Runs per day, stacked by outcome."""
    fig, ax = _figure("Runs by outcome over time")
    days = [d.day.isoformat() for d in k.daily]
    seen = {o for d in k.daily for o in d.outcomes}
    order = [o for o in OUTCOMES if o in seen] + sorted(seen - set(OUTCOMES))
    where = list(range(len(days)))
    bottom = [0] * len(days)
    for outcome in order:
        counts = [d.outcomes.get(outcome, 0) for d in k.daily]
        ax.bar(
            where,
            counts,
            bottom=bottom,
            label=outcome_label(outcome),
            color=COLORS.get(outcome, OTHER_COLOR),
            width=0.8,
        )
        bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
    if days:
        step = max(1, len(days) // 15)  # at most ~15 day labels
        ax.set_xticks(where[::step], days[::step], rotation=30, ha="right", fontsize=8)
        ax.set_xlim(-0.6, max(len(days), 4) - 0.4)  # a lone day is a bar, not the whole width
        ax.legend(loc="upper left", fontsize=9, ncols=min(len(order), 4))
        ax.set_ylabel("runs per day")
    else:
        _empty(ax, "no runs in this window")
    return _png(fig)


def time_to_merge_chart(k: Kpis) -> bytes:
    """How long merged PRs waited, in hours, with the median marked."""
    fig, ax = _figure("Time to merge (PRs)")
    hours = list(k.time_to_merge_h)
    if hours:
        ax.hist(hours, bins=min(20, max(5, len(hours))), color=COLORS["pr"], edgecolor="white")
        if k.median_time_to_merge_h is not None:
            ax.axvline(k.median_time_to_merge_h, color=COLORS["escalated"], linewidth=2)
            ax.annotate(
                f"median {k.median_time_to_merge_h:.1f} h",
                (k.median_time_to_merge_h, 0.95),
                xycoords=("data", "axes fraction"),
                xytext=(6, 0),
                textcoords="offset points",
                color=COLORS["escalated"],
            )
        ax.set_xlabel("hours from the PR's opening to its merge")
        ax.set_ylabel("PRs")
    else:
        _empty(ax, "no merged PR in this window")
    return _png(fig)


def cost_chart(k: Kpis) -> bytes:
    """Each merged change's own run cost (tokens when any of them has no price)."""
    priced = all(c.cost_usd is not None for c in k.merged)
    what = "cost (USD)" if priced else "tokens (unpriced)"
    fig, ax = _figure(f"Cost per merged change: {what}")
    if k.merged:
        values: Sequence[float] = [
            (c.cost_usd or 0.0) if priced else float(c.tokens) for c in k.merged
        ]
        labels = [f"#{c.pr_number}" if c.pr_number else c.run_id[-12:] for c in k.merged]
        colors = [COLORS["merged"] if c.via == "tier-1 merge" else COLORS["pr"] for c in k.merged]
        ax.bar(range(len(values)), values, color=colors)
        ax.set_xticks(range(len(values)), labels, rotation=30, ha="right", fontsize=8)
        ax.set_ylabel(what)
    else:
        _empty(ax, "no merged change in this window")
    return _png(fig)


def _figure(title: str) -> tuple[Any, Any]:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    ax.set_title(title, loc="left", fontsize=12, fontweight="bold")
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", alpha=0.3)
    return fig, ax


def _empty(ax: Any, message: str) -> None:
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, color="gray")
    ax.set_xticks([])
    ax.set_yticks([])


def _png(fig: Any) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()
