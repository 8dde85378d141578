"""The pipeline's ``CodeIndex`` over a LanceDB index, and indexes of the agent's worktrees.

- :class:`SearcherCodeIndex` answers ``search`` with the hybrid ``retrieval.Searcher`` (the
  snippet is the chunk's text), ``find_symbol`` / ``callers`` with ``retrieval.lookup``
  (over the ``symbols`` and ``edges`` tables: short, qualified or dotted names), and
  ``refresh`` by re-running ``index_repo`` (incremental) on its root.
- :class:`WorktreeIndexes` is the pipeline's ``IndexFactory``: a worktree gets its own index
  in a temporary directory, seeded with a copy of the repository's index, so only the files
  that differ are re-parsed and only chunks with new content are embedded.
- :func:`build_context` is the retrieve stage: retrieval's file and symbol ranking packed by
  ``retrieval.packing`` (``gather_context`` for other indexes), plus the house rules of the
  ``conventions`` package (when it has a profile).
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from types import TracebackType
from typing import Any

from specpilot.flows.conventions_bridge import Conventions, house_rules
from specpilot.indexer import (
    Embedder,
    IndexerConfig,
    IndexStore,
    index_repo,
    make_embedder,
    path_filter,
)
from specpilot.pipeline import (
    CodeIndex,
    Hit,
    PipelineConfig,
    RankedFile,
    RetrievedContext,
    Spec,
    SymbolSite,
    gather_context,
)
from specpilot.retrieval import RetrievalConfig, Searcher, pack_context
from specpilot.retrieval import callers as find_callers
from specpilot.retrieval import find_symbol as find_definitions

log = logging.getLogger(__name__)

MAX_SYMBOLS = 20  # definitions / use sites returned per lookup
CHARS_PER_TOKEN = 4  # PipelineConfig.context_max_chars -> the packer's token budget
SNIPPET_LINES = 40  # lines of a definition shown by find_symbol


class SearcherCodeIndex:
    """A ``pipeline.context.CodeIndex`` over the index at ``db`` of the files under ``root``."""

    def __init__(
        self,
        root: Path,
        db: str,
        *,
        index: IndexerConfig,
        retrieval: RetrievalConfig,
        embedder: Embedder | None = None,
    ) -> None:
        self.root = root
        self.db = db
        self._index_cfg = index
        self._retrieval_cfg = retrieval
        self._embedder = embedder or make_embedder(index.embed)
        self._open()

    def _open(self) -> None:
        self.store = IndexStore.open(self.db, repo_hint=str(self.root))
        self._searcher = Searcher(self.store, self._embedder, self._retrieval_cfg)

    def packed_context(
        self, spec: Spec, config: PipelineConfig, *, house_rules: str = ""
    ) -> RetrievedContext:
        """Ranked files, ranked symbols and packed code for ``spec`` (``retrieval.packing``)."""
        query = "\n".join([spec.title, spec.body, *spec.acceptance, *spec.tasks])
        budget = max(1, config.context_max_chars // CHARS_PER_TOKEN)
        packed = pack_context(self._searcher, query, budget, root=self.root)
        files = tuple(
            RankedFile(
                f.path, f.score, f"ranked #{i}" + (f": {', '.join(f.symbols)}" if f.symbols else "")
            )
            for i, f in enumerate(packed.files[: config.context_top_k], 1)
        )
        symbols = tuple(
            SymbolSite(s.path, s.symbol, s.start_line, s.end_line, s.score, s.signature)
            for s in packed.symbols
        )
        return RetrievedContext(
            files=files,
            symbols=symbols,
            house_rules=house_rules,
            packed_text=packed.text,
            notes=packed.notes,
        )

    def search(self, query: str, top_k: int) -> list[Hit]:
        hits = self._searcher.search_chunks(query, top_k)
        texts = self._chunk_texts([h.id for h in hits])
        return [
            Hit(h.path, h.symbol or None, h.start_line, h.end_line, h.score, texts.get(h.id, ""))
            for h in hits
        ]

    def find_symbol(self, name: str) -> list[SymbolSite]:
        if not name.strip():
            return []
        return [
            SymbolSite(
                h.path,
                h.symbol,
                h.start_line,
                h.end_line,
                h.score,
                self._lines(h.path, h.start_line, h.end_line) or h.signature,
            )
            for h in find_definitions(self._searcher, name, MAX_SYMBOLS)
        ]

    def callers(self, name: str) -> list[SymbolSite]:
        """Where the definitions ``name`` means are used (calls, references, inheritance;
        imports are left out)."""
        if not name.strip():
            return []
        uses = find_callers(self._searcher, name, MAX_SYMBOLS * 2)
        return [
            SymbolSite(
                u.path,
                u.symbol or "<module>",
                u.line,
                u.line,
                1.0,
                self._lines(u.path, u.line, u.line),
            )
            for u in uses
            if u.kind != "import"
        ][:MAX_SYMBOLS]

    def refresh(self, paths: Sequence[str]) -> None:
        """Re-index the root incrementally (only changed files are re-read) and reopen."""
        log.info("refreshing the index of %s after edits to %s", self.root, ", ".join(paths))
        index_repo(self.root, db=self.db, config=self._index_cfg, embedder=self._embedder)
        self._open()

    # -- helpers -------------------------------------------------------------------------
    def _rows(
        self, table: str, where: str, columns: list[str], limit: int = MAX_SYMBOLS * 5
    ) -> list[dict[str, Any]]:
        query = self.store.table(table).search().where(where).select(columns)
        rows: list[dict[str, Any]] = query.limit(limit).to_list()
        return rows

    def _chunk_texts(self, ids: Sequence[str]) -> dict[str, str]:
        if not ids:
            return {}
        rows = self._rows("chunks", path_filter(ids, "id"), ["id", "text"], len(ids))
        return {str(r["id"]): str(r["text"]) for r in rows}

    def _lines(self, rel: str, start: int, end: int) -> str:
        path = self.root / rel
        try:
            lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return ""
        end = min(end, start + SNIPPET_LINES - 1)
        return "\n".join(lines[max(0, start - 1) : end])


class WorktreeIndexes:
    """``Path -> CodeIndex`` for the agent's worktrees (a ``pipeline.context.IndexFactory``).

    Each worktree is indexed into its own temporary directory, seeded with a copy of
    ``base_db`` (the repository's index): the embedding cache is keyed by content hash inside
    a store, so only files that differ from the repository's index are embedded again. A
    remote ``base_db`` (``s3://...``) cannot be copied: the worktree is then indexed from
    scratch (logged). ``close`` removes every temporary index.
    """

    def __init__(
        self,
        base_db: str,
        *,
        index: IndexerConfig,
        retrieval: RetrievalConfig,
        embedder: Embedder | None = None,
    ) -> None:
        self.base_db = base_db
        self._index_cfg = index
        self._retrieval_cfg = retrieval
        self._embedder = embedder or make_embedder(index.embed)
        self._dirs: list[Path] = []

    def __call__(self, root: Path) -> CodeIndex:
        tmp = Path(tempfile.mkdtemp(prefix="specpilot-wt-index-"))
        self._dirs.append(tmp)
        db = tmp / "index"
        base = Path(self.base_db)
        if "://" not in self.base_db and IndexStore.exists(self.base_db):
            shutil.copytree(base, db)
        else:
            log.info("the index %s cannot be copied; indexing %s from scratch", base, root)
        summary = index_repo(root, db=str(db), config=self._index_cfg, embedder=self._embedder)
        log.info(
            "worktree index of %s: %d changed, %d added, %d deleted; %d chunks embedded",
            root,
            summary.changed,
            summary.added,
            summary.deleted,
            summary.chunks_embedded,
        )
        return SearcherCodeIndex(
            root,
            str(db),
            index=self._index_cfg,
            retrieval=self._retrieval_cfg,
            embedder=self._embedder,
        )

    def close(self) -> None:
        for tmp in self._dirs:
            shutil.rmtree(tmp, ignore_errors=True)
        self._dirs.clear()

    def __enter__(self) -> WorktreeIndexes:
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def build_context(
    spec: Spec,
    index: CodeIndex,
    *,
    config: PipelineConfig,
    conventions: Conventions,
    house_rules_tokens: int,
) -> RetrievedContext:
    """The retrieve stage: over a specpilot index, retrieval's own file and symbol ranking
    (the one the localization benchmark measures) packed into the budget by
    ``retrieval.packing`` — bodies by relevance, a repo-map outline of the rest; over any
    other ``CodeIndex``, the pipeline's basic search-and-snippets. Plus the house rules of
    the index's ``conventions`` (``conventions_bridge.load_conventions``)."""
    rules, note = house_rules(conventions, house_rules_tokens)
    if isinstance(index, SearcherCodeIndex):
        context = index.packed_context(spec, config, house_rules=rules)
    else:
        context = gather_context(
            spec,
            index,
            top_k=config.context_top_k,
            max_chars=config.context_max_chars,
            house_rules=rules,
        )
    return replace(context, notes=(*context.notes, note)) if note else context
