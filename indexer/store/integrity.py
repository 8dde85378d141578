"""Is the index whole? A cheap read of every table's data files, and the repair an index run makes.

A data file deleted or cut short (a sync tool, a full disk, a user tidying up) went unseen:
``count_rows()`` answers from the manifest, and ``status`` or a no-change index run read only
the ``files`` hashes — both reported success while ``search`` died with a lance traceback.

**Check** (``find_damage``): per table, count the rows matching a filter on one narrow column.
LanceDB must open every data file of every fragment to evaluate it (its footer and that
column's pages), so a missing or truncated file fails the count; a table whose manifest is
cut short fails to open. A full-text index is probed with a search for a token no code holds,
which still opens each of its files. The cost is small enough to run on every open: 20 ms for
all tables of the pandas index (1,482 files, 29,600 chunks, 260,532 edges), 13 ms warm.
Not seen: corruption inside a column other than the probed one (a full scan would be; that is
not cheap), and damage to the ANN vector index of a big index (``vector_index.py``).

**Repair** (``repair``, by the next ``index_repo``): a damaged table is dropped and made again
empty, then the index is marked so the run rebuilds what it held, and nothing else:

* ``chunks`` / ``symbols``: every file's stored hash is cleared, so every file is re-indexed
  (vectors still come from the embedding cache when ``chunks`` itself is intact);
* ``files``: rebuilt from the paths the ``chunks`` and ``symbols`` tables still name, with no
  hash — so those files are re-indexed (their vectors reused) and the ones gone from the repo
  are deleted, leaving no orphan rows;
* ``edges`` / ``edge_deps``: the graph is resolved again from the stored parses;
* ``cochange``: recounted from git history;
* a full-text index (``chunks``, ``files``): dropped, and built again by the run;
* ``meta`` (the index identity itself): the index is rebuilt from scratch (``build``).

Every repair is logged as a warning and listed in the run's summary (``repaired``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from specpilot.indexer.errors import DamagedIndexError, StoreError
from specpilot.indexer.store.index_store import IndexStore
from specpilot.indexer.store.lancedb_import import lance_reason
from specpilot.indexer.store.schema import files_schema

log = logging.getLogger(__name__)

# a narrow column of each of the indexer's tables, read to prove the data files are there
PROBES: dict[str, str] = {
    "meta": "key",
    "files": "size",
    "chunks": "start_line",
    "symbols": "start_line",
    "edges": "line",
    "edge_deps": "path",
    "cochange": "together",
}


_LANCE_ERRORS = (StoreError, RuntimeError, OSError, ValueError)  # what lance raises
FTS_PROBE = "zzprobe"  # a search for a token no code has still opens every index file


@dataclass(frozen=True, slots=True)
class Damage:
    table: str
    reason: str  # what LanceDB said, without its source locations
    index: str = ""  # the damaged full-text index ("" when the table's data files are)

    @property
    def what(self) -> str:
        return (
            f"the full-text index of table {self.table!r}"
            if self.index
            else f"table {self.table!r}"
        )


def find_damage(store: IndexStore) -> list[Damage]:
    """The indexer's tables in ``store`` whose files cannot all be read."""
    found: list[Damage] = []
    for name in store.own_tables():
        column = PROBES[name]
        try:
            table = store.table(name)
            expected = int(table.count_rows())
            readable = int(table.count_rows(f"{column} IS NULL OR {column} IS NOT NULL"))
        except _LANCE_ERRORS as exc:
            found.append(Damage(name, lance_reason(exc)))
            continue
        if readable != expected:
            found.append(Damage(name, f"{readable} of its {expected} rows can be read"))
            continue
        found.extend(_fts_damage(name, table, column))
    return found


def _fts_damage(name: str, table: Any, column: str) -> list[Damage]:
    """The full-text indexes of ``table`` whose files cannot be read (search died on them)."""
    found: list[Damage] = []
    for index in table.list_indices():
        if str(index.index_type) != "FTS":
            continue
        try:
            table.search(FTS_PROBE, query_type="fts").select([column]).limit(1).to_arrow()
        except _LANCE_ERRORS as exc:
            found.append(Damage(name, lance_reason(exc), index=index.name))
    return found


def check_intact(store: IndexStore, repo_hint: str = "") -> None:
    """Raise ``DamagedIndexError`` (one sentence: which tables, and run ``specpilot index``)."""
    damage = find_damage(store)
    if damage:
        raise damage_error(store.uri, damage, repo_hint)


def damage_error(uri: str, damage: list[Damage], repo_hint: str = "") -> DamagedIndexError:
    what = "; ".join(f"{d.what} cannot be read ({d.reason})" for d in damage)
    run = f"specpilot index {repo_hint}" if repo_hint else "specpilot index"
    return DamagedIndexError(
        f"the index at {uri} is damaged: {what}; run `{run}` to repair it.",
        tuple(d.table for d in damage),
    )


def repair(store: IndexStore, damage: list[Damage]) -> tuple[str, ...]:
    """Drop and re-create the damaged tables of ``store`` (its ``meta`` is readable) and mark
    what they held for the run to rebuild. Returns the tables repaired."""
    if not damage:
        return ()
    for d in damage:
        log.warning("%s of %s is damaged (%s); repairing it", d.what, store.uri, d.reason)
        if d.index:  # the rows are whole: the run builds the index again (ensure_fts)
            store.table(d.table).drop_index(d.index)
        else:
            store.reset_table(d.table)
    names = tuple(d.table for d in damage if not d.index)
    if "edges" in names:
        store.reset_table("edge_deps")  # reads recorded for edges that are gone
    if "files" in names:
        # the files the other tables still hold rows of: re-indexed, or deleted if gone
        rows = [{"path": p, "blob_hash": ""} for p in sorted(_paths_in(store, "chunks", "symbols"))]
        if rows:
            store.table("files").add(pa.Table.from_pylist(rows, schema=files_schema()))
    elif {"chunks", "symbols"} & set(names):
        store.table("files").update(values={"blob_hash": ""})  # every file: changed
    # the run must not take the nothing-changed exit, and resolves the whole graph
    store.write_meta(store.meta.with_(state="in_progress"))
    return tuple(dict.fromkeys(d.table for d in damage))


def _paths_in(store: IndexStore, *tables: str) -> set[str]:
    return {p for name in tables for p in store.read_columns(name, ["path"])["path"].to_pylist()}
