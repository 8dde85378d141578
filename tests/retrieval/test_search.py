"""Hybrid search over a small index: files, symbols, channels and the CLI's JSON contract."""

from __future__ import annotations

import dataclasses

import pytest

from specpilot.retrieval.config import RetrievalConfig
from specpilot.retrieval.errors import QueryError
from specpilot.retrieval.search import Searcher
from tests.retrieval.conftest import Indexed


def test_search_files_contract(searcher: Searcher) -> None:
    hits = searcher.search_files("round_price should round half up", 5)
    assert "shop/pricing.py" in [h.path for h in hits[:2]]
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert {"path", "score"} <= set(hits[0].to_dict())


def test_symbol_results_name_the_definition(searcher: Searcher) -> None:
    hits = searcher.search("where is apply_discount computed", 5)
    top = hits[0]
    assert (top.path, top.symbol, top.kind) == ("shop/pricing.py", "apply_discount", "function")
    assert (top.start_line, top.end_line) == (4, 7)
    d = top.to_dict()
    assert {"path", "score", "symbol", "start_line", "end_line"} <= set(d)
    assert d["channels"]["identifier"] == 1


def test_qualified_name_and_missing_member_point_at_the_class(searcher: Searcher) -> None:
    assert searcher.search("Cart.add_item rejects zero", 1)[0].symbol == "Cart.add_item"
    # Cart.remove_item does not exist yet: the change belongs to Cart
    assert "Cart" in {h.symbol for h in searcher.search("add Cart.remove_item", 3)}


def test_stack_frame_maps_to_the_symbol_at_the_line(searcher: Searcher) -> None:
    query = 'Traceback:\n  File "/site/shop/cart.py", line 12, in add_item\nboom'
    hits = searcher.search(query, 3)
    assert hits[0].symbol == "Cart.add_item" and hits[0].ranks.get("frame") == 1


def test_error_message_finds_the_raising_code(searcher: Searcher) -> None:
    ev = searcher.evidence("ValueError: quantity must be a positive number of items")
    first = searcher.catalog.chunks[ev.chunk_lists["message"][0]]
    assert first.path == "shop/cart.py" and "Cart.add_item" in first.symbol


def test_stub_scores_a_share_of_its_module(shop: Indexed) -> None:
    query = "apply_discount rate coupon"
    with_companion = {h.path: h.score for h in shop.searcher().search_files(query, 10)}
    assert with_companion["shop/pricing.pyi"] >= 0.8 * with_companion["shop/pricing.py"]
    off = dataclasses.replace(RetrievalConfig(), stub_companion_factor=0.0)
    without = {h.path: h.score for h in shop.searcher(off).search_files(query, 10)}
    assert without["shop/pricing.pyi"] < with_companion["shop/pricing.pyi"]


def test_support_files_rank_after_code(searcher: Searcher) -> None:
    paths = [h.path for h in searcher.search_files("cart total with discount", 10)]
    assert paths.index("shop/cart.py") < paths.index("tests/test_cart.py")


def test_empty_query_is_a_query_error(searcher: Searcher) -> None:
    with pytest.raises(QueryError, match="query is empty"):
        searcher.search_files("   ")


@pytest.mark.parametrize(
    ("weight", "channel"),
    [
        ("weight_vector", "vector"),
        ("weight_fulltext", "fulltext"),
        ("weight_identifier", "identifier"),
        ("weight_message", "message"),
    ],
)
def test_a_zero_weight_switches_a_channel_off(shop: Indexed, weight: str, channel: str) -> None:
    s = shop.searcher(dataclasses.replace(RetrievalConfig(), **{weight: 0.0}))
    ev = s.evidence("ValueError: quantity must be a positive number of items in Cart.add_item")
    assert ev.chunk_lists[channel] == []
    assert s.search_files("Cart.add_item quantity", 3)


def test_graph_off_means_no_pagerank(shop: Indexed) -> None:
    cfg = dataclasses.replace(
        RetrievalConfig(), weight_graph=0.0, weight_symbol_graph=0.0, weight_neighbors=0.0
    )
    s = shop.searcher(cfg)
    assert s.evidence("cart total").pagerank is None
    assert s.search("cart total", 3)


def test_results_are_deterministic(searcher: Searcher) -> None:
    a = [h.to_dict() for h in searcher.search("shipping cost by country", 10)]
    b = [h.to_dict() for h in searcher.search("shipping cost by country", 10)]
    assert a == b


def test_file_hits_list_each_symbol_once_as_its_own_string(searcher: Searcher) -> None:
    """Merged sibling chunks name several symbols ("a, b"): the hit lists them one by one."""
    for query in ("apply_discount round_price pricing", "Cart add_item total"):
        for hit in searcher.search_files(query, 10):
            assert len(hit.symbols) == len(set(hit.symbols)), hit
            assert all(s and "," not in s and s == s.strip() for s in hit.symbols), hit
    pricing = next(
        h for h in searcher.search_files("round_price", 10) if h.path == "shop/pricing.py"
    )
    assert "round_price" in pricing.symbols
