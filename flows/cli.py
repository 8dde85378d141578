"""The `specpilot` command line: every command module registers on the shared app."""

from __future__ import annotations

from specpilot.flows import cli_conventions, cli_flows, cli_index, cli_mcp, cli_pipeline, cli_test  # noqa: F401  (register their commands)
from specpilot.flows.app import app


def main() -> None:
    app()


if __name__ == "__main__":
    main()
