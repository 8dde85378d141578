"""Retrieval configuration: every ranking weight is a named field here."""

from __future__ import annotations

from dataclasses import dataclass, fields

from specpilot.indexer import DEFAULT_SUPPORT_DIRS, DEFAULT_SUPPORT_GLOBS
from specpilot.retrieval.errors import RetrievalConfigError


@dataclass(frozen=True, slots=True)
class RetrievalConfig:
    # weighted reciprocal-rank fusion: score = sum(weight / (rrf_k + rank))
    rrf_k: int = 60
    weight_vector: float = 1.0
    weight_fulltext: float = 1.0  # BM25 over chunks
    weight_file_fulltext: float = 1.0  # BM25 over whole files (file ranking only)
    weight_identifier: float = 1.0  # query identifiers that name a defined symbol
    # plain query words that name few symbols ("dictsort", "Markup"): off by default, as on
    # the dev set they cost file Acc@1 (English words like "keys" hit methods named keys)
    weight_word: float = 0.0
    # a file the request names (path, module, stack frame) is direct evidence: it counts as
    # two agreeing rankings (dev set: +0.01 Acc@1 and Acc@5 over 1.0)
    weight_path: float = 2.0
    weight_frame: float = 1.0  # stack-trace frames -> the symbol at the frame's line
    weight_message: float = 1.0  # chunks holding an error message / quoted phrase
    # code testing a runtime version the query names ("Python 3.13"): dev set +0.02 Acc@5
    weight_version: float = 1.0
    # how many chunks each channel contributes before fusion
    vector_candidates: int = 200
    # with an ANN index (big repos, indexer/store/vector_index.py): IVF partitions probed per
    # query (0: LanceDB's default) and PQ re-ranking by exact distance (0: off)
    vector_nprobes: int = 20
    vector_refine_factor: int = 0
    fulltext_candidates: int = 200
    file_fulltext_candidates: int = 100
    # file ranking: a file's score is its best chunk plus a share of its next best ones
    file_extra_chunks: int = 2
    file_extra_weight: float = 0.3
    file_extra_top_chunks: int = 50  # only chunks among this many best fused ones count
    # files that support code (tests, docs, examples) are ranked after code by this factor
    support_file_factor: float = 0.5
    support_dirs: tuple[str, ...] = DEFAULT_SUPPORT_DIRS
    support_globs: tuple[str, ...] = DEFAULT_SUPPORT_GLOBS
    # text (non-code) files: markdown, toml, ... get this factor
    text_file_factor: float = 0.7
    # a type stub x.pyi scores at least this share of its module x.py (0: off)
    stub_companion_factor: float = 0.8
    # query understanding (retrieval/channels.py)
    identifier_max_defs: int = 8  # an identifier naming more symbols is skipped (__init__)
    identifier_max_plain_defs: int = 3  # a plain word naming more symbols than this is skipped
    message_min_chars: int = 12  # shortest literal fragment of a message that is matched
    # -- graph (retrieval/graph.py) ------------------------------------------------------
    weight_graph: float = 0.5  # file ranking: personalised PageRank over the code graph
    weight_symbol_graph: float = 1.0  # symbol ranking: the same PageRank, per symbol
    graph_damping: float = 0.85
    graph_iterations: int = 30
    graph_tolerance: float = 1e-6
    graph_resolved_weight: float = 1.0  # an edge the indexer resolved to one definition
    graph_name_weight: float = 0.5  # an unresolved use matched to definitions by name
    graph_name_max_defs: int = 5  # names with more definitions than this add no edges
    graph_reverse_weight: float = 0.5  # callee -> caller, relative to caller -> callee
    graph_contain_weight: float = 0.3  # symbol <-> parent symbol or file
    graph_seed_chunks: int = 20  # top fused chunks that seed the PageRank
    graph_seed_identifier: float = 1.0  # seed mass of symbols the query names
    graph_seed_path: float = 1.0  # seed mass of files the query mentions
    graph_candidates: int = 100  # files / symbols the graph channel ranks
    # -- co-change history (retrieval/cochange.py) ----------------------------------------
    # files git history changed together with the best files so far (file ranking); not
    # measurable on the dev set (its corpora are sdists without history)
    weight_cochange: float = 0.5
    cochange_seeds: int = 3  # best files whose partners are looked up
    cochange_min_together: int = 2  # a pair changed together fewer times is ignored
    cochange_candidates: int = 20  # partners the channel ranks
    # -- symbols (retrieval/symbols.py) --------------------------------------------------
    weight_symbol_file: float = 2.0  # a symbol inherits the rank of its file
    weight_neighbors: float = 0.5  # callers and callees of the strongest symbols
    neighbor_hits: int = 5  # how many top symbols are expanded to their neighbours
    # -- context packing (retrieval/packing.py) ------------------------------------------
    pack_files: int = 15  # files of the outline (search_files order)
    pack_symbols: int = 30  # symbols considered for bodies (search order)
    pack_body_share: float = 0.7  # share of the budget for bodies; the rest is the outline
    pack_max_symbol_tokens: int = 1500  # a longer body is packed as its signature
    pack_chars_per_token: float = 4.0  # token estimate: ceil(chars / this)

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
                raise RetrievalConfigError(
                    f"retrieval.{f.name} is {value}; it must be zero or more."
                )
        checks = {
            "rrf_k": self.rrf_k >= 1,
            "graph_damping": 0 < self.graph_damping < 1,
            "pack_body_share": 0 <= self.pack_body_share <= 1,
            "pack_chars_per_token": self.pack_chars_per_token > 0,
        }
        for name, ok in checks.items():
            if not ok:
                valid = {
                    "rrf_k": "1 or more",
                    "graph_damping": "between 0 and 1 (exclusive)",
                    "pack_body_share": "between 0 and 1",
                    "pack_chars_per_token": "more than 0",
                }[name]
                raise RetrievalConfigError(
                    f"retrieval.{name} is {getattr(self, name)}; it must be {valid}."
                )
