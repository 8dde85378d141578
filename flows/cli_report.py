"""CLI: ``specpilot report`` — delivery KPIs from the audit log: outcomes, PR acceptance, time
to merge, cost per merged change; ``--refresh`` learns PR fates from GitHub first; ``--html``
writes a self-contained page with charts."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from specpilot.flows import render
from specpilot.flows.app import (
    JsonOpt,
    SetOpt,
    VerboseOpt,
    app,
    fail,
    repo_dir,
    run_guarded,
    settings_for,
    setup,
)
from specpilot.pipeline import AuditError, AuditKeyError, DeployError, ReportError

if TYPE_CHECKING:  # imported where used: `specpilot --help` must not build these modules
    from specpilot.flows.pipeline_settings import DeliverSettings
    from specpilot.pipeline import AuditKey, Kpis, RefreshResult

SinceOpt = Annotated[
    str,
    typer.Option("--since", help="The window: a span before now (12h, 30d, 2w) or an ISO date."),
]
ReportRepoOpt = Annotated[
    Path | None,
    typer.Option("--repo", help="Only this repository's runs (and its config); default: all."),
]
LogOpt = Annotated[
    Path | None,
    typer.Option("--log", help="Audit log (default: $SPECPILOT_HOME/audit/audit.jsonl)."),
]
HtmlOpt = Annotated[
    Path | None,
    typer.Option("--html", help="Also write a self-contained HTML page with charts to FILE."),
]
RefreshOpt = Annotated[
    bool,
    typer.Option(
        "--refresh",
        help="First ask GitHub (GITHUB_TOKEN or GH_TOKEN) what became of the PRs with no "
        "known fate, and record it in the audit log (pr_merged / pr_closed).",
    ),
]


@app.command("report")
def report(
    since: SinceOpt = "30d",
    repo: ReportRepoOpt = None,
    log: LogOpt = None,
    html: HtmlOpt = None,
    refresh: RefreshOpt = False,
    json_out: JsonOpt = False,
    set_: SetOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Delivery KPIs over the verified audit log: runs by outcome and tier, PR acceptance
    rate, median time to merge, PRs still open, tokens and cost per merged change, repair
    rounds and tool steps per run, escalation rate, diff coverage (docs/pipeline.md, "KPIs")."""
    setup(verbose)
    from specpilot.flows.pipeline_settings import audit_log_path, deliver_settings, pipeline_config
    from specpilot.pipeline import kpis_from_log, parse_since

    now = datetime.now(UTC)
    start = run_guarded(lambda: parse_since(since, now), usage=(ReportError,))
    top = repo_dir(repo) if repo is not None else None
    settings = settings_for(top, set_)
    delivery = run_guarded(lambda: deliver_settings(settings))
    runs_dir = run_guarded(lambda: pipeline_config(settings, top or Path.cwd())).runs_dir
    path = log if log is not None else audit_log_path(delivery)
    repo_id = str(top) if top is not None else None
    refreshed = _refresh(path, top, delivery, repo_id) if refresh else None
    key = _key(path, top, delivery)
    kpis = run_guarded(
        lambda: kpis_from_log(path, key, runs_dir=runs_dir, since=start, until=now, repo=repo_id),
        failures=(AuditError,),
    )
    if html is not None:
        _write_html(html, kpis)
    data: dict[str, Any] = kpis.model_dump(mode="json")
    if refreshed is not None:
        data["refresh"] = refreshed.as_json()
    if json_out:
        render.print_json(data)
        return
    from specpilot.flows import render_report

    render_report.kpis(data, kpis)


def _refresh(
    path: Path, top: Path | None, delivery: DeliverSettings, repo_id: str | None
) -> RefreshResult:
    from specpilot.flows.spec_run import default_actor, github_token
    from specpilot.pipeline import github_lookup, refresh_fates

    token = github_token(os.environ)
    if not token:
        fail(
            "--refresh asks GitHub about the PRs, and neither GITHUB_TOKEN nor GH_TOKEN is set; "
            "export a token that can read the repositories' pull requests."
        )
    lookup = github_lookup(token, base_url=delivery.github_api_url)
    from specpilot.flows.audit_keys import audit_key

    named = delivery.audit_key_file
    key = run_guarded(  # made on first use, as a run makes it: a fate record is written
        lambda: audit_key(os.environ, log=path, repo=top, user_key_file=named),
        usage=(AuditKeyError,),
    )
    result = run_guarded(
        lambda: refresh_fates(
            path, key, lookup, actor=default_actor(os.environ), trigger="cli", repo=repo_id
        ),
        usage=(DeployError,),
        failures=(AuditError,),
    )
    from specpilot.flows import render_report

    render_report.refresh_summary(result.as_json())
    return result


def _key(path: Path, top: Path | None, delivery: DeliverSettings) -> AuditKey | None:
    """The user's audit key to check the log with (never the repository's; never created)."""
    from specpilot.flows.audit_keys import existing_audit_key

    named = delivery.audit_key_file
    return run_guarded(
        lambda: existing_audit_key(os.environ, log=path, repo=top, user_key_file=named),
        usage=(AuditKeyError,),
    )


def _write_html(target: Path, kpis: Kpis) -> None:
    try:
        from specpilot.pipeline import render_page

        page = render_page(kpis)
    except ImportError as err:
        fail(f"--html needs matplotlib ({err}); install it with `pip install 'matplotlib>=3.8'`.")
    if target.is_dir():
        fail(f"--html {target} is a directory; give a file name such as report.html.")
    try:
        target.write_text(page, encoding="utf-8")
    except OSError as err:
        fail(f"cannot write --html {target}: {err.strerror or err}; give a writable file.")
    render.err_console().print(f"wrote {target}", highlight=False, markup=False)
