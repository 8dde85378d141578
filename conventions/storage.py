"""The two tables of the conventions package in the index store.

``convention_facts``: one row per measured file (path, language, blob hash, facts version,
``FileFacts`` as JSON), plus one *state* row (path ``""``) whose ``blob_hash`` is the digest
of every input of the stored profile — written last, so a run that dies part way is finished
by the next one. ``conventions``: one row per ``Convention`` (id, language, category, kind,
strong, statement, evidence, confidence and the whole convention as JSON) and one row of kind
``profile`` with the profile's header (schema version, files per language).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pyarrow as pa

from specpilot.conventions.errors import FactsError
from specpilot.conventions.types import (
    FACTS_VERSION,
    PROFILE_SCHEMA_VERSION,
    Convention,
    ConventionProfile,
    FileFacts,
)
from specpilot.indexer import IndexStore, path_filter, sql_quote

FACTS_TABLE = "convention_facts"
PROFILE_TABLE = "conventions"
STATE_PATH = ""  # the state row of convention_facts
_DELETE_BATCH = 500


def facts_schema() -> pa.Schema:
    return pa.schema(
        [
            pa.field("path", pa.string(), nullable=False),
            pa.field("language", pa.string()),
            pa.field("blob_hash", pa.string()),
            pa.field("facts_version", pa.int32()),
            pa.field("facts", pa.large_string()),
        ]
    )


def conventions_schema() -> pa.Schema:
    return pa.schema(
        [
            pa.field("id", pa.string(), nullable=False),
            pa.field("kind", pa.string()),  # "profile" (the header row) or a Convention.kind
            pa.field("language", pa.string()),
            pa.field("category", pa.string()),
            pa.field("strong", pa.bool_()),
            pa.field("confidence", pa.float64()),
            pa.field("statement", pa.string()),
            pa.field("evidence", pa.string()),
            pa.field("data", pa.large_string()),
        ]
    )


def _facts_table(store: IndexStore, *, create: bool) -> Any | None:
    if store.has_table(FACTS_TABLE):
        return store.table(FACTS_TABLE)
    if not create:
        return None
    return store._db.create_table(FACTS_TABLE, schema=facts_schema(), mode="overwrite")


def read_state(store: IndexStore) -> str | None:
    """The inputs digest of the stored profile (one small read), None when there is none."""
    if not store.has_table(PROFILE_TABLE):
        return None
    table = _facts_table(store, create=False)
    if table is None:
        return None
    rows = (
        table.search()
        .where(f"path = {sql_quote(STATE_PATH)}")
        .select(["blob_hash"])
        .limit(1)
        .to_list()
    )
    return str(rows[0]["blob_hash"]) if rows else None


def read_hashes(store: IndexStore) -> dict[str, str]:
    """path -> blob hash of every file whose stored facts are of the current version."""
    if not store.has_table(FACTS_TABLE):
        return {}
    data = store.read_columns(FACTS_TABLE, ["path", "blob_hash", "facts_version"]).to_pylist()
    return {
        r["path"]: r["blob_hash"]
        for r in data
        if r["path"] != STATE_PATH and r["facts_version"] == FACTS_VERSION
    }


def stored_paths(store: IndexStore) -> list[str]:
    if not store.has_table(FACTS_TABLE):
        return []
    paths = store.read_columns(FACTS_TABLE, ["path"])["path"].to_pylist()
    return [p for p in paths if p != STATE_PATH]


def write_facts(store: IndexStore, facts: Sequence[tuple[FileFacts, str]]) -> None:
    """Insert or replace the rows of ``(facts, blob hash)`` pairs."""
    if not facts:
        return
    rows = [
        {
            "path": f.path,
            "language": f.language,
            "blob_hash": blob,
            "facts_version": FACTS_VERSION,
            "facts": f.to_json(),
        }
        for f, blob in facts
    ]
    _upsert(_facts_table(store, create=True), rows)


def delete_facts(store: IndexStore, paths: Sequence[str]) -> None:
    table = _facts_table(store, create=False)
    if table is None:
        return
    for i in range(0, len(paths), _DELETE_BATCH):
        table.delete(path_filter(paths[i : i + _DELETE_BATCH]))


def write_state(store: IndexStore, digest: str) -> None:
    row = {"path": STATE_PATH, "language": "", "blob_hash": digest, "facts_version": 0}
    _upsert(_facts_table(store, create=True), [{**row, "facts": ""}])


def _upsert(table: Any, rows: list[dict[str, Any]]) -> None:
    data = pa.Table.from_pylist(rows, schema=facts_schema())
    (
        table.merge_insert("path")
        .when_matched_update_all()
        .when_not_matched_insert_all()
        .execute(data)
    )


def read_all_facts(store: IndexStore) -> list[FileFacts]:
    table = _facts_table(store, create=False)
    if table is None:
        return []
    data = table.to_arrow().select(["path", "facts"]).to_pylist()
    return [FileFacts.from_json(r["facts"]) for r in data if r["path"] != STATE_PATH]


def write_profile(store: IndexStore, profile: ConventionProfile) -> None:
    """Replace the ``conventions`` table with ``profile`` (one atomic overwrite)."""
    header = {
        "schema_version": profile.schema_version,
        "files": profile.files,
        "exclude_dirs": profile.exclude_dirs,
        "exclude_files": profile.exclude_files,
    }
    rows: list[dict[str, Any]] = [
        {
            "id": "",
            "kind": "profile",
            "language": "",
            "category": "",
            "strong": False,
            "confidence": 0.0,
            "statement": "",
            "evidence": "",
            "data": json.dumps(header),
        }
    ]
    rows.extend(
        {
            "id": c.id,
            "kind": c.kind,
            "language": c.language,
            "category": c.category,
            "strong": c.strong,
            "confidence": c.confidence,
            "statement": c.statement,
            "evidence": c.evidence,
            "data": c.model_dump_json(),
        }
        for c in profile.conventions
    )
    data = pa.Table.from_pylist(rows, schema=conventions_schema())
    store._db.create_table(PROFILE_TABLE, data=data, mode="overwrite")


def load_profile(store: IndexStore) -> ConventionProfile | None:
    """The stored profile, None when the index has none (indexed without the plug-in)."""
    if not store.has_table(PROFILE_TABLE):
        return None
    rows = store.table(PROFILE_TABLE).to_arrow().select(["kind", "data"]).to_pylist()
    header = next((r for r in rows if r["kind"] == "profile"), None)
    try:
        if header is None:
            raise ValueError("the profile header row is missing")
        head = json.loads(header["data"])
        version = head.get("schema_version")
        if version != PROFILE_SCHEMA_VERSION:
            raise ValueError(
                f"schema version {version!r}, this specpilot reads {PROFILE_SCHEMA_VERSION}"
            )
        conventions = [
            Convention.model_validate_json(r["data"]) for r in rows if r["kind"] != "profile"
        ]
        scope = {k: head[k] for k in ("exclude_dirs", "exclude_files") if k in head}
        return ConventionProfile(files=head.get("files", {}), conventions=conventions, **scope)
    except ValueError as exc:  # json and pydantic errors are ValueErrors
        raise FactsError(
            f"the conventions table of the index at {store.uri} cannot be read ({exc}); "
            "re-index to rebuild it."
        ) from exc


def compact(store: IndexStore) -> None:
    """Merge small fragments and drop old versions of the conventions tables (best effort)."""
    store.compact((FACTS_TABLE, PROFILE_TABLE))
