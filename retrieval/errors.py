"""Errors raised by retrieval.

    RetrievalError
    ├── QueryError          the query (or a symbol name, budget, option) is empty or unusable
    └── RetrievalConfigError a RetrievalConfig value is out of range

Store problems (no index, another model) surface as the indexer's StoreError subclasses.
"""

from __future__ import annotations


class RetrievalError(Exception):
    """Root of every error retrieval raises."""


class QueryError(RetrievalError):
    pass


class RetrievalConfigError(RetrievalError, ValueError):
    """A config value out of range (also a ValueError, like every package's config error)."""
