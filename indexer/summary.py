"""What an index run did: the summary the CLI renders and the flow publishes."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from specpilot.indexer.errors import StoreError
from specpilot.indexer.source.refresh import RefreshPlan
from specpilot.indexer.types import SourceFile

if TYPE_CHECKING:  # types only: the nothing-changed check builds a summary without pyarrow
    from specpilot.indexer.embed.embedders import Embedder
    from specpilot.indexer.store.index_store import IndexStore


@dataclass(frozen=True, slots=True)
class IndexSummary:
    repo: str
    db: str
    model_id: str
    commit: str
    files: int
    languages: dict[str, int]
    added: int
    changed: int
    deleted: int
    unchanged: int
    symbols: int
    chunks: int
    edges: int
    edges_resolved: int
    chunks_embedded: int
    chunks_cached: int
    parse_error_files: int
    lossy_utf8_files: int
    skipped: dict[str, int]
    seconds: float
    model_loaded: bool
    stage_seconds: dict[str, float] = field(default_factory=dict)
    # tables found damaged (files missing or cut short) and rebuilt by this run
    repaired: tuple[str, ...] = ()

    @property
    def chunks_per_s(self) -> float:
        return self.chunks_embedded / self.seconds if self.seconds > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["chunks_per_s"] = round(self.chunks_per_s, 1)
        return d


def make_summary(
    store: IndexStore,
    root: Path,
    uri: str,
    emb: Embedder,
    commit: str,
    plan: RefreshPlan,
    skipped: Counter[str],
    sources: dict[str, SourceFile],
    t0: float,
    stages: dict[str, float],
    *,
    embedded: int,
    cached: int,
    errors: int,
    lossy: int,
    model_before: bool,
    repaired: tuple[str, ...] = (),
) -> IndexSummary:
    try:
        counts = store.counts()
        resolved = int(store.table("edges").count_rows("dst_path != ''"))
    except StoreError:
        counts, resolved = {}, 0
    languages = Counter(sf.language for sf in sources.values())
    return IndexSummary(
        repo=str(root),
        db=uri,
        model_id=emb.model_id,
        commit=commit,
        files=len(sources),
        languages=dict(sorted(languages.items())),
        added=len(plan.added),
        changed=len(plan.changed),
        deleted=len(plan.deleted),
        unchanged=plan.unchanged,
        symbols=counts.get("symbols", 0),
        chunks=counts.get("chunks", 0),
        edges=counts.get("edges", 0),
        edges_resolved=resolved,
        chunks_embedded=embedded,
        chunks_cached=cached,
        parse_error_files=errors,
        lossy_utf8_files=lossy,
        skipped=dict(sorted(skipped.items())),
        seconds=round(time.perf_counter() - t0, 3),
        model_loaded=bool(getattr(emb, "loaded", False)) and not model_before,
        stage_seconds={k: round(v, 3) for k, v in stages.items()},
        repaired=repaired,
    )
