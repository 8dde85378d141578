"""CLI: ``specpilot doctor`` — the sandbox, the model endpoint and key, delivery (remote,
GitHub token), the Prefect API and this repository's index, in one table."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from specpilot.flows import render
from specpilot.flows.app import (
    DbOpt,
    JsonOpt,
    SetOpt,
    VerboseOpt,
    app,
    db_for,
    repo_dir,
    settings_for,
    setup,
)


@app.command()
def doctor(
    repo: Annotated[Path, typer.Option("--repo", help="Repository directory.")] = Path("."),
    db: DbOpt = None,
    json_out: JsonOpt = False,
    set_: SetOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Check what specpilot can do here (exit 1 when a check fails; warnings only inform)."""
    setup(verbose)
    root = repo_dir(repo)
    settings = settings_for(root, set_)
    from specpilot.flows.doctor import run_checks

    checks = run_checks(root, settings, db_for(settings, root, db))
    if json_out:
        render.print_json([c.to_dict() for c in checks])
    else:
        from rich.table import Table

        table = Table(title="specpilot doctor")
        for col in ("check", "verdict", "detail"):
            table.add_column(col)
        for c in checks:
            table.add_row(c.name, c.verdict, c.detail)
        render.print_table(table)
    if any(c.verdict == "fail" for c in checks):
        raise typer.Exit(1)
