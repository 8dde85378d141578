"""What is indexed, at which commit, how stale, with which model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from specpilot.indexer.config import WalkConfig
from specpilot.indexer.errors import IndexInterrupted
from specpilot.indexer.source.gitinfo import commits_since, head_commit
from specpilot.indexer.source.refresh import blob_hash, plan_refresh
from specpilot.indexer.source.walk import walk_repo
from specpilot.indexer.store.index_store import IndexStore
from specpilot.indexer.store.integrity import check_intact
from specpilot.indexer.store.vector_index import vector_index_of


def index_status(repo: Path, db: str, walk: WalkConfig) -> dict[str, Any]:
    """A read-only report; raises NotIndexedError when ``db`` holds no index and
    DamagedIndexError when a table's files are missing or cut short."""
    store = IndexStore.open(db, repo_hint=str(repo))
    check_intact(store, repo_hint=str(repo))
    meta = store.meta
    root = repo.resolve()
    current: dict[str, str] = {}
    for sf in walk_repo(root, walk).files:
        try:
            current[sf.path] = blob_hash(Path(sf.abs_path).read_bytes())
        except OSError:
            continue
    plan = plan_refresh(current, store.file_hashes())
    head = head_commit(root)
    behind = commits_since(root, meta.last_commit) if head and meta.last_commit else None
    return {
        "repo": str(root),
        "db": db,
        "model": meta.model_id,
        "dim": meta.dim,
        "schema_version": meta.schema_version,
        "state": meta.state,
        "indexed_at": meta.indexed_at,
        "indexed_commit": meta.last_commit,
        "head": head,
        "commits_behind": behind,
        "stale_files": {
            "added": len(plan.added),
            "changed": len(plan.changed),
            "deleted": len(plan.deleted),
        },
        "up_to_date": plan.empty and meta.state == "complete",
        "counts": (counts := store.counts()),
        # lexical first: chunks are searchable before their vectors are in (indexer.build)
        "vectors": vectors_note(counts["chunks"], missing := store.vectors_missing()),
        "vectors_embedded": counts["chunks"] - missing,
        # co-change pairs counted from git history at history_head (0: no git history)
        "history": {
            "commit": meta.history_head,
            "pairs": store.cochange_pairs(),
        },
        # the ANN index over chunk vectors (big repos; indexer/store/vector_index.py), if any
        "vector_index": _vector_index(store, meta.vector_index_rows),
    }


def vectors_note(chunks: int, missing: int) -> str:
    """Either "all embedded" or "63 % embedded" (rounded down: 100 % only when none is missing)."""
    if not missing:
        return "all embedded"
    return f"{(chunks - missing) * 100 // max(chunks, 1)} % embedded"


def _vector_index(store: IndexStore, trained_rows: int) -> dict[str, Any] | None:
    index = vector_index_of(store.table("chunks"))
    if index is None:
        return None
    return {"type": str(index.index_type), "trained_on_chunks": trained_rows}


def interruption(uri: str) -> IndexInterrupted:
    """What an index holds after a run was stopped wherever the Ctrl-C landed (scanning,
    parsing, writing, embedding, compacting), read from the index itself: its meta record says
    whether the lexical index is whole, its chunks table how many vectors are in."""
    try:
        store = IndexStore.open(uri)
        meta = store.meta
        files = int(store.table("files").count_rows())
        missing = store.vectors_missing()
        chunks = int(store.table("chunks").count_rows())
    except Exception:  # on the way out of Ctrl-C: no index yet, or one not readable
        return IndexInterrupted(0, 0, state="")
    return IndexInterrupted(files, chunks - missing, vectors_missing=missing, state=meta.state)
