"""The co-change channel: files the history changed together with the best files so far.

The index's ``cochange`` table (``indexer/source/history.py``) says, for a file ``a`` and a partner
``b``, how many commits changed both and how many changed ``a``. Given the fused file
scores of a query, the ``cochange_seeds`` best files are the seeds. A file's score in this
channel is its own relative score if it is a seed (``score / best score``), plus
``sum(seed's relative score * together / changes)`` over the other seeds it was changed with
at least ``cochange_min_together`` times: seeds and their partners compete on one scale, so
the channel does not push the best file down, and a seed that history ties to a better seed
rises. The channel is silent (an empty list) when history links no seed to anything.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from specpilot.indexer import IndexStore
from specpilot.retrieval.config import RetrievalConfig


class CoChange:
    def __init__(self, partners: dict[str, list[tuple[str, float]]]) -> None:
        self._partners = partners  # path -> [(partner, together / changes)], best first

    @classmethod
    def load(cls, store: IndexStore, min_together: int) -> CoChange:
        cols = store.cochange()
        rows = zip(cols["path"], cols["partner"], cols["together"], cols["changes"], strict=True)
        return cls.from_counts(rows, min_together)

    @classmethod
    def from_counts(cls, rows: Iterable[tuple[str, str, int, int]], min_together: int) -> CoChange:
        """From ``(path, partner, together, changes)`` rows (the ``cochange`` table's)."""
        partners: dict[str, list[tuple[str, float]]] = defaultdict(list)
        for path, partner, together, changes in rows:
            if together >= min_together and changes > 0:
                partners[path].append((partner, together / changes))
        for lst in partners.values():
            lst.sort(key=lambda pc: (-pc[1], pc[0]))
        return cls(dict(partners))

    def __bool__(self) -> bool:
        return bool(self._partners)

    def partners(self, path: str) -> list[tuple[str, float]]:
        return self._partners.get(path, [])

    def rank(self, scores: Mapping[str, float], config: RetrievalConfig) -> list[str]:
        """Seeds (the best files by ``scores``) and their partners, by the channel's score."""
        seeds = sorted(scores, key=lambda p: (-scores[p], p))[: config.cochange_seeds]
        if not seeds or scores[seeds[0]] <= 0:
            return []
        best = scores[seeds[0]]
        linked: dict[str, float] = defaultdict(float)
        for seed in seeds:
            for partner, confidence in self.partners(seed):
                linked[partner] += scores[seed] / best * confidence
        if not linked:
            return []
        total = {p: linked.get(p, 0.0) for p in linked.keys() | set(seeds)}
        for seed in seeds:
            total[seed] += scores[seed] / best
        ranked = sorted(total, key=lambda p: (-total[p], p))
        return ranked[: config.cochange_seeds + config.cochange_candidates]
