"""A long-lived Searcher (MCP server, flow worker) while the index is re-written under it."""

from __future__ import annotations

import warnings
from datetime import timedelta
from pathlib import Path

import pytest

from specpilot.indexer.build import index_repo
from specpilot.indexer.config import IndexerConfig
from specpilot.indexer.store.index_store import IndexStore
from specpilot.retrieval.config import RetrievalConfig
from specpilot.retrieval.open import open_searcher
from specpilot.retrieval.search import Searcher
from tests.conftest import write_files
from tests.retrieval.conftest import EMBED, SHOP

CFG = IndexerConfig(embed=EMBED)


@pytest.fixture
def shop(tmp_path: Path) -> tuple[Path, str, Searcher]:
    """The shop repository, indexed, and a searcher opened on it."""
    root = tmp_path / "repo"
    write_files(root, SHOP)
    db = str(tmp_path / "db")
    index_repo(root, db=db, config=CFG)
    return root, db, open_searcher(db, EMBED, RetrievalConfig())


def test_a_searcher_survives_a_reindex_and_picks_it_up_on_refresh(
    shop: tuple[Path, str, Searcher],
) -> None:
    root, db, searcher = shop
    query = "gift wrapping fee for a wrapped parcel"
    assert "shop/wrapping.py" not in [h.path for h in searcher.search_files(query, 10)]

    write_files(
        root,
        {
            "shop/wrapping.py": (
                "def wrapping_fee(parcel):\n"
                '    """Gift wrapping fee for a wrapped parcel."""\n'
                "    return 2.5 if parcel.wrapped else 0.0\n"
            )
        },
    )
    index_repo(root, db=db, config=CFG)
    # the index moved on under the open searcher, which keeps answering from its snapshot
    stale = [h.path for h in searcher.search_files(query, 10)]
    assert "shop/wrapping.py" not in stale
    assert searcher.search(query, 5) is not None
    assert searcher.refresh() is True
    assert searcher.search_files(query, 1)[0].path == "shop/wrapping.py"
    assert searcher.refresh() is False  # nothing changed since


def test_a_searcher_whose_snapshot_was_compacted_away_reads_the_newest(
    shop: tuple[Path, str, Searcher],
) -> None:
    root, db, searcher = shop
    assert searcher.search_files("cart total", 1)[0].path == "shop/cart.py"
    for i in range(2):
        cart = root / "shop" / "cart.py"
        cart.write_text(cart.read_text() + f"\n\ndef extra_{i}():\n    return {i}\n")
        index_repo(root, db=db, config=CFG)
    store = IndexStore.open(db)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "removes every version except the latest": the point
        for name in ("files", "chunks", "symbols", "edges", "meta"):
            store.table(name).optimize(cleanup_older_than=timedelta(0))
    assert searcher.search_files("cart total", 1)[0].path == "shop/cart.py"
    assert searcher.search("extra_1", 3)[0].symbol == "extra_1"
