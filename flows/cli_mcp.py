"""CLI: ``specpilot mcp`` — serve the index to editors and agents over MCP (stdio)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from specpilot.flows.app import (
    DbOpt,
    SetOpt,
    VerboseOpt,
    app,
    db_for,
    repo_dir,
    run_guarded,
    settings_for,
    setup,
)


@app.command()
def mcp(
    repo: Annotated[Path, typer.Option("--repo", help="Repository the index belongs to.")] = Path(
        "."
    ),
    db: DbOpt = None,
    set_: SetOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Serve search_code, find_symbol, callers and conventions over MCP on stdin/stdout."""
    setup(verbose)  # logs go to stderr: stdout carries the protocol
    root = repo_dir(repo)
    settings = settings_for(root, set_)
    from specpilot.flows.mcp_server import build_server
    from specpilot.retrieval import open_searcher

    searcher = run_guarded(
        lambda: open_searcher(
            db_for(settings, root, db),
            settings.index.embed,
            settings.retrieval,
            repo_hint=str(root),
        )
    )
    build_server(searcher, name=f"specpilot:{root.name}").run("stdio")
