"""Index plug-ins: derived data kept in the same store, refreshed with the index.

A plug-in (conventions are one) receives every run's full ``path -> content hash`` map and
a loader, keeps its own per-file state in its own tables, and diffs against it itself — the
indexer never needs to know what the plug-in derives. Being handed the whole map (not just
this run's changes) lets a plug-in added later, or interrupted last time, catch up.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from specpilot.indexer.store.index_store import IndexStore
from specpilot.indexer.types import ParsedFile


@dataclass(frozen=True, slots=True)
class LoadedFile:
    path: str
    language: str
    text: str
    parsed: ParsedFile | None  # None for text files (markdown, toml, ...)


@dataclass(frozen=True, slots=True)
class PluginContext:
    store: IndexStore
    root: Path
    files: Mapping[str, str]  # every indexed path -> git blob hash, as of this run
    load: Callable[[str], LoadedFile]  # text + parse of one path (parses cached for this run)


class IndexPlugin(Protocol):
    name: str

    def update(self, ctx: PluginContext) -> None:
        """Bring the plug-in's tables in line with ``ctx.files``."""
        ...
