"""Errors raised by the indexer.

    IndexerError
    ├── RepoPathError        the repository path does not exist / is not a directory
    ├── EmptyRepoError       nothing indexable was found
    ├── StoreError           the LanceDB store cannot be opened or is corrupt
    │   ├── NotIndexedError  a search/status on a repo that was never indexed
    │   └── ModelMismatchError  the index was built with another embedding model
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
