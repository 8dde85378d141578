"""specpilot pipeline."""
