"""The protocol every stage needs from a code index, and the hits it returns.

The pipeline never imports a concrete index. ``retrieval/`` provides the real one (hybrid
search over LanceDB, through ``flows/code_index.py``); ``pipeline.testing.GrepIndex`` is a
small in-memory stand-in. All paths are POSIX paths relative to the index's root; lines are
1-based and inclusive.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Hit:
    """A search result: a chunk of a file, with the symbol it belongs to when known."""

    path: str
    symbol: str | None
    start_line: int
    end_line: int
    score: float
    snippet: str


@dataclass(frozen=True, slots=True)
class SymbolSite:
    """A definition (``find_symbol``) or a use site (``callers``) of a symbol."""

    path: str
    symbol: str  # qualified name of the definition, or of the function containing the call
    start_line: int
    end_line: int
    score: float
    snippet: str


class CodeIndex(Protocol):
    def search(self, query: str, top_k: int) -> list[Hit]: ...

    def find_symbol(self, name: str) -> list[SymbolSite]: ...

    def callers(self, name: str) -> list[SymbolSite]: ...

    def refresh(self, paths: Sequence[str]) -> None:
        """Re-read these files (relative to the index root) so searches see their content."""
        ...


# Builds an index rooted at a directory; the code loop uses it on its worktree so the
# agent's searches see the agent's own edits.
IndexFactory = Callable[[Path], CodeIndex]
