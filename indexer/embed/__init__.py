"""Chunk texts to vectors — the files and what each does: README.md."""
