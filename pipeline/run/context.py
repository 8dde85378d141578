"""What retrieval hands the pipeline: ``RetrievedContext``, gathered over any ``CodeIndex``
(the protocol, in ``pipeline/core/index.py``)."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

from specpilot.pipeline.core.index import CodeIndex, Hit, IndexFactory, SymbolSite
from specpilot.pipeline.run.spec import Spec
from specpilot.retrieval import Excerpt, pack_excerpts

__all__ = ["CodeIndex", "Hit", "IndexFactory", "RankedFile", "RetrievedContext", "SymbolSite"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RankedFile:
    path: str
    score: float
    reason: str = ""


@dataclass(frozen=True, slots=True)
class RetrievedContext:
    """Ranked files and symbols, the repo's conventions, and a prompt-ready packed text."""

    files: tuple[RankedFile, ...] = ()
    symbols: tuple[SymbolSite, ...] = ()
    house_rules: str = ""  # conventions rendered for prompts
    packed_text: str = ""  # code excerpts packed into a token budget
    notes: tuple[str, ...] = ()  # what retrieval could not do (fallbacks, missing index, ...)


_IDENT = re.compile(r"`([A-Za-z_][A-Za-z0-9_.]*)(?:\(\))?`")


def gather_context(
    spec: Spec, index: CodeIndex, *, top_k: int, max_chars: int, house_rules: str = ""
) -> RetrievedContext:
    """A basic retrieve stage over any ``CodeIndex``: search with the spec's text, look up
    the identifiers it quotes in backticks, rank files by their best hit and pack snippets."""
    query = "\n".join([spec.title, spec.body, *spec.acceptance, *spec.tasks])
    hits = index.search(query, top_k)
    symbols: list[SymbolSite] = []
    for name in dict.fromkeys(_IDENT.findall(spec.body + "\n" + "\n".join(spec.acceptance))):
        symbols.extend(index.find_symbol(name.rsplit(".", 1)[-1]))
    best: dict[str, RankedFile] = {}
    for hit in hits:
        cur = best.get(hit.path)
        if cur is None or hit.score > cur.score:
            best[hit.path] = RankedFile(hit.path, hit.score, "search hit")
    for sym in symbols:
        if sym.path not in best:
            best[sym.path] = RankedFile(sym.path, sym.score, f"defines {sym.symbol}")
    files = tuple(sorted(best.values(), key=lambda f: (-f.score, f.path)))
    packed = pack_snippets(hits, symbols, max_chars)
    return RetrievedContext(
        files=files, symbols=tuple(symbols), house_rules=house_rules, packed_text=packed
    )


def pack_snippets(hits: Sequence[Hit], symbols: Sequence[SymbolSite], max_chars: int) -> str:
    """The symbols the spec names, then the search hits, through retrieval's excerpt packer
    (the same blocks, order and rules as a LanceDB index's context), within ``max_chars``."""
    excerpts = [
        *(Excerpt(s.path, s.start_line, s.end_line, s.snippet, s.symbol) for s in symbols),
        *(Excerpt(h.path, h.start_line, h.end_line, h.snippet, h.symbol or "") for h in hits),
    ]
    return pack_excerpts(excerpts, max_chars, len)


def render_context(context: RetrievedContext) -> str:
    """The context as one prompt block (static for a run, so it is cached)."""
    out = ["# Repository context (from retrieval)"]
    if context.files:
        out.append("## Ranked files")
        out.extend(f"- {f.path} (score {f.score:.3g}; {f.reason})" for f in context.files)
    if context.symbols:
        out.append("## Symbols")
        out.extend(f"- {s.symbol} in {s.path}:{s.start_line}-{s.end_line}" for s in context.symbols)
    if context.house_rules.strip():
        out.append("## House rules (follow these conventions)")
        out.append(context.house_rules.strip())
    if context.packed_text.strip():
        out.append("## Code excerpts")
        out.append(context.packed_text.rstrip())
    if len(out) == 1:
        out.append("(no retrieval context is available; explore with the tools)")
    return "\n".join(out) + "\n"
