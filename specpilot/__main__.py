"""``python -m specpilot``: the command line."""

from specpilot.flows.cli import main

main()
