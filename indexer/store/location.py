"""Where an index may live: a local index path is checked before anything is opened or written.

A ``--db`` that is a file, or lies under one, made ``mkdir`` raise ``FileExistsError`` or
``NotADirectoryError``; a read-only directory made the lock file or LanceDB's first write fail
with an ``OSError`` or a lance ``RuntimeError``. Both are the user's input, so both are an
``IndexLocationError`` naming the path and what would do. Remote URIs are not checked here.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from specpilot.indexer.config import specpilot_home
from specpilot.indexer.errors import IndexLocationError


def default_db_path(repo: str | os.PathLike[str]) -> str:
    """``$SPECPILOT_HOME/indexes/<repo-name>-<hash of the absolute path>``."""
    root = Path(repo).resolve()
    home = specpilot_home()
    digest = hashlib.sha1(str(root).encode()).hexdigest()[:10]
    return str(home / "indexes" / f"{root.name or 'root'}-{digest}")


def check_index_location(uri: str, *, write: bool) -> None:
    """Raise ``IndexLocationError`` when a local ``uri`` cannot hold an index (for ``write``:
    one this process can write, with its lock file beside it)."""
    if "://" in uri:
        return
    path = Path(uri)
    existing = _nearest_existing(path)
    if existing is not None and not existing.is_dir():
        raise IndexLocationError(
            f"the index path {uri} cannot be used: {existing} is a file, not a directory; "
            "give --db a directory (an index, or a path that does not exist yet)."
        )
    if not write:
        return
    # the lock file goes beside the index directory, so its parent must be writable too
    for where in dict.fromkeys(p for p in (existing, _nearest_existing(path.parent)) if p):
        if not os.access(where, os.W_OK | os.X_OK):
            why = "is on a read-only file system" if _read_only_fs(where) else "is not writable"
            raise IndexLocationError(
                f"the index path {uri} is not writable: {where} {why}; give --db a "
                "directory you can write."
            )


def _nearest_existing(path: Path) -> Path | None:
    """``path`` or its nearest ancestor that exists (None: not even the root, odd mounts)."""
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return None


def _read_only_fs(path: Path) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        return False
