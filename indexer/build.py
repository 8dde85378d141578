"""index_repo: walk → diff against the store → parse → chunk → write → graph → FTS → embed.

Lexical first: the rows of every file (chunks without a vector unless the content-hash cache
has one), the code graph and the full-text index are committed as a complete index — BM25,
names, paths and the graph answer — before embedding starts; vectors are then filled in
batch by batch (``vectors_missing`` in the meta record counts what is left). A run stopped
while embedding keeps everything written; the next run embeds only the missing vectors.

The library never prints: progress goes to the ``progress`` callback as
``(stage, done, total)`` with stage one of "scan", "parse", "write", "embed" ("embed" at 0
is reported right after the lexical index is committed).
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

from specpilot.indexer.config import EmbedConfig, IndexerConfig
from specpilot.indexer.embed.embedders import Embedder, make_embedder
from specpilot.indexer.embed.fill import EMBED_WRITE_BATCH, MapEmbed, embed_missing
from specpilot.indexer.errors import (
    DamagedIndexError,
    EmptyRepoError,
    NotIndexedError,
    SchemaVersionError,
)
from specpilot.indexer.graph.edge_deps import affected, from_rows, to_rows
from specpilot.indexer.graph.resolve import definitions_fingerprint, resolve_tracked
from specpilot.indexer.graph.stored_tables import stored_tables
from specpilot.indexer.manifest import FileStat, drop_manifest, file_stat, write_manifest
from specpilot.indexer.parse.extract import parse_source
from specpilot.indexer.parse.prepare import MapParse, ParseBatch, ParsedBatch, Prepared, prepare
from specpilot.indexer.plugins import IndexPlugin, LoadedFile, PluginContext
from specpilot.indexer.source.filetypes import is_code
from specpilot.indexer.source.gitinfo import head_commit
from specpilot.indexer.source.history import refresh_history
from specpilot.indexer.source.refresh import blob_hash, plan_refresh
from specpilot.indexer.source.walk import walk_repo
from specpilot.indexer.status import interruption
from specpilot.indexer.store.index_store import IndexStore
from specpilot.indexer.store.integrity import PROBES, find_damage, repair
from specpilot.indexer.store.location import check_index_location, default_db_path
from specpilot.indexer.store.lock import index_write_lock
from specpilot.indexer.store.rows import chunk_key, chunk_rows, file_rows, symbol_rows
from specpilot.indexer.store.schema import SCHEMA_VERSION, IndexMeta
from specpilot.indexer.store.vector_index import ensure_vector_index
from specpilot.indexer.summary import IndexSummary, make_summary
from specpilot.indexer.types import ParsedFile, SourceFile, WalkResult

log = logging.getLogger(__name__)

__all__ = ["IndexSummary", "MapParse", "ParseBatch", "ParsedBatch", "Progress", "index_repo"]

Progress = Callable[[str, int, int], None]


def index_repo(
    repo: str | Path,
    *,
    db: str | None = None,
    config: IndexerConfig | None = None,
    rebuild: bool = False,
    embedder: Embedder | None = None,
    progress: Progress | None = None,
    plugins: Sequence[IndexPlugin] = (),
    map_parse: MapParse | None = None,
    manifest: str | None = None,
    map_embed: MapEmbed | None = None,
) -> IndexSummary:
    """Index ``repo`` into ``db`` (default location per repo), incrementally unless ``rebuild``.

    ``map_parse`` spreads parsing over workers (see ``MapParse``); results must come back in
    the order of the batches; ``map_embed`` runs the embedder calls elsewhere in the same way
    (``indexer.embed.fill.MapEmbed``; the vectors are written here). ``manifest``: when given
    (the caller's identity, e.g. its plug-ins' config), a finished run writes the manifest
    ``indexer.manifest.unchanged_index`` answers the next no-op run from; any run drops the
    old one before it writes."""
    cfg = config or IndexerConfig()
    t0 = time.perf_counter()
    root = Path(repo).resolve()
    uri = db or default_db_path(root)
    try:
        walked = walk_repo(Path(repo), cfg.walk)  # checks the path first
        check_index_location(uri, write=True)  # a file, or read-only: say so before writing
        with index_write_lock(uri):  # one writer per index; a second run waits for the first
            drop_manifest(uri)
            stats: dict[str, tuple[FileStat, str]] | None = {} if manifest is not None else None
            summary = _index(
                root, walked, uri, cfg,
                rebuild=rebuild,
                emb=embedder or make_embedder(cfg.embed),
                report=progress or (lambda stage, done, total: None),
                plugins=plugins, map_parse=map_parse, t0=t0, stats=stats, map_embed=map_embed,
            )  # fmt: skip
            if manifest is not None and stats is not None:
                write_manifest(
                    uri, root, cfg, manifest,
                    commit=summary.commit, files=stats, summary=summary,
                )  # fmt: skip
            return summary
    except KeyboardInterrupt:  # wherever it landed: what the index holds, read from it
        raise interruption(uri) from None


def _any_file(root: Path) -> bool:
    """A file under ``root`` outside ``.git`` (stops at the first one found)."""
    return any(p.is_file() for p in root.rglob("*") if ".git" not in p.relative_to(root).parts)


def _index(
    root: Path,
    walked: WalkResult,
    uri: str,
    cfg: IndexerConfig,
    *,
    rebuild: bool,
    emb: Embedder,
    report: Progress,
    plugins: Sequence[IndexPlugin],
    map_parse: MapParse | None,
    t0: float,
    stats: dict[str, tuple[FileStat, str]] | None = None,
    map_embed: MapEmbed | None = None,
) -> IndexSummary:
    """``stats``: filled with each read file's stat taken before the read, and its hash."""
    stages: dict[str, float] = {}
    contents: dict[str, bytes] = {}
    hashes: dict[str, str] = {}
    skipped = Counter(walked.skipped)
    sources: dict[str, SourceFile] = {}
    for i, sf in enumerate(walked.files):
        try:
            st = file_stat(sf.abs_path) if stats is not None else None
            data = Path(sf.abs_path).read_bytes()
        except OSError as exc:
            log.warning("cannot read %s: %s", sf.path, exc)
            skipped["unreadable"] += 1
            continue
        contents[sf.path], hashes[sf.path], sources[sf.path] = data, blob_hash(data), sf
        if stats is not None and st is not None:
            stats[sf.path] = (st, hashes[sf.path])
        report("scan", i + 1, len(walked.files))
    if not hashes:
        if walked.git and not skipped and _any_file(root):  # git listed none of them
            raise EmptyRepoError(
                f"{root} has no files to index: it is inside a git work tree and git ignores "
                "everything in it (a .gitignore above it); index a copy outside the work tree, "
                "or a directory git tracks."
            )
        reasons = ", ".join(f"{k}: {v}" for k, v in sorted(skipped.items())) or "no files"
        raise EmptyRepoError(
            f"{root} has no files to index ({reasons}); point specpilot at a directory with "
            "source or text files."
        )
    stages["scan"] = time.perf_counter() - t0

    store, repaired = _open_or_create(uri, root, emb, rebuild)
    plan = plan_refresh(hashes, store.file_hashes())
    commit = head_commit(root)
    model_loaded_before = bool(getattr(emb, "loaded", False))
    parsed_now: dict[str, ParsedFile | None] = {}

    def load(path: str) -> LoadedFile:
        sf = sources[path]
        text = contents[path].decode("utf-8", errors="replace")
        if path not in parsed_now:
            code = is_code(sf.language)
            parsed_now[path] = parse_source(path, text.encode(), sf.language) if code else None
        return LoadedFile(path, sf.language, text, parsed_now[path])

    def run_history() -> None:
        t = time.perf_counter()
        if refresh_history(store, root, set(hashes), cfg.history, head=commit):
            stages["history"] = time.perf_counter() - t

    def run_plugins() -> None:
        t = time.perf_counter()
        ctx = PluginContext(store, root, hashes, load)
        for plugin in plugins:
            plugin.update(ctx)
        if plugins:
            stages["plugins"] = time.perf_counter() - t

    def run_vector_index() -> None:
        if store.meta.vectors_missing:  # trained on complete vectors only
            return
        t = time.perf_counter()
        before = store.meta.vector_index_rows
        rows = ensure_vector_index(store.table("chunks"), cfg.vector_index, before)
        if rows != before:
            store.write_meta(store.meta.with_(vector_index_rows=rows))
            stages["vector index"] = time.perf_counter() - t

    def summarize(
        *, embedded: int = 0, cached: int = 0, errors: int = 0, lossy: int = 0
    ) -> IndexSummary:
        return make_summary(
            store, root, uri, emb, commit, plan, skipped, sources, t0, stages,
            embedded=embedded, cached=cached, errors=errors, lossy=lossy,
            model_before=model_loaded_before, repaired=repaired,
        )  # fmt: skip

    if plan.empty and store.meta.state == "complete":
        # a run cut short while embedding: its chunks are all written, only vectors are missing
        t = time.perf_counter()
        embedded, reused = embed_missing(store, emb, report, map_embed)
        if embedded:
            stages["embed"] = time.perf_counter() - t
        run_history()
        run_plugins()
        run_vector_index()
        if embedded:
            store.compact()
        if commit != store.meta.last_commit:
            store.write_meta(store.meta.with_(last_commit=commit))
        return summarize(embedded=embedded, cached=reused)

    # the changed files' parses before this run: which definitions an edit changed decides
    # which files' edges are resolved again (``_edges_to_redo``)
    old_parsed = (
        {pf.path: pf for pf in store.parsed_files(plan.changed)}
        if store.meta.state == "complete" and not plan.added and not plan.deleted
        else None
    )
    store.write_meta(store.meta.with_(state="in_progress"))

    t = time.perf_counter()
    prepared, errors, lossy = prepare(plan.to_index, sources, contents, cfg, report, map_parse)
    parsed_now.update((p.source.path, p.parsed) for p in prepared)
    stages["parse"] = time.perf_counter() - t

    # lexical first: every file's rows (chunks without vectors unless cached), the graph and
    # the full-text index, committed as a complete, searchable index before any embedding
    t = time.perf_counter()
    cached = _write_lexical(store, prepared, cfg.embed, commit, report)
    # deleted last: a renamed file's chunks serve as the embedding cache for its new path
    store.delete_files(plan.deleted)
    stages["write"] = time.perf_counter() - t

    t = time.perf_counter()
    new_parsed = {p.source.path: p.parsed for p in prepared}
    _rebuild_graph(store, only=_edges_to_redo(store, plan.changed, old_parsed, new_parsed))
    store.ensure_fts()
    stages["graph+fts"] = time.perf_counter() - t
    store.write_meta(
        store.meta.with_(
            state="complete",
            last_commit=commit,
            indexed_at=datetime.now(UTC).isoformat(timespec="seconds"),
            vectors_missing=store.vectors_missing(),
        )
    )
    stages["searchable"] = time.perf_counter() - t0  # seconds until lexical search works
    # what needs the parses but no vectors (co-change history, conventions) runs before
    # embedding, so an index interrupted while embedding has it too
    run_history()
    run_plugins()

    t = time.perf_counter()
    embedded, reused = embed_missing(store, emb, report, map_embed)
    cached += reused
    stages["embed"] = time.perf_counter() - t
    run_vector_index()
    t = time.perf_counter()
    store.compact()
    stages["compact"] = time.perf_counter() - t

    summary = summarize(embedded=embedded, cached=cached, errors=errors, lossy=lossy)
    store.write_meta(
        store.meta.with_(
            stats={k: v for k, v in summary.to_dict().items() if k in _META_STATS},
        )
    )
    return summary


_META_STATS = ("files", "languages", "symbols", "chunks", "edges", "skipped", "seconds")


def _open_or_create(
    uri: str, root: Path, emb: Embedder, rebuild: bool
) -> tuple[IndexStore, tuple[str, ...]]:
    """The store to write, and the tables found damaged and repaired
    (``indexer.store.integrity``)."""
    fresh = IndexMeta(
        schema_version=SCHEMA_VERSION,
        model_id=emb.model_id,
        dim=emb.dim,
        repo_root=str(root),
        state="in_progress",
    )
    if rebuild or not IndexStore.exists(uri):
        return IndexStore.create(uri, fresh, drop=tuple(PROBES) if rebuild else ()), ()
    try:
        store = IndexStore.open(uri, missing_ok=True)  # a missing table is repaired below
    except NotIndexedError:
        # a directory without a meta record: a first run killed before it finished creating
        return IndexStore.create(uri, fresh), ()
    except SchemaVersionError as exc:
        log.warning("%s Rebuilding.", exc)
        return IndexStore.create(uri, fresh), ()
    except DamagedIndexError as exc:  # the meta record: what the index is, is unknown
        log.warning("%s Rebuilding it.", exc)
        return IndexStore.create(uri, fresh, drop=tuple(PROBES)), ("meta",)
    store.check_model(emb.model_id, emb.dim)
    damage = find_damage(store)
    if any(d.table == "meta" for d in damage):
        log.warning("the meta table of the index at %s is damaged; rebuilding it.", uri)
        return IndexStore.create(uri, fresh, drop=tuple(PROBES)), ("meta",)
    return store, repair(store, damage)


def _batches(prepared: list[Prepared], size: int) -> Iterator[list[Prepared]]:
    batch: list[Prepared] = []
    n = 0
    for p in prepared:
        batch.append(p)
        n += len(p.chunks)
        if n >= size:
            yield batch
            batch, n = [], 0
    if batch:
        yield batch


def _write_lexical(
    store: IndexStore,
    prepared: list[Prepared],
    ec: EmbedConfig,
    commit: str,
    report: Progress,
) -> int:
    """Write every file's rows, a chunk with a vector from the cache or a null one (embedded
    later by ``_embed_missing``). Returns the chunks whose vectors the cache had."""
    total = sum(len(p.chunks) for p in prepared)
    cache = store.cached_vectors({chunk_key(c, ec) for p in prepared for c in p.chunks})
    cached = done = 0
    report("write", 0, total)
    for batch in _batches(prepared, EMBED_WRITE_BATCH):
        vectors = {c.id: cache.get(chunk_key(c, ec)) for p in batch for c in p.chunks}
        cached += sum(v is not None for v in vectors.values())
        store.replace_files(
            [p.source.path for p in batch],
            file_rows(batch, commit),
            chunk_rows(batch, vectors, ec),
            symbol_rows(batch),
        )
        done += len(vectors)
        report("write", done, total)
    return cached


def _edges_to_redo(
    store: IndexStore,
    changed: Sequence[str],
    old: dict[str, ParsedFile] | None,
    new: dict[str, ParsedFile | None],
) -> list[str] | None:
    """The files whose edges are resolved again; None: every file's.

    An edit that keeps a file's definitions (``definitions_fingerprint``) changes only its
    own edges. One that changes them also changes the edges of the files whose resolution
    read that file or a method name it changed (``indexer.graph.edge_deps``). Everything is
    resolved when files were added or deleted (module paths move), when the last run did not
    complete, when the index has no recorded reads yet, or when over half the files would be.
    """
    if old is None or not store.has_table("edge_deps"):
        return None
    defs_changed = {
        p
        for p in changed
        if definitions_fingerprint(old.get(p)) != definitions_fingerprint(new.get(p))
    }
    if not defs_changed:
        return sorted(changed)
    deps = from_rows(store.edge_deps() or [])
    redo = set(changed) | affected(deps, defs_changed, old, new)
    return None if 2 * len(redo) > len(deps) else sorted(redo)


def _rebuild_graph(store: IndexStore, only: Sequence[str] | None = None) -> None:
    """Re-resolve the edges: all of them, or (``only``) just those from these files — which
    read only some other files' parses, decoded as the resolution reaches them."""
    if only is not None and not only:
        return
    redo = set(only) if only is not None else None
    files = store.parsed_files() if redo is None else stored_tables(store, redo)
    edges, reads = resolve_tracked(files, only=redo)
    store.replace_edges(edges, to_rows(reads), paths=only or ())
