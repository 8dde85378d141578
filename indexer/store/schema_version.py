"""The index's schema version, alone so that code which only compares it (the nothing-changed
check of ``indexer.manifest``) need not import pyarrow with ``indexer.store.schema``."""

from __future__ import annotations

SCHEMA_VERSION = 1
