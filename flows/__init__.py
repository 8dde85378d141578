"""specpilot flows."""
