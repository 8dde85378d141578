"""The code graph: edges from the index, personalised PageRank, callers and callees."""

from __future__ import annotations

import numpy as np

from specpilot.retrieval.search import Searcher


def test_resolved_calls_are_edges_both_ways(searcher: Searcher) -> None:
    g = searcher.graph
    callees = {n.key for n in g.callees["shop/cart.py::Cart.total"]}
    assert {"shop/pricing.py::round_price", "shop/pricing.py::apply_discount"} <= callees
    callers = {n.key for n in g.callers["shop/pricing.py::round_price"]}
    assert "shop/cart.py::Cart.total" in callers


def test_unresolved_method_calls_match_definitions_by_name(searcher: Searcher) -> None:
    # cart.total() on a parameter: the indexer cannot resolve it, the name matches Cart.total
    uses = searcher.graph.callers["shop/cart.py::Cart.total"]
    assert any(n.key == "shop/shipping.py::shipping_cost" and n.kind == "name" for n in uses)


def test_pagerank_is_a_distribution_that_favours_the_seeds(searcher: Searcher) -> None:
    g = searcher.graph
    glob = g.pagerank()
    assert np.isclose(glob.sum(), 1.0)
    pr = g.pagerank({"shop/shipping.py::shipping_cost": 1.0})
    assert np.isclose(pr.sum(), 1.0)
    symbols = g.symbol_scores(pr)
    top3 = sorted(symbols, key=lambda k: -symbols[k])[:3]
    assert "shop/shipping.py::shipping_cost" in top3
    # a neighbour of the seed gains against the global ranking
    i = g.index["shop/cart.py::Cart.total"]
    assert pr[i] > glob[i]


def test_unknown_seeds_fall_back_to_global_pagerank(searcher: Searcher) -> None:
    g = searcher.graph
    assert np.allclose(g.pagerank({"no/such.py::x": 1.0}), g.pagerank())
