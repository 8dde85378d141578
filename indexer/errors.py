"""Errors raised by the indexer.

    IndexerError
    ├── RepoPathError        the repository path does not exist / is not a directory
    ├── EmptyRepoError       nothing indexable was found
    ├── StoreError           the LanceDB store cannot be opened or is corrupt
    │   ├── NotIndexedError  a search/status on a repo that was never indexed
    │   ├── ModelMismatchError  the index was built with another embedding model
    │   ├── IndexLocationError  the index path is a file, or not writable for a run
    │   └── DamagedIndexError   a table's files are missing or cut short (an index run
    │                           repairs it)
    ├── EmbeddingError       the embedding model cannot be loaded or run
    ├── ParseError           a grammar or query cannot be loaded (never raised for bad source)
    └── DiffError            a unified diff cannot be read (names the line)

Every message is a whole sentence naming the input and what would be valid.
"""

from __future__ import annotations


class IndexerError(Exception):
    """Root of every error the indexer raises."""


class RepoPathError(IndexerError):
    pass


class EmptyRepoError(IndexerError):
    pass


class StoreError(IndexerError):
    pass


class NotIndexedError(StoreError):
    pass


class ModelMismatchError(StoreError):
    pass


class IndexLocationError(StoreError):
    pass


class DamagedIndexError(StoreError):
    """Tables whose files cannot be read; the next ``index_repo`` repairs them."""

    def __init__(self, message: str, tables: tuple[str, ...]) -> None:
        super().__init__(message)
        self.tables = tables


class SchemaVersionError(StoreError):
    """The index was written by a specpilot with another schema; an index run rebuilds it."""


class IndexConfigError(IndexerError, ValueError):
    """A bad ``[tool.specpilot.index]`` value."""


class EmbeddingError(IndexerError):
    pass


class ParseError(IndexerError):
    pass


class DiffError(IndexerError):
    pass


class IndexInterrupted(KeyboardInterrupt):
    """Ctrl-C (or SIGINT) during an index run, saying what the index holds now; the next run
    completes it (re-parsing only what is not written, embedding only what has no vector).
    Still a KeyboardInterrupt, so callers stop as they would."""

    def __init__(
        self,
        files_kept: int,
        chunks_kept: int,
        *,
        vectors_missing: int = 0,
        state: str = "complete",
    ) -> None:
        """``chunks_kept``: chunks with their vectors; ``vectors_missing``: chunks written
        (searchable by text, names, paths and the graph) whose vectors are still to embed;
        ``state``: the index's meta state — "complete" (the lexical index is whole),
        "in_progress" (stopped while files were parsed or written: search warns that the run
        did not finish), or "" (no index: stopped before anything was written)."""
        super().__init__(f"interrupted; {files_kept} files ({chunks_kept} chunks) were kept")
        self.files_kept = files_kept
        self.chunks_kept = chunks_kept
        self.vectors_missing = vectors_missing
        self.state = state
