"""specpilot retrieval."""
