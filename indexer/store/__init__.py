"""The LanceDB store and what guards it — the files and what each does: README.md."""
