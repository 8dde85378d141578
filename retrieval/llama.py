"""A llama-index retriever over a specpilot index (the only module that imports llama-index).

``SpecpilotRetriever(searcher, top_k=10, mode="symbols")`` is a ``BaseRetriever``: llama-index
query engines and agents can use it like any other. Each result is a ``TextNode`` whose text is
the code (a symbol's source, or a file's best symbols for ``mode="files"``) and whose metadata
holds ``path``, ``symbol``, ``kind``, ``start_line``, ``end_line``; the node's score is the
fused retrieval score. Node ids are stable (``path::symbol`` or ``path``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.callbacks import CallbackManager
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

from specpilot.retrieval.errors import QueryError
from specpilot.retrieval.search import Searcher
from specpilot.retrieval.source import SourceReader

Mode = Literal["symbols", "files"]
_MODES = ("symbols", "files")


class SpecpilotRetriever(BaseRetriever):
    def __init__(
        self,
        searcher: Searcher,
        *,
        top_k: int = 10,
        mode: Mode = "symbols",
        root: Path | None = None,
        max_lines: int = 200,
        callback_manager: CallbackManager | None = None,
    ) -> None:
        if mode not in _MODES:
            raise QueryError(f"unknown retriever mode {mode!r}; valid modes: {', '.join(_MODES)}.")
        if top_k < 1:
            raise QueryError(f"top_k must be at least 1, got {top_k}.")
        super().__init__(callback_manager=callback_manager)
        self.searcher, self.top_k, self.mode, self.max_lines = searcher, top_k, mode, max_lines
        self.reader = SourceReader(searcher.store, root)

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        query = query_bundle.query_str
        if self.mode == "files":
            return [
                self._file_node(h.path, h.score, h.symbols)
                for h in self.searcher.search_files(query, self.top_k)
            ]
        out = []
        for hit in self.searcher.search(query, self.top_k):
            end = min(hit.end_line, hit.start_line + self.max_lines - 1)
            text = "\n".join(self.reader.excerpt(hit.path, hit.start_line, end))
            meta = {
                "path": hit.path,
                "symbol": hit.symbol,
                "kind": hit.kind,
                "start_line": hit.start_line,
                "end_line": hit.end_line,
            }
            out.append(
                NodeWithScore(node=_node(f"{hit.path}::{hit.symbol}", text, meta), score=hit.score)
            )
        return out

    def _file_node(self, path: str, score: float, symbols: tuple[str, ...]) -> NodeWithScore:
        lines = self.reader.excerpt(path, 1, self.max_lines)
        meta = {
            "path": path,
            "symbol": "",
            "kind": "file",
            "start_line": 1,
            "end_line": len(lines),
            "symbols": list(symbols),
        }
        return NodeWithScore(node=_node(path, "\n".join(lines), meta), score=score)


def _node(node_id: str, text: str, meta: dict[str, Any]) -> TextNode:
    return TextNode(
        id_=node_id,
        text=text,
        metadata=meta,
        excluded_embed_metadata_keys=list(meta),
        excluded_llm_metadata_keys=[k for k in meta if k not in ("path", "symbol")],
    )
