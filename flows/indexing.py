"""Bring an index up to date: what ``specpilot index`` and every run before it do.

Light to import: a nothing-changed run is answered from the manifest without LanceDB (the
indexer, the conventions plug-ins and the store are imported only when there is work).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from specpilot._surface import held_signals

if TYPE_CHECKING:
    from specpilot.flows.settings import Settings
    from specpilot.indexer import Embedder, IndexSummary, Progress

log = logging.getLogger(__name__)


def ensure_index(
    repo: Path,
    db: str,
    settings: Settings,
    *,
    rebuild: bool = False,
    embedder: Embedder | None = None,
    progress: Progress | None = None,
) -> IndexSummary:
    """Bring the index at ``db`` up to date with ``repo`` so retrieval sees the code as it is:
    a first index when there is none, else an incremental refresh (re-parses and re-embeds
    only what changed; milliseconds and no model load when nothing did). ``rebuild``: drop it
    and start over."""
    from specpilot.indexer import unchanged_index

    identity = settings.index_identity
    if not rebuild:
        unchanged = unchanged_index(repo, db=db, config=settings.index, identity=identity)
        if unchanged is not None:  # nothing changed since the last finished run: nothing opened
            return unchanged
    with held_signals():  # a Ctrl-C waits for these (numpy, LanceDB) to load whole
        from specpilot.flows.conventions_bridge import index_plugins
        from specpilot.indexer import IndexStore, index_repo

    if not IndexStore.exists(db):
        log.info("%s is not indexed yet; indexing it into %s", repo, db)
    return index_repo(
        repo,
        db=db,
        config=settings.index,
        rebuild=rebuild,
        embedder=embedder,
        progress=progress,
        plugins=index_plugins(settings.conventions),
        manifest=identity,
    )
