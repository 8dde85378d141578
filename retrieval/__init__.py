"""specpilot retrieval.

The public API of this package is ``__all__``, imported on first use (PEP 562) so that
importing one name does not import the rest (the CLI starts fast); other packages import
only these names (tests/test_layering.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from specpilot._surface import lazy

# name -> the module that defines it
_WHERE: dict[str, str] = {
    "callers": "specpilot.retrieval.lookup",
    "Excerpt": "specpilot.retrieval.excerpts",
    "find_symbol": "specpilot.retrieval.lookup",
    "open_searcher": "specpilot.retrieval.open",
    "pack_context": "specpilot.retrieval.packing",
    "pack_excerpts": "specpilot.retrieval.excerpts",
    "QueryError": "specpilot.retrieval.errors",
    "RetrievalConfig": "specpilot.retrieval.config",
    "RetrievalError": "specpilot.retrieval.errors",
    "Searcher": "specpilot.retrieval.search",
}

if TYPE_CHECKING:
    from specpilot.retrieval.config import RetrievalConfig as RetrievalConfig
    from specpilot.retrieval.errors import QueryError as QueryError
    from specpilot.retrieval.errors import RetrievalError as RetrievalError
    from specpilot.retrieval.excerpts import Excerpt as Excerpt
    from specpilot.retrieval.excerpts import pack_excerpts as pack_excerpts
    from specpilot.retrieval.lookup import callers as callers
    from specpilot.retrieval.lookup import find_symbol as find_symbol
    from specpilot.retrieval.open import open_searcher as open_searcher
    from specpilot.retrieval.packing import pack_context as pack_context
    from specpilot.retrieval.search import Searcher as Searcher

__all__ = sorted(_WHERE)
__getattr__, __dir__ = lazy(__name__, _WHERE, globals())
