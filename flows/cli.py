"""The `specpilot` command line: every command module registers on the shared app."""

from __future__ import annotations

from flows import cli_index  # noqa: F401  (registers index, search, status)
from flows.app import app


def main() -> None:
    app()


if __name__ == "__main__":
    main()
