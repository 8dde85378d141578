"""What there is to index and how it changed — the files and what each does: README.md."""
