"""Source lines of indexed files, for packing bodies into a prompt.

Lines come from the working tree (``root``, by default the indexed repository) when the file
there still has the indexed content (same git blob hash); otherwise they are rebuilt from the
stored chunks, which hold the indexed text of every function, method and module region
(class headers elide their methods, so such gaps come back as ``None``).
"""

from __future__ import annotations

import logging
from pathlib import Path

from specpilot.indexer import IndexStore, blob_hash, sql_quote

log = logging.getLogger(__name__)

_CONTAINERS = frozenset({"class", "struct", "interface", "trait", "impl", "enum"})


class SourceReader:
    def __init__(self, store: IndexStore, root: Path | None = None) -> None:
        self.store = store
        self.root = root if root is not None else Path(store.meta.repo_root or ".")
        self._hashes: dict[str, str] | None = None
        self._cache: dict[str, list[str | None]] = {}
        self.fallbacks: list[str] = []  # paths read from the index, not the working tree

    def lines(self, path: str) -> list[str | None]:
        """The file's lines (index 0 = line 1); ``None`` for a line the index cannot give."""
        if path not in self._cache:
            self._cache[path] = self._read(path)
        return self._cache[path]

    def excerpt(self, path: str, start: int, end: int) -> list[str]:
        """Lines ``start..end``; a run of lines the index cannot give becomes one ``...``."""
        out: list[str] = []
        for line in self.lines(path)[max(0, start - 1) : max(0, end)]:
            if line is not None:
                out.append(line)
            elif not out or out[-1] != "...":
                out.append("...")
        return out

    def _read(self, path: str) -> list[str | None]:
        if self._hashes is None:
            self._hashes = self.store.file_hashes()
        file = self.root / path
        try:
            data = file.read_bytes()
        except OSError:
            data = None
        if data is not None and blob_hash(data) == self._hashes.get(path):
            return list(data.decode("utf-8", errors="replace").splitlines())
        reason = "is missing" if data is None else "changed since it was indexed"
        log.warning("%s %s under %s; using the indexed text.", path, reason, self.root)
        self.fallbacks.append(path)
        return self._from_chunks(path)

    def _from_chunks(self, path: str) -> list[str | None]:
        rows = (
            self.store.table("chunks")
            .search()
            .where(f"path = {sql_quote(path)}")
            .select(["kind", "start_line", "end_line", "text"])
            .to_list()
        )
        size = max((r["end_line"] for r in rows), default=0)
        out: list[str | None] = [None] * size
        for r in sorted(rows, key=lambda r: (r["kind"] in _CONTAINERS, r["start_line"])):
            if r["kind"] in _CONTAINERS:
                continue  # headers elide their methods: lines do not map one to one
            n = r["end_line"] - r["start_line"] + 1
            text = (r["text"] or "").split("\n")[-n:]  # continuation parts repeat a header
            for i, line in enumerate(text):
                idx = r["start_line"] - 1 + i
                if 0 <= idx < size and out[idx] is None:
                    out[idx] = line
        return out
