"""Fakes for tests and offline demos of the indexer (like ``pipeline.testing``)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from specpilot.indexer.embed.embedders import HashEmbedder


class RecordingEmbedder:
    """The hash embedder, recording every call (texts and word-piece cap); after
    ``fail_after`` texts it raises, like a run killed part way."""

    def __init__(self, dim: int = 256, *, fail_after: int | None = None) -> None:
        self.inner = HashEmbedder(dim)
        self.fail_after = fail_after
        self.calls: list[tuple[tuple[str, ...], int | None]] = []

    @property
    def model_id(self) -> str:
        return self.inner.model_id

    @property
    def dim(self) -> int:
        return self.inner.dim

    @property
    def texts(self) -> list[str]:
        return [t for texts, _ in self.calls for t in texts]

    def embed(self, texts: Sequence[str], *, max_tokens: int | None = None) -> np.ndarray:
        if self.fail_after is not None and len(self.texts) >= self.fail_after:
            raise RuntimeError("killed")
        self.calls.append((tuple(texts), max_tokens))
        return self.inner.embed(texts, max_tokens=max_tokens)
