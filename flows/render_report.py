"""Rendering ``specpilot report``: rich tables on a terminal, plain complete lines when piped."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.markup import escape
from rich.table import Table

from specpilot.flows.render import err_console, print_table

if TYPE_CHECKING:
    from specpilot.pipeline import Kpis


def kpis(data: dict[str, Any], k: Kpis) -> None:
    from specpilot.pipeline import outcome_label, summary_rows, tier_label

    scope = k.repo or "every repository"
    window = f"{k.since:%Y-%m-%d %H:%M} to {k.until:%Y-%m-%d %H:%M} UTC"
    head = Table(title=f"KPIs of {scope}, {window}", show_header=False, box=None)
    head.add_column()
    head.add_column()
    for label, value in summary_rows(k):
        head.add_row(escape(label), escape(value))
    print_table(head)
    for title, rows in (
        ("Runs by outcome", [(outcome_label(o), n) for o, n in k.runs_by_outcome.items()]),
        ("Runs by tier", [(tier_label(t), n) for t, n in k.runs_by_tier.items()]),
    ):
        table = Table(title=title, show_header=False, box=None)
        table.add_column()
        table.add_column(justify="right")
        for label, count in rows:
            table.add_row(escape(label), str(count))
        print_table(table)


def refresh_summary(r: dict[str, Any]) -> None:
    """One line on stderr (stdout stays the report, or its JSON), and each problem."""
    con = err_console()
    con.print(
        f"refresh: asked GitHub about {r['asked']} PR(s): {r['merged']} merged, "
        f"{r['closed']} closed, {r['still_open']} still open",
        highlight=False,
        markup=False,
    )
    for line in r["errors"]:
        con.print(f"warning: {line}", highlight=False, markup=False)
    for line in r["skipped"]:
        con.print(f"warning: skipped {line}", highlight=False, markup=False)
