"""Source bytes to symbols, imports, references and chunks, through tree-sitter — the files and what each does: README.md."""
