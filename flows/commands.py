"""The typer app with every command registered: what ``specpilot`` runs (flows/cli.py loads
it with Ctrl-C held) and what tests drive in-process."""

from __future__ import annotations

from specpilot.flows import (  # noqa: F401  (register their commands)
    cli_audit,
    cli_conventions,
    cli_deps,
    cli_doctor,
    cli_eval,
    cli_flows,
    cli_gates,
    cli_index,
    cli_mcp,
    cli_pipeline,
    cli_report,
    cli_test,
)
from specpilot.flows.app import app

__all__ = ["app"]
