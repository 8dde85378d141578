"""Collector: the measurements' sink, turning observations into ``FileFacts``.

In counting mode (indexing) it keeps counts and the first few lines per ``family=variant``;
with ``keep=True`` (checking a diff) it also keeps every ``Observation`` with its subject.
"""

from __future__ import annotations

from collections import Counter

from specpilot.conventions.types import FileFacts, Item, Observation, Setting, fact_key


class Collector:
    def __init__(self, *, max_examples: int = 3, keep: bool = False) -> None:
        self.counts: Counter[str] = Counter()
        self.examples: dict[str, list[int]] = {}
        self.observations: list[Observation] = []
        self.items: list[Item] = []
        self._max = max_examples
        self._keep = keep

    def add(
        self, family: str, variant: str, line: int, subject: str = "", *, file_level: bool = False
    ) -> None:
        key = fact_key(family, variant)
        self.counts[key] += 1
        lines = self.examples.setdefault(key, [])
        if len(lines) < self._max:
            lines.append(line)
        if self._keep:
            self.observations.append(Observation(family, variant, line, subject, file_level))

    def item(self, family: str, variant: str, subject: str, line: int) -> None:
        """An observation that aggregation needs by name (also counted)."""
        self.items.append(Item(family, variant, subject, line))
        self.add(family, variant, line, subject)

    def facts(self, path: str, language: str, settings: tuple[Setting, ...] = ()) -> FileFacts:
        return FileFacts(
            path=path,
            language=language,
            counts=dict(self.counts),
            examples={k: tuple(v) for k, v in self.examples.items()},
            settings=settings,
            items=tuple(self.items),
        )
