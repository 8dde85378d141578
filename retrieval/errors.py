"""Errors raised by retrieval.

    RetrievalError
    └── QueryError     the query is empty or unusable

Store problems (no index, another model) surface as the indexer's StoreError subclasses.
"""

from __future__ import annotations


class RetrievalError(Exception):
    """Root of every error retrieval raises."""


class QueryError(RetrievalError):
    pass
