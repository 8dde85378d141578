"""Weighted reciprocal-rank fusion and the file priors shared by file and symbol ranking."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from specpilot.indexer import is_support_path
from specpilot.retrieval.config import RetrievalConfig


def rrf(
    lists: Mapping[str, Sequence[str]], weights: Mapping[str, float], k: int
) -> tuple[dict[str, float], dict[str, dict[str, int]]]:
    """``sum(weight / (k + rank))`` over the lists; also each key's 1-based rank per list."""
    scores: dict[str, float] = defaultdict(float)
    ranks: dict[str, dict[str, int]] = defaultdict(dict)
    for name, items in lists.items():
        w = weights.get(name, 0.0)
        if w <= 0:
            continue
        for rank, key in enumerate(items, start=1):
            scores[key] += w / (k + rank)
            ranks[key][name] = rank
    return dict(scores), dict(ranks)


def dedupe(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def is_support_file(path: str, config: RetrievalConfig) -> bool:
    """Tests, docs, examples, build scripts, stubs, changelogs (``config.support_*``)."""
    return is_support_path(path, config.support_dirs, config.support_globs)
