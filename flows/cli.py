"""The `specpilot` command line: every command module registers on the shared app."""

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


def main() -> None:
    app()


if __name__ == "__main__":
    main()
