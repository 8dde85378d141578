"""specpilot conventions."""
