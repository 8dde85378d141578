"""The `specpilot` command line: every command module registers on the shared app.

Nothing heavy is imported at module level: ``main`` takes over Ctrl-C first and loads the
commands with it held (flows/interrupts.py), so a Ctrl-C at any moment ends in one line.
"""

from __future__ import annotations

from collections.abc import Callable

from specpilot.flows import interrupts


def _load() -> Callable[[], object]:
    from specpilot.flows.commands import app

    return app


def main() -> None:
    interrupts.run(_load)


if __name__ == "__main__":
    main()
