"""Parsed files to the def/ref and call graph — the files and what each does: README.md."""
