"""Files that history changed together with the best files join the file ranking."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from specpilot.indexer.build import index_repo
from specpilot.indexer.config import IndexerConfig
from specpilot.retrieval.cochange import CoChange
from specpilot.retrieval.config import RetrievalConfig
from specpilot.retrieval.open import open_searcher
from tests.retrieval.conftest import EMBED

FILES = {
    "net/session.py": (
        "from net.proxy import select_proxy\n\n\n"
        "def open_connection(url, proxies):\n"
        '    """Open a pooled connection to url, through the proxy that matches it."""\n'
        "    proxy = select_proxy(url, proxies)\n"
        "    return (url, proxy)\n"
    ),
    "net/proxy.py": (
        "def select_proxy(url, proxies):\n"
        '    """The proxy for a url: scheme and host first, then scheme only."""\n'
        "    return proxies.get(url.split(':')[0])\n"
    ),
    "net/errors.py": "class NetError(Exception):\n    pass\n\n\nclass BadAddress(NetError):\n    pass\n",
    "net/format.py": "def pretty(data):\n    return repr(data)\n",
}


def test_rank_lists_seeds_then_partners_by_weighted_confidence() -> None:
    co = CoChange(
        {
            "a.py": [("b.py", 0.8), ("c.py", 0.3)],
            "d.py": [("c.py", 1.0), ("a.py", 0.5)],
        }
    )
    cfg = dataclasses.replace(RetrievalConfig(), cochange_seeds=2)
    scores = {"a.py": 1.0, "d.py": 0.5, "x.py": 0.1}
    # a: 1.0 itself + 0.5 * 0.5 from d = 1.25; b: 1.0 * 0.8; c: 1.0 * 0.3 + 0.5 * 1.0 = 0.8
    # (a tie, by path); d: 0.5 itself, nothing ties it to a
    assert co.rank(scores, cfg) == ["a.py", "b.py", "c.py", "d.py"]
    assert CoChange({}).rank(scores, cfg) == [] and not CoChange({})


def test_a_file_always_changed_with_the_best_match_joins_the_ranking(
    make_repo, tmp_path: Path, git
) -> None:
    root = make_repo(FILES, git=True)
    for i in range(3):  # every proxy change also touched errors.py
        for p in ("net/proxy.py", "net/errors.py"):
            (root / p).write_text((root / p).read_text() + f"# change {i}\n")
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", f"proxy fix {i}")
    db = str(tmp_path / "db")
    index_repo(root, db=db, config=IndexerConfig(embed=EMBED))
    query = "select_proxy picks the wrong proxy for a url with a host"
    hits = open_searcher(db, EMBED, RetrievalConfig()).search_files(query, 10)
    ranks = {h.path: h.ranks for h in hits}
    assert hits[0].path == "net/proxy.py"
    assert ranks["net/errors.py"]["cochange"] <= 2  # tied to the best file by history
    off = open_searcher(db, EMBED, dataclasses.replace(RetrievalConfig(), weight_cochange=0.0))
    assert all("cochange" not in h.ranks for h in off.search_files(query, 10))
