"""Context packing: the best code for a query, within a token budget, for a model's prompt.

``pack_context(searcher, query, budget_tokens)``:

1. **Bodies** — symbols ranked by ``search`` (best first) get their source, while a share
   ``pack_body_share`` of the budget lasts; a symbol inside one already packed is skipped, a
   class is packed as its header (signature, docstring, method signatures) and its methods
   compete on their own; a body longer than ``pack_max_symbol_tokens`` is cut to its signature.
2. **Outline** — the rest of the budget holds a repo-map style outline (aider's): the top
   files of ``search_files``, each with the signatures of its classes and functions in line
   order, until the budget is spent.

Tokens are estimated as ``ceil(chars / pack_chars_per_token)`` (no tokenizer dependency).
The result is deterministic: the same index, query and budget give the same text.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from specpilot.retrieval.errors import QueryError
from specpilot.retrieval.excerpts import BODY_HEAD, Excerpt, ExcerptPacker
from specpilot.retrieval.search import FileHit, Searcher
from specpilot.retrieval.source import SourceReader
from specpilot.retrieval.symbols import SymbolHit, rank_symbols

_OUTLINE_KINDS = frozenset(
    {"class", "struct", "interface", "trait", "enum", "function", "method", "type", "impl"}
)
_CONTAINERS = frozenset({"class", "struct", "interface", "trait", "impl", "enum"})


@dataclass(frozen=True, slots=True)
class PackedItem:
    path: str
    symbol: str  # qualified name; "" for a file outline
    kind: str
    start_line: int
    end_line: int
    score: float
    mode: str  # body | header | signature | outline
    tokens: int


@dataclass(frozen=True, slots=True)
class PackedContext:
    query: str
    budget_tokens: int
    used_tokens: int
    text: str
    items: tuple[PackedItem, ...]
    files: tuple[FileHit, ...]
    symbols: tuple[SymbolHit, ...]
    notes: tuple[str, ...] = field(default=())  # fallbacks taken (stale files, ...)


def estimate_tokens(text: str, chars_per_token: float) -> int:
    return math.ceil(len(text) / chars_per_token) if text else 0


def pack_context(
    searcher: Searcher, query: str, budget_tokens: int, *, root: Path | None = None
) -> PackedContext:
    """The best files and symbols for ``query`` packed into ``budget_tokens`` (see module)."""
    if budget_tokens <= 0:
        raise QueryError(f"the token budget must be positive, got {budget_tokens}.")
    c = searcher.config
    ev = searcher.evidence(query)
    files = searcher.rank_files(ev, c.pack_files)
    symbols = rank_symbols(searcher, ev, c.pack_symbols)
    packer = _Packer(searcher, SourceReader(searcher.store, root), budget_tokens)
    packer.bodies(symbols, int(budget_tokens * c.pack_body_share))
    packer.outline(files)
    text = packer.render()
    notes = tuple(
        f"{p} was read from the index (the working tree differs)." for p in packer.reader.fallbacks
    )
    return PackedContext(
        query=query,
        budget_tokens=budget_tokens,
        used_tokens=estimate_tokens(text, c.pack_chars_per_token),
        text=text,
        items=tuple(packer.items),
        files=tuple(files),
        symbols=tuple(symbols),
        notes=notes,
    )


class _Packer:
    def __init__(self, searcher: Searcher, reader: SourceReader, budget: int) -> None:
        self.searcher, self.reader, self.budget = searcher, reader, budget
        self.cpt = searcher.config.pack_chars_per_token
        self.items: list[PackedItem] = []
        self.code = ExcerptPacker(
            lambda text: estimate_tokens(text, self.cpt),
            used=estimate_tokens(BODY_HEAD + _OUTLINE_HEAD, self.cpt),
        )
        self.outlines: list[str] = []

    def bodies(self, symbols: list[SymbolHit], limit: int) -> None:
        c = self.searcher.config
        for hit in symbols:
            where = _excerpt(hit, [])
            if self.code.inside_packed(where):
                continue
            block, mode = self._body(hit)
            if estimate_tokens(block, self.cpt) > c.pack_max_symbol_tokens:
                block, mode = self._signature(hit), "signature"
            cost = self.code.spend(block, limit)
            if cost is None:
                block, mode = self._signature(hit), "signature"
                cost = self.code.spend(block, limit)
                if cost is None:
                    continue
            self.code.place(where, block, whole=mode == "body")
            self.items.append(
                PackedItem(
                    hit.path,
                    hit.symbol,
                    hit.kind,
                    hit.start_line,
                    hit.end_line,
                    hit.score,
                    mode,
                    cost,
                )
            )

    def _body(self, hit: SymbolHit) -> tuple[str, str]:
        if hit.kind in _CONTAINERS:
            return self._header(hit), "header"
        lines = self.reader.excerpt(hit.path, hit.start_line, hit.end_line)
        return _block(hit, lines), "body"

    def _header(self, hit: SymbolHit) -> str:
        """A class's own lines with each member cut to its signature."""
        cat = self.searcher.catalog
        kids = [
            cat.symbols[k]
            for k in cat.in_file.get(hit.path, ())
            if cat.symbols[k].parent == hit.symbol
        ]
        lines: list[str] = []
        cursor = hit.start_line
        for kid in kids:
            lines += self.reader.excerpt(hit.path, cursor, kid.start_line - 1)
            first = self.reader.excerpt(hit.path, kid.start_line, kid.start_line)
            indent = first[0][: len(first[0]) - len(first[0].lstrip())] if first else ""
            lines.append(
                f"{indent}{kid.signature or kid.name}  # lines {kid.start_line}-{kid.end_line}"
            )
            cursor = kid.end_line + 1
        lines += self.reader.excerpt(hit.path, cursor, hit.end_line)
        return _block(hit, lines)

    def _signature(self, hit: SymbolHit) -> str:
        return _block(hit, [hit.signature or hit.symbol, "    ..."])

    def outline(self, files: list[FileHit]) -> None:
        cat = self.searcher.catalog
        for f in files:
            keys = [k for k in cat.in_file.get(f.path, ()) if cat.symbols[k].kind in _OUTLINE_KINDS]
            lines = [f"{f.path}:"]
            for k in keys:
                s = cat.symbols[k]
                depth = s.qualified_name.count(".")
                lines.append(f"│{'    ' * depth}{s.signature or s.name}")
            text = "\n".join(lines) + "\n"
            cost = self.code.spend(text, self.budget)
            if cost is None:
                # the file alone, without its outline, if that still fits
                cost = self.code.spend(f"{f.path}\n", self.budget)
                if cost is None:
                    break
                text = f"{f.path}\n"
            self.outlines.append(text)
            self.items.append(PackedItem(f.path, "", "file", 1, 0, f.score, "outline", cost))

    def render(self) -> str:
        out = [self.code.render()]
        if self.outlines:
            out.append(_OUTLINE_HEAD)
            out.extend(self.outlines)
        return "".join(out)


_OUTLINE_HEAD = "## Outline of related files\n"


def _excerpt(hit: SymbolHit, lines: list[str]) -> Excerpt:
    return Excerpt(
        hit.path, hit.start_line, hit.end_line, "\n".join(lines), f"{hit.symbol} ({hit.kind})"
    )


def _block(hit: SymbolHit, lines: list[str]) -> str:
    return _excerpt(hit, lines).block()
