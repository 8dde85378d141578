"""Rich rendering of the spec pipeline's results: a run's delivery, a tier decision, the audit
log. Only the CLI calls these."""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from rich.table import Table

from specpilot.flows.render import err_console, out_console, print_table

_OUTCOME_STYLE = {
    "merged": "bold green",
    "pr": "bold cyan",
    "suggested": "bold yellow",
    "blocked": "bold magenta",
    "stopped": "bold red",
    "escalated": "bold yellow",
    "failed": "bold red",
}


def _row(table: Table, *cells: object) -> None:
    """A table row of plain text (paths and messages may hold [brackets])."""
    table.add_row(*(escape(str(c)) for c in cells))


def delivery(d: dict[str, Any]) -> None:
    con = out_console()
    style = _OUTCOME_STYLE.get(d["outcome"], "bold")
    con.print(f"[{style}]{d['outcome']}[/] {escape(d['message'])}", highlight=False)
    table = Table(show_header=False, box=None)
    _row(table, "run", d["run_id"])
    _row(table, "mode", f"{d['mode']} (run status: {d['run_status']})")
    decision = d.get("decision")
    if decision:
        state = "blocked" if decision["blocked"] else decision["action"]
        _row(table, "tier", f"{decision['tier']} ({state}; {decision['change_kind']} change)")
    deploy = d.get("deploy") or {}
    for key in ("branch", "pr_url", "pr_description_path", "merge_sha", "patch_path"):
        if deploy.get(key):
            _row(table, key.replace("_", " "), str(deploy[key]))
    if deploy.get("report_path"):
        _row(table, "report", str(deploy["report_path"]))
    _row(table, "run dir", d["run_dir"])
    if d.get("audit_seq") is not None:
        _row(table, "audit", f"record {d['audit_seq']} in {d['audit_log']}")
    if d.get("audit_error"):
        _row(table, "audit error", d["audit_error"])
    print_table(table)
    if decision:
        reasons(decision["reasons"])
    if d.get("plan") and (d["mode"] == "suggest" or not decision):
        plan(d["plan"], d.get("acceptance") or [])


def plan(p: dict[str, Any], acceptance: list[str]) -> None:
    """The suggestion itself: files and symbols with why, steps, tests, conventions, risks."""
    from specpilot.pipeline import Plan, render_plan

    text = render_plan(Plan.model_validate(p))
    if acceptance:
        text += "### Acceptance criteria\n" + "".join(f"- {a}\n" for a in acceptance)
    out_console().print("\n" + text, markup=False, highlight=False)


def reasons(rows: list[dict[str, Any]]) -> None:
    table = Table(title="Why this tier")
    table.add_column("rule")
    table.add_column("tier", justify="right")
    table.add_column("reason")
    table.add_column("paths")
    for r in rows:
        tier = "blocked" if r["blocked"] else str(r["tier"])
        _row(table, r["rule"], tier, r["message"], ", ".join(r["paths"]))
    print_table(table)


def decision(d: dict[str, Any]) -> None:
    con = out_console()
    state = "blocked" if d["blocked"] else d["action"]
    con.print(
        f"[bold]Tier {d['tier']}[/] ({state}) — {d['files']} file(s), "
        f"+{d['lines_added']} -{d['lines_removed']}, {escape(d['change_kind'])} change, "
        f"mode {d['mode']}",
        highlight=False,
    )
    reasons(d["reasons"])


def audit_records(records: list[dict[str, Any]]) -> None:
    table = Table(title="Audit records")
    for col in ("seq", "time", "event", "actor", "trigger", "outcome", "tier", "deploy"):
        table.add_column(col)
    for r in records:
        decision = r.get("decision") or {}
        deploy = r.get("deploy") or {}
        outcome = next((n.split(": ", 1)[1] for n in r["notes"] if n.startswith("outcome: ")), "")
        where = deploy.get("pr_url") or deploy.get("branch") or deploy.get("merge_sha") or ""
        _row(
            table,
            str(r["seq"]),
            r["ts"][:19],
            r["event"],
            r["actor"],
            r["trigger"],
            outcome,
            str(decision.get("tier", "")),
            f"{deploy.get('action', '')} {where}".strip(),
        )
    print_table(table)


def audit_verify(v: dict[str, Any]) -> None:
    con = out_console()
    for warning in v.get("warnings", []):
        con.print(f"[yellow]warning[/] {escape(warning)}", highlight=False)
    if v["ok"]:
        keyed = v["records"] - v.get("unkeyed", 0)
        key = f", key id {v['key_id']}" if v.get("key_id") and keyed else ""
        unkeyed = f", {v['unkeyed']} unkeyed" if v.get("unkeyed") else ""
        con.print(
            f"[bold green]ok[/] {v['records']} record(s) in {escape(v['log'])} "
            f"({keyed} keyed{unkeyed}{key}); the chain is intact.",
            highlight=False,
        )
        return
    where = f" at line {v['line']}" if v["line"] else ""
    con.print(
        f"[bold red]broken[/]{where} of {escape(v['log'])}: {escape(str(v['problem']))}",
        highlight=False,
    )


def audit_head(h: dict[str, Any]) -> None:
    """The anchor alone on stdout (``SEQ:HASH``), so it can be pasted or piped as it is."""
    for warning in h.get("warnings", []):
        err_console().print(f"[yellow]warning[/] {escape(warning)}", highlight=False)
    if h["head"] is None:
        err_console().print(f"{escape(h['log'])} has no records yet.", highlight=False)
        return
    out_console().print(h["head"]["anchor"], highlight=False, soft_wrap=True)
