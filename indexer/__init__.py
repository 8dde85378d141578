"""specpilot indexer: walk a repository, parse it with tree-sitter, chunk, embed, store in LanceDB."""
