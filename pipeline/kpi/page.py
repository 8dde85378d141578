"""``specpilot report --html``: one self-contained page — the charts as embedded PNGs (data
URIs), the numbers as tables, no scripts and no external URL — to open from disk or attach.

The layout is fixed so that a screenshot can be checked: the header is ``HEADER_PX`` high,
then each chart is ``CHART_W`` x ``CHART_H`` CSS pixels at ``CHART_LEFT``, one every
``CHART_STEP`` pixels down, in the order of :data:`CHARTS`.
"""

from __future__ import annotations

import base64
import html

from specpilot.pipeline.kpi.metrics import Kpis
from specpilot.pipeline.kpi.text import outcome_label, summary_rows, tier_label

HEADER_PX, CHART_LEFT, CHART_W, CHART_H, CHART_STEP = 64, 50, 1100, 400, 420
CHARTS = ("outcomes", "time-to-merge", "cost")  # the charts' element ids, top to bottom

_STYLE = f"""
body {{ margin: 0; font-family: sans-serif; color: #222; background: #fff; }}
header {{ height: {HEADER_PX}px; box-sizing: border-box; padding: 12px {CHART_LEFT}px;
  border-bottom: 1px solid #ddd; overflow: hidden; }}
header h1 {{ margin: 0; font-size: 20px; }} header p {{ margin: 4px 0 0; color: #666; }}
figure.chart {{ margin: 0 0 0 {CHART_LEFT}px; height: {CHART_STEP}px; }}
figure.chart img {{ display: block; width: {CHART_W}px; height: {CHART_H}px; }}
section.numbers {{ padding: 0 {CHART_LEFT}px 40px; }}
table {{ border-collapse: collapse; margin: 16px 24px 16px 0; display: inline-table;
  vertical-align: top; }}
th, td {{ text-align: left; padding: 4px 12px; border-bottom: 1px solid #eee; }}
caption {{ text-align: left; font-weight: bold; padding: 4px 0; }}
"""


def render_page(k: Kpis, *, title: str = "specpilot: delivery KPIs") -> str:
    """The page for ``k`` (matplotlib draws the charts)."""
    from specpilot.pipeline.kpi.charts import cost_chart, outcomes_chart, time_to_merge_chart

    pngs = {
        "outcomes": ("Runs by outcome over time", outcomes_chart(k)),
        "time-to-merge": ("Time to merge", time_to_merge_chart(k)),
        "cost": ("Cost per merged change", cost_chart(k)),
    }
    figures = "".join(
        f'<figure class="chart" id="{name}"><img alt="{html.escape(alt)}" '
        f'src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}"></figure>\n'
        for name, (alt, png) in ((n, pngs[n]) for n in CHARTS)
    )
    scope = html.escape(k.repo) if k.repo else "every repository in the audit log"
    window = f"{k.since:%Y-%m-%d %H:%M} to {k.until:%Y-%m-%d %H:%M} UTC"
    tables = (
        _table("Headline", summary_rows(k))
        + _table(
            "Runs by outcome", [(outcome_label(o), str(n)) for o, n in k.runs_by_outcome.items()]
        )
        + _table("Runs by tier", [(tier_label(t), str(n)) for t, n in k.runs_by_tier.items()])
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>\n"
        f"<header><h1>{html.escape(title)}</h1><p>{k.runs} run(s) of {scope}, {window}</p>"
        "</header>\n"
        f'{figures}<section class="numbers">{tables}</section>\n</body></html>\n'
    )


def _table(caption: str, rows: list[tuple[str, str]]) -> str:
    body = "".join(
        f"<tr><th>{html.escape(label)}</th><td>{html.escape(value)}</td></tr>"
        for label, value in rows
    )
    return f"<table><caption>{html.escape(caption)}</caption>{body}</table>"
