"""Rendering of ``specpilot deps``: the dependency check and the bump runs (tables on a
terminal, plain complete lines when piped). Only the CLI calls these."""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from rich.table import Table

from specpilot.flows.render import err_console, out_console, print_table
from specpilot.flows.render_pipeline import _OUTCOME_STYLE


def _advisories(advisories: list[dict[str, Any]]) -> str:
    return "; ".join(
        f"{a['id']} {a['severity']} fixed in {', '.join(a['fixed']) or 'none yet'}"
        for a in advisories
    )


def check(d: dict[str, Any]) -> None:
    deps = d["dependencies"]
    table = Table(title=f"{len(deps)} dependencies in {len(d['manifests'])} manifest(s)")
    for column in ("package", "ecosystem", "current", "latest", "advisories", "manifest"):
        table.add_column(column)
    for dep in deps:
        latest = dep["latest"] or (dep["error"] and f"? ({dep['error']})") or "-"
        cells = (
            dep["package"], dep["ecosystem"], dep["current"] or dep["constraint"] or "-",
            latest, _advisories(dep["advisories"]) or "-", dep["path"],
        )  # fmt: skip
        table.add_row(*(escape(str(c)) for c in cells))
    print_table(table)
    con = out_console()
    for problem in d["problems"]:
        err_console().print(f"cannot read {escape(problem)}", highlight=False)
    bumps = d["bumps"]
    listed = ", ".join(f"{b['package']} {b['from']} → {b['to']}" for b in bumps)
    summary = f"{d['vulnerable']} vulnerable, {len(bumps)} bump(s) available"
    con.print(summary + (f": {listed}" if bumps else ""), markup=False, highlight=False)


def update(d: dict[str, Any]) -> None:
    con = out_console()
    if not d["bumps"]:
        con.print(f"nothing to bump ({d['checked']} dependencies checked)", markup=False)
        return
    table = Table(title=f"{len(d['bumps'])} bump run(s), mode {d['mode']}")
    for column in ("package", "from", "to", "advisories", "outcome", "tier", "where"):
        table.add_column(column)
    for b in d["bumps"]:
        style = _OUTCOME_STYLE.get(b["outcome"], "")
        where = b["pr_url"] or b["run_dir"]
        table.add_row(
            escape(b["package"]), escape(str(b["from"])), escape(b["to"]),
            escape(", ".join(b["advisories"]) or "-"),
            f"[{style}]{escape(b['outcome'])}[/]" if style else escape(b["outcome"]),
            str(b["tier"] or "-"), escape(where),
        )  # fmt: skip
    print_table(table)
    for b in d["bumps"]:
        con.print(f"{b['package']}: {b['message']}", markup=False, highlight=False)
