"""A long-lived Searcher (MCP server, flow worker) while the index is re-written under it."""

from __future__ import annotations

from pathlib import Path

from indexer.build import index_repo
from indexer.config import IndexerConfig
from retrieval.config import RetrievalConfig
from retrieval.open import open_searcher
from tests.conftest import write_files
from tests.retrieval.conftest import EMBED, SHOP


def test_a_searcher_survives_a_reindex_and_picks_it_up_on_refresh(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    write_files(root, SHOP)
    db = str(tmp_path / "db")
    cfg = IndexerConfig(embed=EMBED)
    index_repo(root, db=db, config=cfg)
    searcher = open_searcher(db, EMBED, RetrievalConfig())
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
    index_repo(root, db=db, config=cfg)
    # the index moved on under the open searcher: its catalog does not know the new chunks,
    # which the vector and full-text channels now return; they are left out, not a KeyError
    stale = [h.path for h in searcher.search_files(query, 10)]
    assert "shop/wrapping.py" not in stale
    assert searcher.search(query, 5) is not None
    assert searcher.refresh() is True
    assert searcher.search_files(query, 1)[0].path == "shop/wrapping.py"
    assert searcher.refresh() is False  # nothing changed since
