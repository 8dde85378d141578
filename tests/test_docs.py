"""The docs stay true: every config key is documented, the README starts with the two commands."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from specpilot.indexer.config import (
    ChunkConfig,
    EmbedConfig,
    HistoryConfig,
    VectorIndexConfig,
    WalkConfig,
)
from specpilot.retrieval.config import RetrievalConfig

DOCS = Path(__file__).resolve().parent.parent / "docs"


@pytest.mark.parametrize(
    ("cls", "doc"),
    [
        (WalkConfig, "config.md"),
        (ChunkConfig, "config.md"),
        (EmbedConfig, "config.md"),
        (HistoryConfig, "config.md"),
        (VectorIndexConfig, "config.md"),
        (RetrievalConfig, "retrieval.md"),
    ],
)
def test_every_config_key_is_documented(cls: type, doc: str) -> None:
    path = DOCS / doc
    if not path.exists():
        pytest.fail(f"{path} is missing")
    text = path.read_text()
    missing = [f.name for f in dataclasses.fields(cls) if f"`{f.name}`" not in text]
    assert not missing, f"{doc} does not document {cls.__name__} keys {missing}"


def test_readme_opens_with_the_two_commands() -> None:
    head = (DOCS.parent / "README.md").read_text().splitlines()[:12]
    assert any(line.startswith("make demo") for line in head)
    assert any(line.startswith("make test") for line in head)
