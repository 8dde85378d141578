"""find_symbol, callers and callees by name."""

from __future__ import annotations

import pytest

from specpilot.retrieval.errors import QueryError
from specpilot.retrieval.search import Searcher


@pytest.mark.parametrize(
    "name", ["apply_discount", "shop.pricing.apply_discount", "shop/pricing.py::apply_discount"]
)
def test_find_symbol_forms(searcher: Searcher, name: str) -> None:
    top = searcher.find_symbol(name)[0]
    assert (top.path, top.symbol) == ("shop/pricing.py", "apply_discount")


def test_code_definitions_come_before_stubs(searcher: Searcher) -> None:
    paths = [h.path for h in searcher.find_symbol("round_price")]
    assert paths == ["shop/pricing.py", "shop/pricing.pyi"]


def test_qualified_and_case_insensitive(searcher: Searcher) -> None:
    assert searcher.find_symbol("Cart.total")[0].symbol == "Cart.total"
    assert searcher.find_symbol("ROUND_PRICE")[0].symbol == "round_price"
    assert searcher.find_symbol("no_such_thing") == []


def test_callers_and_callees(searcher: Searcher) -> None:
    sites = searcher.callers("round_price")
    assert [(u.path, u.symbol, u.kind) for u in sites if u.kind == "call"] == [
        ("shop/cart.py", "Cart.total", "call")
    ]
    assert any(u.kind == "import" and u.path == "shop/cart.py" for u in sites)
    used = searcher.callees("Cart.total")
    assert {u.symbol for u in used} == {"apply_discount", "round_price"}
    assert {u.target for u in used} == {"shop/cart.py::Cart.total"}


def test_empty_name_is_a_query_error(searcher: Searcher) -> None:
    with pytest.raises(QueryError, match="symbol name is empty"):
        searcher.find_symbol("  ")
