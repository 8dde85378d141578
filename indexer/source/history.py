"""Co-change history: which files the repository's commits changed together.

A change to ``adapters.py`` that adds an exception also touches ``exceptions.py``; no word
of the request says so, but the history does. From ``git log`` (no merges, no rename
detection, paths relative to the indexed root) this module counts, over the last
``HistoryConfig.max_commits`` commits, for every pair of indexed files how many commits
changed both (``together``) and how many changed the first (``changes``). Commits that touch
more than ``max_files_per_commit`` files (reformatting, renames of a package, vendoring)
say nothing about coupling and are skipped; pairs changed together fewer than
``min_together`` times are not kept (one shared commit is coincidence, and on a long history
such pairs are most of them).

The counts live in the ``cochange`` table (``path, partner, together, changes``, one row per
direction) and are recomputed when HEAD moved since the last run (``IndexMeta.history_head``);
a directory that is not a git work tree has an empty table. ``retrieval`` ranks the partners
of its best files by ``together / changes`` (the share of the file's commits that also
changed the partner).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from itertools import combinations
from pathlib import Path
from typing import Any

from specpilot.indexer.config import HistoryConfig
from specpilot.indexer.source.gitinfo import git_output
from specpilot.indexer.store.index_store import IndexStore

log = logging.getLogger(__name__)

_SEP = "\x00"


def commit_files(root: Path, max_commits: int, timeout: float = 60.0) -> list[list[str]] | None:
    """The files of each of the last ``max_commits`` non-merge commits (newest first).

    Paths are relative to ``root`` (``git log --relative``), so an index of a sub-directory
    sees only its own files. None when ``root`` is not in a git work tree (or git fails).
    """
    out = git_output(
        root, "log", "--no-merges", "--no-renames", "--relative", "--name-only",
        "--format=%x00", f"-n{max_commits}", "HEAD", "--",
        timeout=timeout,
    )  # fmt: skip
    if out is None:
        return None
    commits = []
    for block in out.split(_SEP):
        files = [line.strip() for line in block.splitlines() if line.strip()]
        if files:
            commits.append(files)
    return commits


def cochange_rows(
    commits: Iterable[list[str]],
    indexed: set[str],
    max_files_per_commit: int,
    min_together: int = 1,
) -> list[dict[str, Any]]:
    """Rows of the ``cochange`` table: indexed pairs changed together ``min_together`` times."""
    changes: Counter[str] = Counter()
    together: Counter[tuple[str, str]] = Counter()
    for files in commits:
        if len(files) > max_files_per_commit:
            continue
        kept = sorted({f for f in files if f in indexed})
        changes.update(kept)
        together.update(combinations(kept, 2))
    rows = []
    for (a, b), n in sorted(together.items()):
        if n < min_together:
            continue
        rows.append({"path": a, "partner": b, "together": n, "changes": changes[a]})
        rows.append({"path": b, "partner": a, "together": n, "changes": changes[b]})
    return rows


def refresh_history(
    store: IndexStore, root: Path, indexed: set[str], config: HistoryConfig, *, head: str
) -> bool:
    """Rewrite the ``cochange`` table when HEAD moved since the last run; True if it did."""
    if store.meta.history_head == head and store.has_table("cochange"):
        return False
    commits = commit_files(root, config.max_commits) if head and config.max_commits else None
    rows = (
        cochange_rows(commits, indexed, config.max_files_per_commit, config.min_together)
        if commits is not None
        else []
    )
    store.replace_cochange(rows)
    store.write_meta(store.meta.with_(history_head=head))
    log.debug("co-change: %d commits, %d pairs", len(commits or ()), len(rows) // 2)
    return True
